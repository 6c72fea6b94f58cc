"""Aggregate reads behind the Prometheus scrape.

A scrape may come every few seconds from every Prometheus replica, so each figure is one
aggregate query, or one read bounded by a row cap, and all of them run on the caller's connection
in one transaction. They read the system of record, not process memory, so every worker of a
deployment reports the same figures. On SQLite that transaction holds the write lock (see
`cxops.store.engine`) for the few milliseconds the reads take.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Integer, and_, cast, func, select

from cxops.domain.conversations import ConversationStatus
from cxops.store.tables import (
    contact_facts,
    conversations,
    decisions,
    message_triage,
    queues,
    webhook_deliveries,
)

TRIAGE_ROW_CAP = 20_000

_conv = conversations


@dataclass(frozen=True, slots=True)
class Containment:
    """Conversations closed in a window, and those of them the bot resolved on its own."""

    closed: int
    contained: int


@dataclass(frozen=True, slots=True)
class BusinessFigures:
    """One scrape's reading of the system of record; counts are keyed by their label values."""

    decisions: dict[tuple[str, str], int]
    conversations: dict[str, int]
    containment: Containment
    triage_latencies_ms: list[float]
    queue_waiting: dict[str, int]
    webhook_deliveries: dict[str, int]


def read_figures(
    connection: Connection,
    *,
    now: datetime,
    containment_window: timedelta,
    triage_window: timedelta,
) -> BusinessFigures:
    """Read every business figure the scrape exposes, as of `now`."""
    return BusinessFigures(
        decisions=_decision_counts(connection),
        conversations=_conversation_counts(connection),
        containment=_containment(connection, since=now - containment_window),
        triage_latencies_ms=_triage_latencies_ms(connection, since=now - triage_window),
        queue_waiting=_queue_waiting(connection),
        webhook_deliveries=_delivery_counts(connection),
    )


def _decision_counts(connection: Connection) -> dict[tuple[str, str], int]:
    rows = connection.execute(
        select(decisions.c.kind, decisions.c.outcome, func.count()).group_by(
            decisions.c.kind, decisions.c.outcome
        )
    )
    return {(kind, outcome): int(count) for kind, outcome, count in rows}


def _conversation_counts(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(_conv.c.status, func.count()).group_by(_conv.c.status))
    return {status: int(count) for status, count in rows}


def _containment(connection: Connection, *, since: datetime) -> Containment:
    """From the contact facts written when each conversation closed and was scored, so the
    scrape and the KPIs share one definition of contained (`analytics.contacts`) and the read
    uses the facts' `closed_at` index."""
    closed, contained_count = connection.execute(
        select(
            func.count(), func.coalesce(func.sum(cast(contact_facts.c.contained, Integer)), 0)
        ).where(contact_facts.c.closed_at >= since)
    ).one()
    return Containment(closed=int(closed), contained=int(contained_count))


def _triage_latencies_ms(connection: Connection, *, since: datetime) -> list[float]:
    """Latencies of messages triaged since `since`, among the latest `TRIAGE_ROW_CAP` triaged.

    Message ids are time-ordered (`cxops.domain.ids.new_id`), so the newest rows come from the
    primary key's index and the read stays bounded however busy the hour was; past the cap the
    figures describe the most recent part of the window only.
    """
    latest = (
        select(message_triage.c.latency_ms, message_triage.c.created_at)
        .order_by(message_triage.c.message_id.desc())
        .limit(TRIAGE_ROW_CAP)
        .subquery()
    )
    rows = connection.execute(select(latest.c.latency_ms).where(latest.c.created_at >= since))
    return [float(latency) for latency in rows.scalars()]


def _queue_waiting(connection: Connection) -> dict[str, int]:
    """Every queue, with zero where nobody waits, so an emptied queue reads 0 and not absent."""
    waiting = and_(
        _conv.c.queue_id == queues.c.id, _conv.c.status == ConversationStatus.QUEUED.value
    )
    rows = connection.execute(
        select(queues.c.id, func.count(_conv.c.id))
        .select_from(queues.outerjoin(_conv, waiting))
        .group_by(queues.c.id)
    )
    return {queue: int(count) for queue, count in rows}


def _delivery_counts(connection: Connection) -> dict[str, int]:
    status = webhook_deliveries.c.status
    rows = connection.execute(select(status, func.count()).group_by(status))
    return {value: int(count) for value, count in rows}
