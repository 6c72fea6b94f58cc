"""Conversations and their messages."""

from collections.abc import Sequence
from dataclasses import replace
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
from cxops.domain.routing import QueueActivity
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
        priority=row.priority,
        queued_at=row.queued_at,
        assigned_at=row.assigned_at,
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
        in_reply_to=None if row.in_reply_to is None else MessageId(row.in_reply_to),
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

    def list_for_customer(
        self, customer_id: CustomerId, *, limit: int, excluding: ConversationId
    ) -> list[Conversation]:
        rows = self._conn.execute(
            select(conversations)
            .where(conversations.c.customer_id == customer_id, conversations.c.id != excluding)
            .order_by(conversations.c.created_at.desc(), conversations.c.id.desc())
            .limit(limit)
        )
        return [_conversation(r) for r in rows]

    def link_customer(self, conversation_id: ConversationId, customer_id: CustomerId) -> None:
        self._conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id, conversations.c.customer_id.is_(None))
            .values(customer_id=customer_id)
        )

    def touch(self, conversation_id: ConversationId, *, at: datetime) -> None:
        self._conn.execute(
            update(conversations).where(conversations.c.id == conversation_id).values(updated_at=at)
        )

    def enqueue(
        self, conversation_id: ConversationId, *, queue: QueueId, priority: int, at: datetime
    ) -> None:
        """Put the conversation in `queue` (or re-prioritise it there); the time it first joined a
        queue is kept, so waiting time survives a re-prioritisation."""
        self._conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(
                status=ConversationStatus.QUEUED.value,
                queue_id=queue,
                priority=priority,
                queued_at=func.coalesce(conversations.c.queued_at, at),
                updated_at=at,
            )
        )

    def transfer(
        self, conversation_id: ConversationId, *, queue: QueueId, priority: int, at: datetime
    ) -> None:
        self.enqueue(conversation_id, queue=queue, priority=priority, at=at)
        self._conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(assigned_agent_id=None, assigned_at=None)
        )

    def assign(
        self, conversation_id: ConversationId, *, agent: AgentId, queue: QueueId, at: datetime
    ) -> bool:
        """Give the conversation to `agent` unless someone already has it or it is closed.

        One conditional UPDATE: of two transactions racing for the same conversation, exactly
        one sees a row change, so a conversation is never assigned twice.
        """
        result = self._conn.execute(
            update(conversations)
            .where(
                conversations.c.id == conversation_id,
                conversations.c.assigned_agent_id.is_(None),
                conversations.c.status != ConversationStatus.CLOSED.value,
            )
            .values(
                status=ConversationStatus.ASSIGNED.value,
                assigned_agent_id=agent,
                queue_id=queue,
                queued_at=func.coalesce(conversations.c.queued_at, at),
                assigned_at=at,
                updated_at=at,
            )
        )
        return result.rowcount == 1

    def set_csat(self, conversation_id: ConversationId, score: int) -> None:
        self._conn.execute(
            update(conversations).where(conversations.c.id == conversation_id).values(csat=score)
        )

    def close(self, conversation_id: ConversationId, *, outcome: Outcome, at: datetime) -> None:
        self._conn.execute(
            update(conversations)
            .where(conversations.c.id == conversation_id)
            .values(
                status=ConversationStatus.CLOSED.value,
                outcome=outcome.value,
                closed_at=at,
                updated_at=at,
            )
        )

    def waiting_in(self, queue_ids: Sequence[QueueId]) -> list[Conversation]:
        """Every conversation waiting in these queues, oldest first."""
        rows = self._conn.execute(
            select(conversations)
            .where(
                conversations.c.status == ConversationStatus.QUEUED.value,
                conversations.c.queue_id.in_(list(queue_ids)),
            )
            .order_by(conversations.c.queued_at, conversations.c.id)
        )
        return [_conversation(r) for r in rows]

    def assigned_to(self, agent_id: AgentId) -> list[Conversation]:
        """The open conversations `agent_id` holds, longest held first."""
        rows = self._conn.execute(
            select(conversations)
            .where(
                conversations.c.assigned_agent_id == agent_id,
                conversations.c.status == ConversationStatus.ASSIGNED.value,
            )
            .order_by(conversations.c.assigned_at, conversations.c.id)
        )
        return [_conversation(r) for r in rows]

    def active_per_agent(self) -> dict[AgentId, int]:
        """How many open conversations each agent holds now."""
        rows = self._conn.execute(
            select(conversations.c.assigned_agent_id, func.count())
            .where(
                conversations.c.status == ConversationStatus.ASSIGNED.value,
                conversations.c.assigned_agent_id.is_not(None),
            )
            .group_by(conversations.c.assigned_agent_id)
        )
        return {AgentId(agent): int(count) for agent, count in rows}

    def queue_activity(self, *, since: datetime) -> list[QueueActivity]:
        """Per queue: contacts waiting, when the longest-waiting one joined, and the handle
        times of conversations assigned from it and closed since `since`."""
        waiting = self._conn.execute(
            select(
                conversations.c.queue_id,
                func.count(),
                func.min(conversations.c.queued_at),
            )
            .where(conversations.c.status == ConversationStatus.QUEUED.value)
            .group_by(conversations.c.queue_id)
        ).all()
        handled = self._conn.execute(
            select(
                conversations.c.queue_id, conversations.c.assigned_at, conversations.c.closed_at
            ).where(
                conversations.c.status == ConversationStatus.CLOSED.value,
                conversations.c.assigned_at.is_not(None),
                conversations.c.closed_at >= since,
            )
        ).all()
        activity = {
            QueueId(queue): QueueActivity(QueueId(queue), int(count), oldest)
            for queue, count, oldest in waiting
        }
        for queue, assigned_at, closed_at in handled:
            entry = activity.get(QueueId(queue)) or QueueActivity(QueueId(queue), 0, None)
            activity[entry.queue] = replace(
                entry,
                handled=entry.handled + 1,
                handle_seconds_total=entry.handle_seconds_total
                + (closed_at - assigned_at).total_seconds(),
            )
        return list(activity.values())


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
                in_reply_to=m.in_reply_to,
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
