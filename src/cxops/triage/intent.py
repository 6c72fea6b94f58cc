"""The intent model: word and character TF-IDF with a calibrated logistic regression, and
optionally frozen sentence embeddings for the messages it is unsure of.

The fast tier (the default) is trainable in seconds to a minute on a CPU, well under a
millisecond per message, and honest about its confidence. The embedding tier, chosen at training
time, adds a second logistic regression on all-MiniLM-L6-v2 sentence embeddings (the `embeddings`
install extra, see `cxops.triage.embedding`) behind a cascade: `predict` runs the fast tier on the
whole batch, then embeds, in one batch, only the messages whose fast-tier top probability is below
`EmbeddingParams.cascade_confidence`, and gives those the combined answer of both. Messages the
fast tier is sure of never pay for the encoder. The contract is the one every ML component has:
`train(...) -> IntentModel`, `IntentModel.save(directory)` / `load_intent_model(directory)`, and
`IntentModel.predict(batch)`, whatever the tier.

How confidences are made honest. `train` holds out a stratified validation slice, fits the model on
the rest, and learns one temperature (a scalar dividing the logits) that minimises the negative
log-likelihood of the held-out labels. On the same slice it tunes an out-of-scope threshold: when
the training data has out-of-scope examples, the one that best balances in-scope accuracy and
out-of-scope recall (their sum, near-ties going to the lower threshold); when it has none, the one
that rejects a target share (5%) of in-scope messages. Then it refits on all the data and keeps
the temperature and the threshold. The temperature learnt on 80% of the data is applied to the
model refitted on all of it, which is slightly more confident: a small, accepted optimism. The
embedding tier learns a second temperature, for the combined logits, on the same slice, and tunes
the threshold on the cascade's final probabilities.

How prediction stays fast. The sklearn vectorisers learn the vocabulary and IDF weights, but
`predict` does not call their `transform` (whose per-call validation costs more than the model
itself on one short message). It computes the same TF-IDF rows with a handful of numpy operations
over the whole batch and multiplies them by the coefficient blocks directly; a test checks that
the two paths agree.
"""

import copy
import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Final

import joblib  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt
import sklearn  # type: ignore[import-untyped]
from scipy import sparse  # type: ignore[import-untyped]
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]
from scipy.special import logsumexp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import FeatureUnion  # type: ignore[import-untyped]

from cxops.domain.triage import IntentPrediction, IntentScore
from cxops.triage.embedding import ENCODER_NAME, SentenceEncoder, load_encoder

OUT_OF_SCOPE: Final = "out_of_scope"
ARTIFACT_FORMAT: Final = 1
METADATA_FILE: Final = "metadata.json"
OBJECTS_FILE: Final = "model.joblib"

Progress = Callable[[str, float], None]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# Rows of a batch -> their embedding-tier logits; lets training reuse the embeddings it computed.
EmbeddingLogits = Callable[[IntArray], FloatArray]

# The temperature search range (log scale) and the threshold grid; both are generous: a fitted
# temperature near a bound means the validation slice is degenerate, not that the range is short.
_LOG_TEMPERATURE_BOUNDS: Final = (-4.0, 4.0)
_THRESHOLD_GRID: Final = np.linspace(0.0, 1.0, 401)
# In-scope accuracy + out-of-scope recall is flat near its peak, and recall measured on a few dozen
# out-of-scope examples moves in steps of several points, so the exact argmax wanders with the
# split. Taking the lowest threshold within 2 points of the best keeps the operating point stable
# and, on a near-tie, prefers sending fewer in-scope messages to people.
_BALANCE_TOLERANCE: Final = 0.02
# The share of an embedding-tier training run spent embedding the texts, for progress reports.
_EMBEDDING_SHARE: Final = 0.6
# Marks embedding-tier versions, so `cxops model list` shows the tier.
_EMBEDDING_VERSION_SUFFIX: Final = "emb"


class IntentModelError(ValueError):
    """An artifact on disk is missing, from an unknown format, or inconsistent."""


class Tier(StrEnum):
    """What the model spends per message: TF-IDF alone, or sentence embeddings when unsure."""

    FAST = "fast"
    EMBEDDING = "embedding"


@dataclass(frozen=True, slots=True)
class IntentModelParams:
    """Pinned hyperparameters (see benchmarks/README.md for what they reach).

    On CLINC150 and BANKING77, C from 10 to 50, min_df 1 or 2, char 1-6-grams and word 1-3-grams
    all land within half a point of each other; these are the cheapest of them. `c` is the
    logistic regression's inverse regularisation strength. `min_df=2` drops n-grams seen in only
    one training text, halving training time and artifact size at no cost in accuracy.
    `validation_fraction` of each intent is held out to calibrate; `target_rejection_rate` is the
    share of in-scope messages the threshold may reject when there are no out-of-scope
    examples to tune it on. `random_state` fixes the validation split (the solver is
    deterministic), so the same data and params give the same model.
    """

    word_ngram_range: tuple[int, int] = (1, 2)
    char_ngram_range: tuple[int, int] = (2, 5)
    min_df: int = 2
    c: float = 10.0
    max_iter: int = 1000
    tol: float = 1e-4
    validation_fraction: float = 0.2
    target_rejection_rate: float = 0.05
    random_state: int = 0


@dataclass(frozen=True, slots=True)
class EmbeddingParams:
    """Pinned hyperparameters of the embedding tier (see benchmarks/README.md for what they reach).

    A logistic regression with inverse regularisation `c` is fitted on the L2-normalised
    all-MiniLM-L6-v2 embeddings. A message whose calibrated fast-tier top probability is below
    `cascade_confidence` is embedded, and its logits become `embedding_weight` x log p_embedding
    + (1 - `embedding_weight`) x log p_fast, divided by their own temperature; the others keep the
    fast tier's answer. `max_seq_length` truncates the encoder's input (in tokens): a customer
    message says what it is about early, and a long email costs the encoder time per token.
    On CLINC150 (full, out-of-scope as a class) this reaches 95.8% in-scope accuracy without a
    threshold, 93.2% in-scope at 81.6% out-of-scope recall with the threshold tuned on the
    validation split, and embeds 19% of in-scope and 90% of out-of-scope messages; BANKING77
    94.3%. In a sweep on CLINC150, C from 10 to 100 and weights from 0.6 to 0.8 landed within 0.3
    points of each other; a cascade confidence of 0.9 embedded 17% of in-scope messages for 0.2
    points less, 0.99 embedded 36% for 0.1 points more.
    """

    c: float = 30.0
    embedding_weight: float = 0.7
    cascade_confidence: float = 0.95
    max_seq_length: int = 128


@dataclass(frozen=True, slots=True)
class _EmbeddingHead:
    """The embedding tier's half of a model: the shared encoder and a classifier on its output."""

    encoder: SentenceEncoder
    classifier: LogisticRegression
    weights: FloatArray
    intercept: FloatArray

    @classmethod
    def of(cls, encoder: SentenceEncoder, classifier: LogisticRegression) -> "_EmbeddingHead":
        weights, intercept = _linear(classifier)
        return cls(encoder=encoder, classifier=classifier, weights=weights, intercept=intercept)

    def logits(self, embeddings: FloatArray) -> FloatArray:
        return embeddings @ self.weights + self.intercept


@dataclass(frozen=True, slots=True)
class _Block:
    """One fitted TF-IDF vectoriser, reduced to what the fast path needs."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: FloatArray

    def entries(self, texts: Sequence[str]) -> tuple[IntArray, IntArray, FloatArray]:
        """Return (row, column, value) of the sublinear-tf, IDF-weighted, L2-normalised matrix
        sklearn's `transform` gives, ordered by row then column."""
        grams = [self.analyze(text) for text in texts]
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        flat = list(chain.from_iterable(grams))
        ids = np.fromiter(
            map(self.vocabulary.get, flat, repeat(-1)), dtype=np.int64, count=len(flat)
        )
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        known = ids >= 0
        width = len(self.idf)
        keys, counts = np.unique(owner[known] * width + ids[known], return_counts=True)
        rows, columns = np.divmod(keys, width)
        values = (np.log(counts) + 1.0) * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        return rows, columns, values / norms[rows]


def _tfidf(blocks: Sequence[_Block], texts: Sequence[str]) -> sparse.csr_matrix:
    """Return the blocks' features side by side, as `FeatureUnion.transform` would."""
    parts = [block.entries(texts) for block in blocks]
    offsets = np.cumsum([0, *(len(block.idf) for block in blocks)])
    rows = np.concatenate([part[0] for part in parts])
    columns = np.concatenate(
        [part[1] + offset for part, offset in zip(parts, offsets[:-1], strict=True)]
    )
    values = np.concatenate([part[2] for part in parts])
    order = np.argsort(rows * offsets[-1] + columns, kind="stable")
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
    return sparse.csr_matrix(
        (values[order], columns[order], indptr), shape=(len(texts), int(offsets[-1]))
    )


class IntentModel:
    """A trained intent model: top-k intents with calibrated confidences and an out-of-scope call.

    Build one with `train` or `load_intent_model`. Instances are never changed after creation
    (`with_threshold` returns a copy), so one can serve every thread of a process. An
    embedding-tier model needs `encoder` and `embedding_classifier`; a fast-tier one neither.
    """

    def __init__(
        self,
        *,
        features: FeatureUnion,
        classifier: LogisticRegression,
        metadata: dict[str, Any],
        encoder: SentenceEncoder | None = None,
        embedding_classifier: LogisticRegression | None = None,
    ) -> None:
        labels = tuple(str(label) for label in classifier.classes_)
        if list(labels) != metadata["labels"]:
            raise IntentModelError("the classifier's classes do not match the metadata's labels")
        self._head: _EmbeddingHead | None = None
        if metadata.get("tier", Tier.FAST) == Tier.EMBEDDING:
            if encoder is None or embedding_classifier is None:
                raise IntentModelError("an embedding-tier model needs its encoder and classifier")
            if list(embedding_classifier.classes_) != list(labels):
                raise IntentModelError("the embedding classifier's classes do not match the labels")
            if embedding_classifier.coef_.shape[1] != encoder.dimension:
                raise IntentModelError("the embedding classifier does not fit the encoder's output")
            self._head = _EmbeddingHead.of(encoder, embedding_classifier)
        self._features = features
        self._classifier = classifier
        self._metadata = metadata
        self._labels = labels
        oos = metadata["oos_label"]
        self._in_scope = np.array([i for i, x in enumerate(labels) if x != oos], dtype=np.int64)
        self._oos_column = labels.index(oos) if oos in labels else None
        self._intents = tuple(labels[i] for i in self._in_scope)
        self._blocks = _blocks(features)
        self._weights, self._intercept = _linear(classifier)

    @property
    def version(self) -> str:
        """`intent-<UTC timestamp>-<first 8 hex of the training-data fingerprint>`, then `-emb`
        for the embedding tier."""
        return str(self._metadata["version"])

    @property
    def labels(self) -> tuple[str, ...]:
        """Every class of the classifier, sorted; the out-of-scope label too if it was trained."""
        return self._labels

    @property
    def intents(self) -> tuple[str, ...]:
        """The in-scope intents this model can predict, sorted."""
        return self._intents

    @property
    def tier(self) -> Tier:
        """`fast` (TF-IDF alone) or `embedding` (sentence embeddings when TF-IDF is unsure)."""
        return Tier(self._metadata.get("tier", Tier.FAST))

    @property
    def encoder(self) -> SentenceEncoder | None:
        """The process's sentence encoder this model uses; None for the fast tier."""
        return None if self._head is None else self._head.encoder

    @property
    def oos_label(self) -> str:
        """The training label that meant out-of-scope (predictions always say `out_of_scope`)."""
        return str(self._metadata["oos_label"])

    @property
    def temperature(self) -> float:
        """The scalar the fast tier's logits are divided by before the softmax."""
        return float(self._metadata["temperature"])

    @property
    def cascade_temperature(self) -> float | None:
        """The scalar the combined logits are divided by; None for the fast tier."""
        value = self._metadata.get("cascade_temperature")
        return None if value is None else float(value)

    @property
    def threshold(self) -> float:
        """Below this top in-scope probability a message is called out-of-scope."""
        return float(self._metadata["threshold"])

    @property
    def params(self) -> IntentModelParams:
        """The hyperparameters this model was trained with."""
        return _params_from_json(self._metadata["params"])

    @property
    def embedding_params(self) -> EmbeddingParams | None:
        """The embedding tier's hyperparameters; None for the fast tier."""
        raw = self._metadata.get("embedding_params")
        return None if raw is None else EmbeddingParams(**raw)

    @property
    def metrics(self) -> dict[str, float | int | str]:
        """Figures measured on the held-out validation slice, before the refit on all data."""
        return dict(self._metadata["metrics"])

    def with_threshold(self, threshold: float) -> "IntentModel":
        """Return a copy that calls a message out-of-scope below `threshold` instead."""
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be within [0, 1], got {threshold}")
        return self._with_metadata(threshold=float(threshold))

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """Return calibrated probabilities: one row per text, one column per `labels` entry.

        For the embedding tier, only the texts the fast tier is unsure of are embedded, in one
        batch.
        """
        logits = self._logits(texts)
        head = self._head
        if head is None:
            return _softmax(logits / self.temperature)
        return self._cascade(
            logits, lambda rows: head.logits(head.encoder.encode([texts[i] for i in rows]))
        )

    def predict(self, texts: Sequence[str], *, k: int = 3) -> list[IntentPrediction]:
        """Predict each text's intent, with the `k` most likely in-scope intents as alternatives.

        `alternatives` holds the k most likely in-scope intents, best first, so for an in-scope
        call its first entry is the predicted intent itself. A message is out-of-scope when the
        out-of-scope class wins or its top in-scope probability is below the threshold; its
        `confidence` is then 1 minus that top in-scope probability.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if not texts:
            return []
        probabilities = self.probabilities(texts)
        in_scope = probabilities[:, self._in_scope]
        order = np.argsort(-in_scope, axis=1, kind="stable")[:, : min(k, in_scope.shape[1])]
        top = np.take_along_axis(in_scope, order, axis=1)
        rejected = top[:, 0] < self.threshold
        if self._oos_column is not None:
            rejected |= probabilities.argmax(axis=1) == self._oos_column
        intents = self.intents
        predictions = []
        for ranks, scores, out in zip(order.tolist(), top.tolist(), rejected.tolist(), strict=True):
            alternatives = tuple(
                IntentScore(intents[r], s) for r, s in zip(ranks, scores, strict=True)
            )
            name, confidence = (
                (OUT_OF_SCOPE, 1.0 - scores[0]) if out else (intents[ranks[0]], scores[0])
            )
            predictions.append(IntentPrediction(name, confidence, alternatives, out))
        return predictions

    def save(self, directory: Path) -> None:
        """Write the artifact into `directory` (created if missing): joblib objects + metadata.

        The joblib file is a pickle: load artifacts only from a directory you trust.
        """
        directory.mkdir(parents=True, exist_ok=True)
        objects = {"features": self._features, "classifier": self._classifier}
        if self._head is not None:
            objects["embedding_classifier"] = self._head.classifier
        joblib.dump(objects, directory / OBJECTS_FILE)
        (directory / METADATA_FILE).write_text(
            json.dumps(self._metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )

    def _with_metadata(self, **changes: Any) -> "IntentModel":
        clone = copy.copy(self)
        clone._metadata = {**self._metadata, **changes}
        return clone

    def _logits(self, texts: Sequence[str]) -> FloatArray:
        return _tfidf(self._blocks, texts) @ self._weights + self._intercept  # type: ignore[no-any-return]

    def _cascade(self, fast_logits: FloatArray, embedding_logits: EmbeddingLogits) -> FloatArray:
        """Calibrated fast-tier probabilities, with the unsure rows replaced by combined ones."""
        probabilities = _softmax(fast_logits / self.temperature)
        params = EmbeddingParams(**self._metadata["embedding_params"])
        routed = np.flatnonzero(probabilities.max(axis=1) < params.cascade_confidence)
        if len(routed):
            combined = _combine(
                fast_logits[routed], embedding_logits(routed), weight=params.embedding_weight
            )
            probabilities[routed] = _softmax(combined / self._metadata["cascade_temperature"])
        return probabilities


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    params: IntentModelParams = IntentModelParams(),
    tier: Tier = Tier.FAST,
    embedding_params: EmbeddingParams = EmbeddingParams(),
    oos_label: str = OUT_OF_SCOPE,
    progress: Progress | None = None,
) -> IntentModel:
    """Train on a slice, calibrate on the held-out rest, then refit on everything.

    `oos_label` marks the out-of-scope examples in `labels`, if there are any: it is a class like
    any other, and predictions call it `out_of_scope`. Every label needs at least two examples,
    because one is held out. `embedding_params` matter only for the embedding tier, which embeds
    every text once (its longest stage) and raises `EmbeddingsUnavailableError` when the
    `embeddings` extra is not installed. `progress(stage, fraction)` is told how far the run is
    (0 to 1).
    """
    report = progress or _ignore_progress
    _check_training_data(texts, labels, oos_label=oos_label)
    fit_rows, validation_rows = _split(labels, params=params)
    validation_texts = [texts[i] for i in validation_rows]
    validation_labels = [labels[i] for i in validation_rows]
    embeddings = None
    start = 0.0
    if tier == Tier.EMBEDDING:
        start = _EMBEDDING_SHARE
        encoder = load_encoder(max_seq_length=embedding_params.max_seq_length)
        report("embedding the training texts", 0.0)
        embeddings = encoder.encode(
            texts,
            progress=lambda done: report("embedding the training texts", start * done / len(texts)),
        )

    report("fitting on the training slice", start)
    holdout = _fit(
        [texts[i] for i in fit_rows],
        [labels[i] for i in fit_rows],
        params=params,
        oos_label=oos_label,
        embedding_params=embedding_params,
        embeddings=None if embeddings is None else embeddings[fit_rows],
    )
    report("calibrating on the validation slice", start + 0.45 * (1 - start))
    logits = holdout._logits(validation_texts)
    gold = np.searchsorted(np.array(holdout.labels), np.array(validation_labels))
    calibrated = holdout._with_metadata(temperature=_fit_temperature(logits, gold))
    metrics: dict[str, float | int | str] = {
        "examples": len(texts),
        "validation_examples": len(validation_rows),
    }

    held_logits = None
    if holdout._head is not None and embeddings is not None:
        held_logits = holdout._head.logits(embeddings[validation_rows])

    def answer(model: IntentModel) -> FloatArray:
        """The model's calibrated probabilities on the validation slice, embedded once."""
        if held_logits is None:
            return _softmax(logits / model.temperature)
        return model._cascade(logits, lambda rows: held_logits[rows])

    if held_logits is not None:
        # Fitted on every held-out message, not only on those the cascade routes: as good on
        # CLINC150 (a lower calibration error, in fact) and never degenerate on small data.
        combined = _combine(logits, held_logits, weight=embedding_params.embedding_weight)
        calibrated = calibrated._with_metadata(cascade_temperature=_fit_temperature(combined, gold))
        top = _softmax(logits / calibrated.temperature).max(axis=1)
        routed = top < embedding_params.cascade_confidence
        metrics |= {
            "validation_accuracy_fast_tier": float(np.mean(logits.argmax(axis=1) == gold)),
            "validation_cascade_rate": float(routed.mean()),
        }
    probabilities = answer(calibrated)
    threshold, threshold_metrics = _tune(calibrated, probabilities, validation_labels)
    metrics |= {
        "validation_accuracy": float(np.mean(probabilities.argmax(axis=1) == gold)),
        "validation_nll_uncalibrated": _nll_of(answer(holdout), gold),
        "validation_nll_calibrated": _nll_of(probabilities, gold),
        **threshold_metrics,
    }

    report("refitting on all the data", start + 0.5 * (1 - start))
    final = _fit(
        texts,
        labels,
        params=params,
        oos_label=oos_label,
        embedding_params=embedding_params,
        embeddings=embeddings,
    )
    report("done", 1.0)
    learnt = ("temperature", "cascade_temperature")
    return final._with_metadata(
        threshold=threshold,
        metrics=metrics,
        **{key: calibrated._metadata[key] for key in learnt if key in calibrated._metadata},
    )


def tune_threshold(model: IntentModel, texts: Sequence[str], labels: Sequence[str]) -> float:
    """Return the out-of-scope threshold `train` would pick on this labelled data.

    With out-of-scope examples (labelled `model.oos_label`) it takes the lowest threshold within 2
    points of the best in-scope accuracy + out-of-scope recall; without, the one that rejects
    `target_rejection_rate` of the in-scope messages.
    Pair it with `with_threshold` to tune on a validation split of your own.
    """
    threshold, _ = _tune(model, model.probabilities(texts), labels)
    return threshold


def load_intent_model(directory: Path) -> IntentModel:
    """Load an artifact written by `IntentModel.save`; raise `IntentModelError` if it is not one.

    An embedding-tier artifact loads the process's sentence encoder too (once per process), and
    raises `EmbeddingsUnavailableError` when the `embeddings` extra is not installed.
    The joblib file is a pickle: load artifacts only from a directory you trust.
    """
    metadata_path = directory / METADATA_FILE
    objects_path = directory / OBJECTS_FILE
    for path in (metadata_path, objects_path):
        if not path.is_file():
            raise IntentModelError(f"{directory}: not an intent model ({path.name} is missing)")
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IntentModelError(f"{metadata_path}: not valid JSON ({exc})") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != ARTIFACT_FORMAT:
        raise IntentModelError(f"{metadata_path}: unknown format (expected {ARTIFACT_FORMAT})")
    tier = metadata.get("tier", Tier.FAST)
    if tier not in set(Tier):
        raise IntentModelError(f"{metadata_path}: unknown tier {tier!r}")
    encoder = None
    if tier == Tier.EMBEDDING:
        described = metadata.get("encoder", {}).get("name")
        if described != ENCODER_NAME:
            raise IntentModelError(f"{metadata_path}: trained with encoder {described!r}, not ours")
        encoder = load_encoder(max_seq_length=metadata["embedding_params"]["max_seq_length"])
    objects = joblib.load(objects_path)
    return IntentModel(
        features=objects["features"],
        classifier=objects["classifier"],
        metadata=metadata,
        encoder=encoder,
        embedding_classifier=objects.get("embedding_classifier"),
    )


def data_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """Return the SHA-256 of the (text, label) multiset: the same examples in any order match."""
    digest = hashlib.sha256()
    pairs = zip(texts, labels, strict=True)
    for line in sorted(json.dumps(pair, ensure_ascii=False) for pair in pairs):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _ignore_progress(stage: str, fraction: float) -> None:
    """Stand in for a missing progress callback."""


def _check_training_data(texts: Sequence[str], labels: Sequence[str], *, oos_label: str) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if sum(1 for label in counts if label != oos_label) < 2:
        raise ValueError("training needs at least two in-scope intents")
    too_few = sorted(label for label, count in counts.items() if count < 2)
    if too_few:
        raise ValueError(
            "every label needs at least two examples (one is held out to calibrate): "
            + ", ".join(too_few)
        )


def _split(labels: Sequence[str], *, params: IntentModelParams) -> tuple[list[int], list[int]]:
    """Hold out `validation_fraction` of each label (at least one, never all), reproducibly."""
    rng = np.random.default_rng(params.random_state)
    y = np.array(labels)
    held: list[int] = []
    for label in sorted(set(labels)):
        rows = np.flatnonzero(y == label)
        size = min(len(rows) - 1, max(1, round(len(rows) * params.validation_fraction)))
        held.extend(rng.permutation(rows)[:size].tolist())
    validation = sorted(held)
    taken = set(validation)
    return [i for i in range(len(labels)) if i not in taken], validation


def _vectorizer(analyzer: str, ngram_range: tuple[int, int], min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=analyzer,
        ngram_range=ngram_range,
        min_df=min_df,
        sublinear_tf=True,
        strip_accents="unicode",
    )


def _blocks(features: FeatureUnion) -> tuple[_Block, ...]:
    return tuple(
        _Block(
            analyze=vectorizer.build_analyzer(),
            vocabulary=dict(vectorizer.vocabulary_),
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
        )
        for _, vectorizer in features.transformer_list
    )


def _fit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    params: IntentModelParams,
    oos_label: str,
    embedding_params: EmbeddingParams,
    embeddings: FloatArray | None,
) -> IntentModel:
    """Fit on exactly this data, with temperatures 1 and threshold 0; with `embeddings` (one row
    per text), an embedding-tier model."""
    features = FeatureUnion(
        [
            ("word", _vectorizer("word", params.word_ngram_range, params.min_df)),
            ("char", _vectorizer("char_wb", params.char_ngram_range, params.min_df)),
        ]
    )
    try:
        features.fit(list(texts))
    except ValueError as exc:  # sklearn's "empty vocabulary" and "no terms remain"
        raise ValueError(f"cannot learn n-gram features from these texts: {exc}") from exc
    matrix = _tfidf(_blocks(features), texts)
    classifier = LogisticRegression(
        C=params.c, max_iter=params.max_iter, tol=params.tol, random_state=params.random_state
    )
    classifier.fit(matrix, np.array(labels))
    fingerprint = data_fingerprint(texts, labels)
    created_at = datetime.now(UTC).replace(microsecond=0)
    metadata: dict[str, Any] = {
        "format": ARTIFACT_FORMAT,
        "version": f"intent-{created_at:%Y%m%dT%H%M%S}-{fingerprint[:8]}",
        "created_at": created_at.isoformat(),
        "tier": Tier.FAST.value,
        "data_fingerprint": fingerprint,
        "params": asdict(params),
        "labels": [str(label) for label in classifier.classes_],
        "oos_label": oos_label,
        "temperature": 1.0,
        "threshold": 0.0,
        "sklearn_version": sklearn.__version__,
        "metrics": {},
    }
    if embeddings is None:
        return IntentModel(features=features, classifier=classifier, metadata=metadata)
    encoder = load_encoder(max_seq_length=embedding_params.max_seq_length)
    embedding_classifier = LogisticRegression(
        C=embedding_params.c,
        max_iter=params.max_iter,
        tol=params.tol,
        random_state=params.random_state,
    )
    embedding_classifier.fit(embeddings, np.array(labels))
    metadata |= {
        "version": f"{metadata['version']}-{_EMBEDDING_VERSION_SUFFIX}",
        "tier": Tier.EMBEDDING.value,
        "encoder": encoder.describe(),
        "embedding_params": asdict(embedding_params),
        "cascade_temperature": 1.0,
    }
    return IntentModel(
        features=features,
        classifier=classifier,
        metadata=metadata,
        encoder=encoder,
        embedding_classifier=embedding_classifier,
    )


def _params_from_json(raw: dict[str, Any]) -> IntentModelParams:
    """Rebuild params from metadata.json, where JSON turned the n-gram tuples into lists."""
    fields: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value for key, value in raw.items()
    }
    return IntentModelParams(**fields)


def _linear(classifier: LogisticRegression) -> tuple[FloatArray, FloatArray]:
    """Return (weights, intercept) giving one logit per class: weights are (n_features,
    n_classes) and C-contiguous, so sparse @ dense needs no copy per call.

    With two classes sklearn keeps one row, the second class's logit against a first at 0.
    """
    weights = np.asarray(classifier.coef_, dtype=np.float64)
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if len(classifier.classes_) == 2:
        weights = np.vstack([np.zeros_like(weights), weights])
        intercept = np.concatenate([np.zeros_like(intercept), intercept])
    return np.ascontiguousarray(weights.T), intercept


def _softmax(logits: FloatArray) -> FloatArray:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def _log_softmax(logits: FloatArray) -> FloatArray:
    return logits - logsumexp(logits, axis=1, keepdims=True)  # type: ignore[no-any-return]


def _combine(fast_logits: FloatArray, embedding_logits: FloatArray, *, weight: float) -> FloatArray:
    """Logits of the weighted geometric mean of the two tiers' (uncalibrated) probabilities."""
    return weight * _log_softmax(embedding_logits) + (1.0 - weight) * _log_softmax(fast_logits)


def _nll(logits: FloatArray, gold: IntArray) -> float:
    """Mean negative log-likelihood of the gold classes under softmax(logits)."""
    picked = np.take_along_axis(logits, gold[:, None], axis=1)[:, 0]
    return float(np.mean(logsumexp(logits, axis=1) - picked))


def _nll_of(probabilities: FloatArray, gold: IntArray) -> float:
    """Mean negative log-likelihood of the gold classes under these probabilities."""
    picked = np.take_along_axis(probabilities, gold[:, None], axis=1)[:, 0]
    return float(-np.mean(np.log(np.maximum(picked, np.finfo(np.float64).tiny))))


def _fit_temperature(logits: FloatArray, gold: IntArray) -> float:
    """Return the temperature that minimises the NLL of `gold` under softmax(logits / T)."""
    result = minimize_scalar(
        lambda log_t: _nll(logits / math.exp(log_t), gold),
        bounds=_LOG_TEMPERATURE_BOUNDS,
        method="bounded",
    )
    return math.exp(float(result.x))


def _tune(
    model: IntentModel, probabilities: FloatArray, labels: Sequence[str]
) -> tuple[float, dict[str, float | int | str]]:
    """Pick the threshold from `model`'s probabilities on labelled data; also return what it
    achieves there."""
    in_scope = probabilities[:, model._in_scope]
    top = in_scope.max(axis=1)
    guess = np.array(model.intents)[in_scope.argmax(axis=1)]
    gold = np.array(labels)
    gold_oos = gold == model.oos_label
    by_class = np.zeros(len(labels), dtype=bool)
    if model._oos_column is not None:
        by_class = probabilities.argmax(axis=1) == model._oos_column
    if not gold_oos.any() or gold_oos.all():
        rate = model.params.target_rejection_rate
        threshold = float(np.quantile(top[~gold_oos], rate)) if (~gold_oos).any() else 0.0
        return threshold, {"threshold": threshold, "threshold_rule": f"reject {rate:.0%} in-scope"}
    # rejected[i, j]: text i is called out-of-scope at the j-th candidate threshold.
    rejected = by_class[:, None] | (top[:, None] < _THRESHOLD_GRID[None, :])
    right = (guess == gold)[:, None] & ~rejected
    in_scope_accuracy = right[~gold_oos].mean(axis=0)
    oos_recall = rejected[gold_oos].mean(axis=0)
    balance = in_scope_accuracy + oos_recall
    best = int(np.flatnonzero(balance >= balance.max() - _BALANCE_TOLERANCE)[0])
    threshold = float(_THRESHOLD_GRID[best])
    return threshold, {
        "threshold": threshold,
        "threshold_rule": "in-scope accuracy + out-of-scope recall",
        "validation_in_scope_accuracy": float(in_scope_accuracy[best]),
        "validation_oos_recall": float(oos_recall[best]),
    }
