import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

import pytest

from cxops.connectors.clock import FixedClock
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.domain.catalog import Product
from cxops.domain.customers import Address, Consent, Customer, Segment
from cxops.domain.errors import (
    BusinessRuleError,
    DomainError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import CustomerId, OrderId, ProductId, ShipmentId
from cxops.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundStatus,
    ReturnItem,
    ReturnStatus,
    Shipment,
    ShipmentStatus,
)
from cxops.store.uow import SqlUnitOfWorkFactory

T = TypeVar("T")

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
HOME = Address(line1="1 Main St", city="Springfield", postal_code="12345", country="US")
NEW_HOME = Address(line1="9 Elm St", city="Shelbyville", postal_code="54321", country="US")

ADA = CustomerId("cus_ada")
BOB = CustomerId("cus_bob")
LAMP = Product(
    id=ProductId("prd_lamp"),
    name="Desk lamp",
    category="home",
    price_cents=4_000,
    warranty_months=24,
    return_window_days=30,
)
MUG = replace(LAMP, id=ProductId("prd_mug"), name="Mug", price_cents=1_500, warranty_months=0)

PENDING = OrderId("ord_pending")
PROCESSING = OrderId("ord_processing")
SHIPPED = OrderId("ord_shipped")
DELIVERED = OrderId("ord_delivered")
BOBS_DELIVERED = OrderId("ord_bob")
SHIPPING_CENTS = 500
DELIVERED_TOTAL = LAMP.price_cents + 2 * MUG.price_cents + SHIPPING_CENTS


def customer(customer_id: CustomerId, *, email: str, phone: str) -> Customer:
    return Customer(
        id=customer_id,
        first_name=customer_id.removeprefix("cus_").title(),
        last_name="Example",
        email=email,
        phone=phone,
        segment=Segment.STANDARD,
        preferred_language="en",
        consent=Consent(),
        address=HOME,
        created_at=NOW - timedelta(days=400),
    )


def line(product: Product, quantity: int = 1) -> OrderItem:
    return OrderItem(
        product_id=product.id,
        product_name=product.name,
        category=product.category,
        quantity=quantity,
        unit_price_cents=product.price_cents,
        warranty_months=product.warranty_months,
        return_window_days=product.return_window_days,
    )


def shipment(order_id: OrderId, *, status: ShipmentStatus, shipped_days_ago: int) -> Shipment:
    delivered = status == ShipmentStatus.DELIVERED
    return Shipment(
        id=ShipmentId(f"shp_{order_id}"),
        order_id=order_id,
        carrier="UPS",
        tracking_number=f"1Z{order_id.upper()}",
        status=status,
        shipped_at=NOW - timedelta(days=shipped_days_ago),
        eta=NOW - timedelta(days=shipped_days_ago - 2),
        delivered_at=NOW - timedelta(days=shipped_days_ago - 2) if delivered else None,
        last_event="Delivered" if delivered else "In transit",
    )


def order(
    order_id: OrderId,
    *,
    customer_id: CustomerId = ADA,
    status: OrderStatus,
    placed_days_ago: int,
    items: tuple[OrderItem, ...] = (line(LAMP),),
    shipments: tuple[Shipment, ...] = (),
) -> Order:
    delivered = [s.delivered_at for s in shipments if s.delivered_at is not None]
    return Order(
        id=order_id,
        customer_id=customer_id,
        status=status,
        placed_at=NOW - timedelta(days=placed_days_ago),
        updated_at=NOW - timedelta(days=placed_days_ago),
        currency="USD",
        subtotal_cents=sum(i.line_total_cents for i in items),
        shipping_cents=SHIPPING_CENTS,
        discount_cents=0,
        tax_cents=0,
        payment_method=PaymentMethod.CARD,
        shipping_address=HOME,
        items=items,
        delivered_at=max(delivered, default=None),
        shipments=shipments,
    )


def seed(uow_factory: SqlUnitOfWorkFactory) -> None:
    """Ada has an order in every stage up to delivery; Bob has one delivered order."""
    delivered_items = (line(LAMP), line(MUG, 2))
    with uow_factory() as uow:
        uow.customers.add_many(
            [
                customer(ADA, email="Ada.Lovelace@Example.com", phone="+15550100"),
                customer(BOB, email="bob@example.com", phone="+15550199"),
            ]
        )
        uow.catalog.add_products([LAMP, MUG])
        uow.orders.add_many(
            [
                order(PENDING, status=OrderStatus.PENDING, placed_days_ago=0),
                order(PROCESSING, status=OrderStatus.PROCESSING, placed_days_ago=1),
                order(
                    SHIPPED,
                    status=OrderStatus.SHIPPED,
                    placed_days_ago=3,
                    shipments=(
                        shipment(SHIPPED, status=ShipmentStatus.IN_TRANSIT, shipped_days_ago=2),
                    ),
                ),
                order(
                    DELIVERED,
                    status=OrderStatus.DELIVERED,
                    placed_days_ago=10,
                    items=delivered_items,
                    shipments=(
                        shipment(DELIVERED, status=ShipmentStatus.DELIVERED, shipped_days_ago=8),
                    ),
                ),
                order(
                    BOBS_DELIVERED,
                    customer_id=BOB,
                    status=OrderStatus.DELIVERED,
                    placed_days_ago=10,
                    shipments=(
                        shipment(
                            BOBS_DELIVERED, status=ShipmentStatus.DELIVERED, shipped_days_ago=8
                        ),
                    ),
                ),
            ]
        )
        uow.commit()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def store(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock) -> SqlOrderStore:
    seed(uow_factory)
    return SqlOrderStore(uow_factory=uow_factory, clock=clock)


def key_is_free(uow_factory: SqlUnitOfWorkFactory, key: str) -> bool:
    with uow_factory() as uow:
        return uow.operations.find(key) is None


def in_parallel(calls: Sequence[Callable[[], T]]) -> list[T | DomainError]:
    """Start every call at the same moment on its own thread; collect results and domain errors."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T | DomainError:
        start.wait()
        try:
            return call()
        except DomainError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def rule_codes(outcomes: Sequence[object]) -> list[str]:
    return [o.code for o in outcomes if isinstance(o, BusinessRuleError)]


# reads


def test_that_a_customer_is_found_by_id_email_in_any_case_or_phone(store: SqlOrderStore) -> None:
    for found in (
        store.find_customer(customer_id=ADA),
        store.find_customer(email="ada.LOVELACE@example.COM"),
        store.find_customer(phone="+15550100"),
    ):
        assert found is not None
        assert found.id == ADA


def test_that_an_unknown_customer_is_not_found(store: SqlOrderStore) -> None:
    assert store.find_customer(email="nobody@example.com") is None
    assert store.find_customer(customer_id=CustomerId("cus_nobody")) is None


def test_that_a_customer_lookup_takes_exactly_one_field(store: SqlOrderStore) -> None:
    with pytest.raises(InvalidInputError) as raised:
        store.find_customer(email="bob@example.com", phone="+15550199")
    assert raised.value.field == "email, phone"
    with pytest.raises(InvalidInputError) as raised:
        store.find_customer()
    assert raised.value.field == "customer_id, email, phone"


def test_that_orders_are_listed_newest_first_up_to_the_limit(store: SqlOrderStore) -> None:
    assert [o.id for o in store.list_orders(ADA)] == [PENDING, PROCESSING, SHIPPED, DELIVERED]
    assert [o.id for o in store.list_orders(ADA, limit=2)] == [PENDING, PROCESSING]
    assert [o.id for o in store.list_orders(BOB)] == [BOBS_DELIVERED]


def test_that_an_order_list_needs_a_positive_limit(store: SqlOrderStore) -> None:
    with pytest.raises(InvalidInputError) as raised:
        store.list_orders(ADA, limit=0)
    assert raised.value.field == "limit"


def test_that_an_order_comes_back_with_its_items_and_shipments(store: SqlOrderStore) -> None:
    found = store.get_order(DELIVERED)
    assert found.status == OrderStatus.DELIVERED
    assert [(i.product_id, i.quantity) for i in found.items] == [(LAMP.id, 1), (MUG.id, 2)]
    assert found.total_cents == DELIVERED_TOTAL
    assert found.delivered_at == NOW - timedelta(days=6)


def test_that_tracking_lists_the_shipments_of_an_order(store: SqlOrderStore) -> None:
    (parcel,) = store.get_tracking(SHIPPED)
    assert parcel.status == ShipmentStatus.IN_TRANSIT
    assert parcel.tracking_number == "1ZORD_SHIPPED"
    assert store.get_tracking(PENDING) == ()


@pytest.mark.parametrize("read", [SqlOrderStore.get_order, SqlOrderStore.get_tracking])
def test_that_unknown_orders_are_not_found(
    store: SqlOrderStore, read: Callable[[SqlOrderStore, OrderId], object]
) -> None:
    with pytest.raises(NotFoundError) as raised:
        read(store, OrderId("ord_nope"))
    assert (raised.value.kind, raised.value.key) == ("order", "ord_nope")


# cancelling


def test_that_cancelling_a_pending_order_releases_it_without_a_refund(
    store: SqlOrderStore, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=5))
    cancelled = store.cancel_order(order_id=PENDING, reason="changed my mind", idempotency_key="k")
    assert cancelled.status == OrderStatus.CANCELLED
    assert cancelled.refunds == ()
    assert cancelled.updated_at == clock.now()
    assert store.get_order(PENDING) == cancelled


def test_that_cancelling_a_processing_order_refunds_it_in_full(store: SqlOrderStore) -> None:
    cancelled = store.cancel_order(order_id=PROCESSING, reason="too slow", idempotency_key="k")
    assert cancelled.status == OrderStatus.CANCELLED
    (refund,) = cancelled.refunds
    assert (refund.amount_cents, refund.status, refund.reason) == (
        cancelled.total_cents,
        RefundStatus.COMPLETED,
        "too slow",
    )
    assert cancelled.refunded_cents == cancelled.total_cents


def test_that_shipped_orders_cannot_be_cancelled(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    before = store.get_order(SHIPPED)
    with pytest.raises(BusinessRuleError) as raised:
        store.cancel_order(order_id=SHIPPED, reason="too slow", idempotency_key="k")
    assert raised.value.code == "order_not_cancellable"
    assert store.get_order(SHIPPED) == before
    assert key_is_free(uow_factory, "k")


# changing the shipping address


def test_that_an_unshipped_order_can_be_sent_to_a_new_address(
    store: SqlOrderStore, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=5))
    moved = store.update_shipping_address(
        order_id=PROCESSING, address=NEW_HOME, idempotency_key="k"
    )
    assert moved.shipping_address == NEW_HOME
    assert moved.updated_at == clock.now()
    assert store.get_order(PROCESSING) == moved


def test_that_the_address_of_a_shipped_order_cannot_change(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    before = store.get_order(SHIPPED)
    with pytest.raises(BusinessRuleError) as raised:
        store.update_shipping_address(order_id=SHIPPED, address=NEW_HOME, idempotency_key="k")
    assert raised.value.code == "address_not_changeable"
    assert store.get_order(SHIPPED) == before
    assert key_is_free(uow_factory, "k")


def test_that_a_refused_request_can_be_fixed_and_retried_under_the_same_key(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    before = store.get_order(PENDING)
    with pytest.raises(InvalidInputError) as raised:
        store.update_shipping_address(
            order_id=PENDING, address=replace(NEW_HOME, postal_code="5432"), idempotency_key="k"
        )
    assert raised.value.field == "address.postal_code"
    assert store.get_order(PENDING) == before
    assert key_is_free(uow_factory, "k")
    moved = store.update_shipping_address(order_id=PENDING, address=NEW_HOME, idempotency_key="k")
    assert moved.shipping_address == NEW_HOME


# returns


def test_that_a_return_is_authorized_with_a_label(store: SqlOrderStore, clock: FixedClock) -> None:
    clock.advance(timedelta(minutes=5))
    ret = store.create_return(
        order_id=DELIVERED, items=[ReturnItem(MUG.id, 1)], reason="chipped", idempotency_key="k"
    )
    assert ret.status == ReturnStatus.AUTHORIZED
    assert ret.items == (ReturnItem(MUG.id, 1),)
    assert ret.label_reference == "LBL-" + ret.id.removeprefix("ret_").upper()
    after = store.get_order(DELIVERED)
    assert after.returns == (ret,)
    assert after.status == OrderStatus.DELIVERED
    assert after.updated_at == clock.now()


def test_that_an_order_is_returned_once_every_unit_is(store: SqlOrderStore) -> None:
    store.create_return(
        order_id=DELIVERED, items=[ReturnItem(MUG.id, 2)], reason="chipped", idempotency_key="a"
    )
    assert store.get_order(DELIVERED).status == OrderStatus.DELIVERED
    store.create_return(
        order_id=DELIVERED, items=[ReturnItem(LAMP.id, 1)], reason="too dim", idempotency_key="b"
    )
    assert store.get_order(DELIVERED).status == OrderStatus.RETURNED


@pytest.mark.parametrize(
    ("order_id", "item", "code"),
    [
        (SHIPPED, ReturnItem(LAMP.id, 1), "order_not_returnable"),
        (DELIVERED, ReturnItem(MUG.id, 3), "return_quantity_exceeded"),
    ],
)
def test_that_returns_outside_the_rules_are_refused(
    store: SqlOrderStore,
    uow_factory: SqlUnitOfWorkFactory,
    order_id: OrderId,
    item: ReturnItem,
    code: str,
) -> None:
    before = store.get_order(order_id)
    with pytest.raises(BusinessRuleError) as raised:
        store.create_return(
            order_id=order_id, items=[item], reason="no longer needed", idempotency_key="k"
        )
    assert raised.value.code == code
    assert store.get_order(order_id) == before
    assert key_is_free(uow_factory, "k")


def test_that_items_can_only_be_returned_within_their_window(
    store: SqlOrderStore, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=30))
    with pytest.raises(BusinessRuleError) as raised:
        store.create_return(
            order_id=DELIVERED, items=[ReturnItem(LAMP.id, 1)], reason="late", idempotency_key="k"
        )
    assert raised.value.code == "return_window_closed"


# refunds


def test_that_a_partial_refund_settles_at_once_and_leaves_the_status(
    store: SqlOrderStore, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=5))
    refund = store.issue_refund(
        order_id=DELIVERED, amount_cents=1_000, reason="goodwill", idempotency_key="k"
    )
    assert (refund.status, refund.amount_cents, refund.return_id) == (
        RefundStatus.COMPLETED,
        1_000,
        None,
    )
    after = store.get_order(DELIVERED)
    assert after.refunds == (refund,)
    assert after.status == OrderStatus.DELIVERED
    assert after.updated_at == clock.now()


def test_that_refunding_a_return_marks_it_refunded_and_a_full_refund_settles_the_order(
    store: SqlOrderStore,
) -> None:
    ret = store.create_return(
        order_id=DELIVERED, items=[ReturnItem(LAMP.id, 1)], reason="too dim", idempotency_key="r"
    )
    refund = store.issue_refund(
        order_id=DELIVERED,
        amount_cents=DELIVERED_TOTAL,
        reason="returned",
        idempotency_key="k",
        return_id=ret.id,
    )
    assert refund.return_id == ret.id
    after = store.get_order(DELIVERED)
    assert after.status == OrderStatus.REFUNDED
    assert [r.status for r in after.returns] == [ReturnStatus.REFUNDED]


def test_that_a_refund_can_only_name_a_return_of_its_own_order(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    bobs = store.create_return(
        order_id=BOBS_DELIVERED,
        items=[ReturnItem(LAMP.id, 1)],
        reason="too dim",
        idempotency_key="r",
    )
    before = store.get_order(DELIVERED)
    with pytest.raises(InvalidInputError) as raised:
        store.issue_refund(
            order_id=DELIVERED,
            amount_cents=1_000,
            reason="returned",
            idempotency_key="k",
            return_id=bobs.id,
        )
    assert raised.value.field == "return_id"
    assert store.get_order(DELIVERED) == before
    assert store.get_order(BOBS_DELIVERED).returns == (bobs,)
    assert key_is_free(uow_factory, "k")


@pytest.mark.parametrize(
    ("order_id", "amount_cents", "code"),
    [
        (PENDING, 100, "order_not_refundable"),
        (DELIVERED, DELIVERED_TOTAL + 1, "refund_exceeds_balance"),
    ],
)
def test_that_refunds_outside_the_rules_are_refused(
    store: SqlOrderStore,
    uow_factory: SqlUnitOfWorkFactory,
    order_id: OrderId,
    amount_cents: int,
    code: str,
) -> None:
    before = store.get_order(order_id)
    with pytest.raises(BusinessRuleError) as raised:
        store.issue_refund(
            order_id=order_id, amount_cents=amount_cents, reason="goodwill", idempotency_key="k"
        )
    assert raised.value.code == code
    assert store.get_order(order_id) == before
    assert key_is_free(uow_factory, "k")


# reshipping


def replacements(store: SqlOrderStore, customer_id: CustomerId = ADA) -> list[OrderId]:
    return sorted(o.id for o in store.list_orders(customer_id) if "-R" in o.id)


def test_that_reshipping_sends_the_same_items_again_for_nothing_and_marks_the_original_lost(
    store: SqlOrderStore, clock: FixedClock
) -> None:
    before = store.get_order(SHIPPED)
    clock.advance(timedelta(minutes=5))
    sent = store.reship_order(order_id=SHIPPED, reason="never arrived", idempotency_key="k")
    assert (sent.id, sent.customer_id, sent.status) == (
        "ord_shipped-R1",
        ADA,
        OrderStatus.PROCESSING,
    )
    assert (sent.placed_at, sent.updated_at) == (clock.now(), clock.now())
    assert sent.items == before.items
    assert (sent.shipping_address, sent.payment_method, sent.currency) == (
        before.shipping_address,
        before.payment_method,
        before.currency,
    )
    assert sent.subtotal_cents == before.subtotal_cents
    assert sent.total_cents == 0
    assert sent.promotion_code is None
    assert (sent.shipments, sent.returns, sent.refunds) == ((), (), ())
    assert store.get_order(sent.id) == sent
    assert store.list_orders(ADA)[0] == sent
    after = store.get_order(SHIPPED)
    assert after == replace(before, status=OrderStatus.LOST, updated_at=clock.now())


def test_that_a_replacement_cannot_be_refunded(store: SqlOrderStore) -> None:
    sent = store.reship_order(order_id=SHIPPED, reason="never arrived", idempotency_key="k")
    with pytest.raises(BusinessRuleError) as raised:
        store.issue_refund(order_id=sent.id, amount_cents=1, reason="?", idempotency_key="r")
    assert raised.value.code == "refund_exceeds_balance"


def test_that_a_lost_order_reshipped_again_gets_the_next_number(store: SqlOrderStore) -> None:
    first = store.reship_order(order_id=SHIPPED, reason="never arrived", idempotency_key="a")
    second = store.reship_order(order_id=SHIPPED, reason="lost again", idempotency_key="b")
    assert (first.id, second.id) == ("ord_shipped-R1", "ord_shipped-R2")
    assert replacements(store) == [first.id, second.id]
    assert store.get_order(SHIPPED).status == OrderStatus.LOST


def test_that_a_retried_reship_sends_one_replacement(store: SqlOrderStore) -> None:
    first = store.reship_order(order_id=SHIPPED, reason="never arrived", idempotency_key="k")
    again = store.reship_order(order_id=SHIPPED, reason="never arrived", idempotency_key="k")
    assert again == first
    assert replacements(store) == [first.id]


@pytest.mark.parametrize("order_id", [PENDING, PROCESSING, DELIVERED])
def test_that_orders_not_on_their_way_cannot_be_reshipped(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory, order_id: OrderId
) -> None:
    before = store.get_order(order_id)
    with pytest.raises(BusinessRuleError) as raised:
        store.reship_order(order_id=order_id, reason="never arrived", idempotency_key="k")
    assert raised.value.code == "order_not_reshippable"
    assert store.get_order(order_id) == before
    assert replacements(store) == []
    assert key_is_free(uow_factory, "k")


def test_that_writes_to_unknown_orders_are_not_found_and_claim_nothing(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    with pytest.raises(NotFoundError) as raised:
        store.cancel_order(order_id=OrderId("ord_nope"), reason="?", idempotency_key="k")
    assert (raised.value.kind, raised.value.key) == ("order", "ord_nope")
    with pytest.raises(NotFoundError) as raised:
        store.reship_order(order_id=OrderId("ord_nope"), reason="?", idempotency_key="k")
    assert (raised.value.kind, raised.value.key) == ("order", "ord_nope")
    assert key_is_free(uow_factory, "k")


# idempotency

Write = Callable[[SqlOrderStore, str], object]


def cancel(reason: str) -> Write:
    return lambda store, key: store.cancel_order(
        order_id=PROCESSING, reason=reason, idempotency_key=key
    )


def move_to(address: Address) -> Write:
    return lambda store, key: store.update_shipping_address(
        order_id=PENDING, address=address, idempotency_key=key
    )


def return_mugs(quantity: int) -> Write:
    return lambda store, key: store.create_return(
        order_id=DELIVERED,
        items=[ReturnItem(MUG.id, quantity)],
        reason="chipped",
        idempotency_key=key,
    )


def refund(amount_cents: int) -> Write:
    return lambda store, key: store.issue_refund(
        order_id=DELIVERED, amount_cents=amount_cents, reason="goodwill", idempotency_key=key
    )


def reship(reason: str) -> Write:
    return lambda store, key: store.reship_order(
        order_id=SHIPPED, reason=reason, idempotency_key=key
    )


# For each write: the request, and the same request with one argument changed.
WRITES = {
    "cancel_order": (cancel("too slow"), cancel("found it cheaper")),
    "update_shipping_address": (move_to(NEW_HOME), move_to(replace(NEW_HOME, line2="Apt 2"))),
    "create_return": (return_mugs(1), return_mugs(2)),
    "issue_refund": (refund(1_000), refund(2_000)),
    "reship_order": (reship("never arrived"), reship("stolen from the porch")),
}
ORDER_WRITTEN = {
    "cancel_order": PROCESSING,
    "update_shipping_address": PENDING,
    "create_return": DELIVERED,
    "issue_refund": DELIVERED,
    "reship_order": SHIPPED,
}


@pytest.mark.parametrize("operation", WRITES)
def test_that_a_retried_write_returns_the_first_result_and_writes_nothing_more(
    store: SqlOrderStore, clock: FixedClock, operation: str
) -> None:
    write, _ = WRITES[operation]
    first = write(store, "k")
    written = store.get_order(ORDER_WRITTEN[operation])
    clock.advance(timedelta(minutes=5))
    assert write(store, "k") == first
    assert store.get_order(ORDER_WRITTEN[operation]) == written


@pytest.mark.parametrize("operation", WRITES)
def test_that_a_key_reused_with_other_arguments_is_a_conflict(
    store: SqlOrderStore, operation: str
) -> None:
    write, other = WRITES[operation]
    write(store, "k-1")
    written = store.get_order(ORDER_WRITTEN[operation])
    with pytest.raises(IdempotencyConflictError, match="'k-1'"):
        other(store, "k-1")
    assert store.get_order(ORDER_WRITTEN[operation]) == written


def test_that_a_key_reused_for_another_operation_is_a_conflict(store: SqlOrderStore) -> None:
    store.cancel_order(order_id=PENDING, reason="too slow", idempotency_key="k")
    with pytest.raises(IdempotencyConflictError, match="'k'"):
        store.update_shipping_address(order_id=PENDING, address=NEW_HOME, idempotency_key="k")


# concurrency

RACERS = 8


def test_that_concurrent_retries_of_one_cancellation_cancel_and_refund_once(
    store: SqlOrderStore,
) -> None:
    cancel_once = cancel("too slow")
    outcomes = in_parallel([partial(cancel_once, store, "same")] * RACERS)
    assert all(isinstance(o, Order) for o in outcomes), outcomes
    assert all(o == outcomes[0] for o in outcomes)
    after = store.get_order(PROCESSING)
    assert after == outcomes[0]
    assert after.status == OrderStatus.CANCELLED
    assert len(after.refunds) == 1


def test_that_concurrent_cancellations_under_different_keys_cancel_once(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    cancel_once = cancel("too slow")
    outcomes = in_parallel([partial(cancel_once, store, f"key-{n}") for n in range(RACERS)])
    assert sum(isinstance(o, Order) for o in outcomes) == 1, outcomes
    assert rule_codes(outcomes) == ["order_not_cancellable"] * (RACERS - 1)
    assert len(store.get_order(PROCESSING).refunds) == 1
    taken = [n for n in range(RACERS) if not key_is_free(uow_factory, f"key-{n}")]
    assert taken == [n for n, o in enumerate(outcomes) if isinstance(o, Order)]


def test_that_concurrent_refunds_never_exceed_the_order_total(store: SqlOrderStore) -> None:
    share = 3_000
    refund_share = refund(share)
    outcomes = in_parallel([partial(refund_share, store, f"key-{n}") for n in range(RACERS)])
    fits = DELIVERED_TOTAL // share
    assert sum(isinstance(o, Refund) for o in outcomes) == fits, outcomes
    assert rule_codes(outcomes) == ["refund_exceeds_balance"] * (RACERS - fits)
    after = store.get_order(DELIVERED)
    assert after.refunded_cents == fits * share <= after.total_cents


def test_that_concurrent_retries_of_one_reship_send_one_replacement(
    store: SqlOrderStore,
) -> None:
    reship_once = reship("never arrived")
    outcomes = in_parallel([partial(reship_once, store, "same")] * RACERS)
    assert all(isinstance(o, Order) for o in outcomes), outcomes
    assert all(o == outcomes[0] for o in outcomes)
    assert replacements(store) == ["ord_shipped-R1"]


def test_that_concurrent_reships_under_different_keys_never_share_a_number(
    store: SqlOrderStore, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """Each racer numbers its replacement before it locks the order; one that finds its number
    taken once it holds the lock is refused, and any other error would escape `in_parallel`."""
    reship_once = reship("never arrived")
    outcomes = in_parallel([partial(reship_once, store, f"key-{n}") for n in range(RACERS)])
    sent = [o.id for o in outcomes if isinstance(o, Order)]
    assert sent, outcomes
    assert sorted(sent) == [f"ord_shipped-R{n}" for n in range(1, len(sent) + 1)]
    assert rule_codes(outcomes) == ["order_not_reshippable"] * (RACERS - len(sent))
    assert replacements(store) == sorted(sent)
    taken = [n for n in range(RACERS) if not key_is_free(uow_factory, f"key-{n}")]
    assert taken == [n for n, o in enumerate(outcomes) if isinstance(o, Order)]
