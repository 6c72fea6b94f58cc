"""A closed contact as the KPIs count it, and the customer's survey answer.

KPIs over a million messages cannot re-read every conversation per query, so each conversation
is summarised once, when it closes, into `ContactFacts`: what happened (who handled it, was it
contained, escalated, transferred), how long a person spent on it, and the assist activity. The
KPI queries then aggregate these rows. Two facts arrive later and are written onto the row when
they do: the survey's score, and `repeated` (the customer came back about the same intent within
the repeat window, so the contact did not resolve the need the first time).
"""

from dataclasses import dataclass
from datetime import datetime

from cxops.domain.conversations import Channel, Outcome
from cxops.domain.ids import AgentId, ConversationId, CustomerId, QueueId

REPEAT_WINDOW_DAYS = 7
"""A contact about the same intent within this many days of a closed one is a repeat contact."""


@dataclass(frozen=True, slots=True)
class ContactFacts:
    """`intent` is the customer's first request; `variant` the routing policy version that
    decided it (the experiment arm when policies are compared). `bot_started`: the bot answered
    first; `escalated`: it handed the customer to a person; `escalation_reasked`: the person then
    asked for something the bot already had; `contained`: resolved with no person involved.
    `handle_seconds` runs from assignment to close (0 when no person was assigned)."""

    conversation_id: ConversationId
    customer_id: CustomerId | None
    channel: Channel
    intent: str | None
    queue_id: QueueId | None
    agent_id: AgentId | None
    segment: str | None
    variant: str | None
    opened_at: datetime
    closed_at: datetime
    outcome: Outcome
    bot_started: bool
    escalated: bool
    escalation_reasked: bool
    agent_handled: bool
    contained: bool
    transfers: int
    handle_seconds: float
    customer_turns: int
    bot_turns: int
    agent_turns: int
    suggestions_shown: int
    suggestions_with_feedback: int
    suggestions_used: int
    generative_drafts: int
    csat: int | None = None
    repeated: bool = False
    repeat_of: ConversationId | None = None
    latency_buckets: tuple[int, ...] = ()
    """The contact's triage-and-decision latencies counted into the KPI histogram's buckets."""


@dataclass(frozen=True, slots=True)
class Survey:
    """The customer's answer to the satisfaction survey: `score` 1 (very dissatisfied) to 5."""

    conversation_id: ConversationId
    score: int
    comment: str
    answered_at: datetime
