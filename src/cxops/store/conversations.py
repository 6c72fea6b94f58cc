"""Conversations and their messages."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
    Outcome,
)
from cxops.domain.ids import AgentId, ConversationId, CustomerId, MessageId, QueueId
from cxops.store.tables import conversations, messages
from cxops.store.unique import insert_claiming


def _conversation(row: Any) -> Conversation:
    return Conversation(
        id=ConversationId(row.id),
        channel=Channel(row.channel),
        status=ConversationStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        customer_id=None if row.customer_id is None else CustomerId(row.customer_id),
        subject=row.subject,
        external_ref=row.external_ref,
        queue_id=None if row.queue_id is None else QueueId(row.queue_id),
        assigned_agent_id=None if row.assigned_agent_id is None else AgentId(row.assigned_agent_id),
        closed_at=row.closed_at,
        outcome=None if row.outcome is None else Outcome(row.outcome),
        csat=row.csat,
    )


def _message(row: Any) -> Message:
    return Message(
        id=MessageId(row.id),
        conversation_id=ConversationId(row.conversation_id),
        role=MessageRole(row.role),
        text=row.text,
        created_at=row.created_at,
        idempotency_key=row.idempotency_key,
        request_hash=row.request_hash,
    )


class SqlConversationRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, conversation: Conversation, *, idempotency_key: str | None = None) -> None:
        c = conversation
        insert_claiming(
            self._conn,
            insert(conversations).values(
                id=c.id,
                channel=c.channel.value,
                status=c.status.value,
                customer_id=c.customer_id,
                subject=c.subject,
                external_ref=c.external_ref,
                idempotency_key=idempotency_key,
                queue_id=c.queue_id,
                assigned_agent_id=c.assigned_agent_id,
                created_at=c.created_at,
                updated_at=c.updated_at,
                closed_at=c.closed_at,
                outcome=None if c.outcome is None else c.outcome.value,
                csat=c.csat,
            ),
            key=idempotency_key,
            taken=lambda key: self.find_by_idempotency_key(key) is not None,
        )

    def get(self, conversation_id: ConversationId) -> Conversation | None:
        row = self._conn.execute(
            select(conversations).where(conversations.c.id == conversation_id)
        ).first()
        return None if row is None else _conversation(row)

    def find_by_idempotency_key(self, key: str) -> Conversation | None:
        row = self._conn.execute(
            select(conversations).where(conversations.c.idempotency_key == key)
        ).first()
        return None if row is None else _conversation(row)

    def count_for_customer_since(
        self, customer_id: CustomerId, *, since: datetime, excluding: ConversationId
    ) -> int:
        query = (
            select(func.count())
            .select_from(conversations)
            .where(
                conversations.c.customer_id == customer_id,
                conversations.c.created_at >= since,
                conversations.c.id != excluding,
            )
        )
        return int(self._conn.execute(query).scalar_one())

    def touch(self, conversation_id: ConversationId, *, at: datetime) -> None:
        self._conn.execute(
            update(conversations).where(conversations.c.id == conversation_id).values(updated_at=at)
        )


class SqlMessageRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, message: Message) -> None:
        m = message
        insert_claiming(
            self._conn,
            insert(messages).values(
                id=m.id,
                conversation_id=m.conversation_id,
                role=m.role.value,
                text=m.text,
                created_at=m.created_at,
                idempotency_key=m.idempotency_key,
                request_hash=m.request_hash,
            ),
            key=m.idempotency_key,
            taken=lambda key: self.find_by_idempotency_key(m.conversation_id, key) is not None,
        )

    def find_by_idempotency_key(self, conversation_id: ConversationId, key: str) -> Message | None:
        row = self._conn.execute(
            select(messages).where(
                messages.c.conversation_id == conversation_id, messages.c.idempotency_key == key
            )
        ).first()
        return None if row is None else _message(row)

    def list_for_conversation(self, conversation_id: ConversationId) -> list[Message]:
        rows = self._conn.execute(
            select(messages)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.created_at, messages.c.id)
        )
        return [_message(r) for r in rows]
