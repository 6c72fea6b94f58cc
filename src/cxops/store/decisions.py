"""The decision log: every automated decision with its reasons and versions."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from cxops.domain.decisions import Decision, Reason
from cxops.domain.ids import AgentId, ConversationId, DecisionId, MessageId, QueueId
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
        queue_id=None if row.queue_id is None else QueueId(row.queue_id),
        priority=row.priority,
        agent_id=None if row.agent_id is None else AgentId(row.agent_id),
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
                queue_id=d.queue_id,
                priority=d.priority,
                agent_id=d.agent_id,
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

    def routed_per_queue(self, *, since: datetime) -> dict[QueueId, int]:
        """How many conversations were sent to a person in each queue since `since`."""
        rows = self._conn.execute(
            select(decisions.c.queue_id, func.count(func.distinct(decisions.c.conversation_id)))
            .where(decisions.c.created_at >= since, decisions.c.queue_id.is_not(None))
            .group_by(decisions.c.queue_id)
        )
        return {QueueId(queue): int(count) for queue, count in rows}
