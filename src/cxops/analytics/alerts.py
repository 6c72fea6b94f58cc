"""Alert rules as data, and the pure evaluator that turns metric samples into alert events.

The operations lead edits the rules (`data/monitoring/alerts.yaml`); they are validated on load
(errors name the line and field, unknown metrics and out-of-range thresholds included, because a
misspelt metric would otherwise never fire) and labelled `name@version+sha8` like the routing
policy, so every event can be traced to the rules that raised it.

`evaluate(rules, samples, state=..., now=...)` is a function of its arguments: the caller keeps
the returned `AlertState` and passes it to the next evaluation. Its contract:

* A rule watches one metric. Each sample of that metric whose labels include the rule's `labels`
  filter is a separate series, keyed by `alert_key(rule id, sample labels)`; the key is the same
  whatever order the labels come in.
* A series breaches when `value <comparison> threshold`. It fires after `for_windows`
  consecutive breaching evaluations, once: while it keeps breaching, a `repeat` event follows
  only when `cooldown_minutes` have passed since the last notification. When it stops
  breaching, one `resolved` event.
* A metric without a sample in an evaluation (or with a NaN value) changes nothing: no data is not
  recovery, so a firing alert keeps firing and a run of breaches keeps its count. Detecting that a
  metric stopped arriving is the collector's job.
* Several samples with the same key in one evaluation are one series, at its most breaching value.
* State of rules that no longer exist, or whose label filter no longer matches, is dropped.

Error budgets: `error_budget` gives the share of an objective's budget left and its burn rate,
exposed as `ai_latency.*` and `ai_errors.*` metrics for the rules (Google SRE workbook,
"Alerting on SLOs").
"""

import hashlib
import json
import math
import operator
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from cxops.configfile import load_model

DEFAULT_ALERT_RULES: Final = "monitoring/alerts.yaml"


class MetricKind(StrEnum):
    RATIO = "ratio"
    FLAG = "flag"
    PSI = "psi"
    MILLISECONDS = "milliseconds"
    BURN_RATE = "burn_rate"
    BUDGET = "budget"


_RANGES: Final[Mapping[MetricKind, tuple[float, float]]] = {
    MetricKind.RATIO: (0.0, 1.0),
    MetricKind.FLAG: (0.0, 1.0),
    MetricKind.PSI: (0.0, math.inf),
    MetricKind.MILLISECONDS: (0.0, math.inf),
    MetricKind.BURN_RATE: (0.0, math.inf),
    MetricKind.BUDGET: (-math.inf, 1.0),
}

METRICS: Final[Mapping[str, MetricKind]] = MappingProxyType(
    {
        "drift.intent_mix.psi": MetricKind.PSI,
        "drift.confidence.psi": MetricKind.PSI,
        "drift.language_mix.psi": MetricKind.PSI,
        "out_of_scope.rate": MetricKind.RATIO,
        "out_of_scope.rising": MetricKind.FLAG,
        "triage.accuracy": MetricKind.RATIO,
        "triage.accuracy_dropped": MetricKind.FLAG,
        "qa.accuracy": MetricKind.RATIO,
        "qa.accuracy_dropped": MetricKind.FLAG,
        "data_quality.affected_share": MetricKind.RATIO,
        "ai_latency.p95_ms": MetricKind.MILLISECONDS,
        "ai_latency.budget_remaining": MetricKind.BUDGET,
        "ai_latency.burn_rate": MetricKind.BURN_RATE,
        "ai_errors.rate": MetricKind.RATIO,
        "ai_errors.budget_remaining": MetricKind.BUDGET,
        "ai_errors.burn_rate": MetricKind.BURN_RATE,
        "containment.rate": MetricKind.RATIO,
        "queue.service_level": MetricKind.RATIO,
    }
)
"""The metrics a rule may watch, and what kind of number each is (which bounds its threshold).

Flags are 1 when a statistical check (`out_of_scope_rise`, `accuracy_drop`) says yes, else 0.
"""


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Comparison(StrEnum):
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"


_COMPARE: Final[Mapping[Comparison, Callable[[float, float], bool]]] = {
    Comparison.GT: operator.gt,
    Comparison.GE: operator.ge,
    Comparison.LT: operator.lt,
    Comparison.LE: operator.le,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertRule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=1)
    severity: Severity
    metric: str
    comparison: Comparison
    threshold: float
    for_windows: int = Field(default=1, ge=1)
    labels: dict[str, str] = {}
    cooldown_minutes: int = Field(default=60, ge=0)

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}")
        return metric

    @field_validator("threshold")
    @classmethod
    def _threshold_in_range(cls, threshold: float, info: ValidationInfo) -> float:
        kind = METRICS.get(info.data.get("metric", ""))
        if kind is None:
            return threshold
        low, high = _RANGES[kind]
        if not low <= threshold <= high:
            raise ValueError(f"a {kind} threshold must be within [{low}, {high}]")
        return threshold

    def breached_by(self, value: float) -> bool:
        """Return whether `value` breaches this rule."""
        return _COMPARE[self.comparison](value, self.threshold)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Return whether a series with `labels` passes this rule's label filter."""
        return all(labels.get(key) == value for key, value in self.labels.items())


class AlertRuleSet(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    rules: tuple[AlertRule, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> "AlertRuleSet":
        _check_unique_ids(self.rules)
        return self


class LoadedAlertRules:
    """Alert rules with their version label `name@version+sha8`."""

    def __init__(self, rule_set: AlertRuleSet, text: str) -> None:
        self.rule_set = rule_set
        self.version_label = (
            f"{rule_set.name}@{rule_set.version}+{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        )


def parse_alert_rules(text: str, *, source: str) -> LoadedAlertRules:
    return LoadedAlertRules(load_model(text, AlertRuleSet, source=source), text)


def read_alert_rules(path: Path) -> LoadedAlertRules:
    return parse_alert_rules(path.read_text(encoding="utf-8"), source=str(path))


@cache
def default_alert_rules() -> LoadedAlertRules:
    resource = files("cxops.data").joinpath(DEFAULT_ALERT_RULES)
    return parse_alert_rules(
        resource.read_text(encoding="utf-8"), source=f"cxops:{DEFAULT_ALERT_RULES}"
    )


@dataclass(frozen=True, slots=True)
class Sample:
    """One observation of a metric: `Sample("queue.service_level", 0.72, {"queue": "q_vip"})`."""

    metric: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SeriesState:
    """What the evaluator remembers of one series: its run of breaches and its notifications.

    `firing_since` and `notified_at` are None while the series is only pending (breaching, but
    fewer than `for_windows` times in a row).
    """

    rule_id: str
    labels: Mapping[str, str]
    breaches: int
    firing_since: datetime | None = None
    notified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AlertState:
    """Every pending or firing series, by `alert_key`; start from `AlertState()`."""

    series: Mapping[str, SeriesState] = field(default_factory=dict)

    @property
    def firing(self) -> tuple[str, ...]:
        """Return the keys of the firing series, sorted."""
        return tuple(sorted(k for k, s in self.series.items() if s.firing_since is not None))


class EventKind(StrEnum):
    FIRING = "firing"
    REPEAT = "repeat"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """A notification to send: `value` is the value seen at `at`; `since` is when firing began."""

    kind: EventKind
    key: str
    rule_id: str
    name: str
    severity: Severity
    metric: str
    labels: Mapping[str, str]
    value: float
    comparison: Comparison
    threshold: float
    at: datetime
    since: datetime


@dataclass(frozen=True, slots=True)
class ErrorBudget:
    """An objective's error budget over a window.

    `burn_rate` is the bad share divided by the share the objective allows (1 spends the budget
    exactly over the window); `remaining` is `1 - burn_rate`, negative once overspent.
    """

    objective: float
    total: int
    bad: int
    burn_rate: float
    remaining: float

    def metrics(self, prefix: str) -> dict[str, float]:
        """Return `<prefix>.budget_remaining` and `<prefix>.burn_rate`, e.g. for `ai_latency`."""
        return {f"{prefix}.budget_remaining": self.remaining, f"{prefix}.burn_rate": self.burn_rate}


def error_budget(*, total: int, bad: int, objective: float) -> ErrorBudget:
    """Return the error budget of `bad` out of `total` events against `objective` (e.g. 0.99).

    For latency, a bad event is a reply slower than the latency objective's bound (say 800 ms);
    for errors, a failed AI call. Pass the objective's whole period (e.g. 30 days) for the budget
    left, and a short window (e.g. the last hour) for a burn rate that pages fast: the SRE
    workbook pages at 14.4 over one hour, 2% of a 30-day budget. No traffic spends nothing.
    """
    if not 0 < objective < 1:
        raise ValueError("objective must be within (0, 1)")
    if total < 0 or not 0 <= bad <= total:
        raise ValueError("need 0 <= bad <= total")
    burn_rate = (bad / total) / (1 - objective) if total else 0.0
    return ErrorBudget(objective, total, bad, burn_rate, 1 - burn_rate)


def alert_key(rule_id: str, labels: Mapping[str, str]) -> str:
    """Return the stable key of a rule's series, e.g. `queue-service-level{queue="q_vip"}`."""
    inside = ",".join(f"{key}={json.dumps(labels[key])}" for key in sorted(labels))
    return f"{rule_id}{{{inside}}}"


def evaluate(
    rules: Sequence[AlertRule],
    samples: Mapping[str, float] | Sequence[Sample],
    *,
    state: AlertState,
    now: datetime,
) -> tuple[AlertState, list[AlertEvent]]:
    """Evaluate `rules` on `samples`; return the next state and the events to notify, in order."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    _check_unique_ids(rules)
    observed = (
        [Sample(metric, value) for metric, value in samples.items()]
        if isinstance(samples, Mapping)
        else list(samples)
    )
    series: dict[str, SeriesState] = {}
    events: list[AlertEvent] = []
    for rule in rules:
        current = _series_of(rule, observed)
        for key in sorted(current):
            labels, value = current[key]
            next_state, event = _step(rule, key, labels, value, state.series.get(key), now)
            if next_state is not None:
                series[key] = next_state
            if event is not None:
                events.append(event)
        for key, prior in state.series.items():
            if prior.rule_id == rule.id and key not in current and rule.matches(prior.labels):
                series[key] = prior
    return AlertState(series), events


def _series_of(
    rule: AlertRule, samples: Sequence[Sample]
) -> dict[str, tuple[Mapping[str, str], float]]:
    """Group the rule's samples by key, keeping each key's most breaching value."""
    worst = max if rule.comparison in (Comparison.GT, Comparison.GE) else min
    found: dict[str, tuple[Mapping[str, str], float]] = {}
    for sample in samples:
        if sample.metric != rule.metric or math.isnan(sample.value):
            continue
        if not rule.matches(sample.labels):
            continue
        key = alert_key(rule.id, sample.labels)
        value = worst(sample.value, found[key][1]) if key in found else sample.value
        found[key] = (dict(sample.labels), value)
    return found


def _step(
    rule: AlertRule,
    key: str,
    labels: Mapping[str, str],
    value: float,
    prior: SeriesState | None,
    now: datetime,
) -> tuple[SeriesState | None, AlertEvent | None]:
    def event(kind: EventKind, since: datetime) -> AlertEvent:
        return AlertEvent(
            kind=kind,
            key=key,
            rule_id=rule.id,
            name=rule.name,
            severity=rule.severity,
            metric=rule.metric,
            labels=labels,
            value=value,
            comparison=rule.comparison,
            threshold=rule.threshold,
            at=now,
            since=since,
        )

    firing_since = prior.firing_since if prior else None
    if not rule.breached_by(value):
        return None, (event(EventKind.RESOLVED, firing_since) if firing_since else None)
    breaches = (prior.breaches if prior else 0) + 1
    if prior is not None and firing_since is not None:
        if now - (prior.notified_at or firing_since) < timedelta(minutes=rule.cooldown_minutes):
            return replace(prior, labels=labels, breaches=breaches), None
        repeated = SeriesState(rule.id, labels, breaches, firing_since, notified_at=now)
        return repeated, event(EventKind.REPEAT, firing_since)
    if breaches >= rule.for_windows:
        return SeriesState(rule.id, labels, breaches, now, now), event(EventKind.FIRING, now)
    return SeriesState(rule.id, labels, breaches), None


def _check_unique_ids(rules: Sequence[AlertRule]) -> None:
    counts = Counter(rule.id for rule in rules)
    repeated = sorted(rule_id for rule_id, count in counts.items() if count > 1)
    if repeated:
        raise ValueError(f"rule ids must be unique; repeated: {', '.join(repeated)}")
