"""Conversations with customers and the messages in them."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cxops.domain.ids import AgentId, ConversationId, CustomerId, MessageId, QueueId


class Channel(StrEnum):
    CHAT = "chat"
    EMAIL = "email"
    VOICE = "voice"
    SMS = "sms"


class ConversationStatus(StrEnum):
    OPEN = "open"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Outcome(StrEnum):
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"


class MessageRole(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: ConversationId
    channel: Channel
    status: ConversationStatus
    created_at: datetime
    updated_at: datetime
    customer_id: CustomerId | None = None
    subject: str = ""
    external_ref: str | None = None
    queue_id: QueueId | None = None
    assigned_agent_id: AgentId | None = None
    closed_at: datetime | None = None
    outcome: Outcome | None = None
    csat: int | None = None
    priority: int | None = None
    queued_at: datetime | None = None
    assigned_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One turn. `request_hash` fingerprints what was posted, so a reused idempotency key with a
    different body is told apart from an honest retry. A bot reply names the customer message it
    answers in `in_reply_to`."""

    id: MessageId
    conversation_id: ConversationId
    role: MessageRole
    text: str
    created_at: datetime
    idempotency_key: str | None = None
    request_hash: str | None = None
    in_reply_to: MessageId | None = None
