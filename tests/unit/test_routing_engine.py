"""The decision engine, one trigger and rule at a time, on the shipped policy."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cxops.domain.conversations import Channel, Conversation, ConversationStatus
from cxops.domain.customers import Segment
from cxops.domain.decisions import Reason
from cxops.domain.ids import AgentId, ConversationId, QueueId
from cxops.domain.routing import (
    AgentLoad,
    ConversationState,
    CustomerContext,
    QueueForecast,
    RoutingDecision,
    RoutingOutcome,
)
from cxops.domain.triage import (
    IntentPrediction,
    IntentScore,
    Language,
    SensitiveCategory,
    SensitiveTopic,
    Sentiment,
    SentimentLabel,
    SentimentTrajectory,
    Triage,
    Urgency,
    UrgencyLevel,
)
from cxops.domain.workforce import AgentStatus
from cxops.routing.engine import best_agent, decide, hand_over, serving_order
from cxops.routing.policy import Policy, default_policy

POLICY = default_policy().policy
AUTOMATE = RoutingOutcome.AUTOMATE
CLARIFY = RoutingOutcome.CLARIFY
QUEUE = RoutingOutcome.QUEUE
AGENT = RoutingOutcome.AGENT
FRESH = ConversationState(customer_turns=1, bot_turns=0, clarifications=0, sentiment=None)
STANDARD = CustomerContext(known=True, segment=Segment.STANDARD, preferred_language="en")
VIP = replace(STANDARD, segment=Segment.VIP)


def triage(
    intent: str = "order_status",
    confidence: float = 0.95,
    *,
    runner_up: tuple[str, float] = ("refund_status", 0.02),
    text: str = "where is my order W1000042",
    sentiment: float = 0.0,
    urgency: UrgencyLevel = UrgencyLevel.NORMAL,
    language: str = "en",
    sensitive: tuple[SensitiveTopic, ...] = (),
) -> Triage:
    out_of_scope = intent == "out_of_scope"
    top = ("order_status", 1 - confidence) if out_of_scope else (intent, confidence)
    return Triage(
        intent=IntentPrediction(
            name=intent,
            confidence=confidence,
            alternatives=(IntentScore(*top), IntentScore(*runner_up)),
            out_of_scope=out_of_scope,
        ),
        sentiment=Sentiment(
            score=sentiment,
            label=SentimentLabel.NEGATIVE if sentiment < -0.05 else SentimentLabel.NEUTRAL,
        ),
        urgency=Urgency(urgency, ()),
        language=Language(language, 0.99),
        sensitive_topics=sensitive,
        pii=(),
        redacted_text=text,
        model_versions={"intent": "intent-test"},
    )


def agent(
    agent_id: str,
    skills: dict[str, int],
    *,
    languages: tuple[str, ...] = ("en",),
    status: AgentStatus = AgentStatus.AVAILABLE,
    capacity: int = 3,
    active: int = 0,
) -> AgentLoad:
    return AgentLoad(AgentId(agent_id), status, languages, skills, capacity, active)


def calm(queue: str) -> QueueForecast:
    return QueueForecast(QueueId(queue), 20.0, 0.9, 0.5, breaching=False, spike=False)


def busy(queue: str) -> QueueForecast:
    return QueueForecast(QueueId(queue), 600.0, 0.3, 0.97, breaching=True, spike=False)


def run(
    message: Triage,
    *,
    state: ConversationState = FRESH,
    customer: CustomerContext = STANDARD,
    forecasts: dict[str, QueueForecast] | None = None,
    agents: tuple[AgentLoad, ...] = (),
    policy: Policy = POLICY,
) -> RoutingDecision:
    return decide(
        triage=message,
        state=state,
        customer=customer,
        forecasts={QueueId(k): v for k, v in (forecasts or {}).items()},
        agents=agents,
        policy=policy,
    )


def codes(decision: RoutingDecision) -> list[str]:
    return [reason.code for reason in decision.reasons]


def test_that_a_confident_order_status_question_is_automated() -> None:
    decision = run(triage("order_status", 0.97))
    assert decision.outcome is AUTOMATE
    assert codes(decision) == ["expected_cost_automate"]
    assert decision.queue is None
    assert decision.priority is None


def test_that_a_sensitive_topic_goes_to_a_person_however_confident_the_intent() -> None:
    fraud = SensitiveTopic(SensitiveCategory.FINANCIAL, "fraud", "fraud", 0, 5)
    decision = run(triage("order_status", 0.99, sensitive=(fraud,)))
    assert decision.outcome is QUEUE
    assert codes(decision)[0] == "sensitive_topic"
    assert "fraud" in decision.reasons[0].text


def test_that_sensitive_topics_still_go_to_a_person_under_pressure() -> None:
    injury = SensitiveTopic(SensitiveCategory.HEALTH, "injury", "burned", 0, 6)
    decision = run(
        triage("order_status", 0.99, sensitive=(injury,)),
        forecasts={"q_orders_delivery": busy("q_orders_delivery")},
    )
    assert decision.outcome is QUEUE
    assert "sensitive_topic" in codes(decision)


def test_that_asking_for_a_person_is_honoured() -> None:
    decision = run(triage("human_agent", 0.9))
    assert decision.outcome is QUEUE
    assert codes(decision)[0] == "customer_asked_for_person"


def test_that_a_policy_keyword_sends_the_contact_to_a_person() -> None:
    decision = run(triage("order_status", 0.97, text="let me talk to your supervisor now"))
    assert decision.outcome is QUEUE
    assert "keyword" in codes(decision)


def test_that_keywords_match_whole_words_only() -> None:
    decision = run(triage("order_status", 0.97, text="the managerial summary of my order"))
    assert decision.outcome is AUTOMATE


def test_that_critical_urgency_goes_to_a_person() -> None:
    decision = run(triage("order_status", 0.97, urgency=UrgencyLevel.CRITICAL))
    assert decision.outcome is QUEUE
    assert "urgency" in codes(decision)
    assert decision.priority == POLICY.priority.urgency[UrgencyLevel.CRITICAL]


def test_that_sentiment_below_the_floor_goes_to_a_person() -> None:
    decision = run(triage("order_status", 0.97, sentiment=-0.8))
    assert "sentiment_floor" in codes(decision)
    assert decision.outcome is QUEUE


def test_that_fast_falling_sentiment_goes_to_a_person() -> None:
    falling = SentimentTrajectory(current=-0.3, minimum=-0.3, trend=-0.3, turns=3)
    decision = run(triage("order_status", 0.97), state=replace(FRESH, sentiment=falling))
    assert "sentiment_falling" in codes(decision)


def test_that_a_falling_trend_over_too_few_turns_is_not_a_trigger() -> None:
    short = SentimentTrajectory(current=-0.3, minimum=-0.3, trend=-0.6, turns=2)
    decision = run(triage("order_status", 0.97), state=replace(FRESH, sentiment=short))
    assert decision.outcome is AUTOMATE


def test_that_a_repeat_contact_on_the_same_issue_goes_to_a_person() -> None:
    decision = run(triage("order_status", 0.97), customer=replace(STANDARD, repeat_contacts=2))
    assert "repeat_contact" in codes(decision)
    assert "Contact number 3" in decision.reasons[0].text


def test_that_the_bot_hands_over_after_its_turn_budget() -> None:
    spent = replace(FRESH, bot_turns=POLICY.escalation.max_bot_turns)
    decision = run(triage("order_status", 0.97), state=spent)
    assert codes(decision)[0] == "bot_turns_exhausted"


def test_that_vip_rules_send_listed_intents_to_a_person() -> None:
    decision = run(triage("cancel_order", 0.99), customer=VIP)
    assert "segment_rule" in codes(decision)
    assert decision.queue == "q_vip"


def test_that_vip_customers_need_more_confidence() -> None:
    assert run(triage("return_item", 0.75)).outcome is AUTOMATE
    assert run(triage("return_item", 0.75), customer=VIP).outcome is not AUTOMATE


def test_that_intents_the_bot_does_not_handle_go_to_a_person() -> None:
    decision = run(triage("damaged_item", 0.99))
    assert codes(decision)[0] == "intent_not_automated"
    assert decision.queue == "q_returns_refunds"


def test_that_just_below_the_bar_the_bot_asks_a_clarifying_question() -> None:
    decision = run(triage("return_item", 0.62))
    assert decision.outcome is CLARIFY
    assert codes(decision) == ["clarify"]


def test_that_the_bot_clarifies_only_as_often_as_the_policy_allows() -> None:
    asked = replace(FRESH, clarifications=POLICY.automation.max_clarifications)
    decision = run(triage("return_item", 0.62), state=asked)
    assert decision.outcome is QUEUE
    assert "low_confidence" in codes(decision)


def test_that_out_of_scope_is_clarified_once_then_handed_over() -> None:
    assert run(triage("out_of_scope", 0.8)).outcome is CLARIFY
    again = run(triage("out_of_scope", 0.8), state=replace(FRESH, clarifications=1))
    assert again.outcome is QUEUE
    assert again.queue == POLICY.routing.default_queue


def test_that_cost_based_intents_automate_only_where_expected_cost_is_lower() -> None:
    # cancel_order: a wrong answer costs 20, a person 4: break-even at 80% confidence.
    assert run(triage("cancel_order", 0.85)).outcome is AUTOMATE
    lost = run(triage("cancel_order", 0.06, runner_up=("change_order", 0.04)))
    assert lost.outcome is QUEUE
    assert codes(lost) == ["expected_cost_person", "queue_selected", "queued"]
    asked = replace(FRESH, clarifications=1)
    unsure = run(triage("cancel_order", 0.5, runner_up=("change_order", 0.3)), state=asked)
    assert unsure.outcome is QUEUE
    assert codes(unsure) == ["expected_cost_person", "queue_selected", "queued"]


def test_that_cost_based_intents_clarify_when_the_top_two_hold_the_answer() -> None:
    decision = run(triage("cancel_order", 0.6, runner_up=("change_order", 0.38)))
    assert decision.outcome is CLARIFY
    assert codes(decision) == ["expected_cost_clarify"]


def test_that_spanish_messages_go_to_the_spanish_queue() -> None:
    decision = run(triage("damaged_item", 0.9, language="es"))
    assert decision.queue == "q_spanish"


def test_that_an_undetermined_language_falls_back_to_the_customers_preference() -> None:
    spanish_customer = replace(STANDARD, preferred_language="es")
    decision = run(triage("damaged_item", 0.9, language="und"), customer=spanish_customer)
    assert decision.queue == "q_spanish"


def test_that_a_free_agent_with_the_skill_gets_the_contact() -> None:
    agents = (
        agent("agt_a", {"returns_refunds": 3}),
        agent("agt_b", {"returns_refunds": 5}),
        agent("agt_c", {"order_support": 5}),
    )
    decision = run(triage("damaged_item", 0.9), agents=agents)
    assert decision.outcome is AGENT
    assert decision.agent == "agt_b"
    assert codes(decision)[-1] == "agent_available"


def test_that_busy_full_or_wrong_language_agents_are_not_picked() -> None:
    agents = (
        agent("agt_away", {"returns_refunds": 5}, status=AgentStatus.AWAY),
        agent("agt_full", {"returns_refunds": 5}, capacity=2, active=2),
        agent("agt_es", {"returns_refunds": 5}, languages=("es",)),
    )
    decision = run(triage("damaged_item", 0.9), agents=agents)
    assert decision.outcome is QUEUE
    assert decision.agent is None


def test_that_under_pressure_the_queue_overflows_to_secondary_skills() -> None:
    agents = (agent("agt_orders", {"order_support": 4}),)
    forecasts = {"q_returns_refunds": busy("q_returns_refunds")}
    calm_decision = run(
        triage("damaged_item", 0.9),
        agents=agents,
        forecasts={"q_returns_refunds": calm("q_returns_refunds")},
    )
    assert calm_decision.outcome is QUEUE
    decision = run(triage("damaged_item", 0.9), agents=agents, forecasts=forecasts)
    assert decision.outcome is AGENT
    assert decision.agent == "agt_orders"
    assert "adapt.overflow" in codes(decision)


def test_that_under_pressure_low_risk_intents_need_less_confidence() -> None:
    message = triage("return_item", 0.63)
    assert run(message).outcome is CLARIFY
    decision = run(message, forecasts={"q_returns_refunds": busy("q_returns_refunds")})
    assert decision.outcome is AUTOMATE
    assert codes(decision) == ["adapt.lower_bar", "confident"]


def test_that_under_pressure_high_risk_intents_need_more_confidence() -> None:
    message = triage("cancel_order", 0.85)
    assert run(message).outcome is AUTOMATE
    decision = run(message, forecasts={"q_orders_delivery": busy("q_orders_delivery")})
    assert decision.outcome is not AUTOMATE
    assert codes(decision)[0] == "adapt.raise_risky_bar"


def test_that_a_conversation_a_person_has_stays_with_them() -> None:
    state = replace(FRESH, queue=QueueId("q_vip"), assigned_agent=AgentId("agt_x"))
    decision = run(triage("human_agent", 0.9), state=state)
    assert decision.outcome is AGENT
    assert decision.agent == "agt_x"
    assert codes(decision) == ["conversation.assigned"]


def test_that_priority_adds_urgency_vip_repeat_sentiment_and_waiting() -> None:
    waited = replace(FRESH, queue=QueueId("q_vip"), waiting_seconds=300)
    decision = run(
        triage("complaint", 0.9, sentiment=-0.3, urgency=UrgencyLevel.HIGH),
        state=waited,
        customer=replace(VIP, repeat_contacts=1),
    )
    rules = POLICY.priority
    expected = (
        rules.urgency[UrgencyLevel.HIGH]
        + rules.vip
        + rules.repeat_contact
        + rules.negative_sentiment
        + 5 * rules.per_minute_waiting
    )
    assert decision.priority == min(rules.max, expected)


def test_that_the_decision_records_its_inputs_without_message_text() -> None:
    decision = run(triage("damaged_item", 0.9, text="my email is [EMAIL]"))
    assert decision.inputs["intent"] == "damaged_item"
    assert decision.inputs["customer"] == {
        "known": True,
        "segment": "standard",
        "repeat_contacts": 0,
    }
    assert "[EMAIL]" not in repr(decision.inputs)


@pytest.mark.parametrize(
    ("skills", "expected"),
    [
        ({"returns_refunds": 0}, "agt_primary"),
        ({"returns_refunds": 0, "order_support": 1}, "agt_primary"),
        ({"order_support": 1}, "agt_secondary"),
    ],
)
def test_that_primary_skill_holders_come_before_secondary(
    skills: dict[str, int], expected: str
) -> None:
    agents = [
        agent("agt_secondary", {"order_support": 5}),
        agent("agt_primary", {"returns_refunds": 2}, active=2),
    ]
    chosen = best_agent(agents, skills=skills, language="en")
    assert chosen is not None
    assert chosen.id == expected


def test_that_among_equals_the_lighter_load_wins() -> None:
    agents = [
        agent("agt_a", {"returns_refunds": 4}, capacity=4, active=3),
        agent("agt_b", {"returns_refunds": 4}, capacity=4, active=1),
    ]
    chosen = best_agent(agents, skills={"returns_refunds": 0}, language="en")
    assert chosen is not None
    assert chosen.id == "agt_b"


def test_that_waiting_time_ages_a_contact_past_newer_more_urgent_ones() -> None:
    now = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def waiting(name: str, priority: int, minutes_ago: int) -> Conversation:
        return Conversation(
            id=ConversationId(name),
            channel=Channel.CHAT,
            status=ConversationStatus.QUEUED,
            created_at=now,
            updated_at=now,
            priority=priority,
            queued_at=now - timedelta(minutes=minutes_ago),
        )

    old_low = waiting("conv_old_low", 10, 25)
    new_high = waiting("conv_new_high", 30, 1)
    tie = waiting("conv_tie", 30, 1)
    ordered = serving_order([tie, new_high, old_low], policy=POLICY, now=now)
    assert [c.id for c in ordered] == ["conv_old_low", "conv_new_high", "conv_tie"]


IN_FLOW = replace(FRESH, customer_turns=3, flow="cancel_order")


def test_that_a_short_answer_stays_in_the_flow_whatever_the_model_makes_of_it() -> None:
    yes = run(
        triage("human_agent", 0.55, text="yes please"), state=replace(IN_FLOW, answers_flow=True)
    )
    assert yes.outcome is AUTOMATE
    assert codes(yes) == ["flow_continues"]
    assert yes.intent == "cancel_order"
    vague = run(triage("out_of_scope", 0.2, text="hmm"), state=IN_FLOW)
    assert codes(vague) == ["flow_continues"]


def test_that_a_confident_new_request_leaves_the_flow() -> None:
    switched = run(triage("return_item", 0.97, text="actually I want to return it"), state=IN_FLOW)
    assert switched.outcome is AUTOMATE
    assert switched.intent == "return_item"
    assert "flow_continues" not in codes(switched)
    complaint = run(triage("complaint", 0.97, text="this is a disgrace"), state=IN_FLOW)
    assert complaint.outcome in (QUEUE, AGENT)
    assert "intent_not_automated" in codes(complaint)


def test_that_person_triggers_still_end_a_flow() -> None:
    fraud = SensitiveTopic(SensitiveCategory.FINANCIAL, "fraud", "fraud", 0, 5)
    flagged = run(
        triage("order_status", 0.3, sensitive=(fraud,)), state=replace(IN_FLOW, answers_flow=True)
    )
    assert codes(flagged)[0] == "sensitive_topic"
    asked = run(triage("human_agent", 0.95, text="get me a human"), state=IN_FLOW)
    assert codes(asked)[0] == "customer_asked_for_person"
    stalled = run(triage("out_of_scope", 0.2), state=replace(IN_FLOW, bot_turns=4))
    assert codes(stalled)[0] == "bot_turns_exhausted"


def test_that_the_bot_hands_over_to_the_queue_of_the_flow_it_was_serving() -> None:
    decision = hand_over(
        reasons=[Reason("verification_failed", "Identity could not be verified.")],
        intent_name="return_item",
        triage=triage("out_of_scope", 0.2, text="dunno"),
        state=IN_FLOW,
        customer=STANDARD,
        forecasts={},
        agents=[],
        policy=POLICY,
    )
    assert decision.outcome is QUEUE
    assert decision.queue == "q_returns_refunds"
    assert codes(decision)[:2] == ["verification_failed", "queue_selected"]
