"""Handoff packets, one per time a conversation was handed to a person."""

from typing import Any

from sqlalchemy import Connection, insert, select

from cxops.domain.ids import AgentId, ConversationId, DecisionId, HandoffId, QueueId
from cxops.domain.routing import Handoff
from cxops.store.tables import handoffs


def _handoff(row: Any) -> Handoff:
    return Handoff(
        id=HandoffId(row.id),
        conversation_id=ConversationId(row.conversation_id),
        decision_id=DecisionId(row.decision_id),
        queue_id=QueueId(row.queue_id),
        agent_id=None if row.agent_id is None else AgentId(row.agent_id),
        packet=dict(row.packet),
        created_at=row.created_at,
    )


class SqlHandoffRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, handoff: Handoff) -> None:
        h = handoff
        self._conn.execute(
            insert(handoffs).values(
                id=h.id,
                conversation_id=h.conversation_id,
                decision_id=h.decision_id,
                queue_id=h.queue_id,
                agent_id=h.agent_id,
                packet=h.packet,
                created_at=h.created_at,
            )
        )

    def latest(self, conversation_id: ConversationId) -> Handoff | None:
        row = self._conn.execute(
            select(handoffs)
            .where(handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.created_at.desc(), handoffs.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _handoff(row)

    def for_conversation(self, conversation_id: ConversationId) -> list[Handoff]:
        rows = self._conn.execute(
            select(handoffs)
            .where(handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.created_at, handoffs.c.id)
        )
        return [_handoff(row) for row in rows]
