"""Demo history replayed through the real pipeline, floor, bot and assist: a few simulated days on
a real database with the real triage model leave conversations that the system itself triaged,
routed, answered and closed, with timestamps inside the simulated days."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cxops.assist.library import load_shipped
from cxops.assist.retrieval import static_embedder
from cxops.assist.rules import default_rules
from cxops.assist.service import Assistant
from cxops.connectors.clock import FixedClock
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.demo.history import ContactCenter, HistoryReport, simulate_history
from cxops.demo.retail import RetailDataset, generate
from cxops.demo.seed import load
from cxops.domain.conversations import ConversationStatus, MessageRole, Outcome
from cxops.domain.ids import ConversationId
from cxops.floor import Floor, PolicyBook
from cxops.pipeline import NewConversation, NewMessage
from cxops.selfservice.service import SelfService
from cxops.store import tables
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from tests.conftest import empty_all_tables
from tests.wiring import build_pipeline

NOW = datetime(2026, 6, 15, 16, 30, tzinfo=UTC)
DAYS = 3
FIRST_DAY = datetime(2026, 6, 13, tzinfo=UTC)


@pytest.fixture(scope="module")
def dataset() -> RetailDataset:
    return generate(today=date(2026, 6, 15), customers=300, products=60, orders=1500)


@dataclass(frozen=True)
class Run:
    """What one simulation returned and called, and the rows it left, read right after it."""

    report: HistoryReport
    closed_calls: list[ConversationId]
    surveys: list[tuple[ConversationId, int, str]]
    progress: list[tuple[int, int]]
    rows: dict[str, list[dict[str, Any]]]


def center_for(engine: Engine, triage: TriageEngine, clock: FixedClock) -> ContactCenter:
    """The system wired as the composition root wires it, over the test's clock."""
    uow = SqlUnitOfWorkFactory(engine)
    orders = SqlOrderStore(uow_factory=uow, clock=clock)
    floor = Floor(uow_factory=uow, clock=clock, policies=PolicyBook())
    pipeline = build_pipeline(uow, clock, triage, floor=floor, orders=orders)
    return ContactCenter(
        clock=clock,
        uow=uow,
        floor=floor,
        assistant=Assistant(
            uow_factory=uow,
            clock=clock,
            orders=orders,
            embedder=static_embedder(),
            rules=default_rules(),
        ),
        selfservice=SelfService(
            uow_factory=uow,
            clock=clock,
            orders=orders,
            floor=floor,
            redact=lambda text: triage.redact(text)[0],
        ),
        open_conversation=lambda channel, customer: (
            pipeline.start_conversation(NewConversation(channel, customer)).conversation.id
        ),
        post_message=lambda conversation, text, role: [
            reply.text
            for reply in pipeline.post_message(conversation, NewMessage(text, role)).replies
        ],
        close_conversation=lambda conversation, outcome: floor.close(conversation, outcome=outcome),
    )


def simulate(engine: Engine, triage: TriageEngine, dataset: RetailDataset, *, seed: int) -> Run:
    """Load the retailer into an empty database and replay three days, ten first contacts a day."""
    empty_all_tables(engine)
    uow = SqlUnitOfWorkFactory(engine)
    load(uow, dataset)
    clock = FixedClock(NOW - timedelta(days=DAYS))
    load_shipped(uow, clock)
    center = center_for(engine, triage, clock)
    closed: list[ConversationId] = []
    surveys: list[tuple[ConversationId, int, str]] = []
    progress: list[tuple[int, int]] = []
    try:
        report = simulate_history(
            center=center,
            now=NOW,
            days=DAYS,
            per_day=10,
            seed=seed,
            after_close=closed.append,
            survey=lambda conversation, score, comment: surveys.append(
                (conversation, score, comment)
            ),
            progress=lambda arrived, planned: progress.append((arrived, planned)),
        )
    finally:
        center.assistant.close()
    with engine.connect() as conn:
        rows = {
            table.name: [dict(row._mapping) for row in conn.execute(select(table))]
            for table in (
                tables.conversations,
                tables.messages,
                tables.message_triage,
                tables.decisions,
                tables.handoffs,
                tables.suggestions,
                tables.suggestion_feedback,
                tables.agents,
            )
        }
    return Run(report, closed, surveys, progress, rows)


@pytest.fixture(scope="module")
def run(session_engine: Engine, triage_engine: TriageEngine, dataset: RetailDataset) -> Run:
    return simulate(session_engine, triage_engine, dataset, seed=7)


def ids(rows: list[dict[str, Any]], where: Callable[[dict[str, Any]], bool]) -> set[object]:
    return {row["id"] for row in rows if where(row)}


def test_that_every_customer_message_was_triaged_and_routed(run: Run) -> None:
    conversations = run.rows["conversations"]
    messages = run.rows["messages"]
    customer_messages = ids(messages, lambda m: m["role"] == MessageRole.CUSTOMER.value)
    routed = {d["message_id"] for d in run.rows["decisions"] if d["kind"] == "routing"}
    triaged = {t["message_id"] for t in run.rows["message_triage"]}
    assert len(conversations) == run.report.conversations > 20
    assert len(messages) == run.report.messages
    assert customer_messages
    assert customer_messages <= routed
    assert customer_messages <= triaged
    spoke = {m["conversation_id"] for m in messages if m["role"] == MessageRole.CUSTOMER.value}
    assert spoke == {c["id"] for c in conversations}


def test_that_the_bot_resolved_some_conversations_and_agents_closed_others(run: Run) -> None:
    conversations = run.rows["conversations"]
    closed = [c for c in conversations if c["status"] == ConversationStatus.CLOSED.value]
    by_bot = [c for c in closed if c["outcome"] == Outcome.RESOLVED and c["queue_id"] is None]
    by_agents = [c for c in closed if c["assigned_agent_id"] is not None]
    handed_over = {h["conversation_id"] for h in run.rows["handoffs"]}
    assert len(by_bot) == run.report.bot_resolved > 0
    assert len(by_agents) == run.report.agent_closed > 0
    assert len(handed_over) == run.report.handovers > 0
    agent_messages = {
        m["conversation_id"] for m in run.rows["messages"] if m["role"] == MessageRole.AGENT.value
    }
    assert {c["id"] for c in by_agents} <= agent_messages


def test_that_agents_gave_feedback_on_assist_drafts(run: Run) -> None:
    suggestions = {s["id"]: s for s in run.rows["suggestions"]}
    feedback = run.rows["suggestion_feedback"]
    agents = {a["id"] for a in run.rows["agents"]}
    handled = {c["id"] for c in run.rows["conversations"] if c["assigned_agent_id"] is not None}
    assert feedback
    assert {f["given_by"] for f in feedback} <= agents
    assert {suggestions[f["suggestion_id"]]["conversation_id"] for f in feedback} <= handled
    actions = Counter(f["action"] for f in feedback)
    assert actions["accepted"] + actions["edited"] > actions["ignored"]
    assert all(f["reason"] for f in feedback if f["action"] == "ignored")


def test_that_after_close_is_called_once_for_every_closed_conversation(run: Run) -> None:
    closed = ids(run.rows["conversations"], lambda c: c["status"] == ConversationStatus.CLOSED)
    assert len(run.closed_calls) == len(set(run.closed_calls))
    assert set(run.closed_calls) == closed
    assert run.report.unfinished == run.report.conversations - len(closed)


def test_that_a_share_of_closed_conversations_answered_the_survey(run: Run) -> None:
    surveyed = [conversation for conversation, _, _ in run.surveys]
    assert 0 < len(surveyed) < len(run.closed_calls)
    assert len(set(surveyed)) == len(surveyed) == run.report.surveys
    assert set(surveyed) <= set(run.closed_calls)
    assert {score for _, score, _ in run.surveys} <= {1, 2, 3, 4, 5}


def test_that_timestamps_fall_within_the_simulated_days_and_never_after_now(run: Run) -> None:
    stamps: list[datetime] = []
    for table, columns in {
        "conversations": ("created_at", "updated_at", "closed_at", "queued_at", "assigned_at"),
        "messages": ("created_at",),
        "message_triage": ("created_at",),
        "decisions": ("created_at",),
        "handoffs": ("created_at",),
        "suggestions": ("created_at",),
        "suggestion_feedback": ("given_at",),
    }.items():
        for row in run.rows[table]:
            stamps.extend(row[c] for c in columns if row[c] is not None)
    assert min(stamps) >= FIRST_DAY
    assert max(stamps) <= NOW
    days = {c["created_at"].date() for c in run.rows["conversations"]}
    assert days == {date(2026, 6, 13), date(2026, 6, 14), date(2026, 6, 15)}


def test_that_progress_follows_every_arrival(run: Run) -> None:
    arrived = [a for a, _ in run.progress]
    assert arrived == list(range(1, run.report.conversations + 1))
    assert all(a <= planned for a, planned in run.progress)


def test_that_the_same_seed_replays_the_same_history(
    engine: Engine, triage_engine: TriageEngine, dataset: RetailDataset, run: Run
) -> None:
    again = simulate(engine, triage_engine, dataset, seed=7)
    assert again.report == run.report


def test_that_a_clock_already_past_the_first_day_or_a_naive_now_is_refused(
    engine: Engine, triage_engine: TriageEngine
) -> None:
    clock = FixedClock(NOW - timedelta(days=DAYS - 1))
    center = center_for(engine, triage_engine, clock)
    try:
        with pytest.raises(ValueError, match="at or before 2026-06-13T00:00:00"):
            simulate_history(center=center, now=NOW, days=DAYS)
        with pytest.raises(ValueError, match="timezone-aware"):
            simulate_history(center=center, now=NOW.replace(tzinfo=None), days=DAYS)
    finally:
        center.assistant.close()
