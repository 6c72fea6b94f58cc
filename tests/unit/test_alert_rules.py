from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest

from cxops.analytics.alerts import (
    METRICS,
    AlertEvent,
    AlertRule,
    AlertState,
    Comparison,
    EventKind,
    Sample,
    Severity,
    alert_key,
    default_alert_rules,
    error_budget,
    evaluate,
    parse_alert_rules,
)
from cxops.configfile import ConfigError

SHIPPED = files("cxops.data").joinpath("monitoring/alerts.yaml").read_text(encoding="utf-8")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
VIP = {"queue": "q_vip"}
RETURNS = {"queue": "q_returns_refunds"}


def rule(
    *,
    rule_id: str = "ai-errors",
    metric: str = "ai_errors.rate",
    comparison: Comparison = Comparison.GT,
    threshold: float = 0.05,
    for_windows: int = 1,
    cooldown_minutes: int = 60,
    labels: dict[str, str] | None = None,
) -> AlertRule:
    return AlertRule(
        id=rule_id,
        name=f"{metric} {comparison} {threshold}",
        severity=Severity.CRITICAL,
        metric=metric,
        comparison=comparison,
        threshold=threshold,
        for_windows=for_windows,
        cooldown_minutes=cooldown_minutes,
        labels=labels or {},
    )


class Monitor:
    """Feeds evaluations one after another, carrying the state, as the shell will."""

    def __init__(self, *rules: AlertRule) -> None:
        self.rules = rules
        self.state = AlertState()

    def step(
        self, samples: dict[str, float] | list[Sample], *, minutes: float = 0
    ) -> list[AlertEvent]:
        self.state, events = evaluate(
            self.rules, samples, state=self.state, now=T0 + timedelta(minutes=minutes)
        )
        return events

    def kinds(self, samples: dict[str, float] | list[Sample], *, minutes: float = 0) -> list[str]:
        return [event.kind.value for event in self.step(samples, minutes=minutes)]


def problems(text: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as caught:
        parse_alert_rules(text, source="alerts.yaml")
    return caught.value.problems


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# the rules file


def test_that_the_shipped_rules_are_valid_and_labelled_by_version_and_hash() -> None:
    loaded = default_alert_rules()
    assert loaded.version_label.startswith("alerts-default@2026.11.1+")
    assert len(loaded.version_label.rsplit("+", 1)[1]) == 8
    watched = {r.metric for r in loaded.rule_set.rules}
    assert {"drift.intent_mix.psi", "queue.service_level", "ai_errors.burn_rate"} <= watched


def test_that_editing_the_rules_changes_the_version_label() -> None:
    edited = parse_alert_rules(SHIPPED.replace("threshold: 0.02", "threshold: 0.03"), source="x")
    assert edited.version_label != default_alert_rules().version_label


def test_that_a_misspelt_metric_is_reported_with_its_line_and_field() -> None:
    text = SHIPPED.replace("metric: drift.intent_mix.psi", "metric: drift.intent_mx.psi")
    (problem,) = problems(text)
    assert problem.startswith(
        f"alerts.yaml:{line_of(text, 'intent_mx')}: rules.0.metric: "
        "Value error, unknown metric 'drift.intent_mx.psi'"
    )


def test_that_a_rate_threshold_given_in_percent_is_refused_at_its_line() -> None:
    text = SHIPPED.replace("threshold: 0.02", "threshold: 2")
    (problem,) = problems(text)
    index = next(
        i for i, r in enumerate(default_alert_rules().rule_set.rules) if r.id == "data-quality"
    )
    assert problem == (
        f"alerts.yaml:{line_of(text, 'threshold: 2')}: rules.{index}.threshold: "
        "Value error, a ratio threshold must be within [0.0, 1.0]"
    )


def test_that_a_bad_severity_comparison_and_window_are_all_named() -> None:
    text = (
        "name: x\nversion: '1'\nrules:\n"
        "  - {id: a, name: A, severity: loud, metric: ai_errors.rate, comparison: above,"
        " threshold: 0.1, for_windows: 0}\n"
    )
    found = problems(text)
    assert [p.split(": ")[1] for p in found] == [
        "rules.0.severity",
        "rules.0.comparison",
        "rules.0.for_windows",
    ]
    assert all(p.startswith("alerts.yaml:4: ") for p in found)


def test_that_rule_ids_must_be_unique() -> None:
    text = SHIPPED.replace("id: language-mix-drift", "id: intent-mix-drift")
    assert any("repeated: intent-mix-drift" in p for p in problems(text))


def test_that_an_unknown_field_is_an_error_not_ignored() -> None:
    text = SHIPPED.replace(
        "for_windows: 3\n    cooldown_minutes: 120", "for_window: 3\n    cooldown_minutes: 120"
    )
    assert any("for_window: Extra inputs are not permitted" in p for p in problems(text))


def test_that_every_metric_kind_bounds_its_thresholds() -> None:
    assert rule(metric="ai_latency.p95_ms", threshold=2000).threshold == 2000
    assert rule(metric="ai_errors.budget_remaining", threshold=-0.5).threshold == -0.5
    with pytest.raises(ValueError, match="psi threshold"):
        rule(metric="drift.confidence.psi", threshold=-0.1)
    assert "queue.service_level" in METRICS


# evaluation


def test_that_a_breach_fires_once_and_not_again_within_the_cooldown() -> None:
    monitor = Monitor(rule())
    events = monitor.step({"ai_errors.rate": 0.08})
    assert [e.kind for e in events] == [EventKind.FIRING]
    assert (events[0].key, events[0].value, events[0].since) == ("ai-errors{}", 0.08, T0)
    assert monitor.kinds({"ai_errors.rate": 0.09}, minutes=5) == []
    assert monitor.kinds({"ai_errors.rate": 0.20}, minutes=59) == []
    assert monitor.state.firing == ("ai-errors{}",)


def test_that_a_value_on_the_threshold_breaches_only_an_inclusive_comparison() -> None:
    assert Monitor(rule(comparison=Comparison.GT)).kinds({"ai_errors.rate": 0.05}) == []
    assert Monitor(rule(comparison=Comparison.GE)).kinds({"ai_errors.rate": 0.05}) == ["firing"]
    below = rule(metric="containment.rate", comparison=Comparison.LT, threshold=0.3)
    assert Monitor(below).kinds({"containment.rate": 0.29}) == ["firing"]


def test_that_for_windows_needs_that_many_breaches_in_a_row() -> None:
    monitor = Monitor(rule(for_windows=3))
    assert monitor.kinds({"ai_errors.rate": 0.08}, minutes=0) == []
    assert monitor.kinds({"ai_errors.rate": 0.08}, minutes=5) == []
    assert monitor.kinds({"ai_errors.rate": 0.01}, minutes=10) == []
    assert monitor.kinds({"ai_errors.rate": 0.08}, minutes=15) == []
    assert monitor.kinds({"ai_errors.rate": 0.08}, minutes=20) == []
    events = monitor.step({"ai_errors.rate": 0.08}, minutes=25)
    assert [(e.kind, e.since) for e in events] == [(EventKind.FIRING, T0 + timedelta(minutes=25))]


def test_that_recovering_resolves_once_and_a_new_breach_fires_again() -> None:
    monitor = Monitor(rule())
    monitor.step({"ai_errors.rate": 0.08})
    events = monitor.step({"ai_errors.rate": 0.01}, minutes=10)
    assert [(e.kind, e.value, e.since) for e in events] == [(EventKind.RESOLVED, 0.01, T0)]
    assert monitor.state == AlertState()
    assert monitor.kinds({"ai_errors.rate": 0.01}, minutes=20) == []
    assert monitor.kinds({"ai_errors.rate": 0.08}, minutes=30) == ["firing"]


def test_that_a_lasting_breach_is_repeated_after_each_cooldown() -> None:
    monitor = Monitor(rule(cooldown_minutes=30))
    breach = {"ai_errors.rate": 0.08}
    timeline = [monitor.kinds(breach, minutes=m) for m in (0, 15, 29, 30, 45, 59, 60)]
    assert timeline == [["firing"], [], [], ["repeat"], [], [], ["repeat"]]
    (event,) = monitor.step(breach, minutes=90)
    assert (event.kind, event.since, event.at) == (
        EventKind.REPEAT,
        T0,
        T0 + timedelta(minutes=90),
    )


def test_that_a_label_filter_watches_only_matching_series() -> None:
    vip = rule(
        rule_id="vip-sl",
        metric="queue.service_level",
        comparison=Comparison.LT,
        threshold=0.9,
        labels=VIP,
    )
    monitor = Monitor(vip)
    samples = [
        Sample("queue.service_level", 0.5, RETURNS),
        Sample("queue.service_level", 0.85, {"queue": "q_vip", "site": "lisbon"}),
    ]
    events = monitor.step(samples)
    assert [(e.key, e.labels) for e in events] == [
        ('vip-sl{queue="q_vip",site="lisbon"}', {"queue": "q_vip", "site": "lisbon"})
    ]


def test_that_a_rule_without_a_filter_alerts_per_series() -> None:
    every = rule(
        rule_id="sl", metric="queue.service_level", comparison=Comparison.LT, threshold=0.8
    )
    monitor = Monitor(every)
    samples = [
        Sample("queue.service_level", 0.5, RETURNS),
        Sample("queue.service_level", 0.7, VIP),
        Sample("queue.service_level", 0.95, {"queue": "q_spanish"}),
    ]
    assert [e.key for e in monitor.step(samples)] == [
        'sl{queue="q_returns_refunds"}',
        'sl{queue="q_vip"}',
    ]
    recovered = [Sample("queue.service_level", 0.9, VIP)]
    assert [(e.kind, e.key) for e in monitor.step(recovered, minutes=5)] == [
        (EventKind.RESOLVED, 'sl{queue="q_vip"}')
    ]
    assert monitor.state.firing == ('sl{queue="q_returns_refunds"}',)


def test_that_the_key_does_not_depend_on_label_order() -> None:
    assert alert_key("r", {"queue": "q_vip", "site": "a"}) == alert_key(
        "r", {"site": "a", "queue": "q_vip"}
    )
    assert alert_key("r", {"queue": 'q"x'}) == 'r{queue="q\\"x"}'
    monitor = Monitor(rule(metric="queue.service_level", comparison=Comparison.LT, threshold=0.8))
    assert monitor.kinds([Sample("queue.service_level", 0.5, {"queue": "a", "site": "b"})]) == [
        "firing"
    ]
    reordered = [Sample("queue.service_level", 0.5, {"site": "b", "queue": "a"})]
    assert monitor.kinds(reordered, minutes=5) == []


def test_that_duplicate_samples_of_one_series_fire_once_at_the_worst_value() -> None:
    monitor = Monitor(rule())
    samples = [
        Sample("ai_errors.rate", 0.07),
        Sample("ai_errors.rate", 0.02),
        Sample("ai_errors.rate", 0.09),
    ]
    events = monitor.step(samples)
    assert [(e.kind, e.value) for e in events] == [(EventKind.FIRING, 0.09)]


def test_that_a_missing_metric_changes_nothing() -> None:
    monitor = Monitor(rule(for_windows=2))
    monitor.step({"ai_errors.rate": 0.08})
    assert monitor.kinds({}, minutes=5) == []
    assert monitor.kinds({"ai_errors.rate": float("nan")}, minutes=10) == []
    assert monitor.kinds({"ai_errors.rate": 0.08}, minutes=15) == ["firing"]
    assert monitor.kinds({"containment.rate": 0.5}, minutes=20) == []
    assert monitor.state.firing == ("ai-errors{}",)


def test_that_rules_evaluate_independently() -> None:
    warn = rule(rule_id="errors-warn", threshold=0.02)
    page = rule(rule_id="errors-page", threshold=0.10)
    monitor = Monitor(warn, page)
    assert [e.rule_id for e in monitor.step({"ai_errors.rate": 0.05})] == ["errors-warn"]
    assert [e.rule_id for e in monitor.step({"ai_errors.rate": 0.15}, minutes=5)] == ["errors-page"]


def test_that_the_state_of_a_removed_rule_is_dropped() -> None:
    monitor = Monitor(rule())
    monitor.step({"ai_errors.rate": 0.08})
    monitor.rules = (rule(rule_id="other"),)
    assert monitor.kinds({}, minutes=5) == []
    assert monitor.state == AlertState()


def test_that_series_a_narrowed_label_filter_no_longer_matches_are_dropped() -> None:
    def service_level(labels: dict[str, str] | None = None) -> AlertRule:
        return rule(
            metric="queue.service_level", comparison=Comparison.LT, threshold=0.8, labels=labels
        )

    monitor = Monitor(service_level())
    monitor.step([Sample("queue.service_level", 0.5, q) for q in (VIP, RETURNS)])
    monitor.rules = (service_level(RETURNS),)
    assert monitor.kinds({}, minutes=5) == []
    assert monitor.state.firing == ('ai-errors{queue="q_returns_refunds"}',)


def test_that_evaluation_refuses_naive_times_and_repeated_rule_ids() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate([rule()], {}, state=AlertState(), now=datetime(2026, 11, 2, 9, 0))
    with pytest.raises(ValueError, match="repeated: ai-errors"):
        evaluate([rule(), rule()], {}, state=AlertState(), now=T0)


# error budgets


def test_that_an_error_budget_reports_its_remainder_and_burn_rate() -> None:
    half = error_budget(total=1000, bad=5, objective=0.99)
    assert (half.burn_rate, half.remaining) == pytest.approx((0.5, 0.5))
    overspent = error_budget(total=1000, bad=20, objective=0.99)
    assert (overspent.burn_rate, overspent.remaining) == pytest.approx((2.0, -1.0))
    assert overspent.metrics("ai_errors") == {
        "ai_errors.budget_remaining": overspent.remaining,
        "ai_errors.burn_rate": overspent.burn_rate,
    }


def test_that_no_traffic_spends_no_budget() -> None:
    idle = error_budget(total=0, bad=0, objective=0.999)
    assert (idle.burn_rate, idle.remaining) == (0.0, 1.0)


@pytest.mark.parametrize(("total", "bad", "objective"), [(10, 11, 0.99), (10, 1, 1.0), (10, 1, 0)])
def test_that_an_impossible_budget_is_refused(total: int, bad: int, objective: float) -> None:
    with pytest.raises(ValueError, match=r"bad <= total|objective must be"):
        error_budget(total=total, bad=bad, objective=objective)


def test_that_budget_metrics_drive_the_shipped_rules() -> None:
    rules = default_alert_rules().rule_set.rules
    burning = error_budget(total=100, bad=20, objective=0.99)
    _, events = evaluate(rules, burning.metrics("ai_errors"), state=AlertState(), now=T0)
    assert {e.rule_id for e in events} == {"ai-errors-fast-burn", "ai-errors-budget-spent"}
