"""A closed conversation summarised into the `ContactFacts` the KPIs aggregate.

Pure: the shell reads the conversation's records and hands them in. The definitions live here,
in one place, so every KPI means the same thing everywhere:

- the bot *started* a contact when it answered before any person did;
- it *escalated* when a person was then involved (queued or assigned);
- a contact is *contained* when it closed resolved with no person involved;
- an escalation *re-asked* when, after the handover, the person asked for something the bot had
  already established (the customer's identity, or the order): what a good handoff prevents.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cxops.analytics.kpis import LatencyHistogram
from cxops.domain.contacts import ContactFacts
from cxops.domain.conversations import Conversation, Message, MessageRole, Outcome
from cxops.domain.decisions import Decision
from cxops.domain.ids import MessageId
from cxops.domain.triage import Triage
from cxops.qa.transcript import TRANSFER, first_intent
from cxops.triage.text import fold

ROUTING = "routing"

_ASKS_IDENTITY = re.compile(
    r"\b(?:your|tu|su)\s+(?:e-?mail|email address|correo|postcode|zip(?: code)?|codigo postal"
    r"|date of birth|account)\b|\bverify (?:your|you)\b|\bconfirm (?:your|the) (?:e-?mail|identity"
    r"|name|address)\b|\bverificar tu\b"
)
_ASKS_ORDER = re.compile(
    r"\b(?:your|the|tu|el|su)\s+(?:order|pedido)\s+(?:number|id|numero|no\.?)\b"
    r"|\bwhich order\b|\bque pedido\b|\bnumero de pedido\b"
)


def summarise(
    conversation: Conversation,
    messages: Sequence[Message],
    triage: Mapping[MessageId, Triage],
    decisions: Sequence[Decision],
    *,
    learned: Mapping[str, Any] | None,
    segment: str | None,
    suggestions: Mapping[str, int],
) -> ContactFacts:
    """`learned` is the handoff packet's `bot_learned` (None without a bot handover);
    `suggestions` holds `shown`, `with_feedback`, `used` and `generated` counts. Raises
    `ValueError` for an open conversation."""
    if conversation.closed_at is None or conversation.outcome is None:
        raise ValueError(f"conversation {conversation.id} is not closed")
    bot_started = _bot_first(messages)
    person = conversation.queued_at is not None or conversation.assigned_agent_id is not None
    escalated = bot_started and person
    routing = [d for d in decisions if d.kind == ROUTING]
    assigned_at = conversation.assigned_at
    handoff_at = conversation.queued_at
    return ContactFacts(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        channel=conversation.channel,
        intent=first_intent(messages, triage),
        queue_id=conversation.queue_id,
        agent_id=conversation.assigned_agent_id,
        segment=segment,
        variant=routing[0].policy_version if routing else None,
        opened_at=conversation.created_at,
        closed_at=conversation.closed_at,
        outcome=conversation.outcome,
        bot_started=bot_started,
        escalated=escalated,
        escalation_reasked=escalated
        and reasked(
            [
                m.text
                for m in messages
                if m.role is MessageRole.AGENT
                and (handoff_at is None or m.created_at >= handoff_at)
            ],
            learned,
        ),
        agent_handled=conversation.assigned_agent_id is not None,
        contained=conversation.outcome is Outcome.RESOLVED and not person,
        transfers=sum(d.kind == TRANSFER for d in decisions),
        handle_seconds=0.0
        if assigned_at is None
        else max(0.0, (conversation.closed_at - assigned_at).total_seconds()),
        customer_turns=sum(m.role is MessageRole.CUSTOMER for m in messages),
        bot_turns=sum(m.role is MessageRole.BOT for m in messages),
        agent_turns=sum(m.role is MessageRole.AGENT for m in messages),
        suggestions_shown=suggestions.get("shown", 0),
        suggestions_with_feedback=suggestions.get("with_feedback", 0),
        suggestions_used=suggestions.get("used", 0),
        generative_drafts=suggestions.get("generated", 0),
        latency_buckets=LatencyHistogram.from_values(t.latency_ms for t in triage.values()).counts,
    )


def reasked(agent_texts: Sequence[str], learned: Mapping[str, Any] | None) -> bool:
    """Whether a person asked for the identity or the order the bot had already established."""
    if not learned:
        return False
    checks = []
    if learned.get("identity_verified"):
        checks.append(_ASKS_IDENTITY)
    if learned.get("order_id"):
        checks.append(_ASKS_ORDER)
    return any(check.search(fold(text)) for text in agent_texts for check in checks)


def _agent_texts(messages: Sequence[Message], since: datetime | None) -> list[str]:
    return [
        m.text
        for m in messages
        if m.role is MessageRole.AGENT and (since is None or m.created_at >= since)
    ]


def _bot_first(messages: Sequence[Message]) -> bool:
    for message in messages:
        if message.role is MessageRole.BOT:
            return True
        if message.role is MessageRole.AGENT:
            return False
    return False
