"""Agent assist's records: every suggestion shown to an agent, and what the agent did with it.

Suggestions are written before they are shown and never changed afterwards; feedback is a
separate row keyed by the suggestion, written once, so the first answer an agent gives is the
one learning and the acceptance report count, even when two submissions race.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Integer, case, cast, func, insert, select

from cxops.domain.assist import (
    AcceptanceRow,
    Feedback,
    FeedbackAction,
    Suggestion,
    SuggestionSource,
)
from cxops.domain.errors import DuplicateKeyError
from cxops.domain.ids import ConversationId, MessageId, SuggestionId
from cxops.store.tables import suggestion_feedback
from cxops.store.tables import suggestions as suggestion_rows
from cxops.store.unique import insert_claiming


def _suggestion(row: Any) -> Suggestion:
    return Suggestion(
        id=SuggestionId(row.id),
        conversation_id=ConversationId(row.conversation_id),
        message_id=None if row.message_id is None else MessageId(row.message_id),
        rank=row.rank,
        text=row.text,
        source=SuggestionSource(row.source),
        source_id=row.source_id,
        intent=row.intent,
        score=row.score,
        rationale=tuple(row.rationale),
        created_at=row.created_at,
    )


def _feedback(row: Any) -> Feedback:
    return Feedback(
        suggestion_id=SuggestionId(row.suggestion_id),
        action=FeedbackAction(row.action),
        final_text=row.final_text,
        edit_distance=row.edit_distance,
        reason=row.reason,
        given_by=row.given_by,
        given_at=row.given_at,
    )


def _count(action: FeedbackAction) -> ColumnElement[Any]:
    """How many rows of the group got feedback `action` (0, never NULL, for none)."""
    return func.coalesce(
        func.sum(case((suggestion_feedback.c.action == action.value, 1), else_=0)), 0
    )


class SqlSuggestionRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_many(self, suggestions: Iterable[Suggestion]) -> None:
        rows = [
            {
                "id": s.id,
                "conversation_id": s.conversation_id,
                "message_id": s.message_id,
                "rank": s.rank,
                "text": s.text,
                "source": s.source.value,
                "source_id": s.source_id,
                "intent": s.intent,
                "score": s.score,
                "rationale": list(s.rationale),
                "created_at": s.created_at,
            }
            for s in suggestions
        ]
        if rows:
            self._conn.execute(insert(suggestion_rows), rows)

    def get(self, suggestion_id: SuggestionId) -> Suggestion | None:
        row = self._conn.execute(
            select(suggestion_rows).where(suggestion_rows.c.id == suggestion_id)
        ).first()
        return None if row is None else _suggestion(row)

    def for_message(
        self, conversation_id: ConversationId, message_id: MessageId
    ) -> list[Suggestion]:
        rows = self._conn.execute(
            select(suggestion_rows)
            .where(
                suggestion_rows.c.conversation_id == conversation_id,
                suggestion_rows.c.message_id == message_id,
            )
            .order_by(suggestion_rows.c.rank, suggestion_rows.c.created_at, suggestion_rows.c.id)
        )
        return [_suggestion(row) for row in rows]

    def latest(self, conversation_id: ConversationId) -> list[Suggestion]:
        """The batch the newest suggestion belongs to: the suggestions made with it (same
        `created_at`, same message), by rank; [] when the conversation has none."""
        newest = self._conn.execute(
            select(suggestion_rows.c.created_at, suggestion_rows.c.message_id)
            .where(suggestion_rows.c.conversation_id == conversation_id)
            .order_by(suggestion_rows.c.created_at.desc(), suggestion_rows.c.id.desc())
            .limit(1)
        ).first()
        if newest is None:
            return []
        same_message = (
            suggestion_rows.c.message_id.is_(None)
            if newest.message_id is None
            else suggestion_rows.c.message_id == newest.message_id
        )
        rows = self._conn.execute(
            select(suggestion_rows)
            .where(
                suggestion_rows.c.conversation_id == conversation_id,
                suggestion_rows.c.created_at == newest.created_at,
                same_message,
            )
            .order_by(suggestion_rows.c.rank, suggestion_rows.c.id)
        )
        return [_suggestion(row) for row in rows]

    def for_conversation(self, conversation_id: ConversationId) -> list[Suggestion]:
        rows = self._conn.execute(
            select(suggestion_rows)
            .where(suggestion_rows.c.conversation_id == conversation_id)
            .order_by(suggestion_rows.c.created_at, suggestion_rows.c.rank, suggestion_rows.c.id)
        )
        return [_suggestion(row) for row in rows]

    def feedback_for_conversation(
        self, conversation_id: ConversationId
    ) -> dict[SuggestionId, Feedback]:
        rows = self._conn.execute(
            select(suggestion_feedback)
            .join(suggestion_rows, suggestion_rows.c.id == suggestion_feedback.c.suggestion_id)
            .where(suggestion_rows.c.conversation_id == conversation_id)
            .order_by(suggestion_feedback.c.given_at, suggestion_feedback.c.suggestion_id)
        )
        return {SuggestionId(row.suggestion_id): _feedback(row) for row in rows}

    def stats_for(self, conversation_id: ConversationId) -> dict[str, int]:
        """The conversation's suggestions: `shown`, `with_feedback`, `used` (accepted or
        edited) and `generated`."""
        s, f = suggestion_rows.c, suggestion_feedback.c
        row = self._conn.execute(
            select(
                func.count(),
                func.count(f.suggestion_id),
                func.coalesce(func.sum(cast(f.action.in_(("accepted", "edited")), Integer)), 0),
                func.coalesce(func.sum(cast(s.source == "generated", Integer)), 0),
            )
            .select_from(
                suggestion_rows.join(suggestion_feedback, f.suggestion_id == s.id, isouter=True)
            )
            .where(s.conversation_id == conversation_id)
        ).one()
        return {
            "shown": int(row[0]),
            "with_feedback": int(row[1]),
            "used": int(row[2]),
            "generated": int(row[3]),
        }

    def record_feedback(self, feedback: Feedback) -> bool:
        """Store the feedback unless the suggestion already has some (then False, nothing
        written). The insert runs in a savepoint, so a concurrent duplicate loses cleanly and
        the caller's transaction stays usable; feedback on an unknown suggestion breaks the
        foreign key and raises `IntegrityError`."""
        f = feedback
        statement = insert(suggestion_feedback).values(
            suggestion_id=f.suggestion_id,
            action=f.action.value,
            final_text=f.final_text,
            edit_distance=f.edit_distance,
            reason=f.reason,
            given_by=f.given_by,
            given_at=f.given_at,
        )
        try:
            insert_claiming(
                self._conn,
                statement,
                key=f.suggestion_id,
                taken=lambda key: self.feedback(SuggestionId(key)) is not None,
            )
        except DuplicateKeyError:
            return False
        return True

    def feedback(self, suggestion_id: SuggestionId) -> Feedback | None:
        row = self._conn.execute(
            select(suggestion_feedback).where(suggestion_feedback.c.suggestion_id == suggestion_id)
        ).first()
        return None if row is None else _feedback(row)

    def acceptance(
        self, *, since: datetime | None, by: Literal["intent", "source"]
    ) -> list[AcceptanceRow]:
        """Suggestions created at or after `since` (all when None), grouped by intent or by
        source, sorted by key; `shown` counts every suggestion, feedback or not."""
        key = suggestion_rows.c.intent if by == "intent" else suggestion_rows.c.source
        query = (
            select(
                key.label("key"),
                func.count(suggestion_rows.c.id).label("shown"),
                _count(FeedbackAction.ACCEPTED).label("accepted"),
                _count(FeedbackAction.EDITED).label("edited"),
                _count(FeedbackAction.IGNORED).label("ignored"),
            )
            .select_from(
                suggestion_rows.outerjoin(
                    suggestion_feedback,
                    suggestion_feedback.c.suggestion_id == suggestion_rows.c.id,
                )
            )
            .group_by(key)
        )
        if since is not None:
            query = query.where(suggestion_rows.c.created_at >= since)
        rows = [
            AcceptanceRow(
                key=row.key,
                shown=int(row.shown),
                accepted=int(row.accepted),
                edited=int(row.edited),
                ignored=int(row.ignored),
            )
            for row in self._conn.execute(query)
        ]
        # Sorted here, not in SQL: PostgreSQL's collation and SQLite's byte order disagree.
        return sorted(rows, key=lambda row: row.key)
