"""The handoff packet: everything a person needs to take over without asking the customer again.

Built from stored data only (redacted message text, stored triage, recorded decisions, the
customer's record and orders), so it never holds more personal data than the store does, and it
is plain JSON-ready data because it also travels to external systems by webhook.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cxops.domain.conversations import Conversation, Message, MessageRole
from cxops.domain.customers import Customer
from cxops.domain.decisions import Decision
from cxops.domain.ids import MessageId
from cxops.domain.orders import Order
from cxops.domain.routing import RoutingDecision
from cxops.domain.triage import ORDER_INTENTS, SentimentTrajectory, Triage

ORDER_NUMBER = re.compile(r"\b[A-Z]{1,3}-?\d{5,10}\b")
QUOTE_CHARS = 200
SELFSERVICE = "selfservice"
RECENT_ORDERS = 3


@dataclass(frozen=True, slots=True)
class HandoffFacts:
    """What the packet is built from, read by the caller in one transaction."""

    conversation: Conversation
    messages: Sequence[Message]
    triage: Mapping[MessageId, Triage]
    earlier_decisions: Sequence[Decision]
    decision: RoutingDecision
    sentiment: SentimentTrajectory | None
    customer: Customer | None
    orders: Sequence[Order]
    repeat_contacts: int
    bot: Mapping[str, object] | None = None


def build_packet(facts: HandoffFacts) -> dict[str, object]:
    """Return the handoff packet for the person (or external desk) taking the conversation."""
    customer_messages = [m for m in facts.messages if m.role is MessageRole.CUSTOMER]
    latest = facts.triage.get(customer_messages[-1].id) if customer_messages else None
    intent = latest.intent if latest is not None else None
    orders_named = _orders_named(customer_messages)
    return {
        "summary": _summary(facts, customer_messages),
        "intent": None
        if intent is None
        else {
            "name": intent.name,
            "confidence": round(intent.confidence, 4),
            "alternatives": [
                {"name": a.name, "confidence": round(a.confidence, 4)} for a in intent.alternatives
            ],
        },
        "intents_seen": sorted({t.intent.name for t in facts.triage.values()}),
        "sentiment": None
        if facts.sentiment is None
        else {
            "current": round(facts.sentiment.current, 3),
            "minimum": round(facts.sentiment.minimum, 3),
            "trend": round(facts.sentiment.trend, 3),
            "turns": facts.sentiment.turns,
        },
        "customer": _customer(facts),
        "bot_actions": [
            {
                "at": d.created_at.isoformat(),
                "outcome": d.outcome,
                "reasons": [r.text for r in d.reasons],
            }
            for d in facts.earlier_decisions
            if d.outcome in {"automate", "clarify"} or d.kind == SELFSERVICE
        ],
        "bot_learned": None if facts.bot is None else dict(facts.bot),
        "found": {
            "orders_named": orders_named,
            "sensitive_topics": sorted(
                {s.topic for t in facts.triage.values() for s in t.sensitive_topics}
            ),
            "pii_types_shared": sorted(
                {p.type.value for t in facts.triage.values() for p in t.pii}
            ),
        },
        "escalation_reasons": [{"code": r.code, "text": r.text} for r in facts.decision.reasons],
        "open_questions": _open_questions(facts, orders_named),
        "queue": facts.decision.queue,
        "priority": facts.decision.priority,
        "agent": facts.decision.agent,
        "channel": facts.conversation.channel.value,
    }


def _summary(facts: HandoffFacts, customer_messages: Sequence[Message]) -> str:
    who = "An unidentified customer"
    if facts.customer is not None:
        who = f"A {facts.customer.segment.value.upper()} customer"
    count = len(customer_messages)
    topics = ", ".join(
        sorted(
            {
                t.intent.name.replace("_", " ")
                for t in facts.triage.values()
                if not t.intent.out_of_scope
            }
        )
    )
    parts = [
        f"{who} wrote {count} message{'s' if count != 1 else ''} "
        f"on {facts.conversation.channel.value}" + (f" about {topics}." if topics else ".")
    ]
    if facts.repeat_contacts:
        parts.append(f"They have been in touch about this {facts.repeat_contacts} time(s) before.")
    if customer_messages:
        parts.append(f'First: "{_quote(customer_messages[0].text)}"')
    if len(customer_messages) > 1:
        parts.append(f'Latest: "{_quote(customer_messages[-1].text)}"')
    return " ".join(parts)


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


def _customer(facts: HandoffFacts) -> dict[str, object] | None:
    customer = facts.customer
    if customer is None:
        return None
    recent = sorted(facts.orders, key=lambda o: o.placed_at, reverse=True)[:RECENT_ORDERS]
    return {
        "id": customer.id,
        "segment": customer.segment.value,
        "preferred_language": customer.preferred_language,
        "customer_since": customer.created_at.date().isoformat(),
        "loyalty_points": customer.loyalty_points,
        "repeat_contacts": facts.repeat_contacts,
        "recent_orders": [
            {
                "id": o.id,
                "status": o.status.value,
                "placed_at": o.placed_at.isoformat(),
                "total_cents": o.total_cents,
                "currency": o.currency,
            }
            for o in recent
        ],
    }


def _orders_named(customer_messages: Sequence[Message]) -> list[str]:
    named: list[str] = []
    for message in customer_messages:
        for match in ORDER_NUMBER.findall(message.text):
            if match not in named:
                named.append(match)
    return named


def _open_questions(facts: HandoffFacts, orders_named: Sequence[str]) -> list[str]:
    questions = []
    verified = facts.bot is not None and bool(facts.bot.get("identity_verified"))
    if facts.customer is None and not verified:
        questions.append("Customer not identified: verify who they are before discussing orders.")
    intents = {t.intent.name for t in facts.triage.values()}
    known_order = facts.bot is not None and facts.bot.get("order_id")
    if intents & ORDER_INTENTS and not orders_named and not known_order:
        questions.append("Which order is it about? No order number given yet.")
    if facts.triage and all(t.intent.out_of_scope for t in facts.triage.values()):
        questions.append("The bot could not tell what they need: ask in your own words.")
    last_reply = max(
        (i for i, m in enumerate(facts.messages) if m.role is not MessageRole.CUSTOMER),
        default=-1,
    )
    unanswered = [
        sentence
        for message in facts.messages[last_reply + 1 :]
        if message.role is MessageRole.CUSTOMER
        for sentence in re.split(r"(?<=[?.!])\s+", message.text)
        if sentence.rstrip().endswith("?")
    ]
    questions.extend(f'Unanswered: "{_quote(q)}"' for q in unanswered)
    return questions
