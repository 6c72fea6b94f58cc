from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cxops.analytics.data_quality import IssueCode, check_orders, summarize
from cxops.domain.customers import Address
from cxops.domain.ids import CustomerId, OrderId, ProductId, RefundId, ReturnId, ShipmentId
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
    Shipment,
    ShipmentStatus,
)

PLACED_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
SHIPPED_AT = PLACED_AT + timedelta(days=1)
DELIVERED_AT = PLACED_AT + timedelta(days=3)
LAMP = ProductId("prd_lamp")
HOME = Address(line1="1 Main St", city="Springfield", postal_code="12345", country="US")
LAMP_ITEM = OrderItem(
    product_id=LAMP,
    product_name="Lamp",
    category="home",
    quantity=1,
    unit_price_cents=4_000,
    warranty_months=12,
    return_window_days=30,
)


def shipment(
    *, tracking_number: str = "1Z999", eta: datetime | None = DELIVERED_AT, number: int = 1
) -> Shipment:
    return Shipment(
        id=ShipmentId(f"shp_{number}"),
        order_id=OrderId("ord_1"),
        carrier="UPS",
        tracking_number=tracking_number,
        status=ShipmentStatus.DELIVERED,
        shipped_at=SHIPPED_AT,
        eta=eta,
        delivered_at=DELIVERED_AT,
        last_event="delivered",
    )


def delivered_order(order_id: str = "ord_1") -> Order:
    """A clean delivered order of one lamp: 4,000 cents, shipped, tracked, with a delivery date."""
    return Order(
        id=OrderId(order_id),
        customer_id=CustomerId("cus_1"),
        status=OrderStatus.DELIVERED,
        placed_at=PLACED_AT,
        updated_at=DELIVERED_AT,
        currency="USD",
        subtotal_cents=4_000,
        shipping_cents=0,
        discount_cents=0,
        tax_cents=0,
        payment_method=PaymentMethod.CARD,
        shipping_address=HOME,
        items=(LAMP_ITEM,),
        delivered_at=DELIVERED_AT,
        shipments=(shipment(),),
    )


def a_return(*product_ids: ProductId) -> Return:
    return Return(
        id=ReturnId("ret_1"),
        order_id=OrderId("ord_1"),
        items=tuple(ReturnItem(product_id=p, quantity=1) for p in product_ids),
        reason="changed my mind",
        status=ReturnStatus.AUTHORIZED,
        label_reference="LBL-1",
        created_at=DELIVERED_AT,
    )


def a_refund(amount_cents: int, *, status: RefundStatus = RefundStatus.COMPLETED) -> Refund:
    return Refund(
        id=RefundId("rfd_1"),
        order_id=OrderId("ord_1"),
        amount_cents=amount_cents,
        reason="goodwill",
        status=status,
        created_at=DELIVERED_AT,
    )


def codes(order: Order) -> list[IssueCode]:
    return [issue.code for issue in check_orders([order])]


def test_that_a_consistent_order_has_no_issues() -> None:
    assert codes(delivered_order()) == []


def test_that_an_order_without_items_is_reported() -> None:
    order = replace(delivered_order(), status=OrderStatus.PROCESSING, items=(), shipments=())
    assert codes(order) == [IssueCode.ORDER_WITHOUT_ITEMS]


@pytest.mark.parametrize(
    "status", [OrderStatus.SHIPPED, OrderStatus.DELAYED, OrderStatus.DELIVERED, OrderStatus.LOST]
)
def test_that_a_shipped_order_without_a_shipment_is_reported(status: OrderStatus) -> None:
    issues = check_orders([replace(delivered_order(), status=status, shipments=())])
    assert [i.code for i in issues] == [IssueCode.SHIPPED_WITHOUT_TRACKING]
    assert "no shipment" in issues[0].detail


def test_that_a_shipment_with_a_blank_tracking_number_is_reported_once() -> None:
    order = replace(
        delivered_order(),
        shipments=(shipment(tracking_number=" ", number=1), shipment(tracking_number="", number=2)),
    )
    issues = check_orders([order])
    assert [i.code for i in issues] == [IssueCode.SHIPPED_WITHOUT_TRACKING]
    assert "shp_1, shp_2" in issues[0].detail


def test_that_an_order_not_yet_shipped_needs_no_tracking() -> None:
    assert codes(replace(delivered_order(), status=OrderStatus.PROCESSING, shipments=())) == []


def test_that_a_delivered_order_without_a_delivery_date_is_reported() -> None:
    assert codes(replace(delivered_order(), delivered_at=None)) == [
        IssueCode.DELIVERED_WITHOUT_DATE
    ]


@pytest.mark.parametrize("discount_cents", [4_000, 5_000])
def test_that_a_paid_order_with_items_and_no_positive_total_is_reported(
    discount_cents: int,
) -> None:
    order = replace(delivered_order(), discount_cents=discount_cents)
    issues = check_orders([order])
    assert [i.code for i in issues] == [IssueCode.NEGATIVE_OR_ZERO_TOTAL]
    assert f"total {4_000 - discount_cents} cents" in issues[0].detail


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CANCELLED])
def test_that_an_unpaid_order_may_have_a_zero_total(status: OrderStatus) -> None:
    assert codes(replace(delivered_order(), status=status, discount_cents=4_000)) == []


def test_that_refunding_more_than_the_total_is_reported() -> None:
    order = replace(delivered_order(), refunds=(a_refund(3_000), a_refund(1_500)))
    issues = check_orders([order])
    assert [i.code for i in issues] == [IssueCode.REFUND_EXCEEDS_TOTAL]
    assert issues[0].detail == "refunded 4500 cents of a 4000 cent total"


def test_that_failed_refunds_do_not_count_towards_the_refunded_amount() -> None:
    refunds = (a_refund(4_000), a_refund(4_000, status=RefundStatus.FAILED))
    assert codes(replace(delivered_order(), refunds=refunds)) == []


def test_that_returning_an_item_that_was_not_ordered_is_reported() -> None:
    order = replace(delivered_order(), returns=(a_return(LAMP, ProductId("prd_sofa")),))
    issues = check_orders([order])
    assert [i.code for i in issues] == [IssueCode.RETURN_OF_UNKNOWN_ITEM]
    assert issues[0].detail == "returned but not ordered: prd_sofa on ret_1"


def test_that_an_eta_before_the_ship_date_is_reported() -> None:
    order = replace(delivered_order(), shipments=(shipment(eta=SHIPPED_AT - timedelta(hours=1)),))
    issues = check_orders([order])
    assert [i.code for i in issues] == [IssueCode.ETA_BEFORE_SHIP_DATE]
    assert issues[0].detail.startswith("shp_1 due 2026-10-02T11:00:00+00:00")


def test_that_issues_name_their_order_and_come_in_code_order() -> None:
    broken = replace(delivered_order("ord_9"), delivered_at=None, items=(), shipments=())
    issues = check_orders([delivered_order(), broken])
    assert {i.order_id for i in issues} == {OrderId("ord_9")}
    assert [i.code for i in issues] == [
        IssueCode.ORDER_WITHOUT_ITEMS,
        IssueCode.SHIPPED_WITHOUT_TRACKING,
        IssueCode.DELIVERED_WITHOUT_DATE,
    ]


def test_that_the_summary_counts_codes_and_the_share_of_orders_affected() -> None:
    orders = [
        delivered_order("ord_1"),
        replace(delivered_order("ord_2"), delivered_at=None, shipments=()),
        replace(delivered_order("ord_3"), delivered_at=None),
        delivered_order("ord_4"),
    ]
    summary = summarize(check_orders(orders), orders_checked=len(orders))
    assert summary.orders_affected == 2
    assert summary.affected_share == 0.5
    assert summary.by_code[IssueCode.DELIVERED_WITHOUT_DATE] == 2
    assert summary.by_code[IssueCode.SHIPPED_WITHOUT_TRACKING] == 1
    assert summary.by_code[IssueCode.REFUND_EXCEEDS_TOTAL] == 0
    assert set(summary.by_code) == set(IssueCode)
    assert summary.metrics() == {"data_quality.affected_share": 0.5}


def test_that_a_summary_of_nothing_has_no_affected_share() -> None:
    assert summarize([], orders_checked=0).affected_share == 0.0


def test_that_a_summary_refuses_more_affected_orders_than_were_checked() -> None:
    issues = check_orders([replace(delivered_order(), delivered_at=None)])
    with pytest.raises(ValueError, match="only 0 were checked"):
        summarize(issues, orders_checked=0)
