"""Monitoring's shell: measures what can quietly degrade, evaluates the alert rules, records and
de-duplicates alerts, and delivers them to webhooks.

One `run` measures, against a baseline window:
- drift of the intent mix, the language mix and the intent model's confidence (PSI), once each
  window holds `min_messages` customer messages. PSI has a noise floor: two samples of the same
  traffic differ by about (categories - 1) x (1/n1 + 1/n2), ~0.1 for 28 intents at 250 and 1,200
  messages, which is why the shipped drift rules fire at 0.25, twice in a row;
- a rising out-of-scope rate (a one-sided test, so noise does not page anyone);
- triage accuracy against the intents people labelled this week, and QA accuracy against this
  week's human reviews, each compared with the weeks before;
- the data quality of what the order system returns for the orders conversations touched;
- AI latency (p95) and its budget, assist's error rate (requests that fell back) and its
  budget; containment; each queue's service level.

Windows: the current one is the last `current` (settings: three days by default, enough
messages for PSI in a small center; a large one can watch a day), the baseline the `baseline`
(two weeks) before it; accuracy compares the last 7 days of labels with the 28 before. The
alert state is kept in the database between runs, so a breach that is already firing is not
announced again (only re-notified after its rule's cooldown), and it survives restarts.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from cxops.analytics.alerts import (
    AlertEvent,
    AlertState,
    LoadedAlertRules,
    Sample,
    SeriesState,
    error_budget,
    evaluate,
)
from cxops.analytics.data_quality import check_orders, summarize
from cxops.analytics.drift import (
    DriftReport,
    accuracy_drop,
    accuracy_vs_labels,
    drift_report,
    numeric_drift_report,
    out_of_scope_rise,
)
from cxops.domain.errors import ConnectorUnavailableError, InvalidInputError, NotFoundError
from cxops.domain.ids import MessageId, OrderId, new_id
from cxops.domain.orders import Order
from cxops.floor import Floor
from cxops.ports import Clock, OrderSystem, UnitOfWork, UnitOfWorkFactory
from cxops.webhooks.service import publish

log = structlog.get_logger("cxops.monitor")

LABELS_CURRENT = timedelta(days=7)
LABELS_BASELINE = timedelta(days=28)
LATENCY_WINDOW = timedelta(hours=1)
MAX_VALUES = 20_000
MAX_ORDERS_CHECKED = 50
LATENCY_OBJECTIVE_MS = 200.0
LATENCY_OBJECTIVE = 0.99
"""The AI-latency objective the error budget is kept against: 99% of triage-and-decision calls
within 200 ms."""
ERROR_OBJECTIVE = 0.99
"""At most 1% of suggestion requests may fall back."""
STATE = "alerts"


@dataclass(frozen=True, slots=True)
class MonitorReport:
    """What one run measured and what it announced."""

    at: datetime
    samples: tuple[Sample, ...]
    drift: tuple[DriftReport, ...]
    events: tuple[AlertEvent, ...]
    firing: tuple[str, ...]
    rules_version: str


class Monitor:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        orders: OrderSystem,
        floor: Floor,
        rules: LoadedAlertRules,
        intents: frozenset[str],
        current: timedelta = timedelta(days=3),
        baseline: timedelta = timedelta(days=14),
        min_messages: int = 250,
    ) -> None:
        self._min = min_messages
        self._current = current
        self._baseline = baseline
        self._intents = intents
        self._uow = uow_factory
        self._clock = clock
        self._orders = orders
        self._floor = floor
        self._rules = rules

    def run(self) -> MonitorReport:
        """Measure, evaluate the rules, and record the alert events with their webhooks in one
        transaction together with the new state."""
        now = self._clock.now()
        with self._uow() as uow:
            drift, samples = self._measure(uow, now)
            touched = _touched_orders(uow, now - self._current)
        samples += self._data_quality(touched)
        samples += [
            Sample("queue.service_level", view.forecast.service_level, {"queue": view.queue.id})
            for view in self._floor.queues()
        ]
        with self._uow() as uow:
            stored = uow.monitoring.state(STATE)
            state = AlertState() if stored is None else _state(stored)
            state, events = evaluate(self._rules.rule_set.rules, samples, state=state, now=now)
            uow.monitoring.save_state(STATE, _state_json(state), at=now)
            uow.monitoring.add_alert_events([_event_row(e) for e in events])
            for event in events:
                publish(uow, topic=f"alert.{event.kind.value}", payload=_event_json(event), at=now)
            uow.commit()
        for event in events:
            log.warning(
                "monitor.alert",
                kind=event.kind.value,
                key=event.key,
                severity=event.severity.value,
                value=event.value,
            )
        return MonitorReport(
            at=now,
            samples=tuple(samples),
            drift=tuple(drift),
            events=tuple(events),
            firing=state.firing,
            rules_version=self._rules.version_label,
        )

    def label(self, message_id: MessageId, *, intent: str, by: str) -> None:
        """Record a person's label of a customer message's intent: the weekly sample that
        triage accuracy is measured on."""
        if intent not in self._intents:
            raise InvalidInputError("intent", f"{intent!r} is not an intent of the taxonomy")
        with self._uow() as uow:
            if uow.triage.get(message_id) is None:
                raise NotFoundError("triaged message", message_id)
            uow.monitoring.add_label(message_id, intent=intent, by=by, at=self._clock.now())
            uow.commit()

    def sample_to_label(self, *, size: int) -> list[tuple[MessageId, str, str, float]]:
        """This week's customer messages nobody labelled yet, spread over the week: (id,
        redacted text, triage's intent, confidence)."""
        now = self._clock.now()
        with self._uow() as uow:
            return uow.monitoring.unlabelled_sample(now - LABELS_CURRENT, now, size=size)

    def alerts(self, *, since: datetime | None, limit: int) -> list[dict[str, Any]]:
        """Recorded alert events, newest first."""
        with self._uow() as uow:
            return uow.monitoring.alert_events(since=since, limit=limit)

    def firing(self) -> list[dict[str, Any]]:
        """The series firing now, as of the last run."""
        with self._uow() as uow:
            stored = uow.monitoring.state(STATE)
        state = AlertState() if stored is None else _state(stored)
        return [
            {
                "key": key,
                "rule_id": state.series[key].rule_id,
                "labels": dict(state.series[key].labels),
                "since": state.series[key].firing_since,
            }
            for key in state.firing
        ]

    # -- measuring ----------------------------------------------------------------------------

    def _measure(self, uow: UnitOfWork, now: datetime) -> tuple[list[DriftReport], list[Sample]]:
        start = now - self._current
        base = start - self._baseline
        m = uow.monitoring
        drift = [
            drift_report(
                "intent_mix",
                m.intent_counts(base, start),
                m.intent_counts(start, now),
                min_count=self._min,
            ),
            drift_report(
                "language_mix",
                m.language_counts(base, start),
                m.language_counts(start, now),
                min_count=self._min,
            ),
            numeric_drift_report(
                "confidence",
                m.confidences(base, start, limit=MAX_VALUES),
                m.confidences(start, now, limit=MAX_VALUES),
                min_count=self._min,
            ),
        ]
        samples = [
            Sample(name, value) for report in drift for name, value in report.metrics().items()
        ]
        samples += _out_of_scope(m.out_of_scope(base, start), m.out_of_scope(start, now))
        samples += _accuracy(uow, "triage", now, _triage_pairs)
        samples += _accuracy(uow, "qa", now, _qa_pairs)
        samples += _latency(m.latencies(now - LATENCY_WINDOW, now, limit=MAX_VALUES))
        samples += _errors(*m.assist_requests(now - LATENCY_WINDOW, now))
        sums = uow.contacts.sums(since=start, until=now, granularity=None, dimension="total")
        if sums and sums[0][2]["contacts"]:
            row = sums[0][2]
            samples.append(Sample("containment.rate", row["contained"] / row["contacts"]))
        return drift, samples

    def _data_quality(self, order_ids: Sequence[OrderId]) -> list[Sample]:
        """Check what the order system returns for the orders recent conversations touched."""
        found: list[Order] = []
        for order_id in order_ids[:MAX_ORDERS_CHECKED]:
            try:
                found.append(self._orders.get_order(order_id))
            except (NotFoundError, ConnectorUnavailableError):
                continue
        if not found:
            return []
        summary = summarize(check_orders(found), orders_checked=len(found))
        return [Sample(name, value) for name, value in summary.metrics().items()]


def _out_of_scope(baseline: tuple[int, int], current: tuple[int, int]) -> list[Sample]:
    (base_oos, base_n), (now_oos, now_n) = baseline, current
    if not now_n:
        return []
    samples = [Sample("out_of_scope.rate", now_oos / now_n)]
    if base_n:
        rise = out_of_scope_rise(
            baseline_rate=base_oos / base_n,
            current_rate=now_oos / now_n,
            n_current=now_n,
            n_baseline=base_n,
        )
        samples.append(Sample("out_of_scope.rising", float(rise.rising)))
    return samples


def _accuracy(
    uow: UnitOfWork,
    name: str,
    now: datetime,
    pairs: Callable[[UnitOfWork, datetime, datetime], list[tuple[str, str]]],
) -> list[Sample]:
    """`<name>.accuracy` over the last week's human labels, and `<name>.accuracy_dropped`
    against the weeks before."""
    start = now - LABELS_CURRENT
    current = pairs(uow, start, now)
    if not current:
        return []
    measured = accuracy_vs_labels(current)
    samples = [Sample(f"{name}.accuracy", measured.accuracy)]
    baseline = pairs(uow, start - LABELS_BASELINE, start)
    if baseline:
        dropped = accuracy_drop(accuracy_vs_labels(baseline), measured)
        samples.append(Sample(f"{name}.accuracy_dropped", float(dropped)))
    return samples


def _triage_pairs(uow: UnitOfWork, since: datetime, until: datetime) -> list[tuple[str, str]]:
    return uow.monitoring.labelled(since, until)


def _qa_pairs(uow: UnitOfWork, since: datetime, until: datetime) -> list[tuple[str, str]]:
    """(the scorer's verdict, the reviewer's) per criterion both judged, for reviews given in
    [since, until)."""
    reviews = [r[1] for r in uow.quality.reviews(since=since) if r[3] < until]
    results = {
        r.conversation_id: r for r in uow.quality.results(r.conversation_id for r in reviews)
    }
    pairs = []
    for review in reviews:
        result = results.get(review.conversation_id)
        if result is None:
            continue
        automated = {c.criterion_id: c.passed for c in result.results}
        for criterion, verdict in review.verdicts.items():
            if verdict is not None and automated.get(criterion) is not None:
                pairs.append((str(automated[criterion]), str(verdict)))
    return pairs


def _latency(values: list[float]) -> list[Sample]:
    if not values:
        return []
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    budget = error_budget(
        total=len(values),
        bad=sum(v > LATENCY_OBJECTIVE_MS for v in values),
        objective=LATENCY_OBJECTIVE,
    )
    return [
        Sample("ai_latency.p95_ms", p95),
        *(Sample(k, v) for k, v in budget.metrics("ai_latency").items()),
    ]


def _errors(requests: int, failed: int) -> list[Sample]:
    """Assist's error rate and budget: a suggestion request that had to fall back (order
    system or generative endpoint slow or down) is an error."""
    if not requests:
        return []
    budget = error_budget(total=requests, bad=failed, objective=ERROR_OBJECTIVE)
    return [
        Sample("ai_errors.rate", failed / requests),
        *(Sample(k, v) for k, v in budget.metrics("ai_errors").items()),
    ]


def _touched_orders(uow: UnitOfWork, since: datetime) -> list[OrderId]:
    return uow.actions.orders_since(since)


def _state(stored: dict[str, Any]) -> AlertState:
    return AlertState(
        {
            key: SeriesState(
                rule_id=s["rule_id"],
                labels=s["labels"],
                breaches=s["breaches"],
                firing_since=_when(s["firing_since"]),
                notified_at=_when(s["notified_at"]),
            )
            for key, s in stored.get("series", {}).items()
        }
    )


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _state_json(state: AlertState) -> dict[str, Any]:
    return {
        "series": {
            key: {
                "rule_id": s.rule_id,
                "labels": dict(s.labels),
                "breaches": s.breaches,
                "firing_since": None if s.firing_since is None else s.firing_since.isoformat(),
                "notified_at": None if s.notified_at is None else s.notified_at.isoformat(),
            }
            for key, s in state.series.items()
        }
    }


def _event_json(event: AlertEvent) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "key": event.key,
        "rule_id": event.rule_id,
        "name": event.name,
        "severity": event.severity.value,
        "metric": event.metric,
        "labels": dict(event.labels),
        "value": event.value,
        "comparison": event.comparison.value,
        "threshold": event.threshold,
        "at": event.at.isoformat(),
        "since": event.since.isoformat(),
    }


def _event_row(event: AlertEvent) -> dict[str, Any]:
    return {
        "id": new_id("alr"),
        "key": event.key,
        "kind": event.kind.value,
        "rule_id": event.rule_id,
        "name": event.name,
        "severity": event.severity.value,
        "metric": event.metric,
        "labels": dict(event.labels),
        "value": event.value,
        "threshold": event.threshold,
        "at": event.at,
        "since": event.since,
    }
