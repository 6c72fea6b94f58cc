"""The handoff packet: what the person taking over is told."""

from datetime import UTC, datetime, timedelta

from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from cxops.domain.decisions import Decision, Reason
from cxops.domain.ids import ConversationId, DecisionId, MessageId, QueueId
from cxops.domain.routing import RoutingDecision, RoutingOutcome
from cxops.domain.triage import (
    IntentPrediction,
    IntentScore,
    Language,
    Sentiment,
    SentimentLabel,
    SentimentTrajectory,
    Triage,
    Urgency,
    UrgencyLevel,
)
from cxops.routing.handoff import HandoffFacts, build_packet

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONVERSATION = Conversation(
    id=ConversationId("conv_1"),
    channel=Channel.CHAT,
    status=ConversationStatus.OPEN,
    created_at=AT,
    updated_at=AT,
)


def message(n: int, text: str, role: MessageRole = MessageRole.CUSTOMER) -> Message:
    return Message(
        id=MessageId(f"msg_{n}"),
        conversation_id=CONVERSATION.id,
        role=role,
        text=text,
        created_at=AT + timedelta(seconds=n),
    )


def triaged(intent: str, confidence: float, score: float) -> Triage:
    return Triage(
        intent=IntentPrediction(intent, confidence, (IntentScore(intent, confidence),), False),
        sentiment=Sentiment(
            score, SentimentLabel.NEGATIVE if score < 0 else SentimentLabel.NEUTRAL
        ),
        urgency=Urgency(UrgencyLevel.NORMAL, ()),
        language=Language("en", 0.9),
        sensitive_topics=(),
        pii=(),
        redacted_text="",
    )


def facts(messages: list[Message], triage: dict[MessageId, Triage]) -> HandoffFacts:
    bot_turn = Decision(
        id=DecisionId("dec_0"),
        conversation_id=CONVERSATION.id,
        kind="routing",
        outcome="clarify",
        reasons=(Reason("clarify", "Asked which item."),),
        policy_version="p",
        model_version="m",
        created_at=AT,
    )
    return HandoffFacts(
        conversation=CONVERSATION,
        messages=messages,
        triage=triage,
        earlier_decisions=[bot_turn],
        decision=RoutingDecision(
            outcome=RoutingOutcome.QUEUE,
            reasons=(Reason("sentiment_floor", "Sentiment is low."),),
            intent="refund_status",
            confidence=0.9,
            queue=QueueId("q_returns_refunds"),
            priority=40,
        ),
        sentiment=SentimentTrajectory(current=-0.7, minimum=-0.7, trend=-0.4, turns=2),
        customer=None,
        orders=[],
        repeat_contacts=0,
    )


def test_that_the_packet_says_what_happened_and_what_is_still_open() -> None:
    messages = [
        message(1, "Where is my refund?"),
        message(2, "Which item was it?", MessageRole.BOT),
        message(3, "The blue kettle. Why is this taking so long? I sent it back weeks ago."),
    ]
    triage = {
        MessageId("msg_1"): triaged("refund_status", 0.6, -0.1),
        MessageId("msg_3"): triaged("refund_status", 0.9, -0.7),
    }
    packet = build_packet(facts(messages, triage))
    assert packet["intent"] == {
        "name": "refund_status",
        "confidence": 0.9,
        "alternatives": [{"name": "refund_status", "confidence": 0.9}],
    }
    assert packet["escalation_reasons"] == [
        {"code": "sentiment_floor", "text": "Sentiment is low."}
    ]
    assert packet["bot_actions"] == [
        {"at": AT.isoformat(), "outcome": "clarify", "reasons": ["Asked which item."]}
    ]
    summary = str(packet["summary"])
    assert summary.startswith(
        "An unidentified customer wrote 2 messages on chat about refund status."
    )
    assert 'Latest: "The blue kettle.' in summary
    assert packet["open_questions"] == [
        "Customer not identified: verify who they are before discussing orders.",
        "Which order is it about? No order number given yet.",
        'Unanswered: "Why is this taking so long?"',
    ]


def test_that_order_numbers_the_customer_gave_are_passed_on() -> None:
    messages = [message(1, "Refund for order W1000042 please, and W1000042 again")]
    packet = build_packet(facts(messages, {MessageId("msg_1"): triaged("refund_status", 0.9, 0.0)}))
    found = packet["found"]
    assert isinstance(found, dict)
    assert found["orders_named"] == ["W1000042"]
    assert "Which order" not in str(packet["open_questions"])
