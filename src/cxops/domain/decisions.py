"""Decisions: the audit record of everything cxops decided on its own, and why."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cxops.domain.ids import AgentId, ConversationId, DecisionId, MessageId, QueueId


@dataclass(frozen=True, slots=True)
class Reason:
    """`code` is stable and machine-readable; `text` explains it to a person."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What was decided (`kind`, `outcome`), from what (`inputs`), under which versions."""

    id: DecisionId
    conversation_id: ConversationId
    kind: str
    outcome: str
    reasons: tuple[Reason, ...]
    policy_version: str
    model_version: str
    created_at: datetime
    message_id: MessageId | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    queue_id: QueueId | None = None
    priority: int | None = None
    agent_id: AgentId | None = None
