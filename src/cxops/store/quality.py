"""Quality and measurement in the database: contact facts and the KPI aggregates over them, QA
results and human reviews, surveys, triage labels, alert events and the monitor's state.

The KPI queries aggregate `contact_facts` (one row per closed conversation) with GROUP BY in the
database, so a period of a million messages is summed where the data is, not in Python. Periods
are UTC calendar days, or ISO weeks starting on Monday.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from cxops.domain.contacts import ContactFacts, Survey
from cxops.domain.conversations import Channel, Outcome
from cxops.domain.ids import AgentId, ConversationId, CustomerId, MessageId, QueueId, new_id
from cxops.domain.qa import CriterionResult, Evidence, HumanReview, QaResult, TextSpan
from cxops.ports import Granularity
from cxops.store.tables import (
    LATENCY_BUCKETS,
    alert_events,
    assist_requests,
    contact_facts,
    conversations,
    message_triage,
    messages,
    monitor_state,
    qa_results,
    qa_reviews,
    surveys,
    triage_labels,
)

DIMENSIONS = {
    "intent": contact_facts.c.intent,
    "queue": contact_facts.c.queue_id,
    "channel": contact_facts.c.channel,
    "segment": contact_facts.c.segment,
    "agent": contact_facts.c.agent_id,
    "variant": contact_facts.c.variant,
}
"""The breakdowns a KPI query may ask for, by name; "total" means none."""


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(cast(condition, Integer)), 0)


class SqlContactRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def save(self, facts: ContactFacts) -> None:
        values = _facts_values(facts)
        stored = self._conn.execute(
            select(contact_facts.c.csat, contact_facts.c.repeated).where(
                contact_facts.c.conversation_id == facts.conversation_id
            )
        ).first()
        if stored is None:
            self._conn.execute(insert(contact_facts).values(**values))
            return
        values["csat"] = stored.csat if facts.csat is None else facts.csat
        values["repeated"] = stored.repeated or facts.repeated
        self._conn.execute(
            update(contact_facts)
            .where(contact_facts.c.conversation_id == facts.conversation_id)
            .values(**values)
        )

    def get(self, conversation_id: ConversationId) -> ContactFacts | None:
        row = self._conn.execute(
            select(contact_facts).where(contact_facts.c.conversation_id == conversation_id)
        ).first()
        return None if row is None else _facts(row)

    def previous_about(
        self,
        customer_id: CustomerId,
        *,
        intent: str,
        since: datetime,
        before: datetime,
        excluding: ConversationId,
    ) -> ConversationId | None:
        found = self._conn.execute(
            select(contact_facts.c.conversation_id)
            .where(
                contact_facts.c.customer_id == customer_id,
                contact_facts.c.intent == intent,
                contact_facts.c.closed_at >= since,
                contact_facts.c.closed_at < before,
                contact_facts.c.conversation_id != excluding,
            )
            .order_by(contact_facts.c.closed_at.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if found is None else ConversationId(found)

    def mark_repeated(self, conversation_id: ConversationId) -> None:
        self._conn.execute(
            update(contact_facts)
            .where(contact_facts.c.conversation_id == conversation_id)
            .values(repeated=True)
        )

    def set_csat(self, conversation_id: ConversationId, score: int) -> None:
        self._conn.execute(
            update(contact_facts)
            .where(contact_facts.c.conversation_id == conversation_id)
            .values(csat=score)
        )

    def add_survey(self, survey: Survey) -> bool:
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(surveys).values(
                        conversation_id=survey.conversation_id,
                        score=survey.score,
                        comment=survey.comment,
                        answered_at=survey.answered_at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def survey(self, conversation_id: ConversationId) -> Survey | None:
        row = self._conn.execute(
            select(surveys).where(surveys.c.conversation_id == conversation_id)
        ).first()
        if row is None:
            return None
        return Survey(ConversationId(row.conversation_id), row.score, row.comment, row.answered_at)

    def unscored(self, *, limit: int) -> list[ConversationId]:
        rows = self._conn.execute(
            select(conversations.c.id)
            .select_from(
                conversations.join(
                    contact_facts,
                    contact_facts.c.conversation_id == conversations.c.id,
                    isouter=True,
                )
            )
            .where(
                conversations.c.closed_at.is_not(None), contact_facts.c.conversation_id.is_(None)
            )
            .order_by(conversations.c.closed_at, conversations.c.id)
            .limit(limit)
        )
        return [ConversationId(r) for r in rows.scalars()]

    def closed_between(self, since: datetime, until: datetime) -> list[ConversationId]:
        rows = self._conn.execute(
            select(conversations.c.id)
            .where(
                conversations.c.closed_at >= since,
                conversations.c.closed_at < until,
            )
            .order_by(conversations.c.closed_at, conversations.c.id)
        )
        return [ConversationId(r) for r in rows.scalars()]

    def sums(
        self,
        *,
        since: datetime,
        until: datetime,
        granularity: Granularity | None,
        dimension: str,
    ) -> list[tuple[date | None, str, dict[str, float]]]:
        c = contact_facts.c
        period = (
            literal(None) if granularity is None else self._period(c.closed_at, granularity)
        ).label("period")
        key = (
            literal("all") if dimension == "total" else func.coalesce(DIMENSIONS[dimension], "")
        ).label("key")
        sums = [
            func.count().label("contacts"),
            _count(c.outcome == Outcome.RESOLVED.value).label("resolved"),
            _count(and_(c.outcome == Outcome.RESOLVED.value, ~c.repeated)).label(
                "first_contact_resolved"
            ),
            _count(c.repeated).label("repeated"),
            _count(c.transfers > 0).label("transferred"),
            _count(c.contained).label("contained"),
            _count(c.bot_started).label("bot_started"),
            _count(c.escalated).label("escalated"),
            _count(c.escalation_reasked).label("escalation_reasked"),
            _count(c.agent_handled).label("agent_handled"),
            func.coalesce(func.sum(c.handle_seconds), 0).label("handle_seconds"),
            func.coalesce(func.sum(c.csat), 0).label("csat_sum"),
            func.count(c.csat).label("csat_count"),
            func.coalesce(func.sum(c.suggestions_shown), 0).label("suggestions_shown"),
            func.coalesce(func.sum(c.suggestions_with_feedback), 0).label(
                "suggestions_with_feedback"
            ),
            func.coalesce(func.sum(c.suggestions_used), 0).label("suggestions_used"),
            func.coalesce(func.sum(c.bot_turns), 0).label("bot_turns"),
            func.coalesce(func.sum(c.agent_turns), 0).label("agent_turns"),
            func.coalesce(func.sum(c.customer_turns), 0).label("customer_turns"),
            func.coalesce(func.sum(c.generative_drafts), 0).label("generative_drafts"),
            *(
                func.coalesce(func.sum(c[f"latency_b{i}"]), 0).label(f"latency_b{i}")
                for i in range(LATENCY_BUCKETS)
            ),
        ]
        query = (
            select(period, key, *sums)
            .where(c.closed_at >= since, c.closed_at < until)
            .group_by(*([] if granularity is None else [period]), key)
        )
        out = []
        for row in self._conn.execute(query):
            values = row._mapping
            out.append(
                (
                    _as_date(values["period"]) if granularity is not None else None,
                    str(values["key"]),
                    {name: float(values[name]) for name in values if name not in ("period", "key")},
                )
            )
        return out

    def _period(self, column: Any, granularity: Granularity) -> Any:
        if self._conn.dialect.name == "postgresql":
            return func.date_trunc(granularity, func.timezone("UTC", column))
        if granularity == "day":
            return func.date(column)
        return func.date(column, "weekday 0", "-6 days")


class SqlQualityRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def save_result(
        self,
        result: QaResult,
        *,
        handled_by: str,
        agent_id: AgentId | None,
        queue_id: QueueId | None,
        at: datetime,
    ) -> None:
        values = {
            "scorecard_version": result.scorecard_version,
            "handled_by": handled_by,
            "agent_id": agent_id,
            "queue_id": queue_id,
            "score": result.score,
            "auto_failed": result.auto_failed,
            "results": [_criterion_json(r) for r in result.results],
            "scored_at": at,
        }
        done = self._conn.execute(
            update(qa_results)
            .where(qa_results.c.conversation_id == result.conversation_id)
            .values(**values)
        )
        if done.rowcount == 0:
            self._conn.execute(
                insert(qa_results).values(conversation_id=result.conversation_id, **values)
            )

    def result(self, conversation_id: ConversationId) -> tuple[QaResult, datetime, str] | None:
        row = self._conn.execute(
            select(qa_results).where(qa_results.c.conversation_id == conversation_id)
        ).first()
        return None if row is None else (_result(row), row.scored_at, row.handled_by)

    def results(self, conversation_ids: Iterable[ConversationId]) -> list[QaResult]:
        ids = list(conversation_ids)
        if not ids:
            return []
        rows = self._conn.execute(select(qa_results).where(qa_results.c.conversation_id.in_(ids)))
        return [_result(row) for row in rows]

    def summary(
        self, *, since: datetime, until: datetime, by: Literal["agent", "queue", "handled_by"]
    ) -> list[tuple[str, int, float | None, int]]:
        column = {
            "agent": qa_results.c.agent_id,
            "queue": qa_results.c.queue_id,
            "handled_by": qa_results.c.handled_by,
        }[by]
        key = func.coalesce(column, "").label("key")
        rows = self._conn.execute(
            select(
                key,
                func.count(),
                func.avg(qa_results.c.score),
                _count(qa_results.c.auto_failed),
            )
            .select_from(
                qa_results.join(conversations, conversations.c.id == qa_results.c.conversation_id)
            )
            .where(conversations.c.closed_at >= since, conversations.c.closed_at < until)
            .group_by(key)
            .order_by(key)
        )
        return [
            (str(k), int(n), None if avg is None else float(avg), int(fails))
            for k, n, avg, fails in rows
        ]

    def add_review(
        self,
        *,
        review_id: str,
        review: HumanReview,
        disputes: dict[str, str],
        at: datetime,
    ) -> None:
        self._conn.execute(
            insert(qa_reviews).values(
                id=review_id,
                conversation_id=review.conversation_id,
                reviewer=review.reviewer,
                verdicts=review.verdicts,
                disputes=disputes,
                created_at=at,
            )
        )

    def reviews(
        self, *, conversation_id: ConversationId | None = None, since: datetime | None = None
    ) -> list[tuple[str, HumanReview, dict[str, str], datetime]]:
        query = select(qa_reviews).order_by(qa_reviews.c.created_at, qa_reviews.c.id)
        if conversation_id is not None:
            query = query.where(qa_reviews.c.conversation_id == conversation_id)
        if since is not None:
            query = query.where(qa_reviews.c.created_at >= since)
        return [
            (
                row.id,
                HumanReview(ConversationId(row.conversation_id), row.reviewer, dict(row.verdicts)),
                dict(row.disputes),
                row.created_at,
            )
            for row in self._conn.execute(query)
        ]


class SqlMonitorRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def intent_counts(self, since: datetime, until: datetime) -> dict[str, int]:
        return self._counts(message_triage.c.intent, since, until)

    def language_counts(self, since: datetime, until: datetime) -> dict[str, int]:
        return self._counts(message_triage.c.language, since, until)

    def out_of_scope(self, since: datetime, until: datetime) -> tuple[int, int]:
        row = self._conn.execute(
            select(_count(message_triage.c.out_of_scope), func.count()).where(
                message_triage.c.created_at >= since, message_triage.c.created_at < until
            )
        ).one()
        return int(row[0]), int(row[1])

    def confidences(self, since: datetime, until: datetime, *, limit: int) -> list[float]:
        rows = self._conn.execute(
            select(message_triage.c.intent_confidence)
            .where(message_triage.c.created_at >= since, message_triage.c.created_at < until)
            .order_by(message_triage.c.created_at.desc())
            .limit(limit)
        )
        return [float(v) for v in rows.scalars()]

    def latencies(self, since: datetime, until: datetime, *, limit: int) -> list[float]:
        rows = self._conn.execute(
            select(message_triage.c.latency_ms)
            .where(message_triage.c.created_at >= since, message_triage.c.created_at < until)
            .order_by(message_triage.c.created_at.desc())
            .limit(limit)
        )
        return [float(v) for v in rows.scalars()]

    def add_label(self, message_id: MessageId, *, intent: str, by: str, at: datetime) -> None:
        done = self._conn.execute(
            update(triage_labels)
            .where(triage_labels.c.message_id == message_id)
            .values(intent=intent, labelled_by=by, labelled_at=at)
        )
        if done.rowcount == 0:
            self._conn.execute(
                insert(triage_labels).values(
                    message_id=message_id, intent=intent, labelled_by=by, labelled_at=at
                )
            )

    def labelled(self, since: datetime, until: datetime) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            select(message_triage.c.intent, triage_labels.c.intent)
            .select_from(
                triage_labels.join(
                    message_triage, message_triage.c.message_id == triage_labels.c.message_id
                )
            )
            .where(triage_labels.c.labelled_at >= since, triage_labels.c.labelled_at < until)
        )
        return [(str(p), str(h)) for p, h in rows]

    def unlabelled_sample(
        self, since: datetime, until: datetime, *, size: int
    ) -> list[tuple[MessageId, str, str, float]]:
        rows = self._conn.execute(
            select(
                messages.c.id,
                messages.c.text,
                message_triage.c.intent,
                message_triage.c.intent_confidence,
            )
            .select_from(
                message_triage.join(messages, messages.c.id == message_triage.c.message_id).join(
                    triage_labels,
                    triage_labels.c.message_id == message_triage.c.message_id,
                    isouter=True,
                )
            )
            .where(
                message_triage.c.created_at >= since,
                message_triage.c.created_at < until,
                triage_labels.c.message_id.is_(None),
            )
            .order_by(message_triage.c.created_at)
        ).all()
        step = max(1, len(rows) // max(1, size))
        return [(MessageId(r[0]), str(r[1]), str(r[2]), float(r[3])) for r in rows[::step][:size]]

    def state(self, name: str) -> dict[str, Any] | None:
        row = self._conn.execute(
            select(monitor_state.c.state).where(monitor_state.c.name == name)
        ).first()
        return None if row is None else dict(row[0])

    def save_state(self, name: str, state: dict[str, Any], *, at: datetime) -> None:
        done = self._conn.execute(
            update(monitor_state)
            .where(monitor_state.c.name == name)
            .values(state=state, updated_at=at)
        )
        if done.rowcount == 0:
            self._conn.execute(insert(monitor_state).values(name=name, state=state, updated_at=at))

    def add_assist_request(
        self,
        *,
        conversation_id: ConversationId,
        at: datetime,
        latency_ms: float,
        fallbacks: list[str],
    ) -> None:
        self._conn.execute(
            insert(assist_requests).values(
                id=new_id("asr"),
                conversation_id=conversation_id,
                at=at,
                latency_ms=latency_ms,
                fallbacks=fallbacks,
            )
        )

    def assist_requests(self, since: datetime, until: datetime) -> tuple[int, int]:
        rows = self._conn.execute(
            select(assist_requests.c.fallbacks).where(
                assist_requests.c.at >= since, assist_requests.c.at < until
            )
        ).scalars()
        fallbacks = [bool(f) for f in rows]
        return len(fallbacks), sum(fallbacks)

    def add_alert_events(self, events: Sequence[dict[str, Any]]) -> None:
        if events:
            self._conn.execute(insert(alert_events), list(events))

    def alert_events(self, *, since: datetime | None, limit: int) -> list[dict[str, Any]]:
        query = select(alert_events).order_by(alert_events.c.at.desc(), alert_events.c.id)
        if since is not None:
            query = query.where(alert_events.c.at >= since)
        return [dict(row._mapping) for row in self._conn.execute(query.limit(limit))]

    def _counts(self, column: Any, since: datetime, until: datetime) -> dict[str, int]:
        rows = self._conn.execute(
            select(column, func.count())
            .where(message_triage.c.created_at >= since, message_triage.c.created_at < until)
            .group_by(column)
        )
        return {str(k): int(n) for k, n in rows}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _facts_values(f: ContactFacts) -> dict[str, Any]:
    return {
        "conversation_id": f.conversation_id,
        "customer_id": f.customer_id,
        "channel": f.channel.value,
        "intent": f.intent,
        "queue_id": f.queue_id,
        "agent_id": f.agent_id,
        "segment": f.segment,
        "variant": f.variant,
        "opened_at": f.opened_at,
        "closed_at": f.closed_at,
        "outcome": f.outcome.value,
        "bot_started": f.bot_started,
        "escalated": f.escalated,
        "escalation_reasked": f.escalation_reasked,
        "agent_handled": f.agent_handled,
        "contained": f.contained,
        "transfers": f.transfers,
        "handle_seconds": f.handle_seconds,
        "customer_turns": f.customer_turns,
        "bot_turns": f.bot_turns,
        "agent_turns": f.agent_turns,
        "suggestions_shown": f.suggestions_shown,
        "suggestions_with_feedback": f.suggestions_with_feedback,
        "suggestions_used": f.suggestions_used,
        "generative_drafts": f.generative_drafts,
        "csat": f.csat,
        "repeated": f.repeated,
        "repeat_of": f.repeat_of,
        **{
            f"latency_b{i}": f.latency_buckets[i] if i < len(f.latency_buckets) else 0
            for i in range(LATENCY_BUCKETS)
        },
    }


def _facts(row: Any) -> ContactFacts:
    return ContactFacts(
        conversation_id=ConversationId(row.conversation_id),
        customer_id=None if row.customer_id is None else CustomerId(row.customer_id),
        channel=Channel(row.channel),
        intent=row.intent,
        queue_id=None if row.queue_id is None else QueueId(row.queue_id),
        agent_id=None if row.agent_id is None else AgentId(row.agent_id),
        segment=row.segment,
        variant=row.variant,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        outcome=Outcome(row.outcome),
        bot_started=row.bot_started,
        escalated=row.escalated,
        escalation_reasked=row.escalation_reasked,
        agent_handled=row.agent_handled,
        contained=row.contained,
        transfers=row.transfers,
        handle_seconds=row.handle_seconds,
        customer_turns=row.customer_turns,
        bot_turns=row.bot_turns,
        agent_turns=row.agent_turns,
        suggestions_shown=row.suggestions_shown,
        suggestions_with_feedback=row.suggestions_with_feedback,
        suggestions_used=row.suggestions_used,
        generative_drafts=row.generative_drafts,
        csat=row.csat,
        repeated=row.repeated,
        repeat_of=None if row.repeat_of is None else ConversationId(row.repeat_of),
        latency_buckets=tuple(getattr(row, f"latency_b{i}") for i in range(LATENCY_BUCKETS)),
    )


def _criterion_json(r: CriterionResult) -> dict[str, Any]:
    return {
        "criterion_id": r.criterion_id,
        "name": r.name,
        "passed": r.passed,
        "points": r.points,
        "possible": r.possible,
        "auto_fail": r.auto_fail,
        "evidence": [
            {
                "note": e.note,
                "message_ids": list(e.message_ids),
                "span": None
                if e.span is None
                else {"message_id": e.span.message_id, "start": e.span.start, "end": e.span.end},
                "action_id": e.action_id,
            }
            for e in r.evidence
        ],
    }


def _result(row: Any) -> QaResult:
    return QaResult(
        conversation_id=ConversationId(row.conversation_id),
        scorecard_version=row.scorecard_version,
        score=row.score,
        auto_failed=row.auto_failed,
        results=tuple(
            CriterionResult(
                criterion_id=r["criterion_id"],
                name=r["name"],
                passed=r["passed"],
                points=r["points"],
                possible=r["possible"],
                auto_fail=r["auto_fail"],
                evidence=tuple(
                    Evidence(
                        note=e["note"],
                        message_ids=tuple(MessageId(m) for m in e["message_ids"]),
                        span=None
                        if e["span"] is None
                        else TextSpan(
                            MessageId(e["span"]["message_id"]), e["span"]["start"], e["span"]["end"]
                        ),
                        action_id=e["action_id"],
                    )
                    for e in r["evidence"]
                ),
            )
            for r in row.results
        ),
    )
