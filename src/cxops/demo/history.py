"""Weeks of contact-center history, played through the real system so the demo has a past.

KPI, QA and drift views need history to show, and numbers written straight into tables would only
show what their writer assumed. Here simulated customers of the demo retailer talk to the same
pipeline, self-service bot, floor and agent assist that serve live traffic, on a clock the
simulation moves forward event by event: every triage, routing decision, bot action, handoff,
suggestion, feedback and close is what the system itself made of the conversation, stamped with
simulated time that never passes `now`.

What the simulation draws from its seed:

- arrivals over the center's day (agents 08:00-20:00 UTC, 09:00-18:00 at weekends; customers
  write a little before and after), busier on Mondays, quieter at weekends; mostly chat, then
  email, voice and SMS;
- customers of the demo retailer, about half signed in, the others verifying in the conversation
  with their email and order number or postcode; about one in seven writing in Spanish; messages
  written per intent with that customer's real order number, item and email, often casual, now and
  then misspelt;
- the customer's side of the dialogue: they answer what the bot asked (read from the step the bot
  recorded), confirm or decline, sometimes ask for a person, sometimes just leave;
- a roster of agents per day that covers every queue: they take the conversations the floor
  assigns, ask assist for drafts, accept, edit or ignore them (the feedback is recorded), reply,
  and close; customers in a queue with no one to serve them give up;
- a supervisor deciding the bot's actions that await approval three times a day;
- repeat contacts about the same order and intent within days, likelier when the first contact
  ended badly, so first-contact resolution and repeat rates mean something;
- a carrier delay in the last five days: more order-status and missing-parcel contacts, more of
  them angry, so the intent mix and sentiment drift against the weeks before.

`cxops.demo` sits below the shell and may not import the pipeline, the composition root or the
adapters, so the caller hands in a `ContactCenter` wired over the clock it gives it.
"""

import heapq
import itertools
import random
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from functools import partial
from typing import Protocol

from cxops.assist.service import Assistant
from cxops.demo import phrases
from cxops.demo.retail import GIFT_CARDS
from cxops.domain.assist import FeedbackAction, Suggestion
from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    MessageRole,
    Outcome,
)
from cxops.domain.customers import Customer
from cxops.domain.ids import AgentId, ConversationId, CustomerId, OrderId
from cxops.domain.orders import Order, OrderStatus
from cxops.domain.workforce import Agent, AgentStatus
from cxops.floor import Floor
from cxops.ports import Clock, UnitOfWorkFactory
from cxops.selfservice.service import SelfService
from cxops.selfservice.state import Dialogue, Step

__all__ = ["ContactCenter", "HistoryReport", "SteerableClock", "simulate_history"]

DELAY_DAYS = 5
"""The carrier delay covers the last this many days of the history."""

SUPERVISOR = "demo-supervisor"
"""Who decides the bot's actions awaiting approval, as recorded on them."""


class SteerableClock(Clock, Protocol):
    """A clock only the simulation moves (`cxops.connectors.clock.FixedClock` is one)."""

    def advance(self, delta: timedelta) -> None: ...


@dataclass(frozen=True, slots=True)
class ContactCenter:
    """The running system the simulation drives, every part built over `clock`.

    `open_conversation(channel, customer_id)` opens a conversation through the pipeline and
    returns its id; `post_message(conversation_id, text, role)` posts a message through the
    pipeline and returns the texts of the bot's replies; `close_conversation(conversation_id,
    outcome)` closes one (with `Floor.close`, or a pipeline close that also runs its close hook).
    """

    clock: SteerableClock
    uow: UnitOfWorkFactory
    floor: Floor
    assistant: Assistant
    selfservice: SelfService
    open_conversation: Callable[[Channel, CustomerId | None], ConversationId]
    post_message: Callable[[ConversationId, str, MessageRole], Sequence[str]]
    close_conversation: Callable[[ConversationId, Outcome], object]


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """What the simulation did.

    `messages` counts customer, bot and agent messages (the bot's notices of approval decisions
    included). `handovers` counts conversations handed to a person; `bot_resolved` those closed
    resolved without one; `agent_closed` those an agent closed; `abandoned` those the customer
    left unserved. `repeat_contacts` are conversations about something the customer had already
    been in touch about; `approvals_decided` bot actions a supervisor approved or rejected.
    `unfinished` conversations were still open at `now`.
    """

    conversations: int
    messages: int
    handovers: int
    bot_resolved: int
    agent_closed: int
    abandoned: int
    surveys: int
    repeat_contacts: int
    approvals_decided: int
    unfinished: int


def simulate_history(
    *,
    center: ContactCenter,
    now: datetime,
    days: int = 21,
    per_day: int = 30,
    seed: int = 7,
    after_close: Callable[[ConversationId], object] | None = None,
    survey: Callable[[ConversationId, int, str], object] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> HistoryReport:
    """Replay `days` calendar days of contacts (UTC; the last one is today, up to `now`), about
    `per_day` first contacts a day, through `center`; the same seed and data give the same counts.

    The demo retailer must be loaded, and `center.clock` must stand at or before 00:00 UTC of the
    first day; it ends at `now`. Every agent is signed out at the start and given back the status
    they had when the simulation ends. `after_close(conversation_id)` is called right after each
    close, by the bot, an agent or a timeout; `survey(conversation_id, score, comment)` records a
    customer's 1-5 satisfaction answer for about a third of closed conversations (the comment may
    be empty); `progress(arrived, planned)` follows each arrival, and `planned` grows when a repeat
    contact is scheduled. Raises `ValueError` for a naive `now`, a clock past the first day's
    start, sizes out of range, or a database without the demo retailer.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if days < 1 or per_day < 0:
        raise ValueError("days must be at least 1 and per_day not negative")
    end = now.astimezone(UTC)
    start = datetime.combine(end.date() - timedelta(days=days - 1), time(), tzinfo=UTC)
    if center.clock.now() > start:
        raise ValueError(f"the clock must stand at or before {start.isoformat()}")
    simulation = _Simulation(
        center=center,
        start=start,
        end=end,
        per_day=per_day,
        seed=seed,
        hooks=_Hooks(after_close=after_close, survey=survey, progress=progress),
    )
    return simulation.run()


# --- the retailer as the simulation picks from it -------------------------------------------


@dataclass(frozen=True, slots=True)
class _Need:
    """What a contact about one intent is usually about: an order placed between `ages` days
    before the contact (None: no order is named), preferably in one of `statuses` (empty: any);
    `weight` is its share of contacts, multiplied by `delayed` during the carrier delay;
    `durable`: the order must hold an item with a warranty."""

    weight: float
    ages: tuple[int, int] | None = None
    statuses: frozenset[OrderStatus] = frozenset()
    delayed: float = 1.0
    durable: bool = False


_S = OrderStatus
_NOT_SHIPPED = frozenset({_S.PENDING, _S.PROCESSING})
_NEEDS: Mapping[str, _Need] = {
    "order_status": _Need(17, (1, 12), frozenset({*_NOT_SHIPPED, _S.SHIPPED, _S.DELAYED}), 2.4),
    "missing_delivery": _Need(7, (3, 20), frozenset({_S.SHIPPED, _S.DELAYED, _S.LOST}), 3.0),
    "return_item": _Need(11, (6, 40), frozenset({_S.DELIVERED})),
    "exchange_item": _Need(3, (6, 30), frozenset({_S.DELIVERED})),
    "refund_status": _Need(7, (10, 60), frozenset({_S.RETURNED, _S.REFUNDED, _S.CANCELLED})),
    "cancel_order": _Need(6, (0, 3), _NOT_SHIPPED),
    "change_shipping_address": _Need(3, (0, 3), _NOT_SHIPPED),
    "invoice": _Need(2, (3, 120), frozenset({_S.DELIVERED})),
    "store_info": _Need(3),
    "delivery_options": _Need(3),
    "payment_methods": _Need(2),
    "damaged_item": _Need(4, (3, 25), frozenset({_S.DELIVERED})),
    "wrong_item": _Need(3, (3, 20), frozenset({_S.DELIVERED})),
    "warranty_claim": _Need(2, (40, 300), frozenset({_S.DELIVERED}), durable=True),
    "payment_issue": _Need(3, (0, 20)),
    "complaint": _Need(3, (2, 30), delayed=1.6),
    "human_agent": _Need(2),
    "product_question": _Need(3),
    "promotion_inquiry": _Need(2),
    "account_access": _Need(2),
    "loyalty_program": _Need(2),
    "change_order": _Need(1, (0, 2), _NOT_SHIPPED),
    "feedback": _Need(1),
}
_ANCHOR_EVERY = 100  # orders between two whose placement time is read up front
_TRIES = 6  # orders looked at for one contact before settling for the best seen
_SETTLED = timedelta(minutes=30)  # an order named in a contact changed at least this long before


class _Retailer:
    """Orders and customers of the demo retailer, read through the unit of work.

    Order ids grow with placement time, so a time window maps to a slice of the sorted ids; the
    placement time of every hundredth order, read up front, finds the slice. Orders read are
    cached until a conversation about them ends (the bot may have changed them).
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow
        with uow() as unit:
            self._ids = sorted(unit.orders.ids_starting_with(""))
        if not self._ids:
            raise ValueError("no orders: load the demo retailer first")
        self._orders: dict[OrderId, Order] = {}
        self._customers: dict[CustomerId, Customer] = {}
        every = range(0, len(self._ids), _ANCHOR_EVERY)
        self._anchors = [self._order(self._ids[n]).placed_at for n in every]

    def order_for(
        self, need: _Need, at: datetime, rng: random.Random, *, tries: int
    ) -> Order | None:
        """An order placed in the need's window and settled before `at`, in a preferred status
        if one turns up among `tries`; failing any, one from a window three times as long (a
        customer may well ask to cancel an order that has long shipped); None when neither holds
        a settled order."""
        assert need.ages is not None
        newest = at - timedelta(days=need.ages[0])
        fallback = None
        for days in (need.ages[1], need.ages[1] * 3 + 7):
            oldest = at - timedelta(days=days)
            low, high = self._slice(oldest, newest)
            for _ in range(tries):
                order = self._order(self._ids[rng.randrange(low, high)])
                settled = order.updated_at <= at - _SETTLED
                if not (oldest <= order.placed_at <= newest and settled):
                    continue
                if need.durable and not any(i.warranty_months for i in order.items):
                    continue
                if not need.statuses or order.status in need.statuses:
                    return order
                fallback = fallback or order
            if fallback is not None:
                return fallback
        return None

    def someone(self, at: datetime, rng: random.Random) -> Order:
        """An order of the last half year before `at`: its customer writes, its items are what
        they ask about."""
        low, high = self._slice(at - timedelta(days=180), at - timedelta(days=1))
        return self._order(self._ids[rng.randrange(low, high)])

    def customer(self, customer_id: CustomerId) -> Customer:
        found = self._customers.get(customer_id)
        if found is None:
            with self._uow() as unit:
                found = unit.customers.get(customer_id)
            assert found is not None, f"order of unknown customer {customer_id}"
            self._customers[customer_id] = found
        return found

    def forget(self, order: Order | None) -> None:
        if order is not None:
            self._orders.pop(order.id, None)

    def _slice(self, oldest: datetime, newest: datetime) -> tuple[int, int]:
        """Indexes of the ids that may hold orders placed in [oldest, newest]; never empty."""
        first = max(0, bisect_left(self._anchors, oldest) - 1) * _ANCHOR_EVERY
        last = min(len(self._ids), (bisect_left(self._anchors, newest) + 1) * _ANCHOR_EVERY)
        return min(first, last - 1), last

    def _order(self, order_id: OrderId) -> Order:
        found = self._orders.get(order_id)
        if found is None:
            with self._uow() as unit:
                found = unit.orders.get(order_id)
            assert found is not None, f"order {order_id} listed but not found"
            self._orders[order_id] = found
        return found


# --- one contact --------------------------------------------------------------------------------


_NOT_OPEN = ConversationId("")


class _Stage(Enum):
    BOT = "bot"  # the customer talks to the bot
    WAITING = "waiting"  # handed over, in a queue
    AGENT = "agent"  # an agent has it
    DONE = "done"


@dataclass(slots=True)
class _Contact:
    """One customer getting in touch: who, about what, in what mood, and how it is going.
    `mood` runs from 0 (calm) to 2 (angry)."""

    arrival: datetime
    intent: str
    language: str
    channel: Channel
    customer: Customer
    order: Order | None
    item: str
    item_name: str
    signed_in: bool
    mood: int
    delayed: bool
    greets_first: bool
    mistypes_email: bool
    second_request: str | None
    repeat_of: "_Contact | None" = None
    conversation_id: ConversationId = _NOT_OPEN
    stage: _Stage = _Stage.BOT
    turns: int = 0
    identity_tries: int = 0
    item_tries: int = 0
    rephrased: bool = False
    stated: bool = False
    asked_second: bool = False
    bot_resolved: bool = False
    known: bool = False
    queued_at: datetime | None = None
    assigned_at: datetime | None = None
    agent_id: AgentId | None = None
    agent_replies: int = 0
    drafts: tuple[Suggestion, ...] = ()

    @property
    def handed_over(self) -> bool:
        return self.queued_at is not None

    @property
    def repeats(self) -> int:
        """Earlier contacts about the same thing."""
        return 0 if self.repeat_of is None else 1 + self.repeat_of.repeats


@dataclass(frozen=True, slots=True)
class _Hooks:
    after_close: Callable[[ConversationId], object] | None
    survey: Callable[[ConversationId, int, str], object] | None
    progress: Callable[[int, int], None] | None


@dataclass(slots=True)
class _Tally:
    conversations: int = 0
    messages: int = 0
    handovers: int = 0
    bot_resolved: int = 0
    agent_closed: int = 0
    abandoned: int = 0
    surveys: int = 0
    repeat_contacts: int = 0
    approvals_decided: int = 0
    planned: int = 0
    finished: int = 0


# --- the shape of traffic ------------------------------------------------------------------------

_WEEKDAY_VOLUME = (1.2, 1.08, 1.0, 1.0, 0.95, 0.8, 0.7)  # Monday first
_DELAY_VOLUME = 1.25
_HOURS = (0, 0, 0, 0, 0, 0, 0.3, 1.5, 4, 7, 9, 9, 7, 8, 9, 9, 8, 7, 6, 5, 3, 2, 1, 0.4)
_EMAIL_HOURS = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 5, 5, 5, 4, 5, 5, 5, 4, 4, 4, 4, 3, 3, 2, 1.5)
_CHANNELS = {Channel.CHAT: 62, Channel.EMAIL: 18, Channel.VOICE: 12, Channel.SMS: 8}
_SIGNED_IN = {Channel.CHAT: 0.45, Channel.EMAIL: 0.7, Channel.VOICE: 0.5, Channel.SMS: 0.4}
_SHIFTS = {False: (8, 20), True: (9, 18)}  # weekend? -> (first hour, last hour) of agents
_APPROVAL_ROUNDS = (11, 15, 19)  # hours a supervisor goes through the approval queue

_MINUTE = 60.0
_HOUR = 3600.0
# Seconds, by channel: a customer thinking before a reply; how long they wait in a queue before
# giving up; how long a conversation with a silent customer stays open; an agent opening an
# assigned conversation, writing a reply, and wrapping up before closing.
_THINK = {
    Channel.CHAT: (15, 80),
    Channel.VOICE: (4, 15),
    Channel.SMS: (60, 600),
    Channel.EMAIL: (1800, 8 * _HOUR),
}
_PATIENCE = {
    Channel.CHAT: (3 * _MINUTE, 14 * _MINUTE),
    Channel.VOICE: (2 * _MINUTE, 8 * _MINUTE),
    Channel.SMS: (40 * _MINUTE, 3 * _HOUR),
}
_IDLE = {Channel.CHAT: 10 * _MINUTE, Channel.VOICE: 40, Channel.SMS: 3 * _HOUR}
_EMAIL_IDLE = 36 * _HOUR
_PICKUP = {
    Channel.CHAT: (20, 110),
    Channel.VOICE: (10, 60),
    Channel.SMS: (60, 600),
    Channel.EMAIL: (10 * _MINUTE, 90 * _MINUTE),
}
_WRITE = {
    Channel.CHAT: (20, 90),
    Channel.VOICE: (10, 40),
    Channel.SMS: (40, 240),
    Channel.EMAIL: (3 * _MINUTE, 12 * _MINUTE),
}
_WRAP = (40, 200)
_MAX_TURNS = 9
_LEAVE_MIDWAY = {Channel.CHAT: 0.04, Channel.VOICE: 0.01, Channel.SMS: 0.06, Channel.EMAIL: 0.1}
_LEAVE_SILENTLY = {Channel.CHAT: 0.25, Channel.VOICE: 0.0, Channel.SMS: 0.4, Channel.EMAIL: 0.75}
_ANSWERS_AGENT = {Channel.CHAT: 0.55, Channel.VOICE: 0.6, Channel.SMS: 0.4, Channel.EMAIL: 0.1}
_SECOND_REQUESTS = {
    "return_item": "refund_status",
    "exchange_item": "refund_status",
    "cancel_order": "refund_status",
    "order_status": "invoice",
}
_IN_TRANSIT = frozenset({OrderStatus.SHIPPED, OrderStatus.DELAYED, OrderStatus.LOST})
# Questions before or besides buying: nobody is upset yet.
_QUESTIONS = frozenset(
    {
        "store_info",
        "delivery_options",
        "payment_methods",
        "product_question",
        "promotion_inquiry",
        "loyalty_program",
        "feedback",
    }
)
# What those who first just ask for a person turn out to need.
_PERSON_ISSUES = (
    "payment_issue",
    "damaged_item",
    "missing_delivery",
    "refund_status",
    "complaint",
    "warranty_claim",
)
_ARRIVED = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED})
_HARD_CASES = frozenset({"warranty_claim", "payment_issue", "complaint"})


class _Simulation:
    """A discrete-event simulation: a heap of (time, sequence, action) run in time order, the
    clock moved to each action's time before it runs, so time only moves forward."""

    def __init__(
        self,
        *,
        center: ContactCenter,
        start: datetime,
        end: datetime,
        per_day: int,
        seed: int,
        hooks: _Hooks,
    ) -> None:
        self._center = center
        self._start = start
        self._end = end
        self._delay_from = end - timedelta(days=DELAY_DAYS)
        self._per_day = per_day
        self._hooks = hooks
        # Separate streams, so a change in how people behave leaves the arrivals where they were.
        self._plan_rng = random.Random(f"cxops-history:{seed}:arrivals")
        self._rng = random.Random(f"cxops-history:{seed}:people")
        self._say = _Voice(self._rng)
        self._events: list[tuple[datetime, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        self._tally = _Tally()
        self._waiting: list[_Contact] = []
        self._roster: list[Agent] = []
        self._retailer = _Retailer(center.uow)
        with center.uow() as unit:
            self._agents = unit.workforce.list_agents()
            self._needs = sorted({(q.skill, q.language) for q in unit.workforce.list_queues()})

    def run(self) -> HistoryReport:
        """Sign everyone out, play every event up to `end`, give the agents their status back."""
        center = self._center
        self._move_to(self._start)
        center.floor.ensure_policy()
        for agent in self._agents:
            center.floor.set_agent_status(agent.id, status=AgentStatus.OFFLINE)
        self._plan()
        while self._events and self._events[0][0] <= self._end:
            at, _, action = heapq.heappop(self._events)
            self._move_to(at)
            action()
        self._move_to(self._end)
        for agent in self._agents:
            center.floor.set_agent_status(agent.id, status=agent.status)
        t = self._tally
        return HistoryReport(
            conversations=t.conversations,
            messages=t.messages,
            handovers=t.handovers,
            bot_resolved=t.bot_resolved,
            agent_closed=t.agent_closed,
            abandoned=t.abandoned,
            surveys=t.surveys,
            repeat_contacts=t.repeat_contacts,
            approvals_decided=t.approvals_decided,
            unfinished=t.conversations - t.finished,
        )

    # -- scheduling -------------------------------------------------------------------------------

    def _at(self, when: datetime, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (when, next(self._sequence), action))

    def _after(self, seconds: float, action: Callable[[], None]) -> None:
        self._at(self._now() + timedelta(seconds=round(seconds)), action)

    def _now(self) -> datetime:
        return self._center.clock.now()

    def _move_to(self, at: datetime) -> None:
        now = self._now()
        if at > now:
            self._center.clock.advance(at - now)

    def _plan(self) -> None:
        """Every first contact, shift and approval round of every day, up to `end`."""
        rng = self._plan_rng
        channels, channel_weights = list(_CHANNELS), list(_CHANNELS.values())
        mean_volume = sum(_WEEKDAY_VOLUME) / len(_WEEKDAY_VOLUME)
        day = self._start
        while day <= self._end:
            weekend = day.weekday() >= 5
            volume = _WEEKDAY_VOLUME[day.weekday()] / mean_volume
            if day + timedelta(days=1) > self._delay_from:
                volume *= _DELAY_VOLUME
            count = round(self._per_day * volume * rng.uniform(0.85, 1.15))
            for _ in range(count):
                channel = rng.choices(channels, weights=channel_weights)[0]
                hours = _EMAIL_HOURS if channel is Channel.EMAIL else _HOURS
                hour = rng.choices(range(24), weights=hours)[0]
                at = day + timedelta(hours=hour, seconds=rng.randrange(3600))
                if at <= self._end:
                    self._tally.planned += 1
                    self._at(at, partial(self._arrive, channel, None))
            first, last = _SHIFTS[weekend]
            self._at(day + timedelta(hours=first), partial(self._sign_in, weekend))
            self._at(day + timedelta(hours=last), self._sign_out)
            for hour in _APPROVAL_ROUNDS:
                self._at(day + timedelta(hours=hour), self._review_approvals)
            day += timedelta(days=1)

    # -- customers ------------------------------------------------------------------------------

    def _arrive(self, channel: Channel, earlier: _Contact | None) -> None:
        contact = self._new_contact(channel) if earlier is None else self._again(channel, earlier)
        contact.conversation_id = self._center.open_conversation(
            channel, contact.customer.id if contact.signed_in else None
        )
        self._tally.conversations += 1
        contact.known = contact.signed_in
        if self._hooks.progress is not None:
            self._hooks.progress(self._tally.conversations, self._tally.planned)
        first = self._say.greeting(contact) if contact.greets_first else self._say.opener(contact)
        contact.stated = not contact.greets_first
        self._customer_says(contact, first)

    def _new_contact(self, channel: Channel) -> _Contact:
        rng = self._rng
        at = self._now()
        delayed = at >= self._delay_from
        intents = list(_NEEDS)
        weights = [n.weight * (n.delayed if delayed else 1.0) for n in _NEEDS.values()]
        intent = rng.choices(intents, weights=weights)[0]
        need = _NEEDS[intent]
        sample = self._retailer.someone(at, rng)
        follow_on, issue = rng.random(), rng.choice(_PERSON_ISSUES)
        second_request = _SECOND_REQUESTS.get(intent) if follow_on < 0.12 else None
        if intent == "human_agent":
            second_request = issue
        tries = _TRIES * 2 if delayed else _TRIES
        order = None if need.ages is None else self._retailer.order_for(need, at, rng, tries=tries)
        customer = self._retailer.customer((order or sample).customer_id)
        product = _product(order or sample, intent, rng)
        spanish = customer.preferred_language == "es"
        if intent in _QUESTIONS:
            angry_odds = (1, 0, 0)
        elif delayed and need.delayed > 1:
            angry_odds = (35, 40, 25)
        else:
            angry_odds = (76, 18, 6)
        return _Contact(
            arrival=at,
            intent=intent,
            language="es" if rng.random() < (0.85 if spanish else 0.02) else "en",
            channel=channel,
            customer=customer,
            order=order,
            item=_spoken(product),
            item_name=product,
            signed_in=rng.random() < _SIGNED_IN[channel],
            mood=rng.choices((0, 1, 2), weights=angry_odds)[0],
            delayed=delayed,
            greets_first=channel is Channel.CHAT and rng.random() < 0.08,
            mistypes_email=rng.random() < 0.05,
            second_request=second_request,
        )

    def _again(self, channel: Channel, earlier: _Contact) -> _Contact:
        """The same customer about the same thing, a little less patient."""
        self._tally.repeat_contacts += 1
        return _Contact(
            arrival=self._now(),
            intent=earlier.intent,
            language=earlier.language,
            channel=channel,
            customer=earlier.customer,
            order=earlier.order,
            item=earlier.item,
            item_name=earlier.item_name,
            signed_in=self._rng.random() < 0.6,
            mood=min(2, earlier.mood + 1),
            delayed=self._now() >= self._delay_from,
            greets_first=False,
            mistypes_email=False,
            second_request=earlier.second_request,
            repeat_of=earlier,
        )

    def _customer_says(self, contact: _Contact, text: str) -> None:
        contact.turns += 1
        self._post(contact, text, MessageRole.CUSTOMER)
        conversation, dialogue = self._look(contact)
        if dialogue is not None:
            contact.bot_resolved = bool(dialogue.resolved)
            contact.known = contact.known or dialogue.customer_id is not None
        status = conversation.status
        if status is ConversationStatus.CLOSED:
            assert conversation.outcome is not None
            self._finish(contact, conversation.outcome, by_agent=False)
        elif status is ConversationStatus.ASSIGNED:
            if contact.stage is _Stage.AGENT:
                self._after(self._agent_delay(contact, _WRITE), lambda: self._agent_reads(contact))
            else:
                self._assigned(contact, conversation)
        elif status is ConversationStatus.QUEUED:
            if contact.stage is _Stage.BOT:
                self._queued(contact, conversation)
        else:
            self._answer_bot(contact, Step.NONE if dialogue is None else dialogue.step)

    def _answer_bot(self, contact: _Contact, step: Step) -> None:
        """Say what the bot's last question calls for, after a while, or leave."""
        rng, say = self._rng, self._say
        leaving = rng.random() < _LEAVE_MIDWAY[contact.channel]
        if contact.turns >= _MAX_TURNS or (step is not Step.ANYTHING_ELSE and leaving):
            self._leave(contact, served=False)
            return
        text: str | None
        if step is Step.ANYTHING_ELSE:
            if contact.second_request is not None and not contact.asked_second:
                contact.asked_second = True
                text = say.plain(contact.second_request, contact)
            elif rng.random() < _LEAVE_SILENTLY[contact.channel]:
                text = None
            else:
                text = say.done(contact)
        elif step is Step.IDENTITY:
            contact.identity_tries += 1
            wrong = contact.mistypes_email and contact.identity_tries == 1
            text = None if contact.identity_tries > 3 else say.identity(contact, mistyped=wrong)
        elif step is Step.ORDER:
            text = say.which_order(contact)
        elif step is Step.ITEMS:
            contact.item_tries += 1
            last_try = contact.item_tries == 2
            text = None if contact.item_tries > 2 else say.items(contact, all_of_them=last_try)
        elif step is Step.ADDRESS:
            text = say.address(contact)
        elif step is Step.CONFIRM:
            text = say.confirm(contact)
        elif step is Step.OFFER_PERSON:
            text = say.take_person(contact)
        elif not contact.stated:
            contact.stated = True
            text = say.opener(contact)
        elif not contact.rephrased:
            contact.rephrased = True
            text = say.plain(contact.intent, contact)
        else:
            text = None
        if text is None:
            self._leave(contact, served=step is Step.ANYTHING_ELSE)
            return
        said = text
        self._after(
            rng.uniform(*_THINK[contact.channel]), lambda: self._customer_says(contact, said)
        )

    def _leave(self, contact: _Contact, *, served: bool) -> None:
        """The customer stops answering; the channel closes the conversation when it times out:
        resolved if the bot had served a request, unresolved if the customer left with an answer
        but not what they came for, abandoned if they left in the middle of it."""
        if not served:
            outcome = Outcome.ABANDONED
        else:
            outcome = Outcome.RESOLVED if contact.bot_resolved else Outcome.UNRESOLVED
        idle = _EMAIL_IDLE if contact.channel is Channel.EMAIL else _IDLE[contact.channel]
        self._after(idle, lambda: self._time_out(contact, outcome))

    def _time_out(self, contact: _Contact, outcome: Outcome) -> None:
        self._center.close_conversation(contact.conversation_id, outcome)
        self._finish(contact, outcome, by_agent=False)

    # -- queues and agents ----------------------------------------------------------------------

    def _queued(self, contact: _Contact, conversation: Conversation) -> None:
        contact.stage = _Stage.WAITING
        self._handed_over(contact, conversation)
        self._waiting.append(contact)
        if contact.channel is Channel.EMAIL:
            return  # an email waits for the next shift
        patience = self._rng.uniform(*_PATIENCE[contact.channel])
        if contact.channel is Channel.CHAT and self._rng.random() < 0.35:
            nudge = self._say.nudge(contact)
            self._after(patience * 0.4, lambda: self._nudge(contact, nudge))
        self._after(patience, lambda: self._give_up(contact))

    def _handed_over(self, contact: _Contact, conversation: Conversation) -> None:
        if not contact.handed_over:
            self._tally.handovers += 1
            contact.queued_at = conversation.queued_at or self._now()

    def _nudge(self, contact: _Contact, text: str) -> None:
        """A customer in a queue asks whether anyone is there; routing may find them an agent."""
        if contact.stage is _Stage.WAITING:
            contact.turns += 1
            self._post(contact, text, MessageRole.CUSTOMER)
            self._check_queues()

    def _give_up(self, contact: _Contact) -> None:
        self._check_queues()
        if contact.stage is not _Stage.WAITING:
            return
        self._waiting.remove(contact)
        self._center.close_conversation(contact.conversation_id, Outcome.ABANDONED)
        self._finish(contact, Outcome.ABANDONED, by_agent=False)

    def _assigned(self, contact: _Contact, conversation: Conversation) -> None:
        self._handed_over(contact, conversation)
        contact.stage = _Stage.AGENT
        contact.agent_id = conversation.assigned_agent_id
        contact.assigned_at = conversation.assigned_at or self._now()
        self._after(self._agent_delay(contact, _PICKUP), lambda: self._agent_reads(contact))

    def _check_queues(self) -> None:
        """Notice the waiting conversations the floor has just assigned."""
        for contact in list(self._waiting):
            conversation, _ = self._look(contact)
            if conversation.status is ConversationStatus.ASSIGNED:
                self._waiting.remove(contact)
                self._assigned(contact, conversation)

    def _agent_delay(
        self, contact: _Contact, table: Mapping[Channel, tuple[float, float]]
    ) -> float:
        """Seconds an agent takes (`_PICKUP`: to open an assigned conversation; `_WRITE`: to
        write a reply): quick on live channels, longer by email."""
        return self._rng.uniform(*table[contact.channel])

    def _agent_reads(self, contact: _Contact) -> None:
        """Open the conversation and ask assist for drafts, unless the customer is only signing
        off: nobody needs a suggestion to say goodbye."""
        signing_off = contact.agent_replies >= 2
        assistance = None if signing_off else self._center.assistant.assist(contact.conversation_id)
        contact.drafts = () if assistance is None else assistance.suggestions
        self._after(self._agent_delay(contact, _WRITE), lambda: self._agent_replies(contact))

    def _agent_replies(self, contact: _Contact) -> None:
        """Send the top draft as it is, edited, or (ignoring it, with a reason) an own reply.

        The agent knows what the customer wants: a draft about that (assist read the same
        intent) is mostly sent or touched up, one about something else mostly ignored. Every
        random draw is made whatever the drafts are, so a draft dropped to keep assist within its
        latency budget changes no count of the run."""
        rng, say = self._rng, self._say
        choice, second, edit, note = rng.random(), rng.random(), rng.random(), rng.random()
        own = say.agent_reply(contact, note)
        agent = contact.agent_id
        assert agent is not None
        drafts = contact.drafts
        fits = bool(drafts) and drafts[0].intent == contact.intent
        accept, touch_up = (0.6, 0.9) if fits else (0.12, 0.35)
        if drafts and choice < accept:
            chosen = drafts[1] if len(drafts) > 1 and second < 0.12 else drafts[0]
            self._feedback(chosen, FeedbackAction.ACCEPTED, chosen.text, "", agent)
            text = chosen.text
        elif drafts and choice < touch_up:
            text = say.edited(drafts[0].text, contact, edit)
            self._feedback(drafts[0], FeedbackAction.EDITED, text, "", agent)
        else:
            if drafts:
                reason = say.ignore_reason(fits, note)
                self._feedback(drafts[0], FeedbackAction.IGNORED, None, reason, agent)
            text = own
        contact.agent_replies += 1
        self._post(contact, text, MessageRole.AGENT)
        answers = _ANSWERS_AGENT[contact.channel] / contact.agent_replies
        if contact.intent == "human_agent" and contact.agent_replies == 1:
            answers = 1.0  # they asked for a person; now they say what about
        if contact.agent_replies < 3 and rng.random() < answers:
            follow_up = say.to_agent(contact)
            think = rng.uniform(*_THINK[contact.channel]) * 1.5
            self._after(think, lambda: self._customer_says(contact, follow_up))
        else:
            self._after(rng.uniform(*_WRAP), lambda: self._agent_closes(contact))

    def _feedback(
        self,
        suggestion: Suggestion,
        action: FeedbackAction,
        text: str | None,
        reason: str,
        agent: AgentId,
    ) -> None:
        self._center.assistant.feedback(
            suggestion.id, action=action, final_text=text, reason=reason, given_by=agent
        )

    def _agent_closes(self, contact: _Contact) -> None:
        unresolved = 0.25 if contact.intent in _HARD_CASES else 0.07
        unresolved += 0.1 * contact.mood
        outcome = Outcome.UNRESOLVED if self._rng.random() < unresolved else Outcome.RESOLVED
        self._center.close_conversation(contact.conversation_id, outcome)
        self._finish(contact, outcome, by_agent=True)
        self._check_queues()

    def _sign_in(self, weekend: bool) -> None:
        """Sign in today's roster: agents at random until every queue's skill and language is
        covered, and enough of them for the day's traffic."""
        rng = self._rng
        candidates = list(self._agents)
        rng.shuffle(candidates)
        wanted = max(2, round(self._per_day * (0.6 if weekend else 1.0) / 5))
        uncovered = set(self._needs)
        roster: list[Agent] = []
        for agent in candidates:
            covers = {n for n in uncovered if _serves(agent, n)}
            if covers or len(roster) < wanted:
                roster.append(agent)
                uncovered -= covers
        self._roster = roster
        for agent in roster:
            self._center.floor.set_agent_status(agent.id, status=AgentStatus.AVAILABLE)
        self._check_queues()

    def _sign_out(self) -> None:
        """The roster goes home: conversations they hold are finished, no new ones come."""
        for agent in self._roster:
            self._center.floor.set_agent_status(agent.id, status=AgentStatus.OFFLINE)

    def _review_approvals(self) -> None:
        """A supervisor decides every bot action waiting for approval, approving most; the bot
        tells the customer if their conversation is still open."""
        selfservice = self._center.selfservice
        for action in selfservice.approvals():
            with self._center.uow() as unit:
                conversation = unit.conversations.get(action.conversation_id)
            approve = self._rng.random() < 0.85
            selfservice.decide(
                action.id, approve=approve, by=SUPERVISOR, note=self._say.approval_note(approve)
            )
            self._tally.approvals_decided += 1
            if conversation is not None and conversation.status is not ConversationStatus.CLOSED:
                self._tally.messages += 1

    # -- endings --------------------------------------------------------------------------------

    def _finish(self, contact: _Contact, outcome: Outcome, *, by_agent: bool) -> None:
        t = self._tally
        contact.stage = _Stage.DONE
        t.finished += 1
        self._retailer.forget(contact.order)
        if by_agent:
            t.agent_closed += 1
        elif outcome is Outcome.RESOLVED and not contact.handed_over:
            t.bot_resolved += 1
        if outcome is Outcome.ABANDONED:
            t.abandoned += 1
        if self._hooks.after_close is not None:
            self._hooks.after_close(contact.conversation_id)
        self._survey(contact, outcome)
        self._maybe_again(contact, outcome)

    def _survey(self, contact: _Contact, outcome: Outcome) -> None:
        """About a third answer the survey; the score follows what happened to them."""
        rng = self._rng
        answers = {Outcome.ABANDONED: 0.15, Outcome.UNRESOLVED: 0.45}.get(outcome, 0.4)
        responds = rng.random() < answers
        score = _score(contact, outcome, self._now(), rng.gauss(0.0, 0.6))
        comment = self._say.comment(contact, outcome, score, self._waited_long(contact))
        if responds and self._hooks.survey is not None:
            self._hooks.survey(contact.conversation_id, score, comment)
            self._tally.surveys += 1

    def _waited_long(self, contact: _Contact) -> bool:
        return _waited(contact, self._now()) > 1.0

    def _maybe_again(self, contact: _Contact, outcome: Outcome) -> None:
        """Some customers come back about the same thing within days: likelier when nothing was
        solved, or a parcel is still on its way, and more so during the carrier delay."""
        rng = self._rng
        odds = 0.05
        if outcome in (Outcome.UNRESOLVED, Outcome.ABANDONED):
            odds += 0.3
        order = contact.order
        on_its_way = order is not None and order.status not in _ARRIVED
        if contact.intent in ("order_status", "missing_delivery") and on_its_way:
            odds += 0.2 if contact.delayed else 0.1
        draw, later, channel = rng.random(), rng.uniform(0.4, 3.0), rng.random()
        if contact.repeats >= 2 or draw >= odds:
            return
        when = _business_hours(self._now() + timedelta(days=later))
        if when > self._end:
            return
        medium = Channel.CHAT if channel < 0.6 else contact.channel
        self._tally.planned += 1
        self._at(when, lambda: self._arrive(medium, contact))

    # -- plumbing -------------------------------------------------------------------------------

    def _post(self, contact: _Contact, text: str, role: MessageRole) -> None:
        replies = self._center.post_message(contact.conversation_id, text, role)
        self._tally.messages += 1 + len(replies)

    def _look(self, contact: _Contact) -> tuple[Conversation, Dialogue | None]:
        with self._center.uow() as unit:
            conversation = unit.conversations.get(contact.conversation_id)
            stored = unit.dialogues.get(contact.conversation_id)
        assert conversation is not None
        return conversation, None if stored is None else Dialogue.from_json(stored[0])


def _serves(agent: Agent, need: tuple[str, str]) -> bool:
    skill, language = need
    return language in agent.languages and any(s.name == skill for s in agent.skills)


def _waited(contact: _Contact, now: datetime) -> float:
    """How long the customer waited for a person, in units of what they call a long wait on
    their channel (a few minutes in a chat, hours by email)."""
    if contact.queued_at is None:
        return 0.0
    waited = ((contact.assigned_at or now) - contact.queued_at).total_seconds()
    long_wait = {Channel.EMAIL: 4 * _HOUR, Channel.SMS: 30 * _MINUTE}.get(contact.channel, 360)
    return waited / long_wait


def _score(contact: _Contact, outcome: Outcome, now: datetime, noise: float) -> int:
    """A 1-5 satisfaction score: quick bot answers please, waiting, repeating oneself, anger and
    problems left unsolved do not."""
    score = 4.4
    if contact.handed_over:
        score -= 0.25 + min(2.2, _waited(contact, now))
    elif outcome is Outcome.RESOLVED and contact.turns <= 3:
        score += 0.4
    if outcome is Outcome.UNRESOLVED:
        score -= 1.7
    elif outcome is Outcome.ABANDONED:
        score -= 2.3
    score -= 0.7 * contact.mood + 0.5 * min(contact.repeats, 2)
    return min(5, max(1, round(score + noise)))


def _business_hours(at: datetime) -> datetime:
    """The same moment if the center is open then, else the next morning at 09:00 or later."""
    if 8 <= at.hour < 20:
        return at
    morning = datetime.combine(at.date(), time(9), tzinfo=UTC)
    if at.hour >= 20:
        morning += timedelta(days=1)
    return morning + timedelta(minutes=at.minute * 3)


def _product(order: Order, intent: str, rng: random.Random) -> str:
    """The name of the item the contact is about, as the shop writes it without the variant
    ("Alpine Tent, Olive / M" -> "Alpine Tent"): one with a warranty for a warranty claim, and
    never a gift card, which nobody asks delivery or product questions about."""
    if intent == "warranty_claim":
        fitting = [i for i in order.items if i.warranty_months]
    else:
        fitting = [i for i in order.items if i.category != GIFT_CARDS]
    return rng.choice(fitting or list(order.items)).product_name.split(",")[0].strip()


def _spoken(name: str) -> str:
    """What a customer calls a product: its last words ("Saltbox Stand Mixer" -> "stand mixer"),
    without sizes, units and a dangling "and" or "de"."""
    words = [w for w in name.split() if not any(c.isdigit() for c in w)]
    words = [w for w in words if w.lower() not in ("oz", "ml", "in", "lb")]
    if not words:
        return name.lower()
    take = 2
    while take < len(words) and words[-take].lower() in _LINKS:
        take += 1
    return " ".join(words[-take:]).lower()


_LINKS = frozenset({"and", "&", "of", "the", "with", "for", "de", "at"})


# --- what people say ---------------------------------------------------------------------------


class _Voice:
    """The words of customers, agents and the supervisor, written for this simulation (not taken
    from the intent training data or the tests), filled with the customer's real details."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def opener(self, contact: _Contact) -> str:
        rng = self._rng
        lang = contact.language
        pool = phrases.OPENERS[contact.intent][lang]
        delayed = phrases.DELAYED_OPENERS.get(contact.intent, {}).get(lang, ())
        out = contact.order is None or contact.order.status in _IN_TRANSIT
        if contact.delayed and delayed and out and rng.random() < 0.6:
            pool = delayed
        if contact.order is None:
            pool = (
                tuple(t for t in pool if "{order}" not in t)
                or phrases.OPENERS[contact.intent][lang]
            )
        text = rng.choice(pool)
        if contact.mood and rng.random() < 0.8:
            text += " " + rng.choice(phrases.MOOD_TAILS[lang][contact.mood - 1])
        if contact.repeat_of is not None:
            days = (contact.arrival.date() - contact.repeat_of.arrival.date()).days
            when = phrases.WHEN[lang][min(days, len(phrases.WHEN[lang]) - 1)]
            text = rng.choice(phrases.AGAIN[lang]).replace("{when}", when) + " " + text
        return self._channel(contact, self._casual(text, lang, typos=True), opening=True)

    def greeting(self, contact: _Contact) -> str:
        return self._rng.choice(phrases.GREETINGS[contact.language])

    def plain(self, intent: str, contact: _Contact) -> str:
        return self._fill(self._rng.choice(phrases.PLAIN[intent][contact.language]), contact)

    def identity(self, contact: _Contact, *, mistyped: bool) -> str:
        rng = self._rng
        lang = contact.language
        pool = phrases.IDENTITY[lang] if contact.order is not None else phrases.IDENTITY_ZIP[lang]
        text = self._fill(rng.choice(pool), contact)
        if mistyped:
            email = contact.customer.email
            at = email.index("@")
            cut = rng.randrange(at)
            text = text.replace(email, email[:cut] + email[cut + 1 :])
        return self._channel(contact, text, opening=False)

    def which_order(self, contact: _Contact) -> str:
        lang = contact.language
        pool = (
            phrases.WHICH_ORDER[lang] if contact.order is not None else phrases.LATEST_ORDER[lang]
        )
        return self._fill(self._rng.choice(pool), contact)

    def items(self, contact: _Contact, *, all_of_them: bool) -> str:
        lang = contact.language
        if all_of_them or self._rng.random() < 0.15:
            return self._rng.choice(phrases.ALL_ITEMS[lang])
        return self._fill(self._rng.choice(phrases.ITEMS[lang]), contact)

    def address(self, contact: _Contact) -> str:
        rng = self._rng
        home = contact.customer.address
        street = f"{rng.randint(12, 9800)} {rng.choice(phrases.STREETS)}"
        region = f"{home.region} " if home.region else ""
        place = f"{home.city}, {region}{home.postal_code}"
        template = rng.choice(phrases.ADDRESS[contact.language])
        return template.replace("{street}", street).replace("{place}", place)

    def confirm(self, contact: _Contact) -> str:
        rng = self._rng
        lang = contact.language
        draw = rng.random()
        if draw < 0.03 + 0.04 * contact.mood:
            return rng.choice(phrases.PERSON_FIRST[lang])
        if draw < 0.12:
            return rng.choice(phrases.NO[lang])
        return self._casual(rng.choice(phrases.YES[lang]), lang, typos=False)

    def take_person(self, contact: _Contact) -> str:
        lang = contact.language
        takes = self._rng.random() < (0.35, 0.6, 0.85)[contact.mood]
        return self._rng.choice(phrases.YES[lang] if takes else phrases.NO_THANKS[lang])

    def done(self, contact: _Contact) -> str:
        lang = contact.language
        pool = phrases.THANKS_ONLY[lang] if self._rng.random() < 0.1 else phrases.DONE[lang]
        return self._casual(self._rng.choice(pool), lang, typos=False)

    def nudge(self, contact: _Contact) -> str:
        return self._rng.choice(phrases.NUDGES[contact.language])

    def to_agent(self, contact: _Contact) -> str:
        """The customer's answer to an agent: what they need, if they only asked for a person;
        then a reaction in their mood; later just a sign-off."""
        lang = contact.language
        if contact.agent_replies == 1 and contact.intent == "human_agent":
            assert contact.second_request is not None
            return self.plain(contact.second_request, contact)
        table = phrases.TO_AGENT if contact.agent_replies == 1 else phrases.SIGN_OFF
        text = self._fill(self._rng.choice(table[lang][contact.mood]), contact)
        return self._casual(text, lang, typos=True)

    def agent_reply(self, contact: _Contact, draw: float) -> str:
        """What an agent writes without a draft: an answer to the request, or a goodbye."""
        if contact.agent_replies >= 2:
            texts = phrases.AGENT_BYE[contact.language]
        else:
            pool = phrases.AGENT_OWN[contact.language]
            texts = pool.get(contact.intent, pool["*"])
        return self._fill(texts[int(draw * len(texts))], contact)

    def edited(self, draft: str, contact: _Contact, draw: float) -> str:
        """An agent's edit: an opening of their own in place of the draft's greeting, or the
        draft's last paragraph swapped for a shorter close."""
        lang = contact.language
        paragraphs = draft.strip().split("\n\n")
        if draw < 0.55:
            opening = phrases.AGENT_OPENINGS[lang][
                int(draw * 10) % len(phrases.AGENT_OPENINGS[lang])
            ]
            greets = len(paragraphs) > 1 and phrases.GREETING_LINE.match(paragraphs[0]) is not None
            return "\n\n".join([self._fill(opening, contact), *paragraphs[greets:]])
        closing = phrases.AGENT_CLOSINGS[lang][int(draw * 10) % len(phrases.AGENT_CLOSINGS[lang])]
        if len(paragraphs) > 2:
            return "\n\n".join([*paragraphs[:-1], closing])
        return draft.strip() + "\n\n" + closing

    def ignore_reason(self, fits: bool, draw: float) -> str:
        reasons = phrases.IGNORE_REASONS if fits else phrases.OFF_TOPIC_REASONS
        return reasons[int(draw * len(reasons))]

    def approval_note(self, approved: bool) -> str:
        return self._rng.choice(phrases.APPROVED if approved else phrases.REJECTED)

    def comment(self, contact: _Contact, outcome: Outcome, score: int, waited_long: bool) -> str:
        rng = self._rng
        if rng.random() < 0.35:
            return ""
        if outcome is Outcome.ABANDONED:
            topic = "abandoned"
        elif outcome is Outcome.UNRESOLVED:
            topic = "unresolved"
        elif waited_long:
            topic = "slow"
        else:
            topic = "agent" if contact.handed_over else "bot"
        tone = "good" if score >= 4 else "bad" if score <= 2 else "meh"
        pool = (
            phrases.COMMENTS[contact.language].get((topic, tone))
            or phrases.COMMENTS[contact.language][tone]
        )
        return rng.choice(pool)

    def _fill(self, template: str, contact: _Contact) -> str:
        customer = contact.customer
        words = {
            "order": "" if contact.order is None else contact.order.id,
            "email": customer.email,
            "item": contact.item,
            "item_name": contact.item_name,
            "zip": customer.address.postal_code,
            "city": customer.address.city,
            "first": customer.first_name if contact.known else "",
        }
        filled = re.sub(r"\{(\w+)\}", lambda m: words[m.group(1)], template)
        # An agent who does not know the name leaves it out: "Sorry about this, ." -> "...this."
        if contact.known or "{first}" not in template:
            return filled
        return re.sub(r",?\s+([,.!])", r"\1", filled)

    def _casual(self, text: str, lang: str, typos: bool) -> str:
        """Write the way people type: sometimes all lower case, without the full stop, with
        shortcuts, without accents, or with two letters swapped."""
        rng = self._rng
        if rng.random() < 0.3:
            text = text.lower().rstrip(".")
        if lang == "en" and rng.random() < 0.2:
            for formal, short in (("please", "pls"), ("thanks", "thx"), ("you", "u")):
                text = re.sub(rf"\b{formal}\b", short, text)
        if lang == "es" and rng.random() < 0.4:
            text = "".join(
                c
                for c in unicodedata.normalize("NFD", text)
                if not unicodedata.combining(c) or c == "\u0303"
            )
            text = unicodedata.normalize("NFC", text)
        if typos and rng.random() < 0.12:
            words = text.split(" ")
            long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
            if long:
                i = rng.choice(long)
                word = words[i]
                j = rng.randrange(1, len(word) - 2)
                words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
                text = " ".join(words)
        return text

    def _channel(self, contact: _Contact, text: str, *, opening: bool) -> str:
        """Dress the text for its channel (the details are filled last, so casual spelling never
        touches an email address or an order number)."""
        lang = contact.language
        filled = self._fill(text, contact)
        if contact.channel is Channel.EMAIL and opening:
            hello, sign = self._rng.choice(phrases.EMAIL_FRAME[lang])
            name = f"{contact.customer.first_name} {contact.customer.last_name}"
            return f"{hello}\n\n{filled}\n\n{sign}\n{name}"
        if contact.channel is Channel.VOICE:
            spoken = filled.replace("!", "").replace("?", "")
            if not opening:
                return spoken
            return self._rng.choice(phrases.VOICE_START[lang]) + spoken[:1].lower() + spoken[1:]
        return filled


# English and Spanish, as customers of a US retailer write them. {order}, {email}, {item},
# {item_name}, {zip}, {city} and {first} are the customer's own details.
