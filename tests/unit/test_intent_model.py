import json
import random
import re
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import numpy as np
import pytest

from cxops.domain.triage import IntentPrediction
from cxops.triage.intent import (
    OUT_OF_SCOPE,
    IntentModel,
    IntentModelError,
    IntentModelParams,
    Tier,
    data_fingerprint,
    load_intent_model,
    train,
    tune_threshold,
)

# Four intents with their own vocabulary, so a tiny model learns them for sure.
VOCABULARY = {
    "order_status": (
        ["where is", "track", "when will i get", "any news on", "status of"],
        ["my order", "my package", "the parcel", "my delivery", "order 12345"],
    ),
    "cancel_order": (
        ["cancel", "please cancel", "i want to cancel", "stop", "call off"],
        ["my order", "the purchase", "order 12345", "it before it ships", "everything"],
    ),
    "return_item": (
        ["return", "send back", "how do i return", "i need a return label for", "refund me for"],
        ["these shoes", "the jacket", "a dress that does not fit", "the item", "this shirt"],
    ),
    "greeting": (
        ["hello", "hi", "good morning", "hey there", "good evening"],
        ["team", "friends", "support", "everyone", "folks"],
    ),
}
UNRELATED = [
    "the quantum giraffe sings opera on saturn",
    "blorf zindle quaxx morp",
    "photosynthesis converts sunlight into chemical energy",
    "who won the chess olympiad in nineteen seventy",
    "recipe for lentil soup with cumin",
    "explain the offside rule in ice hockey",
    "volcanic basalt columns near the fjord",
    "translate poetry about owls into latin",
    "how tall is the tallest redwood tree",
    "my cat learned to play the theremin",
]


def examples(per_intent: int, *, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for intent, (heads, tails) in VOCABULARY.items():
        for _ in range(per_intent):
            texts.append(f"{rng.choice(heads)} {rng.choice(tails)}")
            labels.append(intent)
    return texts, labels


@pytest.fixture(scope="module")
def model() -> IntentModel:
    texts, labels = examples(30, seed=1)
    return train(texts, labels)


@pytest.fixture(scope="module")
def model_with_oos_class() -> IntentModel:
    texts, labels = examples(30, seed=2)
    return train(texts + UNRELATED, labels + ["oos"] * len(UNRELATED), oos_label="oos")


def test_that_predictions_carry_k_alternatives_sorted_by_calibrated_probability(
    model: IntentModel,
) -> None:
    predictions = model.predict(["where is my package", "please cancel my order"], k=3)

    assert [p.name for p in predictions] == ["order_status", "cancel_order"]
    for prediction in predictions:
        assert isinstance(prediction, IntentPrediction)
        assert not prediction.out_of_scope
        scores = [alternative.confidence for alternative in prediction.alternatives]
        assert len(scores) == 3
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= score <= 1.0 for score in scores)
        assert sum(scores) <= 1.0 + 1e-9
        assert prediction.alternatives[0].name == prediction.name
        assert prediction.confidence == scores[0]


def test_that_k_is_capped_by_the_number_of_intents_and_must_be_positive(
    model: IntentModel,
) -> None:
    assert len(model.predict(["hello team"], k=10)[0].alternatives) == 4
    with pytest.raises(ValueError, match="k must be at least 1"):
        model.predict(["hello team"], k=0)


def test_that_empty_batches_and_odd_texts_do_not_crash(model: IntentModel) -> None:
    assert model.predict([]) == []
    odd = ["", "!!!", "🙂🙂🙂", "x" * 20_000, "¿dónde está mi pedido?"]
    assert len(model.predict(odd)) == len(odd)


def test_that_a_clearly_unrelated_text_is_out_of_scope(model: IntentModel) -> None:
    [prediction] = model.predict(["zxqv blorf quantum giraffe theremin"])

    assert prediction.out_of_scope
    assert prediction.name == OUT_OF_SCOPE
    assert len(prediction.alternatives) == 3  # what it hesitated between is still shown
    assert prediction.confidence == pytest.approx(1 - prediction.alternatives[0].confidence)


def test_that_without_oos_examples_the_threshold_rejects_a_small_share_of_in_scope(
    model: IntentModel,
) -> None:
    assert model.metrics["threshold_rule"] == "reject 5% in-scope"
    assert 0.0 < model.threshold < 1.0
    texts, _ = examples(30, seed=99)
    rejected = sum(p.out_of_scope for p in model.predict(texts))
    assert rejected <= 0.2 * len(texts)


def test_that_the_threshold_can_be_overridden(model: IntentModel) -> None:
    texts, _ = examples(5, seed=3)

    assert all(p.out_of_scope for p in model.with_threshold(1.0).predict(texts))
    assert not any(p.out_of_scope for p in model.with_threshold(0.0).predict(texts))
    assert model.with_threshold(0.3).threshold == 0.3
    with pytest.raises(ValueError, match="threshold"):
        model.with_threshold(1.5)


def test_that_an_oos_label_in_training_data_is_a_class_and_predicted_as_out_of_scope(
    model_with_oos_class: IntentModel,
) -> None:
    model = model_with_oos_class
    assert model.intents == ("cancel_order", "greeting", "order_status", "return_item")
    assert "oos" in model.labels
    assert model.metrics["threshold_rule"] == "in-scope accuracy + out-of-scope recall"

    unrelated, in_scope = model.predict(["recipe for basalt owls", "track my parcel"])
    assert unrelated.out_of_scope
    assert unrelated.name == OUT_OF_SCOPE
    assert all(alternative.name != "oos" for alternative in unrelated.alternatives)
    assert in_scope.name == "order_status"


def test_that_tune_threshold_balances_in_scope_accuracy_and_oos_recall(
    model_with_oos_class: IntentModel,
) -> None:
    texts, labels = examples(10, seed=4)
    threshold = tune_threshold(
        model_with_oos_class, [*texts, "sunlight on saturn"], [*labels, "oos"]
    )
    tuned = model_with_oos_class.with_threshold(threshold)

    predictions = tuned.predict([*texts, "sunlight on saturn"])
    assert predictions[-1].out_of_scope
    assert [p.name for p in predictions[:-1]] == labels


def test_that_temperature_scaling_lowers_the_validation_nll(model: IntentModel) -> None:
    calibrated = float(model.metrics["validation_nll_calibrated"])
    uncalibrated = float(model.metrics["validation_nll_uncalibrated"])

    assert model.temperature != pytest.approx(1.0)
    assert calibrated < uncalibrated


def test_that_probabilities_match_the_saved_sklearn_objects(
    model: IntentModel, tmp_path: Path
) -> None:
    # The fast path must compute what sklearn's own transform + decision_function would.
    model.save(tmp_path)
    objects = joblib.load(tmp_path / "model.joblib")
    texts, _ = examples(5, seed=5)
    logits = objects["classifier"].decision_function(objects["features"].transform(texts))
    logits = logits / model.temperature
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    np.testing.assert_allclose(model.probabilities(texts), expected, rtol=1e-10, atol=1e-12)


def test_that_two_intents_are_enough(tmp_path: Path) -> None:
    texts, labels = examples(15, seed=12)
    pair = [i for i, label in enumerate(labels) if label in ("cancel_order", "order_status")]
    model = train([texts[i] for i in pair], [labels[i] for i in pair])
    probe = ["where is my package", "please cancel my order"]

    assert [p.name for p in model.with_threshold(0.0).predict(probe)] == [
        "order_status",
        "cancel_order",
    ]
    model.save(tmp_path)
    objects = joblib.load(tmp_path / "model.joblib")
    logit = objects["classifier"].decision_function(objects["features"].transform(probe))
    expected = 1 / (1 + np.exp(-logit / model.temperature))  # sklearn's binary logistic
    np.testing.assert_allclose(model.probabilities(probe)[:, 1], expected, rtol=1e-10)


def test_that_save_then_load_gives_identical_predictions(
    model: IntentModel, tmp_path: Path
) -> None:
    model.save(tmp_path / "artifact")
    loaded = load_intent_model(tmp_path / "artifact")
    texts, _ = examples(10, seed=6)

    assert loaded.predict(texts) == model.predict(texts)
    assert loaded.version == model.version
    assert loaded.params == model.params == IntentModelParams()
    assert loaded.threshold == model.threshold
    assert loaded.temperature == model.temperature


def test_that_the_artifact_metadata_describes_the_model(model: IntentModel, tmp_path: Path) -> None:
    model.save(tmp_path)
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    texts, labels = examples(30, seed=1)

    assert re.fullmatch(r"intent-\d{8}T\d{6}-[0-9a-f]{8}", metadata["version"])
    assert metadata["data_fingerprint"] == data_fingerprint(texts, labels)
    assert metadata["version"].endswith(metadata["data_fingerprint"][:8])
    assert metadata["labels"] == ["cancel_order", "greeting", "order_status", "return_item"]
    assert metadata["params"]["word_ngram_range"] == [1, 2]
    assert metadata["tier"] == "fast"
    assert set(metadata) >= {"created_at", "sklearn_version", "metrics", "threshold"}
    assert not set(metadata) & {"encoder", "embedding_params", "cascade_temperature"}
    assert model.tier == Tier.FAST
    assert model.encoder is None
    assert model.embedding_params is None
    assert model.cascade_temperature is None


def test_that_an_artifact_from_before_tiers_loads_as_the_fast_tier(
    model: IntentModel, tmp_path: Path
) -> None:
    model.save(tmp_path)
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    del metadata["tier"]
    (tmp_path / "metadata.json").write_text(json.dumps(metadata))
    texts, _ = examples(5, seed=11)

    loaded = load_intent_model(tmp_path)

    assert loaded.tier == Tier.FAST
    assert loaded.predict(texts) == model.predict(texts)
    metadata["tier"] = "quantum"
    (tmp_path / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(IntentModelError, match="unknown tier 'quantum'"):
        load_intent_model(tmp_path)


def test_that_the_same_data_and_params_give_the_same_model() -> None:
    texts, labels = examples(15, seed=7)
    first, second = train(texts, labels), train(texts, labels)
    probe, _ = examples(10, seed=8)

    assert first.predict(probe) == second.predict(probe)
    assert first.threshold == second.threshold
    assert first.temperature == second.temperature


def test_that_the_fingerprint_ignores_order_but_not_content() -> None:
    assert data_fingerprint(["a", "b"], ["x", "y"]) == data_fingerprint(["b", "a"], ["y", "x"])
    assert data_fingerprint(["a", "b"], ["x", "y"]) != data_fingerprint(["a", "b"], ["y", "x"])


def test_that_training_reports_progress_up_to_done() -> None:
    texts, labels = examples(10, seed=9)
    seen: list[tuple[str, float]] = []
    train(texts, labels, progress=lambda stage, fraction: seen.append((stage, fraction)))

    fractions = [fraction for _, fraction in seen]
    assert fractions == sorted(fractions)
    assert seen[-1] == ("done", 1.0)


def test_that_training_data_problems_are_reported() -> None:
    texts, labels = examples(5, seed=10)
    with pytest.raises(ValueError, match=r"at least two examples.*lonely"):
        train([*texts, "one of a kind"], [*labels, "lonely"])
    with pytest.raises(ValueError, match="two in-scope intents"):
        train(["hello", "hi there"], ["greeting", "greeting"])
    with pytest.raises(ValueError, match="texts but"):
        train(texts, labels[:-1])


def test_that_loading_something_else_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IntentModelError, match=r"metadata\.json is missing"):
        load_intent_model(tmp_path)
    (tmp_path / "metadata.json").write_text('{"format": 99}')
    (tmp_path / "model.joblib").write_bytes(b"")
    with pytest.raises(IntentModelError, match="unknown format"):
        load_intent_model(tmp_path)
