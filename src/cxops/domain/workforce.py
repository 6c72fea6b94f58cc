"""The people who serve customers: skill queues and agents."""

from dataclasses import dataclass
from enum import StrEnum

from cxops.domain.ids import AgentId, QueueId, UserId


class AgentStatus(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Queue:
    """A skill queue. The SLA reads: `sla_target_percent` of contacts answered within
    `sla_seconds`."""

    id: QueueId
    name: str
    description: str
    skill: str
    language: str
    sla_seconds: int
    sla_target_percent: int
    vip_only: bool = False


@dataclass(frozen=True, slots=True)
class Skill:
    """`proficiency` runs from 1 (can cover) to 5 (expert)."""

    name: str
    proficiency: int


@dataclass(frozen=True, slots=True)
class Agent:
    id: AgentId
    name: str
    email: str
    languages: tuple[str, ...]
    skills: tuple[Skill, ...]
    max_concurrent: int
    status: AgentStatus
    user_id: UserId | None = None
