import math

import numpy as np
import pytest

from cxops.analytics.drift import (
    DriftLevel,
    DriftThresholds,
    accuracy_drop,
    accuracy_vs_labels,
    drift_report,
    numeric_drift_report,
    out_of_scope_rise,
    psi,
    psi_numeric,
    wilson_interval,
)

INTENTS = {"order_status": 500, "return_item": 300, "refund_status": 200}


def normal(mean: float, size: int, *, seed: int) -> list[float]:
    return [float(x) for x in np.random.default_rng(seed).normal(mean, 1.0, size)]


# population stability index


def test_that_identical_distributions_have_zero_psi() -> None:
    assert psi(INTENTS, INTENTS) == 0.0
    assert psi(INTENTS, {k: 3 * v for k, v in INTENTS.items()}) == 0.0


def test_that_psi_matches_a_hand_computed_example() -> None:
    # shares 0.5/0.3/0.2 -> 0.4/0.3/0.3: (0.4-0.5)*ln(0.8) + 0 + (0.3-0.2)*ln(1.5)
    expected = -0.1 * math.log(0.8) + 0.1 * math.log(1.5)
    assert psi({"a": 50, "b": 30, "c": 20}, {"a": 40, "b": 30, "c": 30}) == pytest.approx(expected)
    assert expected == pytest.approx(0.062861, abs=1e-6)


def test_that_a_category_new_in_the_current_window_is_smoothed_not_infinite() -> None:
    value = psi({"a": 100}, {"a": 90, "new": 10}, epsilon=1e-4)
    expected = (0.9 - 1.0) * math.log(0.9) + (0.1 - 1e-4) * math.log(0.1 / 1e-4)
    assert value == pytest.approx(expected)


def test_that_a_category_gone_from_the_current_window_counts_too() -> None:
    assert psi({"a": 90, "gone": 10}, {"a": 100}) == pytest.approx(
        psi({"a": 100}, {"a": 90, "b": 10})
    )


def test_that_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one observation"):
        psi(INTENTS, {})


def test_that_a_report_names_the_categories_that_moved_most() -> None:
    report = drift_report(
        "intent_mix",
        {"order_status": 600, "return_item": 300, "refund_status": 100},
        {"order_status": 300, "return_item": 300, "refund_status": 100, "new_intent": 300},
        min_count=100,
    )
    assert report.level == DriftLevel.SIGNIFICANT
    assert [s.category for s in report.top] == ["new_intent", "order_status"]
    new = report.top[0]
    assert (new.baseline_share, new.current_share) == (0.0, 0.3)
    assert report.psi == pytest.approx(sum(s.contribution for s in report.top))
    assert report.metrics() == {"drift.intent_mix.psi": report.psi}


def test_that_levels_follow_the_thresholds_given() -> None:
    thresholds = DriftThresholds(moderate=0.05, significant=0.5)
    assert thresholds.level(0.049) == DriftLevel.STABLE
    assert thresholds.level(0.05) == DriftLevel.MODERATE
    assert thresholds.level(0.5) == DriftLevel.SIGNIFICANT
    assert DriftThresholds().level(0.099) == DriftLevel.STABLE
    assert DriftThresholds().level(0.2) == DriftLevel.MODERATE
    assert DriftThresholds().level(0.25) == DriftLevel.SIGNIFICANT


def test_that_too_few_observations_give_no_psi_and_no_level() -> None:
    report = drift_report("language_mix", {"en": 1000, "es": 200}, {"en": 30, "es": 40})
    assert report.insufficient_data
    assert (report.psi, report.level, report.top) == (None, None, ())
    assert (report.baseline_n, report.current_n) == (1200, 70)
    assert report.metrics() == {}


def test_that_a_shifted_confidence_distribution_is_significant_drift() -> None:
    baseline = normal(0.0, 5000, seed=1)
    report = numeric_drift_report("confidence", baseline, normal(1.0, 2000, seed=2))
    assert report.level == DriftLevel.SIGNIFICANT
    assert report.top[0].category.endswith(", inf)")
    assert report.top[0].current_share > 0.3


def test_that_the_same_confidence_distribution_is_stable() -> None:
    baseline = normal(0.0, 5000, seed=1)
    report = numeric_drift_report("confidence", baseline, normal(0.0, 2000, seed=3))
    assert report.level == DriftLevel.STABLE
    assert report.psi is not None
    assert report.psi < 0.02


def test_that_numeric_bins_hold_a_tenth_of_the_baseline_each() -> None:
    baseline = normal(0.0, 5000, seed=1)
    report = numeric_drift_report("confidence", baseline, normal(3.0, 1000, seed=2), top=10)
    assert len(report.top) == 10
    assert all(s.baseline_share == pytest.approx(0.1, abs=0.001) for s in report.top)


def test_that_tied_and_constant_values_get_bins_of_their_own() -> None:
    assert psi_numeric([1.0] * 600, [1.0] * 600) == 0.0
    assert psi_numeric([1.0] * 600, [1.0] * 300 + [0.5] * 300) > 1
    capped = [0.5 + i / 1000 for i in range(300)] + [1.0] * 300
    assert psi_numeric(capped, capped) == 0.0
    report = numeric_drift_report("confidence", capped, [0.6] * 600, min_count=100)
    assert report.level == DriftLevel.SIGNIFICANT
    assert any(s.category == "[1, inf)" and s.baseline_share == 0.5 for s in report.top)


def test_that_numeric_drift_refuses_non_finite_values() -> None:
    with pytest.raises(ValueError, match="finite"):
        psi_numeric([0.1, 0.2, float("nan")], [0.1])


def test_that_a_small_numeric_window_is_insufficient_data() -> None:
    report = numeric_drift_report("confidence", normal(0.0, 5000, seed=1), [0.5] * 499)
    assert report.insufficient_data
    assert report.level is None


# out-of-scope rise


def test_that_a_large_out_of_scope_jump_on_enough_volume_is_flagged() -> None:
    rise = out_of_scope_rise(
        baseline_rate=0.05, current_rate=0.12, n_current=500, n_baseline=10_000
    )
    assert rise.rising
    assert rise.p_value < 1e-6


def test_that_out_of_scope_noise_is_not_flagged() -> None:
    rise = out_of_scope_rise(
        baseline_rate=0.05, current_rate=0.06, n_current=300, n_baseline=10_000
    )
    assert not rise.rising
    assert rise.p_value > 0.1


def test_that_a_large_jump_on_a_handful_of_messages_is_not_flagged() -> None:
    rise = out_of_scope_rise(baseline_rate=0.05, current_rate=0.15, n_current=20, n_baseline=10_000)
    assert not rise.rising
    assert 0.01 < rise.p_value < 0.05


def test_that_a_significant_but_tiny_rise_is_not_flagged() -> None:
    rise = out_of_scope_rise(
        baseline_rate=0.050, current_rate=0.055, n_current=1_000_000, n_baseline=1_000_000
    )
    assert rise.p_value < 1e-6
    assert not rise.rising


def test_that_a_known_baseline_rate_uses_the_one_sample_test() -> None:
    rise = out_of_scope_rise(baseline_rate=0.05, current_rate=0.08, n_current=400)
    assert rise.z == pytest.approx(0.03 / math.sqrt(0.05 * 0.95 / 400))
    assert rise.rising


def test_that_a_falling_rate_is_never_a_rise() -> None:
    rise = out_of_scope_rise(baseline_rate=0.0, current_rate=0.0, n_current=500)
    assert (rise.z, rise.p_value, rise.rising) == (0.0, 0.5, False)
    assert not out_of_scope_rise(baseline_rate=0.2, current_rate=0.05, n_current=5000).rising


# accuracy against human labels


def test_that_the_wilson_interval_matches_hand_computation() -> None:
    z = 1.959964
    centre = (0.8 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.8 * 0.2 / 10 + z * z / 400)
    low, high = wilson_interval(8, 10)
    assert (low, high) == pytest.approx((centre - half, centre + half), abs=1e-6)
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_that_the_wilson_interval_stays_within_zero_and_one() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0


def test_that_accuracy_counts_agreement_with_the_human_label() -> None:
    pairs = [("order_status", "order_status")] * 8 + [("return_item", "refund_status")] * 2
    accuracy = accuracy_vs_labels(pairs)
    assert (accuracy.correct, accuracy.total, accuracy.accuracy) == (8, 10, 0.8)
    assert (accuracy.low, accuracy.high) == pytest.approx(wilson_interval(8, 10))


def test_that_accuracy_needs_labels() -> None:
    with pytest.raises(ValueError, match="no labelled pairs"):
        accuracy_vs_labels([])


def test_that_accuracy_drop_needs_the_whole_interval_below_the_baseline() -> None:
    baseline = accuracy_vs_labels([("a", "a")] * 900 + [("a", "b")] * 100)
    assert accuracy_drop(baseline, accuracy_vs_labels([("a", "a")] * 60 + [("a", "b")] * 40))
    assert not accuracy_drop(baseline, accuracy_vs_labels([("a", "a")] * 8 + [("a", "b")] * 2))
