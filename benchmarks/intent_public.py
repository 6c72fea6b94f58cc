"""Benchmark the default intent model on public datasets, next to published figures.

    .venv/bin/python benchmarks/intent_public.py [--datasets ../shared/datasets]

CLINC150 (full): train on train + oos_train (out-of-scope as a class), then report on test +
oos_test, with the CLINC paper's definitions (in-scope accuracy counts a rejected in-scope query as
wrong; out-of-scope recall is the share of out-of-scope queries rejected), for three thresholds:
none, the one `train` picked on its own held-out slice, and one tuned on val + oos_val as the
paper does. BANKING77: train on train.csv, accuracy on test.csv. Also: training time, and
single-message latency on one core. The datasets are read, never copied or downloaded.
"""

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from cxops.learning.datasets import read_labelled
from cxops.learning.evaluation import EvaluationReport, evaluate
from cxops.triage.intent import IntentModel, IntentModelParams, train, tune_threshold

REPO = Path(__file__).resolve().parents[1]
CLINC_OOS = "oos"

# CLINC150 paper (Larson et al., 2019), Table 2, full set: in-scope accuracy / out-of-scope recall.
PUBLISHED_CLINC = [
    ("BERT, oos as a class", 96.9, 40.3),
    ("BERT + threshold", 96.2, 52.3),
    ("MLP", 93.5, 47.4),
    ("Rasa", 91.5, 45.3),
    ("DialogFlow", 91.7, 14.0),
]
# Casanueva et al., 2020: accuracy on the full training set.
PUBLISHED_BANKING = [("BERT (fine-tuned)", 93.7), ("USE+ConveRT", 93.4)]
TRADE_OFF = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass(frozen=True, slots=True)
class Latency:
    p50_ms: float
    p99_ms: float
    batch_messages_per_second: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--latency-messages", type=int, default=2000)
    args = parser.parse_args()

    print(f"parameters: {IntentModelParams()}\n")
    clinc(args.datasets / "clinc150" / "data_full.json", latency_messages=args.latency_messages)
    banking(args.datasets / "banking77")


def clinc(path: Path, *, latency_messages: int) -> None:
    splits = json.loads(path.read_text(encoding="utf-8"))

    def split(*names: str) -> tuple[list[str], list[str]]:
        rows = [row for name in names for row in splits[name]]
        return [text for text, _ in rows], [label for _, label in rows]

    texts, labels = split("train", "oos_train")
    started = time.perf_counter()
    model = train(texts, labels, oos_label=CLINC_OOS)
    seconds = time.perf_counter() - started
    test_texts, test_labels = split("test", "oos_test")
    tuned = tune_threshold(model, *split("val", "oos_val"))

    rows = [
        ("oos as a class, no threshold", 0.0),
        ("+ threshold from train's held-out slice", model.threshold),
        ("+ threshold tuned on val (paper protocol)", tuned),
    ]
    print(f"## CLINC150 (full): {len(texts)} training examples, trained in {seconds:.1f} s\n")
    print("| model | threshold | in-scope accuracy | out-of-scope recall | ECE |")
    print("| --- | --- | --- | --- | --- |")
    for name, threshold in rows:
        report = _report(model.with_threshold(threshold), test_texts, test_labels)
        print(
            f"| cxops TF-IDF+LR, {name} | {threshold:.3f} | "
            f"{_percent(report.in_scope_accuracy)} | {_percent(report.oos_recall)} | "
            f"{report.expected_calibration_error:.3f} |"
        )
    for name, accuracy, recall in PUBLISHED_CLINC:
        print(f"| {name} (published) | | {accuracy:.1f} | {recall:.1f} | |")

    print("\nThe trade-off on test, for other thresholds:\n")
    print("| threshold | " + " | ".join(f"{t:.2f}" for t in TRADE_OFF) + " |")
    print("| --- |" + " --- |" * len(TRADE_OFF))
    reports = [_report(model.with_threshold(t), test_texts, test_labels) for t in TRADE_OFF]
    print(
        "| in-scope accuracy | " + " | ".join(_percent(r.in_scope_accuracy) for r in reports) + " |"
    )
    print("| out-of-scope recall | " + " | ".join(_percent(r.oos_recall) for r in reports) + " |")

    latency = measure_latency(model, test_texts[:latency_messages], batch=test_texts)
    print(
        f"\nlatency, one message per call on one core: p50 {latency.p50_ms:.2f} ms, "
        f"p99 {latency.p99_ms:.2f} ms; batch of {len(test_texts)}: "
        f"{latency.batch_messages_per_second:,.0f} messages/s\n"
    )


def banking(folder: Path) -> None:
    train_rows = read_labelled(folder / "train.csv", label_column="category")
    test_rows = read_labelled(folder / "test.csv", label_column="category")
    started = time.perf_counter()
    model = train([text for text, _ in train_rows], [label for _, label in train_rows])
    seconds = time.perf_counter() - started
    texts, labels = [text for text, _ in test_rows], [label for _, label in test_rows]
    plain = _report(model.with_threshold(0.0), texts, labels)
    predictions = model.predict(texts)
    guarded = evaluate(predictions, labels, oos_label=model.oos_label)
    rejected = sum(p.out_of_scope for p in predictions) / len(texts)

    print(f"## BANKING77: {len(train_rows)} training examples, trained in {seconds:.1f} s\n")
    print("| model | accuracy | macro-F1 | ECE |")
    print("| --- | --- | --- | --- |")
    print(
        f"| cxops TF-IDF+LR, no threshold | {_percent(plain.accuracy)} | "
        f"{_percent(plain.macro_f1)} | {plain.expected_calibration_error:.3f} |"
    )
    for name, accuracy in PUBLISHED_BANKING:
        print(f"| {name} (published) | {accuracy:.1f} | | |")
    print(
        f"\nwith the default threshold ({model.threshold:.3f}, tuned to reject 5% of held-out "
        f"messages) {rejected:.1%} of test messages are called out-of-scope; "
        f"in-scope accuracy counting those as wrong: {_percent(guarded.in_scope_accuracy)}\n"
    )


def measure_latency(model: IntentModel, texts: Sequence[str], *, batch: Sequence[str]) -> Latency:
    """Time one message per call (after a warm-up) and one large batch, on one core."""
    with threadpool_limits(limits=1):
        for text in texts[:100]:
            model.predict([text])
        timings = []
        for text in texts:
            started = time.perf_counter()
            model.predict([text])
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        model.predict(batch)
        batch_seconds = time.perf_counter() - started
    p50, p99 = np.percentile(np.array(timings) * 1000, [50, 99])
    return Latency(float(p50), float(p99), len(batch) / batch_seconds)


def _report(model: IntentModel, texts: Sequence[str], labels: Sequence[str]) -> EvaluationReport:
    return evaluate(model.predict(texts), labels, oos_label=model.oos_label)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


if __name__ == "__main__":
    main()
