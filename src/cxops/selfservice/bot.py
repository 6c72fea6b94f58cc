"""The dialogue manager: one turn of the self-service bot.

`Bot.turn` takes where the conversation stands (`Dialogue`), the customer's message and what
triage and routing made of it, and returns the new state, the bot's reply (as plain parts the
channel renderer styles), the actions it proposed or ran, the events to record as decisions, and
whether a person must take over. It reads and writes orders only through the `OrderSystem` port
and holds no other I/O, so a scripted conversation runs it against any order system.

Rules it never breaks:
- nothing about an order is revealed, and nothing is done to one, before identity is verified
  (email, plus the order number or the postcode on the account), with limited attempts;
- an order number that is not the verified customer's is "not found on your account", never
  "that is someone else's";
- every write is put to the customer first and runs only on a clear yes; it is checked against
  the order rules and the policy's limits again just before it runs, and runs under the action's
  id as idempotency key;
- every fact stated comes from the order system or the policy's knowledge;
- a request the rules refuse is explained and a person is offered;
- a customer can ask for a person at any turn; an order system that does not answer hands the
  conversation to a person with what the bot learned.
"""

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cxops.domain.customers import Segment
from cxops.domain.decisions import Reason
from cxops.domain.errors import (
    BusinessRuleError,
    ConnectorUnavailableError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import ActionId, ConversationId, CustomerId, OrderId, new_id
from cxops.domain.order_rules import (
    NOT_YET_SHIPPED,
    RETURNABLE,
    ordered_quantities,
    returned_quantities,
)
from cxops.domain.orders import Order, OrderStatus, ShipmentStatus
from cxops.domain.routing import RoutingOutcome
from cxops.domain.selfservice import Action, ActionKind, ActionStatus
from cxops.ports import OrderSystem
from cxops.selfservice import slots
from cxops.selfservice.actions import History, check, execute, preview, refund_on_cancel
from cxops.selfservice.replies import Replies, money
from cxops.selfservice.rules import LANGUAGES, Remedy, SelfServiceRules
from cxops.selfservice.state import Dialogue, Step

INFO_FLOWS = frozenset({"greeting", "delivery_options", "payment_methods", "store_info"})
ORDER_FLOWS = frozenset(
    {
        "order_status",
        "missing_delivery",
        "refund_status",
        "return_item",
        "exchange_item",
        "cancel_order",
        "change_shipping_address",
        "invoice",
    }
)
FLOWS = INFO_FLOWS | ORDER_FLOWS
RECENT_ORDERS = 3
_ORDINALS = {
    "first": 0,
    "1st": 0,
    "primero": 0,
    "primer": 0,
    "second": 1,
    "2nd": 1,
    "segundo": 1,
    "third": 2,
    "3rd": 2,
    "tercero": 2,
    "latest": 0,
    "last": 0,
    "ultimo": 0,
}


@dataclass(frozen=True, slots=True)
class TurnInput:
    """One customer message as the bot needs it. `text` is the raw text (in memory only);
    `continues_flow` says routing kept the message in the flow under way."""

    conversation_id: ConversationId
    text: str
    intent: str
    alternatives: tuple[str, ...]
    out_of_scope: bool
    language: str
    routing: RoutingOutcome
    continues_flow: bool
    account: CustomerId | None
    now: datetime


@dataclass(frozen=True, slots=True)
class BotEvent:
    """Something the bot did or found, recorded as a decision of kind `selfservice`."""

    outcome: str
    reasons: tuple[Reason, ...]
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class BotTurn:
    dialogue: Dialogue
    parts: list[str] = field(default_factory=list)
    events: list[BotEvent] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    handover: tuple[Reason, ...] = ()
    close: bool = False


class _HandOverError(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason.text)
        self.reason = reason


def answers_pending(dialogue: Dialogue, text: str) -> bool:
    """Whether the message answers what the bot asked last (routing keeps such a message in the
    flow even when, on its own, it reads like another intent or like nothing at all)."""
    step = dialogue.step
    if step in (Step.CONFIRM, Step.OFFER_PERSON):
        return slots.leading_answer(text) is not None
    if step is Step.ANYTHING_ELSE:
        return slots.is_bare_answer(text)
    if step is Step.IDENTITY:
        return bool(slots.emails(text) or slots.order_numbers(text) or slots.postcodes(text))
    if step is Step.ORDER:
        return bool(slots.order_numbers(text) or _ordinal(text) is not None)
    if step is Step.ITEMS:
        return bool(slots.chosen_items(text, dialogue.item_names))
    if step is Step.ADDRESS:
        return slots.address(text, country="US") is not None
    return False


def _says_enough(text: str) -> bool:
    """Whether a message has words enough to tell its language: a bare email address, order
    number or street address reads as English and must not switch a Spanish conversation, so
    only ordinary (lower-case) words count."""
    bare = slots.EMAIL.sub(" ", slots.ORDER_NUMBER.sub(" ", text))
    return len(re.findall(r"(?<!\w)[^\W\d_A-Z][^\W\d_]+", bare)) >= 3


def _ordinal(text: str) -> int | None:
    folded = slots.fold(text)
    for word, index in _ORDINALS.items():
        if re.search(rf"(?<!\w){word}(?!\w)", folded):
            return index
    digit = re.fullmatch(r"\s*#?([1-3])\s*\.?\s*", folded)
    return None if digit is None else int(digit.group(1)) - 1


class Bot:
    def __init__(
        self,
        *,
        orders: OrderSystem,
        rules: SelfServiceRules,
        replies: Replies,
        history: History,
        person_intents: Mapping[Segment, Collection[str]] | None = None,
    ) -> None:
        self._orders = orders
        self._rules = rules
        self._replies = replies
        self._history = history
        self._person_intents = person_intents or {}

    def turn(self, dialogue: Dialogue, pending: Action | None, t: TurnInput) -> BotTurn:
        """Answer one customer message (see the module docstring for the rules)."""
        return _Turn(self, Dialogue.from_json(dialogue.to_json()), pending, t).run()


class _Turn:
    """The working state of one turn: what was said, what changed, whether it progressed."""

    def __init__(self, bot: Bot, dialogue: Dialogue, pending: Action | None, t: TurnInput):
        self.bot = bot
        self.orders = bot._orders
        self.rules = bot._rules
        self.replies = bot._replies
        self.d = dialogue
        self.pending = pending
        self.t = t
        self.out = BotTurn(dialogue=dialogue)
        self.progress = False
        if t.language in LANGUAGES and (dialogue.turns == 0 or _says_enough(t.text)):
            self.d.language = t.language

    def run(self) -> BotTurn:
        self.d.turns += 1
        try:
            self._dispatch()
        except _HandOverError as handover:
            self._hand_over(handover.reason)
        except ConnectorUnavailableError as exc:
            self._hand_over(
                Reason(
                    "connector_unavailable",
                    f"The order system did not answer ({exc.operation}: {exc.reason}).",
                )
            )
        self.d.stalled = 0 if self.progress else self.d.stalled + 1
        return self.out

    # -- the conversation ---------------------------------------------------------------------

    def _dispatch(self) -> None:
        t, d = self.t, self.d
        if slots.wants_person(t.text):
            raise _HandOverError(
                Reason("customer_asked_for_person", "The customer asked for a person.")
            )
        if d.step is Step.OFFER_PERSON and self._offer_answered():
            return
        if d.step is Step.ANYTHING_ELSE and self._wrap_up():
            return
        if t.routing is RoutingOutcome.CLARIFY and not t.continues_flow:
            self._clarify()
            return
        flow = d.flow if t.continues_flow and d.flow else t.intent
        if flow not in FLOWS:
            raise _HandOverError(
                Reason("no_flow", f"The bot has no flow for {flow.replace('_', ' ')}.")
            )
        if flow != d.flow or d.step is Step.ANYTHING_ELSE:
            self._start(flow)
        if d.pending_id is not None and d.step is Step.CONFIRM and self.pending is not None:
            self._confirm(self.pending)
            return
        self._dispatch_flow(flow)

    def _dispatch_flow(self, flow: str) -> None:
        if flow in INFO_FLOWS:
            self._inform(flow)
            return
        if not self._verified():
            return
        order = self._order()
        if order is None:
            return
        self._serve(flow, order)

    def _start(self, flow: str) -> None:
        """Begin a flow: a new request drops an action put to the customer and not yet agreed."""
        d = self.d
        if self.pending is not None and self.pending.status is ActionStatus.PROPOSED:
            self._decline(self.pending, because="topic_changed")
        if d.flow is not None and flow != d.flow:
            self._event("flow_switched", Reason("flow_switched", f"From {d.flow} to {flow}."))
        new_order = [n for n in slots.order_numbers(self.t.text) if n != d.order_id]
        if new_order or flow != d.flow:
            d.item_ids, d.item_names = [], []
        if new_order:
            d.order_id = None
        d.flow, d.step, d.exception = flow, Step.NONE, None
        self.progress = True
        self._event("flow_started", Reason("flow_started", f"Serving {flow}."))

    def _offer_answered(self) -> bool:
        answer = slots.leading_answer(self.t.text)
        if answer is True:
            raise _HandOverError(
                Reason(
                    "policy_exception",
                    f"The request is outside what the bot may do ({self.d.exception}); "
                    "the customer accepted a person.",
                )
            )
        if answer is False:
            self._say("offer_declined")
            self._anything_else()
            self.progress = True
            return True
        if self.t.continues_flow:
            self._say("confirm_unclear")
            self._say("offer_person")
            return True
        return False

    def _wrap_up(self) -> bool:
        if not slots.is_bare_answer(self.t.text):
            return False
        if slots.is_done(self.t.text) or slots.yes_or_no(self.t.text) is False:
            self._say("goodbye")
            self.out.close = True
            self.progress = True
            self._event(
                "closed_resolved",
                Reason(
                    "customer_done",
                    f"The customer needs nothing more; resolved: {', '.join(self.d.resolved)}.",
                ),
            )
            return True
        if slots.yes_or_no(self.t.text) is True and not self.t.continues_flow:
            self._say("ask_what_else")
            self.d.step = Step.NONE
            self.progress = True
            return True
        return False

    def _clarify(self) -> None:
        if self.d.customer_id is None:
            self._harvest()
        options = [a for a in self.t.alternatives[:2] if a in self.replies.labels]
        if self.t.out_of_scope or len(options) < 2:
            self._say("clarify_rephrase")
        else:
            self._say(
                "clarify_between",
                first=self._label(options[0]),
                second=self._label(options[1]),
            )
        self._event("clarified", Reason("clarify", "Asked the customer to say which request."))

    def _inform(self, flow: str) -> None:
        knowledge = self.rules.knowledge
        lang = self.d.language
        if flow == "greeting":
            self._say("greeting", brand=self.rules.brand)
            self.d.step = Step.NONE
            self.progress = True
            self._event("greeted", Reason("greeting", "Greeted the customer."))
            return
        if flow == "store_info":
            self._stores()
            return
        text = {
            "delivery_options": knowledge.delivery_options,
            "payment_methods": knowledge.payment_methods,
        }[flow]
        if text is None:
            raise _HandOverError(
                Reason("no_knowledge", f"The policy gives the bot no text on {flow}.")
            )
        self.out.parts.append(text.text(lang))
        self._resolved(flow)

    def _stores(self) -> None:
        stores = self.rules.knowledge.stores
        if not stores:
            raise _HandOverError(Reason("no_knowledge", "The policy lists no stores."))
        folded = slots.fold(self.t.text)
        named = [s for s in stores if slots.fold(s.city) in folded or slots.fold(s.name) in folded]
        lang = self.d.language
        for store in named or list(stores):
            self._say(
                "store_line",
                name=store.name,
                address=store.address,
                hours=store.hours.text(lang),
                services=store.services.text(lang),
            )
        self._resolved("store_info")

    # -- identity and the order ---------------------------------------------------------------

    def _verified(self) -> bool:
        d, t = self.d, self.t
        if d.customer_id is not None:
            return True
        self._harvest()
        if d.candidate_id is None:
            self._ask(Step.IDENTITY, "verify_ask")
            return False
        if d.claimed_order is None and d.postcode_ok is None:
            self._ask(Step.IDENTITY, "verify_ask_second")
            return False
        owner = self._owner(d.claimed_order) if d.claimed_order else None
        ok = bool(d.candidate_id) and (owner == d.candidate_id or d.postcode_ok is True)
        if ok and t.account is not None and d.candidate_id != t.account:
            ok = False
        if ok:
            d.customer_id = d.candidate_id
            if owner == d.candidate_id:
                d.order_id = d.claimed_order
            d.candidate_id, d.claimed_order, d.postcode_ok = None, None, None
            self._event("verified", Reason("identity_verified", "Email and second factor match."))
            self._say("verified")
            self._segment_rule()
            return True
        d.attempts += 1
        d.candidate_id, d.claimed_order, d.postcode_ok = None, None, None
        self.progress = False
        self._event(
            "verification_failed",
            Reason(
                "verification_failed",
                f"Details did not match (attempt {d.attempts} of "
                f"{self.rules.verification.max_attempts}).",
            ),
        )
        if d.attempts >= self.rules.verification.max_attempts:
            raise _HandOverError(
                Reason(
                    "verification_failed",
                    f"Identity could not be verified in {d.attempts} attempts.",
                )
            )
        self._ask(Step.IDENTITY, "verify_mismatch")
        return False

    def _harvest(self) -> None:
        """Take the identity details the message gives (an email is looked up at once and
        only the matching customer id kept; a postcode is compared at once), and any item the
        customer names from the order they claim."""
        d, t = self.d, self.t
        given = slots.emails(t.text)
        if given:
            found = self.orders.find_customer(email=given[0])
            d.candidate_id = "" if found is None else found.id
            self.progress = True
        numbers = slots.order_numbers(t.text)
        if numbers:
            d.claimed_order = numbers[0]
            self.progress = True
        codes = slots.postcodes(t.text)
        if codes and d.candidate_id:
            customer = self.orders.find_customer(customer_id=CustomerId(d.candidate_id))
            d.postcode_ok = customer is not None and customer.address.postal_code in codes
            self.progress = True
        if numbers and d.flow in ("return_item", "exchange_item"):
            self._remember_items(numbers[0])

    def _remember_items(self, order_id: str) -> None:
        """Keep the words of the message that name items of the claimed order (product words,
        never personal data), to pick the items once the customer is verified."""
        try:
            order = self.orders.get_order(OrderId(order_id))
        except NotFoundError:
            return
        names = [item.product_name for item in order.items]
        picked = slots.chosen_items(self.t.text, names)
        if picked:
            self.d.item_hint = [names[i] for i in picked]

    def _segment_rule(self) -> None:
        """The policy's segment rules, for a customer who was anonymous until verified."""
        assert self.d.customer_id is not None
        customer = self.orders.find_customer(customer_id=CustomerId(self.d.customer_id))
        if customer is None or self.d.flow is None:
            return
        if self.d.flow in self.bot._person_intents.get(customer.segment, ()):
            raise _HandOverError(
                Reason(
                    "segment_rule",
                    f"{customer.segment.value.upper()} customers always get a person for "
                    f"{self.d.flow.replace('_', ' ')}.",
                )
            )

    def _owner(self, order_id: str) -> str | None:
        try:
            return self.orders.get_order(OrderId(order_id)).customer_id
        except NotFoundError:
            return None

    def _order(self) -> Order | None:
        d, t = self.d, self.t
        assert d.customer_id is not None
        for number in slots.order_numbers(t.text):
            if number == d.order_id:
                continue
            if self._owner(number) == d.customer_id:
                d.order_id, d.item_ids, d.item_names = number, [], []
                self.progress = True
                break
            d.foreign_orders += 1
            self._event(
                "order_not_on_account",
                Reason("order_not_on_account", "An order number not on the verified account."),
                order=number,
            )
            if d.foreign_orders >= self.rules.verification.max_attempts:
                raise _HandOverError(
                    Reason(
                        "order_not_on_account",
                        f"{d.foreign_orders} order numbers given that are not on the account.",
                    )
                )
            self._ask(Step.ORDER, "order_not_on_account", order=number)
            return None
        if d.order_id is not None:
            return self.orders.get_order(OrderId(d.order_id))
        recent = self.orders.list_orders(CustomerId(d.customer_id), limit=RECENT_ORDERS)
        if not recent:
            self._say("no_orders")
            self._offer_person("no_orders")
            return None
        chosen = _ordinal(t.text) if d.step is Step.ORDER else None
        if len(recent) == 1 or (chosen is not None and chosen < len(recent)):
            order = recent[0 if len(recent) == 1 else chosen or 0]
            d.order_id = order.id
            self.progress = True
            return order
        self._ask(Step.ORDER, "which_order")
        for order in recent:
            self._say(
                "order_choice",
                order=order.id,
                date=order.placed_at.date().isoformat(),
                status=self._status(order.status),
                total=money(order.total_cents, order.currency),
            )
        return None

    # -- the flows ----------------------------------------------------------------------------

    def _serve(self, flow: str, order: Order) -> None:
        handler: Callable[[Order], None] = {
            "order_status": self._order_status,
            "missing_delivery": self._missing_delivery,
            "refund_status": self._refund_status,
            "return_item": self._return,
            "exchange_item": self._return,
            "cancel_order": self._cancel,
            "change_shipping_address": self._change_address,
            "invoice": self._invoice,
        }[flow]
        handler(order)

    def _order_status(self, order: Order) -> None:
        shipment = order.shipments[-1] if order.shipments else None
        status = order.status
        if status in NOT_YET_SHIPPED or shipment is None:
            self._say(
                "status_preparing",
                order=order.id,
                date=order.placed_at.date().isoformat(),
                status=self._status(status),
            )
        elif status is OrderStatus.LOST or shipment.status is ShipmentStatus.LOST:
            self.d.flow = "missing_delivery"
            self._missing_delivery(order)
            return
        elif status is OrderStatus.DELIVERED or shipment.delivered_at is not None:
            delivered = shipment.delivered_at or order.delivered_at
            self._say(
                "status_delivered",
                order=order.id,
                date="" if delivered is None else delivered.date().isoformat(),
                carrier=shipment.carrier,
            )
        else:
            self._say(
                "status_shipped",
                order=order.id,
                carrier=shipment.carrier,
                tracking=shipment.tracking_number,
                eta="" if shipment.eta is None else shipment.eta.date().isoformat(),
            )
            if status is OrderStatus.DELAYED or shipment.status is ShipmentStatus.DELAYED:
                self._say("status_delayed", event=shipment.last_event)
        if status in (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED):
            self._say("status_closed", status=self._status(status))
        self._resolved("order_status", order=order.id, status=status.value)

    def _missing_delivery(self, order: Order) -> None:
        shipment = order.shipments[-1] if order.shipments else None
        if shipment is None or order.status in NOT_YET_SHIPPED:
            self._say("missing_not_shipped", order=order.id, status=self._status(order.status))
            self._resolved("missing_delivery", advice="not_shipped")
            return
        if shipment.delivered_at is not None or order.status is OrderStatus.DELIVERED:
            delivered = shipment.delivered_at or order.delivered_at
            self._say(
                "missing_marked_delivered",
                carrier=shipment.carrier,
                date="" if delivered is None else delivered.date().isoformat(),
            )
            checks = self.rules.knowledge.missing_delivery_checks
            if checks is not None:
                self.out.parts.append(checks.text(self.d.language))
            self._offer_person("marked_delivered")
            return
        wait = self.rules.missing_delivery.wait_days_after_eta
        lost = order.status is OrderStatus.LOST or shipment.status is ShipmentStatus.LOST
        overdue = shipment.eta is not None and self.t.now > shipment.eta + timedelta(days=wait)
        if not lost and not overdue:
            self._say(
                "missing_wait",
                carrier=shipment.carrier,
                tracking=shipment.tracking_number,
                eta="" if shipment.eta is None else shipment.eta.date().isoformat(),
                days=wait,
            )
            self._resolved("missing_delivery", advice="wait")
            return
        self._say("missing_overdue", carrier=shipment.carrier, event=shipment.last_event)
        remedy = self.rules.missing_delivery.remedy
        if remedy is Remedy.PERSON:
            raise _HandOverError(
                Reason("missing_delivery_remedy", "The policy sends lost parcels to a person.")
            )
        if remedy is Remedy.RESHIP:
            self._propose(order, ActionKind.RESHIP_ORDER, {"reason": "parcel lost in transit"})
        else:
            self._propose(
                order,
                ActionKind.ISSUE_REFUND,
                {
                    "reason": "parcel lost in transit",
                    "amount_cents": order.total_cents - order.refunded_cents,
                },
            )

    def _refund_status(self, order: Order) -> None:
        for refund in order.refunds:
            self._say(
                "refund_line",
                amount=money(refund.amount_cents, order.currency),
                date=refund.created_at.date().isoformat(),
                status=self.replies.word(f"refund.{refund.status.value}", self.d.language),
            )
        refunded = {r.return_id for r in order.refunds if r.return_id is not None}
        waiting = [r for r in order.returns if r.id not in refunded]
        for ret in waiting:
            self._say(
                "return_in_progress",
                label=ret.label_reference,
                status=self.replies.word(f"return.{ret.status.value}", self.d.language),
            )
        if not order.refunds and not waiting:
            self._say("no_refund", order=order.id)
        self._resolved("refund_status", refunds=len(order.refunds), returns_open=len(waiting))

    def _return(self, order: Order) -> None:
        exchange = self.d.flow == "exchange_item"
        if order.status not in RETURNABLE:
            self._refuse(
                "order_not_returnable",
                "return_not_delivered",
                order=order.id,
                status=self._status(order.status),
            )
            return
        left = ordered_quantities(order) - returned_quantities(order)
        lines = [item for item in order.items if left[item.product_id] > 0]
        if not lines:
            self._refuse("return_quantity_exceeded", "return_nothing_left", order=order.id)
            return
        if not self.d.item_ids:
            names = [item.product_name for item in lines]
            picked = [0] if len(lines) == 1 else slots.chosen_items(self.t.text, names)
            if not picked and self.d.item_hint:
                picked = [i for i, name in enumerate(names) if name in self.d.item_hint]
            if not picked:
                self.d.item_names = names
                self._ask(Step.ITEMS, "which_items")
                for name in names:
                    self._say("item_choice", name=name)
                return
            self.d.item_ids = [lines[i].product_id for i in picked]
            self.d.item_names = [lines[i].product_name for i in picked]
            self.progress = True
        items = [[pid, left[pid]] for pid in dict.fromkeys(self.d.item_ids)]
        self._propose(
            order,
            ActionKind.CREATE_RETURN,
            {"reason": "exchange" if exchange else "customer return", "items": items},
        )

    def _cancel(self, order: Order) -> None:
        self._propose(order, ActionKind.CANCEL_ORDER, {"reason": "customer request"})

    def _change_address(self, order: Order) -> None:
        if order.status not in NOT_YET_SHIPPED:
            self._refuse(
                "address_not_changeable",
                "address_too_late",
                order=order.id,
                status=self._status(order.status),
            )
            return
        parsed = slots.address(self.t.text, country=order.shipping_address.country)
        if parsed is None:
            self._ask(Step.ADDRESS, "ask_address", order=order.id)
            return
        self.progress = True
        self._propose(
            order,
            ActionKind.CHANGE_ADDRESS,
            {"reason": "customer request", "address": asdict(parsed)},
        )

    def _invoice(self, order: Order) -> None:
        currency = order.currency
        self._say("invoice_head", order=order.id, date=order.placed_at.date().isoformat())
        for item in order.items:
            self._say(
                "invoice_line",
                quantity=item.quantity,
                name=item.product_name,
                amount=money(item.line_total_cents, currency),
            )
        self._say(
            "invoice_totals",
            subtotal=money(order.subtotal_cents, currency),
            shipping=money(order.shipping_cents, currency),
            discount=money(order.discount_cents, currency),
            tax=money(order.tax_cents, currency),
            total=money(order.total_cents, currency),
            method=self.replies.word(f"payment.{order.payment_method.value}", self.d.language),
        )
        self._resolved("invoice", order=order.id)

    # -- actions ------------------------------------------------------------------------------

    def _propose(self, order: Order, kind: ActionKind, params: dict[str, Any]) -> None:
        action = Action(
            id=ActionId(new_id("act")),
            conversation_id=self.t.conversation_id,
            kind=kind,
            order_id=order.id,
            params=params,
            status=ActionStatus.PROPOSED,
            created_at=self.t.now,
        )
        verdict = check(
            action,
            order,
            approvals=self.rules.approvals,
            history=self.bot._history,
            now=self.t.now,
        )
        if not verdict.allowed:
            self._refuse_rule(verdict.rule, verdict.reasons[0].text)
            return
        action = _with(action, needs_approval=verdict.needs_approval, reasons=verdict.reasons)
        action = _with(action, preview=preview(action, order))
        self.out.actions.append(action)
        self.pending = action
        self.d.pending_id = action.id
        self._ask(Step.CONFIRM, _variant("confirm", action), **self._action_words(action, order))
        if verdict.needs_approval:
            self._say("approval_notice")
        self.progress = True
        self._event(
            "action_proposed",
            *verdict.reasons,
            action=action.id,
            kind=kind.value,
            order=order.id,
            preview=action.preview,
        )

    def _confirm(self, action: Action) -> None:
        answer = slots.leading_answer(self.t.text)
        if answer is None:
            if self._asks_something_else():
                self._decline(action, because="topic_changed")
                self._say("action_declined")
                self._start(self.t.intent)
                self._dispatch_flow(self.t.intent)
                return
            order = self.orders.get_order(action.order_id)
            self._say("confirm_unclear")
            self._say(_variant("confirm", action), **self._action_words(action, order))
            return
        self.progress = True
        if answer is False:
            self._decline(action, because="customer_declined")
            self._say("action_declined")
            self._anything_else()
            return
        order = self.orders.get_order(action.order_id)
        verdict = check(
            action,
            order,
            approvals=self.rules.approvals,
            history=self.bot._history,
            now=self.t.now,
        )
        self.d.pending_id = None
        if not verdict.allowed:
            self._record(_with(action, status=ActionStatus.FAILED, reasons=verdict.reasons))
            self._refuse_rule(verdict.rule, verdict.reasons[0].text)
            return
        action = _with(action, preview=preview(action, order), reasons=verdict.reasons)
        if verdict.needs_approval:
            self._record(_with(action, status=ActionStatus.AWAITING_APPROVAL, needs_approval=True))
            self.d.awaiting_approval.append(action.id)
            self._say("approval_pending")
            self._event("approval_requested", *verdict.reasons, action=action.id)
            self._anything_else()
            return
        try:
            result = execute(action, self.orders)
        except (BusinessRuleError, InvalidInputError) as exc:
            code = exc.code if isinstance(exc, BusinessRuleError) else "invalid_request"
            self._record(_with(action, status=ActionStatus.FAILED, result={"error": code}))
            self._refuse_rule(code, exc.message)
            return
        self._record(_with(action, status=ActionStatus.EXECUTED, result=result))
        self._say(_variant("done", action), **self._result_words(action, order, result))
        if self.d.flow == "exchange_item" and self.rules.knowledge.exchanges is not None:
            self.out.parts.append(self.rules.knowledge.exchanges.text(self.d.language))
        self._resolved(self.d.flow or action.kind.value, action=action.id, result=result)

    def _asks_something_else(self) -> bool:
        """Instead of answering yes or no, the customer asks for another thing the bot does."""
        t = self.t
        return (
            not t.out_of_scope and t.intent in FLOWS and t.intent not in (self.d.flow, "greeting")
        )

    def _decline(self, action: Action, *, because: str) -> None:
        self._record(_with(action, status=ActionStatus.DECLINED))
        self.d.pending_id = None
        self._event(
            "action_declined", Reason(because, "The action was not agreed."), action=action.id
        )

    def _record(self, action: Action) -> None:
        self.out.actions = [a for a in self.out.actions if a.id != action.id]
        self.out.actions.append(action)
        self.pending = action

    def _action_words(self, action: Action, order: Order) -> dict[str, Any]:
        words: dict[str, Any] = {
            "order": order.id,
            "total": money(order.total_cents, order.currency),
        }
        if action.kind is ActionKind.CANCEL_ORDER:
            refund = refund_on_cancel(order)
            words["refund"] = money(refund, order.currency)
        elif action.kind is ActionKind.CHANGE_ADDRESS:
            a = action.params["address"]
            region = f" {a['region']}" if a["region"] else ""
            words["address"] = f"{a['line1']}, {a['city']},{region} {a['postal_code']}".replace(
                ", ,", ","
            )
        elif action.kind is ActionKind.CREATE_RETURN:
            words["items"] = ", ".join(self.d.item_names) or ", ".join(
                i.product_name for i in order.items
            )
        elif action.kind is ActionKind.ISSUE_REFUND:
            words["amount"] = money(int(action.params["amount_cents"]), order.currency)
        return words

    def _result_words(self, action: Action, order: Order, result: dict[str, Any]) -> dict[str, Any]:
        words = self._action_words(action, order)
        words.update(
            label=result.get("label_reference", ""),
            replacement=result.get("replacement_order_id", ""),
            refund=money(int(result.get("refund_cents", 0)), order.currency),
        )
        if action.kind is ActionKind.ISSUE_REFUND:
            words["amount"] = money(int(result["refund_cents"]), order.currency)
        return words

    # -- saying things ------------------------------------------------------------------------

    def _say(self, key: str, **params: Any) -> None:
        self.out.parts.append(self.replies.say(key, self.d.language, **params))

    def _ask(self, step: Step, key: str, **params: Any) -> None:
        self.d.step = step
        self._say(key, **params)

    def _label(self, intent: str) -> str:
        return self.replies.label(intent, self.d.language)

    def _status(self, status: OrderStatus) -> str:
        return self.replies.word(f"status.{status.value}", self.d.language)

    def _refuse(self, rule: str, key: str, **params: Any) -> None:
        """Explain a request the rules refuse and offer a person."""
        self._say(key, **params)
        self._event("policy_exception", Reason(rule, "The rules refuse the request."), **params)
        self._offer_person(rule)

    def _refuse_rule(self, rule: str, detail: str) -> None:
        key = f"refused.{rule}"
        self._refuse(rule, key if key in self.replies.messages else "rule_refused", detail=detail)

    def _offer_person(self, rule: str) -> None:
        self.d.exception = rule
        self._ask(Step.OFFER_PERSON, "offer_person")

    def _anything_else(self) -> None:
        self._ask(Step.ANYTHING_ELSE, "anything_else")

    def _resolved(self, flow: str, **inputs: Any) -> None:
        if flow not in self.d.resolved:
            self.d.resolved.append(flow)
        self.progress = True
        self._event("resolved", Reason("answered", f"Served {flow}."), **inputs)
        self._anything_else()

    def _hand_over(self, reason: Reason) -> None:
        self._say("handover")
        self.out.handover = (reason,)
        self.progress = True
        self._event("handover", reason)

    def _event(self, outcome: str, *reasons: Reason, **inputs: Any) -> None:
        base = {"flow": self.d.flow, "step": self.d.step.value, "order": self.d.order_id}
        self.out.events.append(BotEvent(outcome, tuple(reasons), {**base, **inputs}))


def _with(action: Action, **changes: Any) -> Action:
    return replace(action, **changes)


def _variant(stage: str, action: Action) -> str:
    """The template for proposing (`confirm`) or reporting (`done`) an action: a cancellation
    that refunds nothing (the payment was never taken) is worded differently."""
    unpaid = action.kind is ActionKind.CANCEL_ORDER and not action.preview.get("refund_cents")
    return f"{stage}.{action.kind.value}" + ("_unpaid" if unpaid else "")
