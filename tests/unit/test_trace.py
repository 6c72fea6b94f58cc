"""The contact trace built from hand-made records: time order, ties, summaries, no personal data."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cxops.analytics.trace import (
    ContactRecords,
    QaRecord,
    ReviewRecord,
    TraceEvent,
    build_trace,
)
from cxops.domain.assist import Feedback, FeedbackAction, Suggestion, SuggestionSource
from cxops.domain.contacts import Survey
from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
    Outcome,
)
from cxops.domain.decisions import Decision, Reason
from cxops.domain.ids import (
    ActionId,
    AgentId,
    ConversationId,
    CustomerId,
    DecisionId,
    HandoffId,
    MessageId,
    OrderId,
    QueueId,
    SuggestionId,
)
from cxops.domain.qa import CriterionResult, HumanReview, QaResult
from cxops.domain.routing import Handoff
from cxops.domain.selfservice import Action, ActionKind, ActionStatus
from cxops.domain.triage import (
    IntentPrediction,
    Language,
    PiiSpan,
    PiiType,
    SensitiveCategory,
    SensitiveTopic,
    Sentiment,
    SentimentLabel,
    Triage,
    Urgency,
    UrgencyLevel,
)

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONVERSATION_ID = ConversationId("conv_1")
OPEN = Conversation(
    id=CONVERSATION_ID,
    channel=Channel.CHAT,
    status=ConversationStatus.QUEUED,
    created_at=AT,
    updated_at=AT,
    customer_id=CustomerId("C100001"),
    queue_id=QueueId("q_returns"),
)


def at(seconds: float) -> datetime:
    return AT + timedelta(seconds=seconds)


def message(n: int, role: MessageRole, text: str, *, seconds: float) -> Message:
    return Message(
        id=MessageId(f"msg_{n}"),
        conversation_id=CONVERSATION_ID,
        role=role,
        text=text,
        created_at=at(seconds),
    )


def triaged(intent: str = "return_item", *, pii: tuple[PiiSpan, ...] = ()) -> Triage:
    return Triage(
        intent=IntentPrediction(intent, 0.91, (), False),
        sentiment=Sentiment(-0.6, SentimentLabel.NEGATIVE, ("shouting",)),
        urgency=Urgency(UrgencyLevel.HIGH, ("deadline",)),
        language=Language("en", 0.98),
        sensitive_topics=(
            SensitiveTopic(SensitiveCategory.LEGAL, "legal_threat", "my lawyer Jane Roe", 0, 18),
        ),
        pii=pii,
        redacted_text="",
        model_versions={"intent": "intent-7"},
        latency_ms=4.25,
    )


def decision(
    n: int,
    kind: str,
    outcome: str,
    *,
    seconds: float,
    codes: tuple[str, ...] = (),
    queue: str | None = None,
    agent: str | None = None,
) -> Decision:
    return Decision(
        id=DecisionId(f"dec_{n}"),
        conversation_id=CONVERSATION_ID,
        kind=kind,
        outcome=outcome,
        reasons=tuple(Reason(code, f"because {code}") for code in codes),
        policy_version="retail-default@3",
        model_version="intent-7",
        created_at=at(seconds),
        message_id=MessageId("msg_1"),
        inputs={"customer_email": "ana.ruiz@example.com"},
        queue_id=None if queue is None else QueueId(queue),
        agent_id=None if agent is None else AgentId(agent),
    )


def action(*, seconds: float) -> Action:
    return Action(
        id=ActionId("act_1"),
        conversation_id=CONVERSATION_ID,
        kind=ActionKind.CHANGE_ADDRESS,
        order_id=OrderId("W3000002"),
        params={"reason": "moved", "address": {"line1": "12 Elm Street"}},
        status=ActionStatus.EXECUTED,
        created_at=at(seconds),
        needs_approval=True,
        reasons=(Reason("over_limit", "Above the bot's limit."),),
        decided_by="usr_lead",
        decided_at=at(seconds + 60),
        note="called her back on 312-555-0188",
    )


def handoff(*, seconds: float) -> Handoff:
    return Handoff(
        id=HandoffId("hof_1"),
        conversation_id=CONVERSATION_ID,
        decision_id=DecisionId("dec_2"),
        queue_id=QueueId("q_returns"),
        agent_id=None,
        packet={
            "summary": "A STANDARD customer wrote 1 message on chat about return item.",
            "intent": {"name": "return_item", "confidence": 0.91, "alternatives": []},
            "priority": 20,
            "escalation_reasons": [{"code": "sentiment_floor", "text": "Very upset."}],
            "open_questions": [],
            "customer": {"id": "C100001", "email": "ana.ruiz@example.com"},
        },
        created_at=at(seconds),
    )


def suggestion(rank: int, *, seconds: float) -> Suggestion:
    return Suggestion(
        id=SuggestionId(f"sug_{rank}"),
        conversation_id=CONVERSATION_ID,
        message_id=MessageId("msg_1"),
        rank=rank,
        text="Hi Ana, your return label is on its way to ana.ruiz@example.com.",
        source=SuggestionSource.MACRO,
        source_id=f"returns-{rank}",
        intent="return_item",
        score=0.8 - rank / 10,
        rationale=("intent return_item",),
        created_at=at(seconds),
    )


def kinds(events: list[TraceEvent]) -> list[str]:
    return [e.kind if e.kind != "decision" else f"decision:{e.detail['kind']}" for e in events]


def test_that_events_are_in_time_order_whatever_order_the_records_come_in() -> None:
    records = ContactRecords(
        conversation=OPEN,
        messages=[
            message(1, MessageRole.CUSTOMER, "I want to return it", seconds=1),
            message(2, MessageRole.AGENT, "Happy to help", seconds=30),
        ],
        decisions=[decision(1, "assignment", "agent", seconds=20, agent="ag_1")],
        suggestions=[suggestion(1, seconds=10)],
    )

    events = build_trace(records)

    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [(e.kind, e.ref) for e in events] == [
        ("opened", "conv_1"),
        ("message", "msg_1"),
        ("suggestion", "sug_1"),
        ("decision", "dec_1"),
        ("message", "msg_2"),
    ]


def test_that_steps_recorded_at_one_instant_follow_the_order_a_request_writes_them() -> None:
    records = ContactRecords(
        conversation=replace(
            OPEN,
            status=ConversationStatus.CLOSED,
            closed_at=AT,
            outcome=Outcome.RESOLVED,
        ),
        messages=[
            message(1, MessageRole.CUSTOMER, "I want to return it", seconds=0),
            message(2, MessageRole.BOT, "Which order?", seconds=0),
            message(3, MessageRole.AGENT, "Hello", seconds=0),
        ],
        triage={MessageId("msg_1"): triaged()},
        decisions=[
            decision(3, "transfer", "queue", seconds=0, queue="q_vip"),
            decision(4, "selfservice", "flow_started", seconds=0),
            decision(5, "assignment", "agent", seconds=0, agent="ag_1"),
            decision(2, "routing", "queue", seconds=0, queue="q_returns"),
        ],
        actions=[action(seconds=0)],
        handoffs=[handoff(seconds=0)],
        suggestions=[suggestion(2, seconds=0), suggestion(1, seconds=0)],
        feedback={
            SuggestionId("sug_2"): Feedback(
                SuggestionId("sug_2"), FeedbackAction.IGNORED, None, 0, "", "usr_sam", AT
            )
        },
        qa=QaRecord(QaResult(CONVERSATION_ID, "retail-qa@1", 90.0, False, ()), AT, "agent"),
        reviews=[
            ReviewRecord("rev_1", HumanReview(CONVERSATION_ID, "usr_qa", {}), {}, AT),
        ],
        survey=Survey(CONVERSATION_ID, 5, "", AT),
    )

    events = build_trace(records)

    assert kinds(events) == [
        "opened",
        "message",
        "triage",
        "decision:routing",
        "handoff",
        "decision:assignment",
        "decision:transfer",
        "decision:selfservice",
        "action",
        "message",
        "message",
        "suggestion",
        "suggestion",
        "feedback",
        "closed",
        "qa",
        "review",
        "survey",
    ]
    assert [e.detail["role"] for e in events if e.kind == "message"] == [
        "customer",
        "bot",
        "agent",
    ]
    assert [e.ref for e in events if e.kind == "suggestion"] == ["sug_2", "sug_1"]


def test_that_each_event_reads_as_one_line_and_names_its_record() -> None:
    records = ContactRecords(
        conversation=replace(
            OPEN,
            status=ConversationStatus.CLOSED,
            closed_at=at(90),
            outcome=Outcome.RESOLVED,
        ),
        messages=[
            message(1, MessageRole.CUSTOMER, "I want to return it, write to [EMAIL]", seconds=1)
        ],
        triage={MessageId("msg_1"): triaged(pii=(PiiSpan(PiiType.EMAIL, 30, 50),))},
        decisions=[
            decision(
                2,
                "routing",
                "queue",
                seconds=2,
                codes=("sentiment_floor", "repeat_contact"),
                queue="q_returns",
            ),
            decision(5, "assignment", "agent", seconds=40, queue="q_returns", agent="ag_1"),
        ],
        actions=[action(seconds=3)],
        handoffs=[handoff(seconds=2)],
        suggestions=[suggestion(1, seconds=50), suggestion(2, seconds=50)],
        feedback={
            SuggestionId("sug_2"): Feedback(
                suggestion_id=SuggestionId("sug_2"),
                action=FeedbackAction.EDITED,
                final_text="Hi, your label is on its way.",
                edit_distance=12,
                reason="too long",
                given_by="usr_sam",
                given_at=at(60),
            )
        },
        qa=QaRecord(
            QaResult(
                CONVERSATION_ID,
                "retail-qa@1",
                72.5,
                True,
                (
                    CriterionResult("greeting", "Greeting", True, 1, 1, False, ()),
                    CriterionResult("no_prohibited_content", "Nothing", False, 0, 3, True, ()),
                    CriterionResult("hold_etiquette", "Holds", None, 0, 0, False, ()),
                ),
            ),
            at(91),
            "agent",
        ),
        survey=Survey(CONVERSATION_ID, 4, "", at(120)),
    )

    lines = {(e.kind, e.ref): e.summary for e in build_trace(records)}

    assert lines == {
        ("opened", "conv_1"): "opened on chat",
        ("message", "msg_1"): 'customer: "I want to return it, write to [EMAIL]"',
        ("triage", "msg_1"): "triage: return_item 91%, negative, urgency high, en, "
        "sensitive: legal_threat, pii: email",
        ("decision", "dec_2"): "routing: queue q_returns (sentiment_floor, repeat_contact)",
        ("handoff", "hof_1"): "handoff: to q_returns",
        ("action", "act_1"): "action: change_address on W3000002, executed, needs approval, "
        "decided by usr_lead",
        ("decision", "dec_5"): "assignment: agent q_returns, agent ag_1",
        ("suggestion", "sug_1"): "suggestion #1: macro returns-1 (0.70)",
        ("suggestion", "sug_2"): "suggestion #2: macro returns-2 (0.60)",
        ("feedback", "sug_2"): "feedback on suggestion #2: edited by usr_sam",
        ("closed", "conv_1"): "closed: resolved",
        ("qa", "conv_1"): "qa: 72.5 on retail-qa@1, handled by agent, auto-failed "
        "(failed: no_prohibited_content)",
        ("survey", "conv_1"): "survey: 4/5",
    }


def test_that_the_detail_carries_the_audit_fields_as_json_ready_data() -> None:
    records = ContactRecords(
        conversation=OPEN,
        messages=[message(1, MessageRole.CUSTOMER, "Return [EMAIL]", seconds=1)],
        triage={MessageId("msg_1"): triaged(pii=(PiiSpan(PiiType.EMAIL, 7, 27),))},
        decisions=[decision(2, "routing", "queue", seconds=2, codes=("vip",), queue="q_vip")],
        actions=[action(seconds=3)],
        handoffs=[handoff(seconds=2)],
    )

    by_kind = {e.kind: e.detail for e in build_trace(records)}

    assert by_kind["triage"] == {
        "intent": {"name": "return_item", "confidence": 0.91, "out_of_scope": False},
        "sentiment": {"label": "negative", "score": -0.6, "frustration": ["shouting"]},
        "urgency": {"level": "high", "reasons": ["deadline"]},
        "language": {"code": "en", "confidence": 0.98},
        "sensitive_topics": [{"category": "legal", "topic": "legal_threat"}],
        "pii_types": ["email"],
        "model_versions": {"intent": "intent-7"},
        "latency_ms": 4.25,
    }
    assert by_kind["decision"] == {
        "kind": "routing",
        "outcome": "queue",
        "message_id": "msg_1",
        "reasons": [{"code": "vip", "text": "because vip"}],
        "policy_version": "retail-default@3",
        "model_version": "intent-7",
        "queue": "q_vip",
        "priority": None,
        "agent": None,
    }
    assert by_kind["action"] == {
        "kind": "change_address",
        "status": "executed",
        "order_id": "W3000002",
        "needs_approval": True,
        "reasons": ["over_limit"],
        "decided_by": "usr_lead",
        "decided_at": at(63).isoformat(),
    }
    assert by_kind["handoff"] == {
        "decision_id": "dec_2",
        "queue": "q_returns",
        "agent": None,
        "summary": "A STANDARD customer wrote 1 message on chat about return item.",
        "intent": "return_item",
        "priority": 20,
        "escalation_reasons": [{"code": "sentiment_floor", "text": "Very upset."}],
        "open_questions": [],
    }


def test_that_no_personal_data_reaches_the_trace() -> None:
    records = ContactRecords(
        conversation=replace(
            OPEN, status=ConversationStatus.CLOSED, closed_at=at(90), outcome=Outcome.RESOLVED
        ),
        messages=[message(1, MessageRole.CUSTOMER, "Return [EMAIL]", seconds=1)],
        triage={MessageId("msg_1"): triaged()},
        decisions=[
            Decision(
                id=DecisionId("dec_9"),
                conversation_id=CONVERSATION_ID,
                kind="approval",
                outcome="approved",
                reasons=(
                    Reason("approval.approved", "approved by usr_lead: mail ana.ruiz@example.com"),
                ),
                policy_version="retail-default@3",
                model_version="",
                created_at=at(70),
            )
        ],
        actions=[action(seconds=3)],
        handoffs=[handoff(seconds=2)],
        suggestions=[suggestion(1, seconds=50)],
        feedback={
            SuggestionId("sug_1"): Feedback(
                SuggestionId("sug_1"),
                FeedbackAction.IGNORED,
                None,
                0,
                "she asked us to use ana.ruiz@example.com instead",
                "usr_sam",
                at(60),
            )
        },
        reviews=[
            ReviewRecord(
                "rev_1",
                HumanReview(CONVERSATION_ID, "usr_qa", {"greeting": True}),
                {"closing": "he gave out 312-555-0188 as the callback number"},
                at(100),
            )
        ],
        survey=Survey(CONVERSATION_ID, 2, "call me: ana.ruiz@example.com", at(120)),
    )

    trace = repr(build_trace(records))

    for secret in ("ana.ruiz", "example.com", "12 Elm Street", "Jane Roe", "555-0188"):
        assert secret not in trace
    by_kind = {e.kind: e.detail for e in build_trace(records)}
    assert by_kind["survey"]["comment"] == "call me: [EMAIL]"
    assert by_kind["feedback"]["reason"] == "she asked us to use [EMAIL] instead"
    assert by_kind["decision"]["reasons"][0]["text"] == "approved by usr_lead: mail [EMAIL]"


def test_that_an_open_conversation_has_no_close_and_long_text_is_cut_in_the_summary() -> None:
    long = "word " * 40
    records = ContactRecords(
        conversation=OPEN,
        messages=[message(1, MessageRole.CUSTOMER, long, seconds=1)],
    )

    events = build_trace(records)

    assert [e.kind for e in events] == ["opened", "message"]
    summary = events[1].summary
    assert summary.startswith('customer: "word word')
    assert summary.endswith('…"')
    assert len(summary) < len(long)
    assert events[1].detail["text"] == long
