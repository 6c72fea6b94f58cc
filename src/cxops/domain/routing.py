"""What the decision engine reads and what it returns: plain data, no rules.

The engine sees the world only through these snapshots, which the pipeline reads from the
database in the same transaction as the message, so a decision can be replayed and explained from
its recorded inputs alone.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cxops.domain.customers import Segment
from cxops.domain.decisions import Reason
from cxops.domain.ids import AgentId, ConversationId, DecisionId, HandoffId, QueueId
from cxops.domain.triage import SentimentTrajectory
from cxops.domain.workforce import Agent, AgentStatus


class RoutingOutcome(StrEnum):
    AUTOMATE = "automate"
    CLARIFY = "clarify"
    QUEUE = "queue"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class ConversationState:
    """The conversation as it stands before this message is decided.

    `bot_turns` counts the bot's consecutive turns without progress (a question asked again, an
    answer it could not use); `clarifications` counts the clarifying questions asked so far.
    `assigned_agent` and `queue` say where a person already has it. `flow` is the self-service
    flow (an intent) the bot is in the middle of, and `answers_flow` says the message answers
    what the bot asked last.
    """

    customer_turns: int
    bot_turns: int
    clarifications: int
    sentiment: SentimentTrajectory | None
    queue: QueueId | None = None
    assigned_agent: AgentId | None = None
    waiting_seconds: float = 0.0
    flow: str | None = None
    answers_flow: bool = False


@dataclass(frozen=True, slots=True)
class CustomerContext:
    """Who is writing. `repeat_contacts` counts earlier conversations about the same intent
    within the policy's window; `known` is false for anonymous contacts."""

    known: bool
    segment: Segment = Segment.STANDARD
    preferred_language: str | None = None
    repeat_contacts: int = 0


@dataclass(frozen=True, slots=True)
class QueueActivity:
    """What the database says of a queue: contacts waiting now, when the longest-waiting one
    joined, and the conversations handled from it (assigned, then closed) in the window read."""

    queue: QueueId
    waiting: int
    oldest_queued_at: datetime | None
    handled: int = 0
    handle_seconds_total: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """A queue's live state: `servers` is the capacity (concurrent contacts) of the agents signed
    in with the queue's skill; rates are contacts per hour over the recent and baseline windows."""

    queue: QueueId
    waiting: int
    longest_wait_seconds: float
    servers: int
    arrivals_per_hour: float
    baseline_arrivals_per_hour: float
    handle_time_seconds: float


@dataclass(frozen=True, slots=True)
class QueueForecast:
    """Erlang C figures for a queue: expected wait of the next contact and the share of contacts
    answered within the SLA. `breaching` means the SLA target will be missed."""

    queue: QueueId
    predicted_wait_seconds: float
    service_level: float
    occupancy: float
    breaching: bool
    spike: bool


@dataclass(frozen=True, slots=True)
class AgentLoad:
    """An agent as assignment sees them: what they can do and how much they carry now."""

    id: AgentId
    status: AgentStatus
    languages: tuple[str, ...]
    skills: Mapping[str, int]
    capacity: int
    active: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.active)

    @classmethod
    def of(cls, agent: Agent, *, active: int) -> "AgentLoad":
        """The agent's record and their count of open conversations, as assignment sees them."""
        return cls(
            id=agent.id,
            status=agent.status,
            languages=agent.languages,
            skills={skill.name: skill.proficiency for skill in agent.skills},
            capacity=agent.max_concurrent,
            active=active,
        )


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """The engine's answer: the outcome, where to, how urgent, and every reason in order.

    `intent` and `confidence` are what the decision was made on; `inputs` is a JSON-ready record
    of everything read, so `GET /v1/decisions/{id}` can explain it without the live state.
    """

    outcome: RoutingOutcome
    reasons: tuple[Reason, ...]
    intent: str
    confidence: float
    queue: QueueId | None = None
    priority: int | None = None
    agent: AgentId | None = None
    inputs: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """A policy version as kept in the database: the exact text, so any past decision can be
    explained against the rules it was made under. The active one was activated last."""

    version: str
    name: str
    sha256: str
    text: str
    created_at: datetime
    activated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Handoff:
    """What a person receives when they take over: the packet is JSON-ready data (summary,
    intent, sentiment, customer, what the bot did, why it escalated, open questions)."""

    id: HandoffId
    conversation_id: ConversationId
    decision_id: DecisionId
    queue_id: QueueId
    agent_id: AgentId | None
    packet: dict[str, object]
    created_at: datetime
