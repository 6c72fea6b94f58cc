"""The monitor over a database filled through the real pipeline: it measures, fires an alert
once, does not repeat it, resolves it, records it, and queues it for webhooks."""

from datetime import timedelta
from pathlib import Path

import pytest

from cxops.analytics.alerts import parse_alert_rules
from cxops.analytics.monitor import Monitor
from cxops.connectors.clock import FixedClock
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.domain.conversations import Channel, Outcome
from cxops.floor import Floor, PolicyBook
from cxops.learning.corpus import load_taxonomy
from cxops.pipeline import NewConversation, NewMessage, Pipeline
from cxops.qa.scorecard import default_scorecard
from cxops.qa.service import QualityDesk
from cxops.store.engine import make_engine
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from cxops.webhooks.service import subscribe
from tests.selfservice_suite import NOW, build_template, load_suite
from tests.wiring import build_pipeline

RULES = """
name: test-rules
version: "1"
rules:
  - id: low-containment
    name: Containment below 90%
    severity: warning
    metric: containment.rate
    comparison: lt
    threshold: 0.9
    cooldown_minutes: 60
  - id: triage-accuracy
    name: Triage accuracy below 99%
    severity: critical
    metric: triage.accuracy
    comparison: lt
    threshold: 0.99
"""


Wiring = tuple[Pipeline, Monitor, FixedClock, SqlUnitOfWorkFactory]


@pytest.fixture
def wired(tmp_path: Path, triage_engine: TriageEngine) -> Wiring:
    template = build_template(load_suite().world, tmp_path)
    uow = SqlUnitOfWorkFactory(make_engine(f"sqlite:///{template}"))
    clock = FixedClock(NOW)
    floor = Floor(uow_factory=uow, clock=clock, policies=PolicyBook())
    floor.ensure_policy()
    desk = QualityDesk(uow_factory=uow, clock=clock, scorecard=default_scorecard())
    pipeline = build_pipeline(
        uow, clock, triage_engine, floor=floor, on_closed=desk.conversation_closed
    )
    monitor = Monitor(
        uow_factory=uow,
        clock=clock,
        orders=SqlOrderStore(uow_factory=uow, clock=clock),
        floor=floor,
        rules=parse_alert_rules(RULES, source="test"),
        intents=frozenset(i.name for i in load_taxonomy()),
    )
    return pipeline, monitor, clock, uow


def contact(pipeline: Pipeline, clock: FixedClock, *, contained: bool) -> str:
    opened = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation
    pipeline.post_message(opened.id, NewMessage(text="Where is my order W3000002?"))
    clock.advance(timedelta(seconds=20))
    pipeline.post_message(opened.id, NewMessage(text="ana.ruiz@example.com"))
    clock.advance(timedelta(seconds=20))
    if contained:
        pipeline.post_message(opened.id, NewMessage(text="great, that's all, thanks"))
    else:
        pipeline.close(opened.id, outcome=Outcome.UNRESOLVED)
    clock.advance(timedelta(minutes=1))
    return opened.id


def test_that_an_alert_fires_once_repeats_after_its_cooldown_and_resolves(
    wired: Wiring,
) -> None:
    pipeline, monitor, clock, uow = wired
    with uow() as u:
        subscribe(u, url="http://127.0.0.1:9/hook", topics=["alert.*"], at=clock.now())
        u.commit()
    contact(pipeline, clock, contained=True)
    contact(pipeline, clock, contained=False)

    first = monitor.run()
    samples = {s.metric: s.value for s in first.samples}
    assert samples["containment.rate"] == pytest.approx(0.5)
    assert "ai_latency.p95_ms" in samples
    assert [(e.kind.value, e.rule_id) for e in first.events] == [("firing", "low-containment")]
    assert first.firing == ("low-containment{}",)

    clock.advance(timedelta(minutes=10))
    assert monitor.run().events == ()
    clock.advance(timedelta(minutes=55))
    assert [e.kind.value for e in monitor.run().events] == ["repeat"]

    for _ in range(9):
        contact(pipeline, clock, contained=True)
    resolved = monitor.run()
    assert [e.kind.value for e in resolved.events] == ["resolved"]
    assert resolved.firing == ()

    recorded = monitor.alerts(since=None, limit=10)
    assert [e["kind"] for e in recorded] == ["resolved", "repeat", "firing"]
    with uow() as u:
        queued = u.webhooks.list_deliveries(limit=10)
    assert sorted(d.topic for d in queued) == ["alert.firing", "alert.repeat", "alert.resolved"]


def test_that_human_labels_measure_triage_accuracy(wired: Wiring) -> None:
    pipeline, monitor, clock, _ = wired
    contact(pipeline, clock, contained=True)
    sample = monitor.sample_to_label(size=10)
    assert sample
    first, *_ = sample
    monitor.label(first[0], intent=first[2], by="qa-lead")
    clock.advance(timedelta(seconds=1))
    assert {s.metric: s.value for s in monitor.run().samples}["triage.accuracy"] == 1.0
    monitor.label(first[0], intent="complaint" if first[2] != "complaint" else "greeting", by="qa")
    clock.advance(timedelta(seconds=1))
    run = monitor.run()
    assert {s.metric: s.value for s in run.samples}["triage.accuracy"] == 0.0
    assert [e.rule_id for e in run.events] == ["triage-accuracy"]
    with pytest.raises(Exception, match="intent"):
        monitor.label(first[0], intent="teleport", by="qa")


def test_that_a_close_never_scored_is_picked_up_by_the_sweep_a_bounded_batch_at_a_time(
    wired: Wiring,
) -> None:
    pipeline, _, clock, uow = wired
    floor = Floor(uow_factory=uow, clock=clock, policies=PolicyBook())
    closed = []
    for _ in range(3):
        opened = pipeline.start_conversation(NewConversation(channel=Channel.CHAT)).conversation
        pipeline.post_message(opened.id, NewMessage(text="hello, what are your store hours?"))
        floor.close(opened.id, outcome=Outcome.RESOLVED)
        closed.append(opened.id)
    desk = QualityDesk(uow_factory=uow, clock=clock, scorecard=default_scorecard())
    assert desk.score_unscored(limit=2) == 2
    assert desk.score_unscored(limit=2) == 1
    assert desk.score_unscored(limit=2) == 0
    with uow() as u:
        assert all(u.contacts.get(c) is not None for c in closed)
