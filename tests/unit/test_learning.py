import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from cxops.domain.errors import NotFoundError
from cxops.domain.triage import IntentPrediction, IntentScore
from cxops.learning.datasets import DatasetError, read_label_map, read_labelled
from cxops.learning.evaluation import (
    ConfusedPair,
    EvaluationReport,
    evaluate,
    expected_calibration_error,
    write_confusion_png,
)
from cxops.learning.registry import ModelRegistry

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# --- datasets -------------------------------------------------------------------------------


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_that_csv_files_are_read_by_their_text_and_label_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "data.csv",
        "id,text,label,channel\n"
        "1,where is my order,order_status,chat\n"
        '2,"hi, there",greeting,sms\n',
    )
    assert read_labelled(path) == [("where is my order", "order_status"), ("hi, there", "greeting")]


def test_that_other_column_names_can_be_chosen(tmp_path: Path) -> None:
    path = write(tmp_path / "banking.csv", "text,category\ncard lost,lost_card\n")
    assert read_labelled(path, label_column="category") == [("card lost", "lost_card")]


def test_that_jsonl_files_are_read_skipping_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "data.jsonl",
        '{"text": "cancel it", "label": "cancel_order", "extra": 1}\n\n'
        '{"text": "hola", "label": "greeting"}\n',
    )
    assert read_labelled(path) == [("cancel it", "cancel_order"), ("hola", "greeting")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "text,category\nhello,greeting\n", r"a\.csv:1: missing column label"),
        ("b.csv", "text,label\nhello,greeting\n  ,greeting\n", r"b\.csv:3: empty text"),
        ("c.csv", "text,label\nhello,greeting\nhi\n", r"c\.csv:3: has fewer fields"),
        ("d.csv", "text,label\nhello,\n", r"d\.csv:2: empty label"),
        ("e.jsonl", '{"text": "a", "label": "b"}\n{"text": "a",\n', r"e\.jsonl:2: not valid JSON"),
        ("f.jsonl", '{"text": "a"}\n', r"f\.jsonl:1: missing key 'label'"),
        ("g.jsonl", '["a", "b"]\n', r"g\.jsonl:1: each line must be a JSON object"),
        ("h.jsonl", '{"text": "a", "label": 3}\n', r"h\.jsonl:1: 'label' must be a string"),
        ("i.csv", "text,label\n", r"i\.csv: has no examples"),
        ("j.txt", "hello\n", r"j\.txt: unknown file type '\.txt'"),
        ("k.csv", b"text,label\nok,fine\ncaf\xe9,bad\n", r"k\.csv:3: is not UTF-8"),
    ],
)
def test_that_dataset_errors_name_the_file_line_and_problem(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DatasetError, match=message) as caught:
        read_labelled(path)
    assert isinstance(caught.value, ValueError)
    assert caught.value.path == path


def test_that_a_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nope\.csv: cannot read"):
        read_labelled(tmp_path / "nope.csv")


def test_that_a_label_map_relabels_and_lists_what_it_cannot_map(tmp_path: Path) -> None:
    label_map = read_label_map(write(tmp_path / "map.yaml", "lost_card: payment_issue\n"))
    examples = [("a", "lost_card"), ("b", "top_up"), ("c", "atm")]

    assert label_map.apply(examples[:1]) == [("a", "payment_issue")]
    with pytest.raises(DatasetError, match=r"no mapping for 2 label.*: atm, top_up"):
        label_map.apply(examples)


def test_that_a_wildcard_sends_every_other_label_where_it_says(tmp_path: Path) -> None:
    label_map = read_label_map(
        write(tmp_path / "map.yaml", 'lost_card: payment_issue\n"*": out_of_scope\n')
    )
    assert label_map.apply([("a", "lost_card"), ("b", "top_up")]) == [
        ("a", "payment_issue"),
        ("b", "out_of_scope"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a\n- b\n", "must be a mapping"),
        ("a: [1, 2]\n", "must map a label to a label"),
        ("a: b\n  c: : d\n", r"map\.yaml:2: not valid YAML"),
    ],
)
def test_that_bad_label_maps_are_dataset_errors(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        read_label_map(write(tmp_path / "map.yaml", content))


# --- evaluation -----------------------------------------------------------------------------


def prediction(name: str, confidence: float) -> IntentPrediction:
    out = name == "out_of_scope"
    top = "a" if out else name
    return IntentPrediction(
        name, confidence, (IntentScore(top, 1 - confidence if out else confidence),), out
    )


GOLD = ["a", "a", "b", "b", "oos", "oos"]
# Predicted a, b, b, oos, oos, b: right, wrong, right, wrong, right, wrong.
PREDICTIONS = [
    prediction("a", 0.95),
    prediction("b", 0.95),
    prediction("b", 0.95),
    prediction("out_of_scope", 0.95),
    prediction("out_of_scope", 0.95),
    prediction("b", 0.95),
]


def test_that_evaluation_figures_match_hand_computed_values() -> None:
    report = evaluate(PREDICTIONS, GOLD, oos_label="oos")

    assert report.examples == 6
    assert report.accuracy == pytest.approx(3 / 6)
    assert report.in_scope_accuracy == pytest.approx(2 / 4)
    assert report.oos_precision == pytest.approx(1 / 2)  # of two called oos, one is
    assert report.oos_recall == pytest.approx(1 / 2)  # of two oos, one was caught
    # F1 per label = 2TP / (predicted + gold): a 2/3, b 2/5, oos 2/4.
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 5 + 2 / 4) / 3)
    # One bin: accuracy 0.5 at confidence 0.95.
    assert report.expected_calibration_error == pytest.approx(0.45)
    assert report.worst_confused == (
        ConfusedPair("a", "b", 1),
        ConfusedPair("b", "oos", 1),
        ConfusedPair("oos", "b", 1),
    )
    assert report.labels == ("a", "b", "oos")
    assert report.confusion == ((1, 1, 0), (0, 1, 1), (0, 1, 1))


def test_that_the_report_is_json_ready() -> None:
    data = evaluate(PREDICTIONS, GOLD, oos_label="oos", worst=1).to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["worst_confused"] == [{"gold": "a", "predicted": "b", "count": 1}]
    assert "confusion" not in data


def test_that_undefined_rates_are_none_rather_than_zero() -> None:
    report = evaluate([prediction("a", 0.9)], ["a"])

    assert report.oos_precision is None
    assert report.oos_recall is None
    assert report.in_scope_accuracy == 1.0


def test_that_calibration_error_is_computed_per_bin() -> None:
    # Bin of 0.95: accuracy 1/2, gap 0.45; bin of 0.35: accuracy 0, gap 0.35; each half the data.
    confidences = np.array([0.95, 0.95, 0.35, 0.35])
    correct = np.array([True, False, False, False])
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.4)
    assert expected_calibration_error(np.array([0.5, 0.5]), np.array([True, False])) == 0.0
    assert expected_calibration_error(np.array([0.0, 1.0]), np.array([False, True])) == 0.0


def test_that_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="predictions but"):
        evaluate(PREDICTIONS, GOLD[:-1])


def test_that_the_confusion_matrix_is_a_valid_png(tmp_path: Path) -> None:
    path = write_confusion_png((PREDICTIONS, GOLD), tmp_path / "plots" / "confusion.png")

    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert imread(path).ndim == 3


def test_that_a_large_confusion_matrix_shows_only_the_most_confused_labels(
    tmp_path: Path,
) -> None:
    gold = [f"intent_{i:02d}" for i in range(60)] * 2
    predictions = [prediction(label, 0.8) for label in gold]
    predictions[0] = prediction("intent_59", 0.8)
    report = evaluate(predictions, gold)

    path = write_confusion_png(report, tmp_path / "confusion.png", max_labels=10)
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert isinstance(report, EvaluationReport)


# --- registry -------------------------------------------------------------------------------


class FakeModel:
    """Stands in for a trained model: what the registry sees of one is `version` and `save`."""

    def __init__(self, version: str, *, accuracy: float = 0.9, fail: bool = False) -> None:
        self._version = version
        self.accuracy = accuracy
        self.fail = fail

    @property
    def version(self) -> str:
        return self._version

    def save(self, directory: Path) -> None:
        (directory / "weights.bin").write_bytes(b"0123")
        if self.fail:
            raise OSError("disk full")
        (directory / "metadata.json").write_text(
            json.dumps(
                {
                    "version": self._version,
                    "created_at": "2026-11-23T10:15:00+00:00",
                    "metrics": {"accuracy": self.accuracy},
                }
            )
        )


def load_fake(directory: Path) -> FakeModel:
    metadata = json.loads((directory / "metadata.json").read_text())
    return FakeModel(metadata["version"], accuracy=metadata["metrics"]["accuracy"])


def registry(tmp_path: Path) -> ModelRegistry[FakeModel]:
    return ModelRegistry(tmp_path, load=load_fake)


def test_that_a_saved_version_can_be_activated_and_loaded(tmp_path: Path) -> None:
    models = registry(tmp_path)
    first = models.save(FakeModel("intent-20261123T101500-0a1b2c3d", accuracy=0.8))
    second = models.save(FakeModel("intent-20261124T101500-4e5f6a7b", accuracy=0.9))

    assert (tmp_path / "intent" / first / "weights.bin").is_file()
    assert models.current() is None
    assert models.load_current() is None

    models.activate(second)
    assert models.current() == second
    loaded = models.load_current()
    assert loaded is not None
    assert loaded.version == second

    models.activate(first)  # rolling back is activating an older version
    assert models.current() == first
    assert [(v.version, v.active, v.metrics) for v in models.list()] == [
        (first, True, {"accuracy": 0.8}),
        (second, False, {"accuracy": 0.9}),
    ]


def test_that_a_half_written_save_never_becomes_visible_or_current(tmp_path: Path) -> None:
    models = registry(tmp_path)
    good = models.save(FakeModel("intent-20261123T101500-0a1b2c3d"))
    models.activate(good)

    with pytest.raises(OSError, match="disk full"):
        models.save(FakeModel("intent-20261124T101500-4e5f6a7b", fail=True))

    assert [v.version for v in models.list()] == [good]
    assert models.current() == good
    assert sorted(p.name for p in (tmp_path / "intent").iterdir()) == ["CURRENT", good]
    with pytest.raises(NotFoundError):
        models.activate("intent-20261124T101500-4e5f6a7b")


def test_that_a_leftover_staging_folder_is_ignored_and_cannot_be_activated(
    tmp_path: Path,
) -> None:
    models = registry(tmp_path)
    staging = tmp_path / "intent" / ".intent-20261124T101500-4e5f6a7b-x1"
    staging.mkdir(parents=True)
    FakeModel("intent-20261124T101500-4e5f6a7b").save(staging)

    assert models.list() == []
    with pytest.raises(ValueError, match="not a valid model version"):
        models.activate(staging.name)


def test_that_versions_are_immutable_and_names_cannot_escape(tmp_path: Path) -> None:
    models = registry(tmp_path)
    version = models.save(FakeModel("intent-20261123T101500-0a1b2c3d"))

    with pytest.raises(FileExistsError):
        models.save(FakeModel(version))
    with pytest.raises(ValueError, match="not a valid model version"):
        models.activate("../elsewhere")
    with pytest.raises(NotFoundError):
        models.load("intent-20991231T000000-ffffffff")
