"""The decision log: every automated decision with its reasons and versions."""

from typing import Any

from sqlalchemy import Connection, insert, select

from cxops.domain.decisions import Decision, Reason
from cxops.domain.ids import ConversationId, DecisionId, MessageId
from cxops.store.tables import decisions


def _decision(row: Any) -> Decision:
    return Decision(
        id=DecisionId(row.id),
        conversation_id=ConversationId(row.conversation_id),
        message_id=None if row.message_id is None else MessageId(row.message_id),
        kind=row.kind,
        outcome=row.outcome,
        reasons=tuple(Reason(code=r["code"], text=r["text"]) for r in row.reasons),
        inputs=dict(row.inputs),
        policy_version=row.policy_version,
        model_version=row.model_version,
        created_at=row.created_at,
    )


class SqlDecisionRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, decision: Decision) -> None:
        d = decision
        self._conn.execute(
            insert(decisions).values(
                id=d.id,
                conversation_id=d.conversation_id,
                message_id=d.message_id,
                kind=d.kind,
                outcome=d.outcome,
                reasons=[{"code": r.code, "text": r.text} for r in d.reasons],
                inputs=d.inputs,
                policy_version=d.policy_version,
                model_version=d.model_version,
                created_at=d.created_at,
            )
        )

    def get(self, decision_id: DecisionId) -> Decision | None:
        row = self._conn.execute(select(decisions).where(decisions.c.id == decision_id)).first()
        return None if row is None else _decision(row)

    def list_for_conversation(self, conversation_id: ConversationId) -> list[Decision]:
        rows = self._conn.execute(
            select(decisions)
            .where(decisions.c.conversation_id == conversation_id)
            .order_by(decisions.c.created_at, decisions.c.id)
        )
        return [_decision(r) for r in rows]
