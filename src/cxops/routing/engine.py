"""The decision engine: bot or person, which queue, which priority, which agent, and why.

`decide` is pure: everything it reads arrives as arguments and everything it concludes is in the
returned `RoutingDecision`, including an ordered list of reasons (a stable code and a sentence
for a person) and a JSON-ready record of its inputs. The order of the checks is the order of
precedence, and it is the order the reasons are listed in:

1. A conversation a person already has stays with that person.
2. Triggers that always mean a person: sensitive topics, an explicit request, a policy keyword,
   critical urgency, sentiment below the floor or falling fast, a repeat contact, the bot's turn
   budget spent, a segment rule, an intent the bot may not handle.
3. Otherwise the intent's confidence is weighed: against a threshold (`min_confidence`), or by
   expected cost when the intent states what a wrong automated answer costs. Just short of the
   bar, the bot asks one clarifying question instead of handing over.
4. A person is needed: the queue comes from the routing rules, the priority from the priority
   rules, and a free agent with the skill and the language is picked if there is one; under
   pressure the queue may overflow to agents with a secondary skill.

Under pressure (a queue forecast to break its SLA, or an arrival spike) the automation bar moves
within the policy's bounds, and each such adaptation is itself a reason.
"""

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cxops.domain.conversations import Conversation
from cxops.domain.customers import Segment
from cxops.domain.decisions import Reason
from cxops.domain.ids import AgentId, QueueId
from cxops.domain.routing import (
    AgentLoad,
    ConversationState,
    CustomerContext,
    QueueForecast,
    RoutingDecision,
    RoutingOutcome,
)
from cxops.domain.triage import Triage
from cxops.domain.workforce import AgentStatus
from cxops.routing.policy import IntentRule, Policy, QueueSpec, Risk

OUT_OF_SCOPE = "out_of_scope"
HUMAN_AGENT = "human_agent"
# A hello in the middle of a request is no new request.
GREETING = "greeting"


@dataclass(frozen=True, slots=True)
class _Bar:
    """The confidence the intent needs, how it was set, and the adaptation that moved it."""

    threshold: float
    basis: str
    adaptation: Reason | None


def decide(
    *,
    triage: Triage,
    state: ConversationState,
    customer: CustomerContext,
    forecasts: Mapping[QueueId, QueueForecast],
    agents: Sequence[AgentLoad],
    policy: Policy,
) -> RoutingDecision:
    """Decide what happens to the customer's latest message (see the module docstring)."""
    intent = triage.intent
    inputs = _inputs(triage, state, customer)
    if state.assigned_agent is not None:
        return RoutingDecision(
            outcome=RoutingOutcome.AGENT,
            reasons=(Reason("conversation.assigned", "A person already has this conversation."),),
            intent=intent.name,
            confidence=intent.confidence,
            queue=state.queue,
            agent=state.assigned_agent,
            inputs=inputs,
        )
    queue = (
        _select_queue(intent.name, triage, customer, policy) if state.queue is None else state.queue
    )
    spec = policy.queue(queue)
    forecast = forecasts.get(queue)
    inputs["queue_forecast"] = None if forecast is None else _forecast_json(forecast)
    pressure = forecast is not None and (forecast.breaching or forecast.spike)

    if (
        state.flow is not None
        and state.queue is None
        and _continues_flow(triage, state, customer, policy, pressure=pressure)
    ):
        reasons = _person_triggers(triage, state, customer, policy, intent_name=state.flow)
        if not reasons:
            inputs["flow"] = state.flow
            return RoutingDecision(
                outcome=RoutingOutcome.AUTOMATE,
                reasons=(
                    Reason(
                        "flow_continues",
                        f"The bot is serving {state.flow.replace('_', ' ')}"
                        + (
                            " and the message answers its question."
                            if state.answers_flow
                            else "; the message does not clearly start another request."
                        ),
                    ),
                ),
                intent=state.flow,
                confidence=intent.confidence,
                inputs=inputs,
            )
    else:
        reasons = _person_triggers(triage, state, customer, policy, intent_name=intent.name)
    if not reasons and state.queue is not None:
        reasons = [Reason("conversation.queued", f"Already waiting in {spec.name}.")]
    if not reasons:
        outcome, weighed = _weigh(triage, state, customer, policy, pressure=pressure)
        if outcome is not RoutingOutcome.QUEUE:
            inputs["weighing"] = [r.code for r in weighed]
            return RoutingDecision(
                outcome=outcome,
                reasons=tuple(weighed),
                intent=intent.name,
                confidence=intent.confidence,
                inputs=inputs,
            )
        reasons = weighed
    return _to_person(
        reasons=reasons,
        triage=triage,
        state=state,
        customer=customer,
        spec=spec,
        forecast=forecast,
        pressure=pressure,
        agents=agents,
        policy=policy,
        inputs=inputs,
    )


def _continues_flow(
    triage: Triage,
    state: ConversationState,
    customer: CustomerContext,
    policy: Policy,
    *,
    pressure: bool,
) -> bool:
    """A message in a flow stays in it unless it confidently starts another request: short
    answers ("yes", an order number) read like nothing on their own, so the intent model's
    opinion of them must not end the flow; nor does a greeting."""
    if state.answers_flow:
        return True
    intent = triage.intent
    if intent.out_of_scope or intent.name in (state.flow, GREETING):
        return True
    rule = policy.automation.intents.get(intent.name)
    bar = _bar(rule, customer.segment, policy, pressure=pressure)
    return intent.confidence < bar.threshold


def hand_over(
    *,
    reasons: Sequence[Reason],
    intent_name: str,
    triage: Triage,
    state: ConversationState,
    customer: CustomerContext,
    forecasts: Mapping[QueueId, QueueForecast],
    agents: Sequence[AgentLoad],
    policy: Policy,
) -> RoutingDecision:
    """Route to a person because the bot says so (`reasons`): identity not verified, a request
    outside policy the customer wants a person for, the order system down. The queue is chosen
    for `intent_name`, the request the bot was serving."""
    inputs = _inputs(triage, state, customer)
    inputs["flow"] = intent_name
    queue = _select_queue(intent_name, triage, customer, policy)
    forecast = forecasts.get(queue)
    inputs["queue_forecast"] = None if forecast is None else _forecast_json(forecast)
    return _to_person(
        reasons=list(reasons),
        triage=triage,
        state=state,
        customer=customer,
        spec=policy.queue(queue),
        forecast=forecast,
        pressure=forecast is not None and (forecast.breaching or forecast.spike),
        agents=agents,
        policy=policy,
        inputs=inputs,
    )


def _person_triggers(
    triage: Triage,
    state: ConversationState,
    customer: CustomerContext,
    policy: Policy,
    *,
    intent_name: str,
) -> list[Reason]:
    """`intent_name` is the request being served: the message's intent, or the flow's when the
    message continues one (a repeat contact was already weighed when the flow began)."""
    escalation = policy.escalation
    reasons = [
        Reason(
            "sensitive_topic",
            f"Mentions {topic.topic.replace('_', ' ')} ({topic.category.value}): "
            "sensitive topics always go to a person.",
        )
        for topic in triage.sensitive_topics
    ]
    intent = triage.intent
    # A message that answers the bot's question ("yes please") is not a request for a person,
    # however the intent model reads it; the bot itself hands over on an explicit one.
    if intent.name == HUMAN_AGENT and not state.answers_flow:
        reasons.append(Reason("customer_asked_for_person", "The customer asked for a person."))
    keyword = _keyword(triage.redacted_text, escalation.keywords)
    if keyword is not None:
        reasons.append(Reason("keyword", f"The message says {keyword!r}, a policy keyword."))
    if triage.urgency.level in escalation.urgency_to_person:
        why = ", ".join(triage.urgency.reasons) or "no reason given"
        reasons.append(Reason("urgency", f"Urgency is {triage.urgency.level.value} ({why})."))
    reasons.extend(_sentiment_triggers(triage, state, policy))
    if customer.repeat_contacts > 0 and intent_name == intent.name:
        reasons.append(
            Reason(
                "repeat_contact",
                f"Contact number {customer.repeat_contacts + 1} about "
                f"{intent_name.replace('_', ' ')} within {escalation.repeat_contact_days} days.",
            )
        )
    if state.bot_turns >= escalation.max_bot_turns:
        reasons.append(
            Reason(
                "bot_turns_exhausted",
                f"The bot has gone {state.bot_turns} turns without progress "
                f"(limit {escalation.max_bot_turns}).",
            )
        )
    segment_rule = policy.automation.segments.get(customer.segment)
    if segment_rule is not None and intent_name in segment_rule.to_person:
        reasons.append(
            Reason(
                "segment_rule",
                f"{customer.segment.value.upper()} customers always get a person for "
                f"{intent_name.replace('_', ' ')}.",
            )
        )
    if intent_name != OUT_OF_SCOPE:
        rule = policy.automation.intents.get(intent_name)
        if rule is None or not rule.automate:
            reasons.append(
                Reason(
                    "intent_not_automated",
                    f"The bot does not handle {intent_name.replace('_', ' ')}.",
                )
            )
    return reasons


def _sentiment_triggers(triage: Triage, state: ConversationState, policy: Policy) -> list[Reason]:
    escalation = policy.escalation
    reasons = []
    score = triage.sentiment.score
    if score <= escalation.sentiment_floor:
        reasons.append(
            Reason(
                "sentiment_floor",
                f"Sentiment {score:+.2f} is at or below the floor "
                f"{escalation.sentiment_floor:+.2f}.",
            )
        )
    trend = state.sentiment
    if (
        trend is not None
        and trend.turns >= escalation.falling_turns
        and trend.trend <= escalation.sentiment_falling
    ):
        reasons.append(
            Reason(
                "sentiment_falling",
                f"Sentiment is falling fast ({trend.trend:+.2f} per turn "
                f"over {trend.turns} turns).",
            )
        )
    return reasons


def _keyword(text: str, keywords: Sequence[str]) -> str | None:
    folded = text.casefold()
    for keyword in keywords:
        if re.search(rf"(?<!\w){re.escape(keyword.casefold())}(?!\w)", folded):
            return keyword
    return None


def _weigh(
    triage: Triage,
    state: ConversationState,
    customer: CustomerContext,
    policy: Policy,
    *,
    pressure: bool,
) -> tuple[RoutingOutcome, list[Reason]]:
    """Automate, clarify or hand over on the intent's confidence alone."""
    intent = triage.intent
    may_clarify = state.clarifications < policy.automation.max_clarifications
    if intent.out_of_scope:
        if may_clarify:
            return RoutingOutcome.CLARIFY, [
                Reason(
                    "out_of_scope_clarify",
                    "The request is outside what the bot knows; it asks the customer to rephrase.",
                )
            ]
        return RoutingOutcome.QUEUE, [
            Reason("out_of_scope", "Still outside what the bot knows after asking once.")
        ]
    rule = policy.automation.intents[intent.name]
    bar = _bar(rule, customer.segment, policy, pressure=pressure)
    adapted = [] if bar.adaptation is None else [bar.adaptation]
    label = intent.name.replace("_", " ")
    p = intent.confidence
    if rule.wrong_answer_cost is not None:
        return _weigh_costs(triage, rule, policy, bar=bar, may_clarify=may_clarify, adapted=adapted)
    if p >= bar.threshold:
        return RoutingOutcome.AUTOMATE, [
            *adapted,
            Reason("confident", f"{p:.0%} sure it is {label}; the bar is {bar.threshold:.0%}."),
        ]
    if may_clarify and p >= bar.threshold - policy.automation.clarify_margin:
        return RoutingOutcome.CLARIFY, [
            *adapted,
            Reason(
                "clarify",
                f"{p:.0%} sure it is {label}, just short of the {bar.threshold:.0%} bar: "
                "the bot asks a clarifying question.",
            ),
        ]
    return RoutingOutcome.QUEUE, [
        *adapted,
        Reason(
            "low_confidence", f"Only {p:.0%} sure it is {label}; the bar is {bar.threshold:.0%}."
        ),
    ]


def _weigh_costs(
    triage: Triage,
    rule: IntentRule,
    policy: Policy,
    *,
    bar: _Bar,
    may_clarify: bool,
    adapted: list[Reason],
) -> tuple[RoutingOutcome, list[Reason]]:
    """Automate where the expected cost of a wrong answer is below a person's; otherwise take
    the cheaper of a person and a clarifying question.

    Automating costs the wrong-answer cost times the chance of being wrong, so it pays above the
    break-even confidence `1 - human_contact / wrong_answer_cost` (the bar, which adaptation
    under pressure may move). Below it, the bot abstains: a clarifying question costs `clarify`
    plus a person in the cases the answer cannot settle (the true intent is neither of the two
    most likely), which beats a person outright when the two leading intents hold most of the
    probability.
    """
    costs = policy.costs
    assert rule.wrong_answer_cost is not None
    p = triage.intent.confidence
    label = triage.intent.name.replace("_", " ")
    automate_cost = (1.0 - p) * rule.wrong_answer_cost
    top_two = min(1.0, sum(score.confidence for score in triage.intent.alternatives[:2]))
    clarify_cost = costs.clarify + (1.0 - top_two) * costs.human_contact
    if p >= bar.threshold:
        outcome = RoutingOutcome.AUTOMATE
    elif may_clarify and clarify_cost < costs.human_contact:
        outcome = RoutingOutcome.CLARIFY
    else:
        outcome = RoutingOutcome.QUEUE
    figures = f"expected cost: automate {automate_cost:.2f}, person {costs.human_contact:.2f}" + (
        f", clarify {clarify_cost:.2f}" if may_clarify else ""
    )
    code = {
        RoutingOutcome.AUTOMATE: "expected_cost_automate",
        RoutingOutcome.QUEUE: "expected_cost_person",
        RoutingOutcome.CLARIFY: "expected_cost_clarify",
    }[outcome]
    return outcome, [
        *adapted,
        Reason(code, f"{p:.0%} sure it is {label}; {figures} (break-even {bar.threshold:.0%})."),
    ]


def _bar(rule: IntentRule | None, segment: Segment, policy: Policy, *, pressure: bool) -> _Bar:
    automation = policy.automation
    if rule is not None and rule.wrong_answer_cost is not None:
        wrong = rule.wrong_answer_cost
        base = 0.0 if wrong <= 0 else max(0.0, 1.0 - policy.costs.human_contact / wrong)
        basis = "expected cost"
    elif rule is not None and rule.min_confidence is not None:
        base, basis = rule.min_confidence, "intent threshold"
    else:
        base, basis = automation.default_min_confidence, "default threshold"
    segment_rule = automation.segments.get(segment)
    if segment_rule is not None and segment_rule.min_confidence_delta:
        base = min(1.0, max(0.0, base + segment_rule.min_confidence_delta))
        basis += f" {segment_rule.min_confidence_delta:+.0%} for {segment.value}"
    if not pressure or rule is None:
        return _Bar(base, basis, None)
    adaptation = policy.adaptation
    if rule.risk is Risk.HIGH:
        raised = min(1.0, base + adaptation.risky_threshold_raise)
        return _Bar(
            raised,
            basis,
            Reason(
                "adapt.raise_risky_bar",
                f"Queues are under pressure: the bar for this high-risk intent rises from "
                f"{base:.0%} to {raised:.0%}.",
            ),
        )
    relieved = max(
        min(base, adaptation.min_confidence_floor), base - adaptation.max_threshold_relief
    )
    if relieved >= base:
        return _Bar(base, basis, None)
    return _Bar(
        relieved,
        basis,
        Reason(
            "adapt.lower_bar",
            f"Queues are under pressure: the bar for this low-risk intent drops from "
            f"{base:.0%} to {relieved:.0%}.",
        ),
    )


def _select_queue(
    intent_name: str, triage: Triage, customer: CustomerContext, policy: Policy
) -> QueueId:
    language = triage.language.code
    if language == "und" and customer.preferred_language:
        language = customer.preferred_language
    for rule in policy.routing.rules:
        if rule.intents and intent_name not in rule.intents:
            continue
        if rule.languages and language not in rule.languages:
            continue
        if rule.segments and customer.segment not in rule.segments:
            continue
        return QueueId(rule.queue)
    return QueueId(policy.routing.default_queue)


def _priority(
    triage: Triage, state: ConversationState, customer: CustomerContext, policy: Policy
) -> int:
    rules = policy.priority
    score = float(rules.urgency[triage.urgency.level])
    if customer.segment is Segment.VIP:
        score += rules.vip
    if customer.repeat_contacts:
        score += rules.repeat_contact
    if triage.sentiment.score < 0:
        score += rules.negative_sentiment
    score += rules.per_minute_waiting * state.waiting_seconds / 60.0
    return int(min(rules.max, max(0, round(score))))


def _to_person(
    *,
    reasons: list[Reason],
    triage: Triage,
    state: ConversationState,
    customer: CustomerContext,
    spec: QueueSpec,
    forecast: QueueForecast | None,
    pressure: bool,
    agents: Sequence[AgentLoad],
    policy: Policy,
    inputs: dict[str, object],
) -> RoutingDecision:
    queue = QueueId(spec.id)
    priority = _priority(triage, state, customer, policy)
    reasons = [*reasons, Reason("queue_selected", f"Routed to {spec.name} ({spec.skill}).")]
    skills = {spec.skill: 0}
    if pressure and policy.adaptation.overflow_to_secondary and spec.secondary_skills:
        skills.update((skill, 1) for skill in spec.secondary_skills if skill not in skills)
        reasons.append(
            Reason(
                "adapt.overflow",
                f"{spec.name} is under pressure: agents with "
                f"{', '.join(spec.secondary_skills)} may take it too.",
            )
        )
    agent = best_agent(agents, skills=skills, language=spec.language)
    inputs["candidates"] = len(agents)
    if agent is not None:
        reasons.append(
            Reason(
                "agent_available",
                f"Agent {agent.id} is free ({agent.active} of {agent.capacity} conversations).",
            )
        )
    else:
        wait = "unknown" if forecast is None else _seconds(forecast.predicted_wait_seconds)
        reasons.append(
            Reason(
                "queued",
                f"No agent is free; priority {priority}, predicted wait {wait} "
                f"(SLA: {spec.sla.target_percent:g}% within {spec.sla.answer_within_seconds} s).",
            )
        )
    return RoutingDecision(
        outcome=RoutingOutcome.QUEUE if agent is None else RoutingOutcome.AGENT,
        reasons=tuple(reasons),
        intent=triage.intent.name,
        confidence=triage.intent.confidence,
        queue=queue,
        priority=priority,
        agent=None if agent is None else agent.id,
        inputs=inputs,
    )


def serving_order(
    waiting: Sequence[Conversation], *, policy: Policy, now: datetime
) -> list[Conversation]:
    """Order waiting conversations for service: highest effective priority first, where the
    priority set when queued grows by `per_minute_waiting` for every minute waited, so nobody
    starves behind a stream of urgent contacts; ties go to the longest waiting."""
    rate = policy.priority.per_minute_waiting

    def key(conversation: Conversation) -> tuple[float, datetime, str]:
        queued = conversation.queued_at or now
        waited = (now - queued).total_seconds() / 60.0
        return (-((conversation.priority or 0) + rate * waited), queued, conversation.id)

    return sorted(waiting, key=key)


def best_agent(
    agents: Sequence[AgentLoad], *, skills: Mapping[str, int], language: str
) -> AgentLoad | None:
    """Return the best free agent for the skills (skill name -> rank, 0 = primary), or None.

    Only available agents with spare capacity who speak `language` qualify. Among them: primary
    skill before secondary, then higher proficiency, then the lighter load (share of capacity in
    use), then more free slots; the id breaks ties, so the choice is reproducible.
    """
    ranked: list[tuple[tuple[float, ...], AgentId, AgentLoad]] = []
    for agent in agents:
        if agent.status is not AgentStatus.AVAILABLE or agent.free <= 0:
            continue
        if language not in agent.languages:
            continue
        held = [
            (rank, agent.skills[skill]) for skill, rank in skills.items() if skill in agent.skills
        ]
        if not held:
            continue
        rank, proficiency = min(held, key=lambda pair: (pair[0], -pair[1]))
        key = (rank, -proficiency, agent.active / agent.capacity, -agent.free)
        ranked.append((key, agent.id, agent))
    if not ranked:
        return None
    return min(ranked, key=lambda entry: (entry[0], entry[1]))[2]


def _seconds(value: float) -> str:
    if math.isinf(value):
        return "unbounded (no agents signed in)"
    if value < 120:
        return f"{value:.0f} s"
    return f"{value / 60:.0f} min"


def _forecast_json(forecast: QueueForecast) -> dict[str, object]:
    wait = forecast.predicted_wait_seconds
    return {
        "queue": forecast.queue,
        "predicted_wait_seconds": None if math.isinf(wait) else round(wait, 1),
        "service_level": round(forecast.service_level, 4),
        "occupancy": round(forecast.occupancy, 4),
        "breaching": forecast.breaching,
        "spike": forecast.spike,
    }


def _inputs(
    triage: Triage, state: ConversationState, customer: CustomerContext
) -> dict[str, object]:
    """What the decision read, JSON-ready and free of message text (which may hold PII)."""
    intent = triage.intent
    sentiment = state.sentiment
    return {
        "intent": intent.name,
        "confidence": round(intent.confidence, 4),
        "out_of_scope": intent.out_of_scope,
        "alternatives": [[a.name, round(a.confidence, 4)] for a in intent.alternatives],
        "sentiment": round(triage.sentiment.score, 4),
        "frustration": list(triage.sentiment.frustration),
        "urgency": triage.urgency.level.value,
        "urgency_reasons": list(triage.urgency.reasons),
        "language": triage.language.code,
        "sensitive_topics": [t.topic for t in triage.sensitive_topics],
        "model_versions": dict(triage.model_versions),
        "conversation": {
            "customer_turns": state.customer_turns,
            "bot_turns": state.bot_turns,
            "clarifications": state.clarifications,
            "flow": state.flow,
            "answers_flow": state.answers_flow,
            "queue": state.queue,
            "waiting_seconds": round(state.waiting_seconds, 1),
            "sentiment_trend": None if sentiment is None else round(sentiment.trend, 4),
            "sentiment_minimum": None if sentiment is None else round(sentiment.minimum, 4),
        },
        "customer": {
            "known": customer.known,
            "segment": customer.segment.value,
            "repeat_contacts": customer.repeat_contacts,
        },
    }
