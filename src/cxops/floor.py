"""The contact-center floor: the routing policy in force, live queue and agent state, assignment.

This is shell, not engine: it reads snapshots through the unit of work, hands them to the pure
routing engine, and writes back what was decided. All state lives in the database, so any number
of API processes can share one floor: assignment is a conditional update under the agent's row
lock, which is what keeps two processes from giving one conversation to two people, or one agent
more conversations than their capacity.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from threading import Lock

import structlog

from cxops.domain.conversations import (
    Conversation,
    ConversationStatus,
    Message,
    Outcome,
)
from cxops.domain.decisions import Decision, Reason
from cxops.domain.errors import BusinessRuleError, InvalidInputError, NotFoundError
from cxops.domain.ids import (
    AgentId,
    ConversationId,
    DecisionId,
    HandoffId,
    MessageId,
    QueueId,
    new_id,
)
from cxops.domain.routing import (
    AgentLoad,
    ConversationState,
    CustomerContext,
    Handoff,
    QueueForecast,
    QueueLoad,
    RoutingDecision,
    RoutingOutcome,
    StoredPolicy,
)
from cxops.domain.triage import Triage
from cxops.domain.workforce import Agent, AgentStatus, Queue
from cxops.ports import Clock, UnitOfWork, UnitOfWorkFactory
from cxops.routing.capacity import forecast
from cxops.routing.engine import decide, hand_over, serving_order
from cxops.routing.handoff import RECENT_ORDERS, HandoffFacts, build_packet
from cxops.routing.policy import LoadedPolicy, Policy, default_policy, parse_policy, queues_of
from cxops.triage.sentiment import trajectory
from cxops.webhooks.service import publish

ROUTING = "routing"
ASSIGNMENT = "assignment"
TRANSFER = "transfer"
HOLD = "hold"
MAX_HOLD = timedelta(hours=4)
HANDOFF_TOPIC = "handoff.created"
ASSIGNED_TOPIC = "conversation.assigned"
# Fewer closed contacts than this and the queue's handle time is the policy's assumption.
MIN_MEASURED_CONTACTS = 5
SIGNED_IN = (AgentStatus.AVAILABLE, AgentStatus.BUSY)

log = structlog.get_logger("cxops.floor")


@dataclass(frozen=True, slots=True)
class QueueView:
    queue: Queue
    load: QueueLoad
    forecast: QueueForecast


@dataclass(frozen=True, slots=True)
class AgentView:
    agent: Agent
    load: AgentLoad


@dataclass(frozen=True, slots=True)
class Desk:
    """What one agent has in front of them: their status and load, the conversations they hold
    (longest held first), what waits in the queues they can serve (in serving order) and those
    queues' names."""

    agent: AgentView
    assigned: list[Conversation]
    waiting: list[Conversation]
    queues: dict[QueueId, str]


@dataclass(frozen=True, slots=True)
class BotContext:
    """Where the self-service bot stands: the flow it serves, its turns without progress,
    whether the message answers its last question, and what it learned (for the handoff)."""

    flow: str | None
    stalled: int
    answers: bool
    learned: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What routing reads, in the caller's transaction, before it decides."""

    now: datetime
    loaded: LoadedPolicy
    earlier: Sequence[Decision]
    triage: Mapping[MessageId, Triage]
    messages: Sequence[Message]
    state: ConversationState
    customer: CustomerContext
    agents: Sequence[AgentLoad]
    forecasts: Mapping[QueueId, QueueForecast]


class PolicyBook:
    """Parsed policies by version, so the YAML is validated once per process, not per message."""

    def __init__(self) -> None:
        self._parsed: dict[str, LoadedPolicy] = {}
        self._lock = Lock()

    def active(self, uow: UnitOfWork) -> LoadedPolicy:
        """The policy activated last; the shipped default until one is."""
        stored = uow.policies.active()
        if stored is None:
            return self._remember(default_policy())
        return self.parse(stored)

    def parse(self, stored: StoredPolicy) -> LoadedPolicy:
        with self._lock:
            found = self._parsed.get(stored.version)
        if found is not None:
            return found
        return self._remember(parse_policy(stored.text, source=f"policy {stored.version}"))

    def _remember(self, loaded: LoadedPolicy) -> LoadedPolicy:
        with self._lock:
            return self._parsed.setdefault(loaded.version_label, loaded)


def activate_policy(uow: UnitOfWork, loaded: LoadedPolicy, *, at: datetime) -> StoredPolicy:
    """Store the policy (once per version), make it the active one and bring the queues table
    in line with its queues. Runs in the caller's transaction."""
    uow.policies.add(
        StoredPolicy(
            version=loaded.version_label,
            name=loaded.policy.name,
            sha256=loaded.sha256,
            text=loaded.text,
            created_at=at,
        )
    )
    uow.policies.activate(loaded.version_label, at=at)
    uow.workforce.sync_queues(queues_of(loaded.policy))
    stored = uow.policies.get(loaded.version_label)
    assert stored is not None
    return stored


class Floor:
    """Queues, agents and assignment, over the database."""

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock, policies: PolicyBook):
        self._uow = uow_factory
        self._clock = clock
        self.policies = policies

    def ensure_policy(self) -> StoredPolicy:
        """Activate the shipped default on a database that has no active policy yet."""
        with self._uow() as uow:
            stored = uow.policies.active()
            if stored is None:
                stored = activate_policy(uow, default_policy(), at=self._clock.now())
                uow.commit()
            return stored

    def route(
        self,
        uow: UnitOfWork,
        *,
        conversation: Conversation,
        message_id: MessageId,
        triage: Triage,
        bot: BotContext | None = None,
    ) -> Decision:
        """Decide what happens to a stored customer message, act on it, and record why.

        Runs in the pipeline's transaction: the decision, the queue entry or assignment, the
        handoff packet and its webhook deliveries commit together with the message, or not at
        all. `bot` is where the self-service bot stands in the conversation, if it took part.
        """
        view = self._snapshot(uow, conversation, triage, bot)
        routed = decide(
            triage=triage,
            state=view.state,
            customer=view.customer,
            forecasts=view.forecasts,
            agents=view.agents,
            policy=view.loaded.policy,
        )
        return self._record(uow, conversation, message_id, triage, routed, view, bot)

    def hand_over(
        self,
        uow: UnitOfWork,
        *,
        conversation: Conversation,
        message_id: MessageId,
        triage: Triage,
        reasons: Sequence[Reason],
        bot: BotContext,
    ) -> Decision:
        """Hand a conversation the bot was serving to a person, for the bot's `reasons`.

        Runs in the caller's transaction, like `route`, and writes the same records: a routing
        decision, the queue entry or assignment, and the handoff packet with what the bot learned.
        """
        view = self._snapshot(uow, conversation, triage, bot)
        routed = hand_over(
            reasons=reasons,
            intent_name=bot.flow or triage.intent.name,
            triage=triage,
            state=view.state,
            customer=view.customer,
            forecasts=view.forecasts,
            agents=view.agents,
            policy=view.loaded.policy,
        )
        return self._record(uow, conversation, message_id, triage, routed, view, bot)

    def _snapshot(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        triage: Triage,
        bot: BotContext | None,
    ) -> _Snapshot:
        now = self._clock.now()
        loaded = self.policies.active(uow)
        earlier = uow.decisions.list_for_conversation(conversation.id)
        triage_so_far = uow.triage.for_conversation(conversation.id)
        messages = uow.messages.list_for_conversation(conversation.id)
        agents = self._agent_loads(uow)
        return _Snapshot(
            now=now,
            loaded=loaded,
            earlier=earlier,
            triage=triage_so_far,
            messages=messages,
            state=self._state(conversation, triage_so_far, earlier, bot, now=now),
            customer=self._customer(uow, conversation, triage, loaded.policy),
            agents=agents,
            forecasts={
                v.queue.id: v.forecast for v in self._queue_views(uow, loaded.policy, agents, now)
            },
        )

    def _record(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        message_id: MessageId,
        triage: Triage,
        routed: RoutingDecision,
        view: _Snapshot,
        bot: BotContext | None,
    ) -> Decision:
        now = view.now
        loaded = view.loaded
        state = view.state
        routed = self._apply(uow, conversation, routed, now=now)
        decision = Decision(
            id=DecisionId(new_id("dec")),
            conversation_id=conversation.id,
            message_id=message_id,
            kind=ROUTING,
            outcome=routed.outcome.value,
            reasons=routed.reasons,
            inputs=routed.inputs,
            policy_version=loaded.version_label,
            model_version=triage.model_versions.get("intent", ""),
            created_at=now,
            queue_id=routed.queue,
            priority=routed.priority,
            agent_id=routed.agent,
        )
        uow.decisions.add(decision)
        handed_over = routed.outcome in (RoutingOutcome.QUEUE, RoutingOutcome.AGENT)
        if handed_over and state.queue is None and state.assigned_agent is None:
            self._hand_off(
                uow,
                conversation=conversation,
                routed=routed,
                decision=decision,
                view=view,
                bot=None if bot is None else bot.learned,
            )
        log.info(
            "routing.decided",
            conversation_id=conversation.id,
            decision_id=decision.id,
            outcome=decision.outcome,
            queue=decision.queue_id,
            priority=decision.priority,
            reasons=[r.code for r in decision.reasons],
        )
        return decision

    def set_agent_status(
        self, agent_id: AgentId, *, status: AgentStatus, capacity: int | None = None
    ) -> tuple[AgentView, list[Conversation]]:
        """Change an agent's status (and capacity); an available agent with room is given the
        highest-priority waiting conversations of their queues at once."""
        if capacity is not None and not 1 <= capacity <= 50:
            raise InvalidInputError("capacity", "must be between 1 and 50")
        with self._uow() as uow:
            if uow.workforce.get_agent_for_update(agent_id) is None:
                raise NotFoundError("agent", agent_id)
            uow.workforce.set_agent_state(agent_id, status=status, max_concurrent=capacity)
            assigned = self._fill(uow, agent_id, limit=None)
            view = self._agent_view(uow, agent_id)
            uow.commit()
        log.info("floor.agent.status", agent_id=agent_id, status=status, assigned=len(assigned))
        return view, assigned

    def take_next(self, agent_id: AgentId) -> Conversation | None:
        """Give the agent the next waiting conversation they can serve, if they have room."""
        with self._uow() as uow:
            agent = uow.workforce.get_agent_for_update(agent_id)
            if agent is None:
                raise NotFoundError("agent", agent_id)
            if agent.status is not AgentStatus.AVAILABLE:
                raise BusinessRuleError(
                    "agent_not_available", f"agent {agent_id} is {agent.status.value}"
                )
            assigned = self._fill(uow, agent_id, limit=1)
            uow.commit()
        return assigned[0] if assigned else None

    def transfer(
        self, conversation_id: ConversationId, *, queue: QueueId, reason: str, by: str
    ) -> Conversation:
        """Move a conversation to another queue (a person's call: wrong skill, language,
        escalation); it waits there with its priority, recorded as a `transfer` decision, and an
        available agent of that queue gets it at once."""
        with self._uow() as uow:
            conversation = _open(uow, conversation_id)
            if queue not in {q.id for q in uow.workforce.list_queues()}:
                raise InvalidInputError("queue_id", f"{queue!r} is not a queue")
            now = self._clock.now()
            priority = conversation.priority or 0
            uow.conversations.transfer(conversation_id, queue=queue, priority=priority, at=now)
            uow.decisions.add(
                Decision(
                    id=DecisionId(new_id("dec")),
                    conversation_id=conversation_id,
                    kind=TRANSFER,
                    outcome=RoutingOutcome.QUEUE.value,
                    reasons=(Reason("transferred", reason.strip() or "Transferred by a person."),),
                    inputs={"from_queue": conversation.queue_id, "by": by},
                    policy_version=self.policies.active(uow).version_label,
                    model_version="",
                    created_at=now,
                    queue_id=queue,
                    priority=priority,
                    agent_id=conversation.assigned_agent_id,
                )
            )
            for load in self._agent_loads(uow):
                if load.id == conversation.assigned_agent_id:
                    continue
                uow.workforce.get_agent_for_update(load.id)
                if any(c.id == conversation_id for c in self._fill(uow, load.id, limit=None)):
                    break
            moved = uow.conversations.get(conversation_id)
            assert moved is not None
            uow.commit()
        log.info("conversation.transferred", conversation_id=conversation_id, queue=queue)
        return moved

    def record_hold(
        self, conversation_id: ConversationId, *, started_at: datetime, ended_at: datetime
    ) -> Decision:
        """Record that the customer was put on hold (a voice platform reports it when the hold
        ends), as a `hold` decision: QA's transfers-and-holds criterion reads these."""
        if started_at.tzinfo is None or ended_at.tzinfo is None:
            raise InvalidInputError("started_at", "times need a time zone")
        if not timedelta(0) < ended_at - started_at <= MAX_HOLD:
            raise InvalidInputError("ended_at", "must be after started_at, within 4 hours")
        with self._uow() as uow:
            conversation = uow.conversations.get(conversation_id)
            if conversation is None:
                raise NotFoundError("conversation", conversation_id)
            if ended_at > self._clock.now() + timedelta(minutes=1):
                raise InvalidInputError("ended_at", "is in the future")
            seconds = (ended_at - started_at).total_seconds()
            hold = Decision(
                id=DecisionId(new_id("dec")),
                conversation_id=conversation_id,
                kind=HOLD,
                outcome="hold",
                reasons=(Reason("on_hold", f"Customer on hold for {seconds:.0f} s."),),
                inputs={"started_at": started_at.isoformat(), "ended_at": ended_at.isoformat()},
                policy_version=self.policies.active(uow).version_label,
                model_version="",
                created_at=ended_at,
                queue_id=conversation.queue_id,
                agent_id=conversation.assigned_agent_id,
            )
            uow.decisions.add(hold)
            uow.commit()
        return hold

    def close(self, conversation_id: ConversationId, *, outcome: Outcome) -> Conversation:
        """Close a conversation; the agent who had it gets the next waiting one if available."""
        with self._uow() as uow:
            conversation = _open(uow, conversation_id)
            uow.conversations.close(conversation_id, outcome=outcome, at=self._clock.now())
            if conversation.assigned_agent_id is not None:
                agent = uow.workforce.get_agent_for_update(conversation.assigned_agent_id)
                if agent is not None and agent.status is AgentStatus.AVAILABLE:
                    self._fill(uow, agent.id, limit=None)
            closed = uow.conversations.get(conversation_id)
            assert closed is not None
            uow.commit()
        log.info("conversation.closed", conversation_id=conversation_id, outcome=outcome)
        return closed

    def queues(self) -> list[QueueView]:
        with self._uow() as uow:
            policy = self.policies.active(uow).policy
            return self._queue_views(uow, policy, self._agent_loads(uow), self._clock.now())

    def agents(self) -> list[AgentView]:
        with self._uow() as uow:
            loads = {load.id: load for load in self._agent_loads(uow)}
            return [AgentView(a, loads[a.id]) for a in uow.workforce.list_agents()]

    def agent(self, agent_id: AgentId) -> AgentView:
        with self._uow() as uow:
            return self._agent_view(uow, agent_id)

    def desk(self, agent_id: AgentId) -> Desk:
        """The agent's own view of the floor, read in one transaction."""
        with self._uow() as uow:
            agent = uow.workforce.get_agent(agent_id)
            if agent is None:
                raise NotFoundError("agent", agent_id)
            served = _served_by(uow, agent)
            waiting = serving_order(
                uow.conversations.waiting_in([q.id for q in served]),
                policy=self.policies.active(uow).policy,
                now=self._clock.now(),
            )
            return Desk(
                agent=self._agent_view(uow, agent_id),
                assigned=uow.conversations.assigned_to(agent_id),
                waiting=waiting,
                queues={q.id: q.name for q in served},
            )

    def handoff(self, conversation_id: ConversationId) -> Handoff:
        with self._uow() as uow:
            if uow.conversations.get(conversation_id) is None:
                raise NotFoundError("conversation", conversation_id)
            found = uow.handoffs.latest(conversation_id)
            if found is None:
                raise NotFoundError("handoff for conversation", conversation_id)
            return found

    def active_policy(self) -> StoredPolicy | None:
        with self._uow() as uow:
            return uow.policies.active()

    def policy_history(self) -> list[StoredPolicy]:
        with self._uow() as uow:
            return uow.policies.history()

    def decision(self, decision_id: DecisionId) -> tuple[Decision, StoredPolicy | None]:
        """A recorded decision and the policy text it was made under (None for decisions that
        predate stored policies)."""
        with self._uow() as uow:
            found = uow.decisions.get(decision_id)
            if found is None:
                raise NotFoundError("decision", decision_id)
            return found, uow.policies.get(found.policy_version)

    def _apply(
        self, uow: UnitOfWork, conversation: Conversation, routed: RoutingDecision, *, now: datetime
    ) -> RoutingDecision:
        """Carry the decision out; if the chosen agent was taken meanwhile, queue instead and
        say so, so the record shows what really happened."""
        if routed.outcome is RoutingOutcome.AGENT and conversation.assigned_agent_id is None:
            assert routed.agent is not None
            assert routed.queue is not None
            if self._assign(uow, conversation.id, routed.agent, routed.queue, now=now):
                return routed
            routed = replace(
                routed,
                outcome=RoutingOutcome.QUEUE,
                agent=None,
                reasons=(
                    *routed.reasons,
                    Reason(
                        "agent_taken",
                        f"Agent {routed.agent} filled up a moment earlier; queued instead.",
                    ),
                ),
            )
        if routed.outcome is RoutingOutcome.QUEUE:
            assert routed.queue is not None
            assert routed.priority is not None
            uow.conversations.enqueue(
                conversation.id, queue=routed.queue, priority=routed.priority, at=now
            )
        return routed

    def _assign(
        self,
        uow: UnitOfWork,
        conversation_id: ConversationId,
        agent_id: AgentId,
        queue: QueueId,
        *,
        now: datetime,
    ) -> bool:
        agent = uow.workforce.get_agent_for_update(agent_id)
        if agent is None or agent.status is not AgentStatus.AVAILABLE:
            return False
        if uow.conversations.active_per_agent().get(agent_id, 0) >= agent.max_concurrent:
            return False
        return uow.conversations.assign(conversation_id, agent=agent_id, queue=queue, at=now)

    def _fill(self, uow: UnitOfWork, agent_id: AgentId, *, limit: int | None) -> list[Conversation]:
        """Assign waiting conversations to the (locked, available) agent up to their capacity."""
        agent = uow.workforce.get_agent(agent_id)
        assert agent is not None
        if agent.status is not AgentStatus.AVAILABLE:
            return []
        queues = [q.id for q in _served_by(uow, agent)]
        room = agent.max_concurrent - uow.conversations.active_per_agent().get(agent_id, 0)
        if limit is not None:
            room = min(room, limit)
        assigned: list[Conversation] = []
        now = self._clock.now()
        loaded = self.policies.active(uow)
        candidates = serving_order(
            uow.conversations.waiting_in(queues), policy=loaded.policy, now=now
        )
        for waiting in candidates:
            if room <= 0:
                break
            assert waiting.queue_id is not None
            if not uow.conversations.assign(
                waiting.id, agent=agent_id, queue=waiting.queue_id, at=now
            ):
                continue
            waited = 0.0 if waiting.queued_at is None else (now - waiting.queued_at).total_seconds()
            uow.decisions.add(
                Decision(
                    id=DecisionId(new_id("dec")),
                    conversation_id=waiting.id,
                    kind=ASSIGNMENT,
                    outcome=RoutingOutcome.AGENT.value,
                    reasons=(
                        Reason(
                            "next_in_queue",
                            f"Highest-priority waiting contact ({waiting.priority}) in "
                            f"{waiting.queue_id}, waited {waited:.0f} s; agent {agent_id} "
                            "had room.",
                        ),
                    ),
                    inputs={"waited_seconds": round(waited, 1), "priority": waiting.priority},
                    policy_version=loaded.version_label,
                    model_version="",
                    created_at=now,
                    queue_id=waiting.queue_id,
                    priority=waiting.priority,
                    agent_id=agent_id,
                )
            )
            publish(
                uow,
                topic=ASSIGNED_TOPIC,
                payload={
                    "conversation_id": waiting.id,
                    "agent_id": agent_id,
                    "queue": waiting.queue_id,
                },
                at=now,
            )
            assigned.append(waiting)
            room -= 1
        return assigned

    def _hand_off(
        self,
        uow: UnitOfWork,
        *,
        conversation: Conversation,
        routed: RoutingDecision,
        decision: Decision,
        view: _Snapshot,
        bot: Mapping[str, object] | None,
    ) -> None:
        """Write the handoff packet and queue its webhook, from what `route` already read."""
        assert routed.queue is not None
        customer = (
            None
            if conversation.customer_id is None
            else uow.customers.get(conversation.customer_id)
        )
        orders = (
            []
            if conversation.customer_id is None
            else uow.orders.list_for_customer(conversation.customer_id, limit=RECENT_ORDERS)
        )
        packet = build_packet(
            HandoffFacts(
                conversation=conversation,
                messages=view.messages,
                triage=view.triage,
                earlier_decisions=view.earlier,
                decision=routed,
                sentiment=view.state.sentiment,
                customer=customer,
                orders=orders,
                repeat_contacts=view.customer.repeat_contacts,
                bot=bot,
            )
        )
        handoff = Handoff(
            id=HandoffId(new_id("hof")),
            conversation_id=conversation.id,
            decision_id=decision.id,
            queue_id=routed.queue,
            agent_id=routed.agent,
            packet=packet,
            created_at=view.now,
        )
        uow.handoffs.add(handoff)
        publish(
            uow,
            topic=HANDOFF_TOPIC,
            payload={
                "handoff_id": handoff.id,
                "conversation_id": conversation.id,
                "decision_id": decision.id,
                "packet": packet,
            },
            at=view.now,
        )

    @staticmethod
    def _state(
        conversation: Conversation,
        triage_so_far: Mapping[MessageId, Triage],
        earlier: Sequence[Decision],
        bot: BotContext | None,
        *,
        now: datetime,
    ) -> ConversationState:
        scores = [t.sentiment.score for t in triage_so_far.values()]
        return ConversationState(
            customer_turns=len(triage_so_far),
            bot_turns=0 if bot is None else bot.stalled,
            clarifications=sum(1 for d in earlier if d.outcome == RoutingOutcome.CLARIFY),
            sentiment=trajectory(scores) if scores else None,
            queue=conversation.queue_id
            if conversation.status in (ConversationStatus.QUEUED, ConversationStatus.ASSIGNED)
            else None,
            assigned_agent=conversation.assigned_agent_id,
            waiting_seconds=0.0
            if conversation.queued_at is None
            or conversation.status is not ConversationStatus.QUEUED
            else (now - conversation.queued_at).total_seconds(),
            flow=None if bot is None else bot.flow,
            answers_flow=bot is not None and bot.answers,
        )

    @staticmethod
    def _customer(
        uow: UnitOfWork, conversation: Conversation, triage: Triage, policy: Policy
    ) -> CustomerContext:
        if conversation.customer_id is None:
            return CustomerContext(known=False)
        customer = uow.customers.get(conversation.customer_id)
        if customer is None:
            return CustomerContext(known=False)
        repeats = 0
        if not triage.intent.out_of_scope:
            repeats = uow.triage.conversations_about(
                customer.id,
                intent=triage.intent.name,
                since=conversation.created_at
                - timedelta(days=policy.escalation.repeat_contact_days),
                excluding=conversation.id,
            )
        return CustomerContext(
            known=True,
            segment=customer.segment,
            preferred_language=customer.preferred_language,
            repeat_contacts=repeats,
        )

    @staticmethod
    def _agent_loads(uow: UnitOfWork) -> list[AgentLoad]:
        active = uow.conversations.active_per_agent()
        return [AgentLoad.of(a, active=active.get(a.id, 0)) for a in uow.workforce.list_agents()]

    def _agent_view(self, uow: UnitOfWork, agent_id: AgentId) -> AgentView:
        agent = uow.workforce.get_agent(agent_id)
        if agent is None:
            raise NotFoundError("agent", agent_id)
        load = next(load for load in self._agent_loads(uow) if load.id == agent_id)
        return AgentView(agent, load)

    @staticmethod
    def _queue_views(
        uow: UnitOfWork, policy: Policy, agents: Sequence[AgentLoad], now: datetime
    ) -> list[QueueView]:
        adaptation = policy.adaptation
        window = timedelta(minutes=adaptation.window_minutes)
        baseline = timedelta(hours=adaptation.baseline_hours)
        recent = uow.decisions.routed_per_queue(since=now - window)
        daily = uow.decisions.routed_per_queue(since=now - baseline)
        activity = {a.queue: a for a in uow.conversations.queue_activity(since=now - baseline)}
        stored = {q.id: q for q in uow.workforce.list_queues()}
        views = []
        for spec in policy.queues:
            queue_id = QueueId(spec.id)
            seen = activity.get(queue_id)
            handle = float(spec.handle_time_seconds)
            if seen is not None and seen.handled >= MIN_MEASURED_CONTACTS:
                handle = seen.handle_seconds_total / seen.handled
            load = QueueLoad(
                queue=queue_id,
                waiting=0 if seen is None else seen.waiting,
                longest_wait_seconds=0.0
                if seen is None or seen.oldest_queued_at is None
                else (now - seen.oldest_queued_at).total_seconds(),
                servers=sum(
                    a.capacity
                    for a in agents
                    if a.status in SIGNED_IN
                    and spec.skill in a.skills
                    and spec.language in a.languages
                ),
                arrivals_per_hour=recent.get(queue_id, 0) * 60.0 / adaptation.window_minutes,
                baseline_arrivals_per_hour=daily.get(queue_id, 0) / adaptation.baseline_hours,
                handle_time_seconds=handle,
            )
            queue = stored.get(queue_id) or queues_of(policy)[policy.queues.index(spec)]
            views.append(QueueView(queue, load, forecast(load, spec, adaptation)))
        return views


def _served_by(uow: UnitOfWork, agent: Agent) -> list[Queue]:
    """The queues whose skill and language the agent has."""
    skills = {s.name for s in agent.skills}
    return [
        q
        for q in uow.workforce.list_queues()
        if q.language in agent.languages and q.skill in skills
    ]


def _open(uow: UnitOfWork, conversation_id: ConversationId) -> Conversation:
    """The conversation, which must exist (else `NotFoundError`) and not be closed (else
    `BusinessRuleError` `conversation_closed`)."""
    conversation = uow.conversations.get(conversation_id)
    if conversation is None:
        raise NotFoundError("conversation", conversation_id)
    if conversation.status is ConversationStatus.CLOSED:
        raise BusinessRuleError("conversation_closed", f"conversation {conversation_id} is closed")
    return conversation
