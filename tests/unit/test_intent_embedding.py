"""The embedding tier of the intent model, with the real MiniLM encoder (the `embeddings` extra).

The model is trained once per module on a few hundred examples of the shipped corpus, so the
whole file runs in well under a minute.
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from cxops.learning.corpus import build_corpus
from cxops.learning.evaluation import evaluate
from cxops.triage.embedding import ENCODER_NAME, INSTALL_COMMAND
from cxops.triage.intent import (
    EmbeddingParams,
    IntentModel,
    Tier,
    load_intent_model,
    train,
)

PER_LABEL = 12
DEV_SET = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "retail_intents_dev.jsonl"


def corpus_slice(per_label: int, *, seed: int) -> tuple[list[str], list[str]]:
    """`per_label` examples of every label of the shipped corpus, drawn reproducibly."""
    by_label: dict[str, list[str]] = {}
    for example in build_corpus():
        by_label.setdefault(example.label, []).append(example.text)
    rng = random.Random(seed)
    texts, labels = [], []
    for label in sorted(by_label):
        for text in rng.sample(by_label[label], per_label):
            texts.append(text)
            labels.append(label)
    return texts, labels


def dev_set() -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    return [row["text"] for row in rows], [row["label"] for row in rows]


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[str]]:
    return corpus_slice(PER_LABEL, seed=1)


@pytest.fixture(scope="module")
def model(data: tuple[list[str], list[str]]) -> IntentModel:
    return train(*data, tier=Tier.EMBEDDING)


def test_that_the_embedding_tier_is_recorded_in_the_artifact(
    model: IntentModel, tmp_path: Path
) -> None:
    model.save(tmp_path)
    metadata = json.loads((tmp_path / "metadata.json").read_text())

    assert model.tier == Tier.EMBEDDING
    assert model.version.endswith("-emb")
    assert metadata["tier"] == "embedding"
    assert metadata["encoder"]["name"] == ENCODER_NAME
    assert metadata["encoder"]["dimension"] == 384
    assert metadata["embedding_params"] == {
        "c": 30.0,
        "embedding_weight": 0.7,
        "cascade_confidence": 0.95,
        "max_seq_length": 128,
    }
    assert model.embedding_params == EmbeddingParams()
    assert metadata["cascade_temperature"] > 0.0
    assert 0.0 < metadata["metrics"]["validation_cascade_rate"] < 1.0


def test_that_save_then_load_gives_identical_predictions_and_shares_the_encoder(
    model: IntentModel, tmp_path: Path
) -> None:
    model.save(tmp_path / "artifact")
    loaded = load_intent_model(tmp_path / "artifact")
    texts, _ = dev_set()

    assert loaded.predict(texts[:40]) == model.predict(texts[:40])
    assert loaded.encoder is model.encoder  # loaded once per process
    assert loaded.cascade_temperature == model.cascade_temperature
    assert loaded.threshold == model.threshold


def test_that_only_messages_the_fast_tier_is_unsure_of_reach_the_encoder(
    model: IntentModel,
) -> None:
    encoder = model.encoder
    assert encoder is not None
    texts = dev_set()[0][:40]
    sure = EmbeddingParams().cascade_confidence
    unthresholded = model.with_threshold(0.0)

    before = encoder.texts_encoded
    batch = unthresholded.predict(texts)
    in_batch = encoder.texts_encoded - before
    one_by_one = []
    for text in texts:
        before = encoder.texts_encoded
        unthresholded.predict([text])
        one_by_one.append(encoder.texts_encoded - before)

    assert 0 < in_batch < len(texts)
    assert sum(one_by_one) == in_batch  # a message's route does not depend on its batch
    skipped = [p for p, encoded in zip(batch, one_by_one, strict=True) if not encoded]
    assert skipped
    assert all(p.confidence >= sure for p in skipped)


def test_that_embeddings_beat_tf_idf_alone_on_messages_written_apart_from_the_corpus(
    model: IntentModel, data: tuple[list[str], list[str]]
) -> None:
    fast = train(*data)
    texts, labels = dev_set()

    embedding = evaluate(model.with_threshold(0.0).predict(texts), labels)
    tf_idf = evaluate(fast.with_threshold(0.0).predict(texts), labels)

    assert embedding.accuracy >= tf_idf.accuracy + 0.05
    assert embedding.macro_f1 >= tf_idf.macro_f1


def test_that_calibration_and_the_threshold_use_the_combined_probabilities(
    model: IntentModel,
) -> None:
    metrics = model.metrics

    assert metrics["threshold_rule"] == "in-scope accuracy + out-of-scope recall"
    assert float(metrics["validation_nll_calibrated"]) < float(
        metrics["validation_nll_uncalibrated"]
    )
    assert model.cascade_temperature != pytest.approx(1.0)
    assert {"validation_accuracy_fast_tier", "validation_cascade_rate"} <= set(metrics)


def test_that_the_fast_tier_never_imports_torch() -> None:
    script = (
        "import sys\n"
        "from cxops.triage.intent import train\n"
        "texts = ['hi there', 'hello there', 'hi hello', 'where is my order', 'my order where',"
        " 'where is my parcel']\n"
        "train(texts, ['greeting'] * 3 + ['order_status'] * 3).predict(['hello'])\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_that_a_missing_extra_is_a_clear_error_naming_the_install_command(
    model: IntentModel, tmp_path: Path
) -> None:
    model.save(tmp_path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "sys.modules['sentence_transformers'] = None  # as if the extra were not installed\n"
        "from cxops.triage.embedding import EmbeddingsUnavailableError\n"
        "from cxops.triage.intent import load_intent_model\n"
        "try:\n"
        f"    load_intent_model(Path({str(tmp_path)!r}))\n"
        "except EmbeddingsUnavailableError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert INSTALL_COMMAND in done.stdout
