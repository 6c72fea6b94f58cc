"""Measure intent predictions against gold labels, and draw where they go wrong.

Figures follow the CLINC150 paper's definitions so ours can stand next to published ones: in-scope
accuracy counts an in-scope message called out-of-scope as wrong, and out-of-scope recall is the
share of out-of-scope messages called out-of-scope. A prediction is out-of-scope by its
`out_of_scope` flag, whatever its `name`; gold is out-of-scope when it equals `oos_label`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cxops.domain.triage import IntentPrediction

OUT_OF_SCOPE: Final = "out_of_scope"
CALIBRATION_BINS: Final = 15
ANNOTATE_UP_TO: Final = 40  # labels; beyond this the counts in the cells are unreadable


@dataclass(frozen=True, slots=True)
class ConfusedPair:
    """`count` messages of intent `gold` were predicted as `predicted`."""

    gold: str
    predicted: str
    count: int


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Quality of a batch of predictions. Rates are in [0, 1]; None when undefined.

    `in_scope_accuracy` is None without in-scope gold, `oos_recall` None without out-of-scope
    gold, `oos_precision` None when nothing was predicted out-of-scope. `labels` and `confusion`
    (rows gold, columns predicted, in `labels` order) feed `write_confusion_png`.
    """

    examples: int
    accuracy: float
    in_scope_accuracy: float | None
    macro_f1: float
    oos_precision: float | None
    oos_recall: float | None
    expected_calibration_error: float
    worst_confused: tuple[ConfusedPair, ...]
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]

    def to_dict(self) -> dict[str, object]:
        """Return the figures as JSON-ready data (the full confusion matrix is left out)."""
        return {
            "examples": self.examples,
            "accuracy": self.accuracy,
            "in_scope_accuracy": self.in_scope_accuracy,
            "macro_f1": self.macro_f1,
            "oos_precision": self.oos_precision,
            "oos_recall": self.oos_recall,
            "expected_calibration_error": self.expected_calibration_error,
            "worst_confused": [
                {"gold": pair.gold, "predicted": pair.predicted, "count": pair.count}
                for pair in self.worst_confused
            ],
        }


def evaluate(
    predictions: Sequence[IntentPrediction],
    gold: Sequence[str],
    *,
    oos_label: str = OUT_OF_SCOPE,
    worst: int = 10,
) -> EvaluationReport:
    """Compare predictions with gold labels; `worst` is how many confused pairs to keep.

    Macro-F1 averages over every label seen in gold or predictions (out-of-scope included), a
    label never predicted scoring 0. Calibration error uses 15 equal-width bins of the top-1
    confidence, the usual definition (Guo et al., 2017).
    """
    if len(predictions) != len(gold):
        raise ValueError(f"{len(predictions)} predictions but {len(gold)} gold labels")
    if not gold:
        raise ValueError("nothing to evaluate")
    predicted = np.array([oos_label if p.out_of_scope else p.name for p in predictions])
    truth = np.array(gold)
    correct = predicted == truth
    gold_oos, predicted_oos = truth == oos_label, predicted == oos_label

    labels = tuple(sorted(set(truth.tolist()) | set(predicted.tolist())))
    index = {label: i for i, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(confusion, ([index[x] for x in truth], [index[x] for x in predicted]), 1)

    return EvaluationReport(
        examples=len(gold),
        accuracy=float(correct.mean()),
        in_scope_accuracy=_rate(correct[~gold_oos]),
        macro_f1=_macro_f1(confusion),
        oos_precision=_rate(gold_oos[predicted_oos]),
        oos_recall=_rate(predicted_oos[gold_oos]),
        expected_calibration_error=expected_calibration_error(
            np.array([p.confidence for p in predictions]), correct
        ),
        worst_confused=_worst_confused(confusion, labels, worst),
        labels=labels,
        confusion=tuple(tuple(row) for row in confusion.tolist()),
    )


def expected_calibration_error(
    confidences: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_]
) -> float:
    """Return sum over bins of (share of examples) x |accuracy - mean confidence|.

    Bins split [0, 1] into 15 equal widths; bin b holds confidences in (b/15, (b+1)/15], and
    the first bin also holds 0.
    """
    if len(confidences) != len(correct) or not len(confidences):
        raise ValueError("need as many outcomes as confidences, and at least one")
    bins = np.ceil(confidences * CALIBRATION_BINS).astype(np.int64) - 1
    bins = np.clip(bins, 0, CALIBRATION_BINS - 1)
    # Per bin, (share) x |accuracy - confidence| = |sum of (correct - confidence)| / total.
    gaps = np.bincount(
        bins, weights=correct.astype(np.float64) - confidences, minlength=CALIBRATION_BINS
    )
    return float(np.abs(gaps).sum() / len(confidences))


def write_confusion_png(
    source: EvaluationReport | tuple[Sequence[IntentPrediction], Sequence[str]],
    path: Path,
    *,
    oos_label: str = OUT_OF_SCOPE,
    max_labels: int = 30,
) -> Path:
    """Draw the confusion matrix to a PNG at `path`; return `path`.

    With more than `max_labels` labels only the most confused ones (most errors in their row and
    column) are drawn, so the picture stays readable. `oos_label` is used only when `source` is
    (predictions, gold). Drawing uses the Agg canvas directly: no display, no global pyplot state.
    """
    report = (
        source if isinstance(source, EvaluationReport) else evaluate(*source, oos_label=oos_label)
    )
    matrix = np.array(report.confusion, dtype=np.int64)
    errors = matrix.sum(axis=0) + matrix.sum(axis=1) - 2 * np.diag(matrix)
    keep = np.arange(len(report.labels))
    if len(keep) > max_labels:
        keep = np.sort(np.argsort(-errors, kind="stable")[:max_labels])
    shown = matrix[np.ix_(keep, keep)]
    # Colour by share of the gold label's messages, so a big class does not wash out the rest.
    totals = np.maximum(matrix.sum(axis=1)[keep], 1)
    shares = shown / totals[:, None]
    names = [report.labels[i] for i in keep]

    size = max(4.0, 0.35 * len(names) + 2.5)
    figure = Figure(figsize=(size, size), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    colorbar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    colorbar.set_label("share of the gold label's messages")
    axes.set_xticks(range(len(names)), names, rotation=90, fontsize=8)
    axes.set_yticks(range(len(names)), names, fontsize=8)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    title = "Confusion matrix (counts)"
    if len(names) < len(report.labels):
        title += f", {len(names)} most confused of {len(report.labels)} labels"
    axes.set_title(title, fontsize=10)
    if len(names) <= ANNOTATE_UP_TO:
        for (row, column), count in np.ndenumerate(shown):
            if count:
                colour = "white" if shares[row, column] > 0.5 else "black"
                axes.text(
                    column, row, str(count), ha="center", va="center", fontsize=7, color=colour
                )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def _rate(outcomes: npt.NDArray[np.bool_]) -> float | None:
    return float(outcomes.mean()) if len(outcomes) else None


def _macro_f1(confusion: npt.NDArray[np.int64]) -> float:
    true_positives = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (predicted + actual); every label here is one or both.
    return float(np.mean(2 * true_positives / (predicted + actual)))


def _worst_confused(
    confusion: npt.NDArray[np.int64], labels: tuple[str, ...], worst: int
) -> tuple[ConfusedPair, ...]:
    off_diagonal = confusion.copy()
    np.fill_diagonal(off_diagonal, 0)
    gold_index, predicted_index = np.nonzero(off_diagonal)
    pairs = sorted(
        (
            ConfusedPair(labels[g], labels[p], int(off_diagonal[g, p]))
            for g, p in zip(gold_index.tolist(), predicted_index.tolist(), strict=True)
        ),
        key=lambda pair: (-pair.count, pair.gold, pair.predicted),
    )
    return tuple(pairs[:worst])
