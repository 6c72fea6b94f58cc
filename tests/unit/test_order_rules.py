from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cxops.domain.customers import Address
from cxops.domain.errors import BusinessRuleError, InvalidInputError
from cxops.domain.ids import CustomerId, OrderId, ProductId, RefundId, ReturnId
from cxops.domain.order_rules import (
    check_address,
    check_address_changeable,
    check_cancellable,
    check_refundable,
    check_reshippable,
    check_return_refundable,
    check_returnable,
    next_replacement_id,
    replacement_of,
    replacement_order_id,
    returned_quantities,
    status_after_refund,
    status_after_return,
)
from cxops.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundStatus,
    Return,
    ReturnItem,
    ReturnStatus,
)

DELIVERED_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
LAMP = ProductId("prd_lamp")
MUG = ProductId("prd_mug")
GIFT_CARD = ProductId("prd_gift")
HOME = Address(line1="1 Main St", city="Springfield", postal_code="12345", country="US")

NOT_YET_SHIPPED = [OrderStatus.PENDING, OrderStatus.PROCESSING]
SHIPPED_OR_LATER = [s for s in OrderStatus if s not in NOT_YET_SHIPPED]
DELIVERED = [OrderStatus.DELIVERED, OrderStatus.RETURNED]
NOT_DELIVERED = [s for s in OrderStatus if s not in DELIVERED]
IN_TRANSIT_OR_LOST = [OrderStatus.SHIPPED, OrderStatus.DELAYED, OrderStatus.LOST]
NOT_IN_TRANSIT = [s for s in OrderStatus if s not in IN_TRANSIT_OR_LOST]


def item(product_id: ProductId, *, quantity: int = 1, return_window_days: int = 30) -> OrderItem:
    return OrderItem(
        product_id=product_id,
        product_name=product_id.removeprefix("prd_").title(),
        category="home",
        quantity=quantity,
        unit_price_cents=1_000,
        warranty_months=12,
        return_window_days=return_window_days,
    )


def order(
    status: OrderStatus = OrderStatus.DELIVERED,
    *,
    delivered_at: datetime | None = DELIVERED_AT,
    returns: tuple[Return, ...] = (),
    refunds: tuple[Refund, ...] = (),
) -> Order:
    """A delivered order of one lamp (30-day window), two mugs and a final-sale gift card.

    Total: 4,000 cents of goods + 500 shipping + 300 tax - 800 discount = 4,000 cents.
    """
    return Order(
        id=OrderId("ord_1"),
        customer_id=CustomerId("cus_1"),
        status=status,
        placed_at=DELIVERED_AT - timedelta(days=3),
        updated_at=DELIVERED_AT,
        currency="USD",
        subtotal_cents=4_000,
        shipping_cents=500,
        discount_cents=800,
        tax_cents=300,
        payment_method=PaymentMethod.CARD,
        shipping_address=HOME,
        items=(item(LAMP), item(MUG, quantity=2), item(GIFT_CARD, return_window_days=0)),
        delivered_at=delivered_at,
        returns=returns,
        refunds=refunds,
    )


def a_return(*items: ReturnItem, status: ReturnStatus = ReturnStatus.AUTHORIZED) -> Return:
    return Return(
        id=ReturnId("ret_1"),
        order_id=OrderId("ord_1"),
        items=items,
        reason="changed my mind",
        status=status,
        label_reference="LBL-1",
        created_at=DELIVERED_AT + timedelta(days=1),
    )


def a_refund(amount_cents: int, *, status: RefundStatus = RefundStatus.COMPLETED) -> Refund:
    return Refund(
        id=RefundId("rfd_1"),
        order_id=OrderId("ord_1"),
        amount_cents=amount_cents,
        reason="goodwill",
        status=status,
        created_at=DELIVERED_AT + timedelta(days=1),
    )


def rule_code(raised: pytest.ExceptionInfo[BusinessRuleError]) -> str:
    return raised.value.code


# cancelling


@pytest.mark.parametrize("status", NOT_YET_SHIPPED)
def test_that_orders_that_have_not_shipped_can_be_cancelled(status: OrderStatus) -> None:
    check_cancellable(order(status))


@pytest.mark.parametrize("status", SHIPPED_OR_LATER)
def test_that_shipped_orders_cannot_be_cancelled(status: OrderStatus) -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_cancellable(order(status))
    assert rule_code(raised) == "order_not_cancellable"
    assert status.value in raised.value.message


# reshipping


@pytest.mark.parametrize("status", IN_TRANSIT_OR_LOST)
def test_that_orders_shipped_but_not_arrived_can_be_reshipped(status: OrderStatus) -> None:
    check_reshippable(order(status, delivered_at=None))


@pytest.mark.parametrize("status", NOT_IN_TRANSIT)
def test_that_orders_not_on_their_way_cannot_be_reshipped(status: OrderStatus) -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_reshippable(order(status))
    assert rule_code(raised) == "order_not_reshippable"
    assert status.value in raised.value.message


def test_that_replacements_are_numbered_after_the_order() -> None:
    assert replacement_order_id(OrderId("W0000042"), 1) == "W0000042-R1"
    assert replacement_order_id(OrderId("W0000042"), 12) == "W0000042-R12"
    with pytest.raises(ValueError, match="from 1"):
        replacement_order_id(OrderId("W0000042"), 0)


def test_that_the_next_replacement_follows_the_highest_one_taken() -> None:
    original = OrderId("W1")
    assert next_replacement_id(original, []) == "W1-R1"
    assert next_replacement_id(original, ["W1-R1"]) == "W1-R2"
    assert next_replacement_id(original, ["W1-R3", "W1-R1"]) == "W1-R4"


@pytest.mark.parametrize(
    "taken",
    ["W1-R1-R1", "W1-R", "W1-Rx", "W1-R01", "W1-r2", "W10-R5", "W1-R1 "],
)
def test_that_ids_that_are_not_replacements_of_the_order_do_not_count(taken: str) -> None:
    assert next_replacement_id(OrderId("W1"), [taken]) == "W1-R1"


def test_that_a_replacement_sends_the_same_items_to_the_same_place_for_nothing() -> None:
    lost = replace(order(OrderStatus.LOST, delivered_at=None), promotion_code="SAVE20")
    now = DELIVERED_AT + timedelta(days=5)
    sent = replacement_of(lost, replacement_id=OrderId("ord_1-R1"), now=now)
    assert (sent.id, sent.customer_id, sent.status) == (
        "ord_1-R1",
        lost.customer_id,
        OrderStatus.PROCESSING,
    )
    assert (sent.placed_at, sent.updated_at, sent.delivered_at) == (now, now, None)
    assert sent.items == lost.items
    assert (sent.shipping_address, sent.payment_method, sent.currency) == (
        lost.shipping_address,
        lost.payment_method,
        lost.currency,
    )
    assert (sent.subtotal_cents, sent.shipping_cents, sent.tax_cents) == (4_000, 500, 300)
    assert sent.discount_cents == 4_800
    assert sent.total_cents == 0
    assert sent.promotion_code is None
    assert (sent.shipments, sent.returns, sent.refunds) == ((), (), ())


# changing the shipping address


@pytest.mark.parametrize("status", NOT_YET_SHIPPED)
def test_that_the_address_of_an_unshipped_order_can_change(status: OrderStatus) -> None:
    check_address_changeable(order(status))


@pytest.mark.parametrize("status", SHIPPED_OR_LATER)
def test_that_the_address_of_a_shipped_order_cannot_change(status: OrderStatus) -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_address_changeable(order(status))
    assert rule_code(raised) == "address_not_changeable"


@pytest.mark.parametrize(
    "address",
    [
        HOME,
        replace(HOME, postal_code="12345-6789"),
        replace(HOME, country="us"),
        replace(HOME, country="GB", postal_code="SW1A 1AA"),
    ],
)
def test_that_complete_addresses_are_accepted(address: Address) -> None:
    check_address(address)


@pytest.mark.parametrize("name", ["line1", "city", "postal_code", "country"])
def test_that_an_address_needs_every_required_field(name: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_address(replace(HOME, **{name: "  "}))
    assert raised.value.field == f"address.{name}"


@pytest.mark.parametrize("country", ["USA", "U", "1A"])
def test_that_the_country_must_be_a_two_letter_code(country: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_address(replace(HOME, country=country))
    assert raised.value.field == "address.country"


@pytest.mark.parametrize("postal_code", ["1234", "123456", "ABCDE", "12345-67"])
def test_that_us_addresses_need_a_zip_code(postal_code: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_address(replace(HOME, postal_code=postal_code))
    assert raised.value.field == "address.postal_code"


# returns


def test_that_returned_quantities_add_up_across_returns_but_skip_rejected_ones() -> None:
    returns = (
        a_return(ReturnItem(MUG, 1)),
        a_return(ReturnItem(MUG, 1), ReturnItem(LAMP, 1)),
        a_return(ReturnItem(LAMP, 1), status=ReturnStatus.REJECTED),
    )
    assert returned_quantities(order(returns=returns)) == {MUG: 2, LAMP: 1}


@pytest.mark.parametrize("status", DELIVERED)
def test_that_delivered_units_inside_their_window_can_be_returned(status: OrderStatus) -> None:
    deadline = DELIVERED_AT + timedelta(days=30)
    check_returnable(order(status), (ReturnItem(LAMP, 1), ReturnItem(MUG, 2)), now=deadline)


@pytest.mark.parametrize("status", NOT_DELIVERED)
def test_that_only_delivered_orders_can_be_returned(status: OrderStatus) -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(order(status), (ReturnItem(LAMP, 1),), now=DELIVERED_AT)
    assert rule_code(raised) == "order_not_returnable"


def test_that_an_order_without_a_delivery_date_cannot_be_returned() -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(order(delivered_at=None), (ReturnItem(LAMP, 1),), now=DELIVERED_AT)
    assert rule_code(raised) == "order_not_returnable"


@pytest.mark.parametrize(
    "items",
    [(), (ReturnItem(ProductId("prd_elsewhere"), 1),), (ReturnItem(LAMP, 0),)],
    ids=["nothing", "product not in the order", "zero units"],
)
def test_that_a_return_must_name_units_of_the_order(items: tuple[ReturnItem, ...]) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_returnable(order(), items, now=DELIVERED_AT)
    assert raised.value.field == "items"


def test_that_final_sale_items_cannot_be_returned() -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(order(), (ReturnItem(GIFT_CARD, 1),), now=DELIVERED_AT)
    assert rule_code(raised) == "item_not_returnable"


def test_that_items_cannot_be_returned_after_their_window_closes() -> None:
    too_late = DELIVERED_AT + timedelta(days=30, seconds=1)
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(order(), (ReturnItem(LAMP, 1),), now=too_late)
    assert rule_code(raised) == "return_window_closed"
    assert "2026-10-31" in raised.value.message


def test_that_no_more_units_can_be_returned_than_were_ordered() -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(order(), (ReturnItem(MUG, 3),), now=DELIVERED_AT)
    assert rule_code(raised) == "return_quantity_exceeded"


def test_that_units_already_returned_cannot_be_returned_again() -> None:
    earlier = order(returns=(a_return(ReturnItem(MUG, 2)),))
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(earlier, (ReturnItem(MUG, 1),), now=DELIVERED_AT)
    assert rule_code(raised) == "return_quantity_exceeded"
    assert "only 0 unit(s)" in raised.value.message


def test_that_units_of_a_rejected_return_can_be_returned_again() -> None:
    rejected = order(returns=(a_return(ReturnItem(MUG, 2), status=ReturnStatus.REJECTED),))
    check_returnable(rejected, (ReturnItem(MUG, 2),), now=DELIVERED_AT)


# refunds


def test_that_the_whole_order_total_can_be_refunded() -> None:
    check_refundable(order(), 4_000)


@pytest.mark.parametrize("amount_cents", [0, -1])
def test_that_a_refund_must_be_a_positive_amount(amount_cents: int) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_refundable(order(), amount_cents)
    assert raised.value.field == "amount_cents"


@pytest.mark.parametrize(
    "status", [OrderStatus.PENDING, OrderStatus.REFUNDED, OrderStatus.CANCELLED]
)
def test_that_orders_that_were_never_paid_or_are_settled_cannot_be_refunded(
    status: OrderStatus,
) -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_refundable(order(status), 100)
    assert rule_code(raised) == "order_not_refundable"


def test_that_a_refund_cannot_exceed_what_is_left_of_the_total() -> None:
    partly_refunded = order(refunds=(a_refund(3_000),))
    check_refundable(partly_refunded, 1_000)
    with pytest.raises(BusinessRuleError) as raised:
        check_refundable(partly_refunded, 1_001)
    assert rule_code(raised) == "refund_exceeds_balance"
    assert "at most 1000 cents" in raised.value.message


def test_that_failed_refunds_do_not_count_against_the_balance() -> None:
    check_refundable(order(refunds=(a_refund(4_000, status=RefundStatus.FAILED),)), 4_000)


def test_that_units_of_one_product_on_two_lines_count_together() -> None:
    two_lines = replace(order(), items=(item(LAMP), item(LAMP)))
    check_returnable(two_lines, (ReturnItem(LAMP, 2),), now=DELIVERED_AT)
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(two_lines, (ReturnItem(LAMP, 3),), now=DELIVERED_AT)
    assert rule_code(raised) == "return_quantity_exceeded"


def test_that_one_product_named_twice_in_a_return_counts_both_times() -> None:
    with pytest.raises(BusinessRuleError) as raised:
        check_returnable(order(), (ReturnItem(LAMP, 1), ReturnItem(LAMP, 1)), now=DELIVERED_AT)
    assert rule_code(raised) == "return_quantity_exceeded"


def test_that_a_refund_may_settle_an_open_return_of_the_same_order() -> None:
    check_return_refundable(order(returns=(a_return(ReturnItem(LAMP, 1)),)), ReturnId("ret_1"))


def test_that_a_refund_cannot_name_another_orders_return() -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_return_refundable(order(), ReturnId("ret_elsewhere"))
    assert raised.value.field == "return_id"


@pytest.mark.parametrize("status", [ReturnStatus.REJECTED, ReturnStatus.REFUNDED])
def test_that_a_refused_or_refunded_return_cannot_be_refunded_again(status: ReturnStatus) -> None:
    settled = order(returns=(a_return(ReturnItem(LAMP, 1), status=status),))
    with pytest.raises(BusinessRuleError) as raised:
        check_return_refundable(settled, ReturnId("ret_1"))
    assert rule_code(raised) == "return_not_refundable"


def test_that_an_order_is_returned_once_every_unit_is_covered() -> None:
    partly = order(returns=(a_return(ReturnItem(LAMP, 1)),))
    wholly = order(
        returns=(a_return(ReturnItem(LAMP, 1), ReturnItem(MUG, 2), ReturnItem(GIFT_CARD, 1)),)
    )
    assert status_after_return(partly) == OrderStatus.DELIVERED
    assert status_after_return(wholly) == OrderStatus.RETURNED


def test_that_an_order_is_refunded_once_refunds_reach_its_total() -> None:
    assert status_after_refund(order(refunds=(a_refund(3_999),))) == OrderStatus.DELIVERED
    assert status_after_refund(order(refunds=(a_refund(4_000),))) == OrderStatus.REFUNDED
