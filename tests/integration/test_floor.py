"""Routing through the real pipeline and database: decisions, queues, assignment, handoff."""

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from cxops.connectors.clock import FixedClock
from cxops.demo.retail import generate
from cxops.domain.conversations import Channel, ConversationStatus, Outcome
from cxops.domain.customers import Customer, Segment
from cxops.domain.ids import AgentId, ConversationId, QueueId
from cxops.domain.workforce import Agent, AgentStatus, Skill
from cxops.floor import Floor, PolicyBook
from cxops.pipeline import NewConversation, NewMessage
from cxops.ports import UnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from cxops.webhooks.service import subscribe
from tests.wiring import build_pipeline

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."
WHERE = "where is my order W1000042"
POLITE_DAMAGED = (
    "Hi there, my new lamp arrived with a cracked shade. Could you help me please? Thanks!"
)


def make_agent(
    agent_id: str,
    skills: dict[str, int],
    *,
    status: AgentStatus = AgentStatus.OFFLINE,
    capacity: int = 2,
    languages: tuple[str, ...] = ("en",),
) -> Agent:
    return Agent(
        id=AgentId(agent_id),
        name=agent_id,
        email=f"{agent_id}@example.com",
        languages=languages,
        skills=tuple(Skill(name, level) for name, level in skills.items()),
        max_concurrent=capacity,
        status=status,
    )


class Desk:
    """A pipeline and floor over one database and one settable clock."""

    def __init__(self, uow: UnitOfWorkFactory, triage: TriageEngine) -> None:
        self.uow = uow
        self.clock = FixedClock(START)
        self.floor = Floor(uow_factory=uow, clock=self.clock, policies=PolicyBook())
        self.floor.ensure_policy()
        self.pipeline = build_pipeline(uow, self.clock, triage, floor=self.floor)

    def add_agents(self, *agents: Agent) -> None:
        with self.uow() as uow:
            uow.workforce.add_agents(agents)
            uow.commit()

    def add_customers(self, *customers: Customer) -> None:
        with self.uow() as uow:
            uow.customers.add_many(customers)
            uow.commit()

    def contact(self, text: str, *, customer: Customer | None = None) -> ConversationId:
        conversation = self.pipeline.start_conversation(
            NewConversation(
                channel=Channel.CHAT, customer_id=None if customer is None else customer.id
            )
        ).conversation
        self.pipeline.post_message(conversation.id, NewMessage(text=text))
        return conversation.id


@pytest.fixture
def desk(uow_factory: UnitOfWorkFactory, triage_engine: TriageEngine) -> Desk:
    return Desk(uow_factory, triage_engine)


@pytest.fixture(scope="module")
def people() -> tuple[Customer, Customer]:
    """A standard and a VIP customer, both English-speaking."""
    customers = generate(today=date(2026, 11, 1), customers=200, products=11, orders=0).customers
    standard = next(c for c in customers if c.segment is Segment.STANDARD)
    vip = next(c for c in customers if c.segment is Segment.VIP)
    return replace(standard, preferred_language="en"), replace(vip, preferred_language="en")


def test_that_a_routine_question_is_automated_and_recorded_with_the_policy_version(
    desk: Desk,
) -> None:
    conversation = desk.pipeline.start_conversation(NewConversation(channel=Channel.CHAT))
    posted = desk.pipeline.post_message(conversation.conversation.id, NewMessage(text=WHERE))
    assert posted.decision is not None
    assert posted.decision.outcome == "automate"
    assert posted.decision.policy_version == desk.floor.ensure_policy().version
    assert posted.decision.model_version.startswith("intent-")
    view = desk.pipeline.conversation(conversation.conversation.id)
    assert view.conversation.status is ConversationStatus.OPEN
    assert [d.id for d in view.decisions if d.kind == "routing"] == [posted.decision.id]


def test_that_a_contact_for_a_person_waits_in_its_queue_with_a_handoff_packet(desk: Desk) -> None:
    conversation_id = desk.contact(DAMAGED)
    view = desk.pipeline.conversation(conversation_id)
    assert view.conversation.status is ConversationStatus.QUEUED
    assert view.conversation.queue_id == "q_returns_refunds"
    (decision,) = view.decisions
    assert decision.outcome == "queue"
    assert decision.queue_id == "q_returns_refunds"
    packet = desk.floor.handoff(conversation_id).packet
    assert packet["queue"] == "q_returns_refunds"
    assert "damaged item" in str(packet["summary"])
    reasons = packet["escalation_reasons"]
    assert isinstance(reasons, list)
    assert "intent_not_automated" in [r["code"] for r in reasons]
    assert "Customer not identified" in str(packet["open_questions"])


def test_that_a_handoff_is_queued_for_subscribed_webhooks_in_the_same_transaction(
    desk: Desk,
) -> None:
    with desk.uow() as uow:
        subscribe(uow, url="http://127.0.0.1:9/hook", topics=["handoff.*"], at=START)
        uow.commit()
    conversation_id = desk.contact(DAMAGED)
    with desk.uow() as uow:
        (delivery,) = uow.webhooks.list_deliveries(limit=10)
    assert delivery.topic == "handoff.created"
    assert delivery.payload["conversation_id"] == conversation_id
    assert delivery.payload["packet"]["queue"] == "q_returns_refunds"


def test_that_a_free_agent_with_the_skill_is_assigned_at_once(desk: Desk) -> None:
    desk.add_agents(
        make_agent("agt_orders", {"order_support": 5}, status=AgentStatus.AVAILABLE),
        make_agent("agt_returns", {"returns_refunds": 4}, status=AgentStatus.AVAILABLE),
    )
    conversation_id = desk.contact(DAMAGED)
    view = desk.pipeline.conversation(conversation_id)
    assert view.conversation.status is ConversationStatus.ASSIGNED
    assert view.conversation.assigned_agent_id == "agt_returns"
    assert view.decisions[-1].outcome == "agent"
    assert desk.floor.handoff(conversation_id).agent_id == "agt_returns"


def test_that_an_agent_coming_online_takes_the_highest_priority_waiting_contacts(
    desk: Desk, people: tuple[Customer, Customer]
) -> None:
    standard, _ = people
    desk.add_customers(standard)
    desk.add_agents(make_agent("agt_r", {"returns_refunds": 3}, capacity=1))
    calm = desk.contact(POLITE_DAMAGED)
    desk.clock.advance(timedelta(seconds=5))
    angry = desk.contact(
        "THIRD TIME asking!!! the blender arrived broken and smoking, this is a disgrace",
        customer=standard,
    )
    view, assigned = desk.floor.set_agent_status(AgentId("agt_r"), status=AgentStatus.AVAILABLE)
    assert [c.id for c in assigned] == [angry]
    assert view.load.active == 1
    with desk.uow() as uow:
        waiting = uow.conversations.waiting_in([QueueId("q_returns_refunds")])
    assert [c.id for c in waiting] == [calm]
    assignment = desk.pipeline.conversation(angry).decisions[-1]
    assert (assignment.kind, assignment.agent_id) == ("assignment", "agt_r")


def test_that_closing_a_conversation_frees_the_agent_for_the_next_one(desk: Desk) -> None:
    desk.add_agents(make_agent("agt_r", {"returns_refunds": 3}, capacity=1))
    first = desk.contact(DAMAGED)
    second = desk.contact("my parcel came with a broken handle on the kettle")
    desk.floor.set_agent_status(AgentId("agt_r"), status=AgentStatus.AVAILABLE)
    desk.clock.advance(timedelta(minutes=4))
    closed = desk.floor.close(first, outcome=Outcome.RESOLVED)
    assert closed.status is ConversationStatus.CLOSED
    assert desk.pipeline.conversation(second).conversation.assigned_agent_id == "agt_r"


def test_that_a_repeat_contact_about_the_same_intent_goes_to_a_person(
    desk: Desk, people: tuple[Customer, Customer]
) -> None:
    standard, _ = people
    desk.add_customers(standard)
    desk.contact(WHERE, customer=standard)
    desk.clock.advance(timedelta(days=2))
    again = desk.contact(WHERE, customer=standard)
    decision = desk.pipeline.conversation(again).decisions[-1]
    assert decision.outcome == "queue"
    assert decision.reasons[0].code == "repeat_contact"


def test_that_vip_contacts_go_to_the_vip_queue(
    desk: Desk, people: tuple[Customer, Customer]
) -> None:
    _, vip = people
    desk.add_customers(vip)
    conversation_id = desk.contact(DAMAGED, customer=vip)
    assert desk.pipeline.conversation(conversation_id).conversation.queue_id == "q_vip"


def test_that_queue_figures_count_waiting_contacts_and_signed_in_capacity(desk: Desk) -> None:
    desk.add_agents(
        make_agent("agt_r", {"returns_refunds": 3}, status=AgentStatus.BUSY, capacity=3)
    )
    for _ in range(3):
        desk.contact(DAMAGED)
    desk.clock.advance(timedelta(seconds=90))
    view = next(v for v in desk.floor.queues() if v.queue.id == "q_returns_refunds")
    assert view.load.waiting == 3
    assert view.load.longest_wait_seconds == pytest.approx(90)
    assert view.load.servers == 3
    assert view.load.arrivals_per_hour == pytest.approx(3 * 60 / 15)
    assert view.forecast.breaching


def test_that_concurrent_pulls_never_assign_a_conversation_twice_or_overfill_an_agent(
    desk: Desk,
) -> None:
    agents = [
        make_agent(f"agt_{n}", {"returns_refunds": 3}, status=AgentStatus.AVAILABLE, capacity=2)
        for n in range(4)
    ]
    contacts = [desk.contact(DAMAGED) for _ in range(6)]
    desk.add_agents(*agents)
    barrier = threading.Barrier(len(agents) * 2)
    taken: list[ConversationId] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def pull(agent_id: AgentId) -> None:
        try:
            barrier.wait()
            got = desk.floor.take_next(agent_id)
            if got is not None:
                with lock:
                    taken.append(got.id)
        except BaseException as exc:  # reported below, on the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=pull, args=(agent.id,)) for agent in agents for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(taken) == len(set(taken)) == 6
    assert set(taken) == set(contacts)
    with desk.uow() as uow:
        per_agent = uow.conversations.active_per_agent()
    assert sum(per_agent.values()) == 6
    assert max(per_agent.values()) <= 2
