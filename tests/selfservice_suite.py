"""The scripted conversation suite of the self-service bot: scenarios written as data
(`tests/scenarios/selfservice.yaml`), each run through the real pipeline (trained triage model,
routing policy, bot, embedded order store) on a fresh copy of a small retail world.

Used by `tests/integration/test_selfservice_scenarios.py` (every scenario must reach its expected
outcome) and `benchmarks/selfservice_suite.py` (containment, correct-outcome rate, turn latency).
"""

import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from cxops.connectors.clock import FixedClock
from cxops.domain.catalog import Product
from cxops.domain.conversations import Channel
from cxops.domain.customers import Address, Consent, Customer, Segment
from cxops.domain.ids import CustomerId, OrderId, ProductId, RefundId, ShipmentId
from cxops.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from cxops.domain.selfservice import ActionStatus
from cxops.pipeline import NewConversation, NewMessage
from cxops.ports import UnitOfWorkFactory
from cxops.store.engine import make_engine
from cxops.store.migrate import upgrade
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from tests.wiring import build_pipeline

SUITE = Path(__file__).parent / "scenarios" / "selfservice.yaml"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductSpec(_Strict):
    name: str
    category: str
    price: float
    return_window_days: int = 30
    warranty_months: int = 12


class CustomerSpec(_Strict):
    first_name: str
    last_name: str
    email: str
    postcode: str
    city: str = "Springfield"
    segment: Segment = Segment.STANDARD
    language: str = "en"


class ShipmentSpec(_Strict):
    carrier: str = "UPS"
    tracking: str
    status: ShipmentStatus
    shipped_days_ago: float
    eta_in_days: float | None = None
    delivered_days_ago: float | None = None
    last_event: str = ""


class RefundSpec(_Strict):
    amount: float
    days_ago: float


class OrderSpec(_Strict):
    customer: str
    status: OrderStatus
    placed_days_ago: float
    items: list[tuple[str, int]]
    shipping: float = 0.0
    payment: PaymentMethod = PaymentMethod.CARD
    shipment: ShipmentSpec | None = None
    delivered_days_ago: float | None = None
    refunds: list[RefundSpec] = []


class World(_Strict):
    products: dict[str, ProductSpec]
    customers: dict[str, CustomerSpec]
    orders: dict[str, OrderSpec]


class StoreCheck(_Strict):
    """What the order store must hold after the conversation, per order."""

    status: OrderStatus | None = None
    returns: int | None = None
    refunds: int | None = None
    city: str | None = None
    replacements: int | None = None


class Expect(_Strict):
    outcome: Literal["resolved", "escalated", "approval"]
    flow: str | None = None
    reason: str | None = None
    says: list[str] = []
    never_says: list[str] = []
    store: dict[str, StoreCheck] = {}


class Scenario(_Strict):
    name: str
    channel: Channel = Channel.CHAT
    account: str | None = Field(default=None, description="A signed-in customer's key.")
    turns: list[str] = Field(min_length=1)
    expect: Expect


class Suite(_Strict):
    world: World
    scenarios: list[Scenario]


@dataclass
class Result:
    scenario: Scenario
    ok: bool
    contained: bool
    problems: list[str]
    replies: list[str]
    turn_ms: list[float] = field(default_factory=list)


def load_suite(path: Path = SUITE) -> Suite:
    return Suite.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def _days(n: float) -> timedelta:
    return timedelta(days=n)


def world_rows(world: World) -> tuple[list[Product], list[Customer], list[Order]]:
    products = [
        Product(
            id=ProductId(key),
            name=spec.name,
            category=spec.category,
            price_cents=round(spec.price * 100),
            warranty_months=spec.warranty_months,
            return_window_days=spec.return_window_days,
        )
        for key, spec in world.products.items()
    ]
    customers = [
        Customer(
            id=CustomerId(key),
            first_name=c.first_name,
            last_name=c.last_name,
            email=c.email,
            phone="",
            segment=c.segment,
            preferred_language=c.language,
            consent=Consent(),
            address=Address(line1="1 Main St", city=c.city, postal_code=c.postcode, country="US"),
            created_at=NOW - _days(400),
        )
        for key, c in world.customers.items()
    ]
    by_key = {c.id: c for c in customers}
    orders = []
    for number, o in world.orders.items():
        items = tuple(
            OrderItem(
                product_id=ProductId(pid),
                product_name=world.products[pid].name,
                category=world.products[pid].category,
                quantity=qty,
                unit_price_cents=round(world.products[pid].price * 100),
                warranty_months=world.products[pid].warranty_months,
                return_window_days=world.products[pid].return_window_days,
            )
            for pid, qty in o.items
        )
        subtotal = sum(i.line_total_cents for i in items)
        shipments: tuple[Shipment, ...] = ()
        if o.shipment is not None:
            s = o.shipment
            shipments = (
                Shipment(
                    id=ShipmentId(f"shp_{number}"),
                    order_id=OrderId(number),
                    carrier=s.carrier,
                    tracking_number=s.tracking,
                    status=s.status,
                    shipped_at=NOW - _days(s.shipped_days_ago),
                    eta=None if s.eta_in_days is None else NOW + _days(s.eta_in_days),
                    delivered_at=None
                    if s.delivered_days_ago is None
                    else NOW - _days(s.delivered_days_ago),
                    last_event=s.last_event,
                ),
            )
        placed = NOW - _days(o.placed_days_ago)
        orders.append(
            Order(
                id=OrderId(number),
                customer_id=CustomerId(o.customer),
                status=o.status,
                placed_at=placed,
                updated_at=placed,
                currency="USD",
                subtotal_cents=subtotal,
                shipping_cents=round(o.shipping * 100),
                discount_cents=0,
                tax_cents=round(subtotal * 0.08),
                payment_method=o.payment,
                shipping_address=by_key[CustomerId(o.customer)].address,
                items=items,
                delivered_at=None
                if o.delivered_days_ago is None
                else NOW - _days(o.delivered_days_ago),
                shipments=shipments,
                refunds=tuple(
                    Refund(
                        id=RefundId(f"rfd_{number}_{n}"),
                        order_id=OrderId(number),
                        amount_cents=round(r.amount * 100),
                        reason="goodwill",
                        status=RefundStatus.COMPLETED,
                        created_at=NOW - _days(r.days_ago),
                    )
                    for n, r in enumerate(o.refunds)
                ),
            )
        )
    return products, customers, orders


def seed(uow_factory: UnitOfWorkFactory, world: World) -> None:
    """Store the world's products, customers and orders."""
    products, customers, orders = world_rows(world)
    with uow_factory() as uow:
        uow.catalog.add_products(products)
        uow.customers.add_many(customers)
        uow.orders.add_many(orders)
        uow.commit()


def build_template(world: World, directory: Path) -> Path:
    """A migrated SQLite file holding the world; each scenario runs on a copy of it."""
    path = directory / "world.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed(SqlUnitOfWorkFactory(engine), world)
    engine.dispose()
    return path


def run_scenario(
    scenario: Scenario, *, template: Path, workdir: Path, triage: TriageEngine
) -> Result:
    path = workdir / f"s{abs(hash(scenario.name))}.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        return _run(scenario, SqlUnitOfWorkFactory(engine), triage)
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)


def _run(scenario: Scenario, uow: SqlUnitOfWorkFactory, triage: TriageEngine) -> Result:
    pipeline = build_pipeline(uow, FixedClock(NOW), triage)
    conversation = pipeline.start_conversation(
        NewConversation(
            channel=scenario.channel,
            customer_id=None if scenario.account is None else CustomerId(scenario.account),
        )
    ).conversation
    replies: list[str] = []
    timings: list[float] = []
    for turn in scenario.turns:
        view = pipeline.conversation(conversation.id).conversation
        if view.status.value == "closed":
            break
        started = time.perf_counter()
        posted = pipeline.post_message(conversation.id, NewMessage(text=turn))
        timings.append((time.perf_counter() - started) * 1000)
        replies.extend(m.text for m in posted.replies)
    problems = _judge(scenario, uow, conversation.id, replies)
    with uow() as u:
        contained = u.handoffs.latest(conversation.id) is None
    return Result(scenario, not problems, contained, problems, replies, timings)


def _judge(
    scenario: Scenario, uow: SqlUnitOfWorkFactory, conversation_id: Any, replies: list[str]
) -> list[str]:
    expect = scenario.expect
    problems: list[str] = []
    with uow() as u:
        handoff = u.handoffs.latest(conversation_id)
        stored = u.dialogues.get(conversation_id)
        dialogue = {} if stored is None else stored[0]
        actions = u.actions.for_conversation(conversation_id)
        reasons = [r["code"] for r in handoff.packet["escalation_reasons"]] if handoff else []
        if expect.outcome == "escalated":
            if handoff is None:
                problems.append("expected a handoff to a person; there was none")
            elif expect.reason and expect.reason not in reasons:
                problems.append(f"expected escalation reason {expect.reason}; got {reasons}")
        else:
            if handoff is not None:
                problems.append(f"expected no handoff; escalated for {reasons}")
        resolved = dialogue.get("resolved", [])
        if expect.outcome == "resolved" and expect.flow is not None and expect.flow not in resolved:
            problems.append(f"expected {expect.flow} resolved; resolved: {resolved}")
        if expect.outcome == "approval" and not any(
            a.status is ActionStatus.AWAITING_APPROVAL for a in actions
        ):
            problems.append(f"expected an action awaiting approval; actions: {actions}")
        for order_id, check in expect.store.items():
            order = u.orders.get(OrderId(order_id))
            if order is None:
                problems.append(f"order {order_id} missing")
                continue
            if check.status is not None and order.status is not check.status:
                problems.append(f"{order_id}: status {order.status.value}, want {check.status}")
            if check.returns is not None and len(order.returns) != check.returns:
                problems.append(f"{order_id}: {len(order.returns)} returns, want {check.returns}")
            if check.refunds is not None and len(order.refunds) != check.refunds:
                problems.append(f"{order_id}: {len(order.refunds)} refunds, want {check.refunds}")
            if check.city is not None and order.shipping_address.city != check.city:
                problems.append(f"{order_id}: city {order.shipping_address.city}")
            if check.replacements is not None:
                found = sum(
                    1 for n in range(1, 4) if u.orders.get(OrderId(f"{order_id}-R{n}")) is not None
                )
                if found != check.replacements:
                    problems.append(f"{order_id}: {found} replacements, want {check.replacements}")
    said = "\n".join(replies).casefold()
    problems += [f"never said {s!r}" for s in expect.says if s.casefold() not in said]
    problems += [f"said {s!r}" for s in expect.never_says if s.casefold() in said]
    return problems
