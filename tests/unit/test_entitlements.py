"""What a customer is entitled to: the warranty left on an item, the promotions open to them."""

from datetime import UTC, date, datetime, timedelta

from cxops.assist.entitlements import offers, warranty
from cxops.domain.catalog import Promotion, PromotionKind
from cxops.domain.customers import Address, Segment
from cxops.domain.ids import CustomerId, OrderId, ProductId, PromotionId
from cxops.domain.orders import Order, OrderItem, OrderStatus, PaymentMethod

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def item(name: str, months: int) -> OrderItem:
    return OrderItem(
        product_id=ProductId(name.lower().replace(" ", "-")),
        product_name=name,
        category="electronics",
        quantity=1,
        unit_price_cents=9900,
        warranty_months=months,
        return_window_days=30,
    )


def order(*items: OrderItem, delivered: datetime | None) -> Order:
    return Order(
        id=OrderId("W1"),
        customer_id=CustomerId("c1"),
        status=OrderStatus.DELIVERED if delivered else OrderStatus.PROCESSING,
        placed_at=datetime(2025, 1, 31, tzinfo=UTC),
        updated_at=NOW,
        currency="USD",
        subtotal_cents=9900,
        shipping_cents=0,
        discount_cents=0,
        tax_cents=0,
        payment_method=PaymentMethod.CARD,
        shipping_address=Address("1 Main St", "", "Chicago", "IL", "60602", "US"),
        items=items,
        delivered_at=delivered,
    )


def test_that_a_warranty_runs_calendar_months_from_delivery() -> None:
    cover = warranty(
        order(item("Noise Cancelling Headphones", 24), delivered=datetime(2025, 1, 31, tzinfo=UTC)),
        "they stopped working",
        at=NOW,
    )
    assert cover is not None
    assert cover.until == date(2027, 1, 31)
    assert cover.running


def test_that_a_month_end_start_lands_on_the_last_day_of_a_shorter_month() -> None:
    cover = warranty(
        order(item("Kettle", 1), delivered=datetime(2026, 1, 31, tzinfo=UTC)), "", at=NOW
    )
    assert cover is not None
    assert cover.until == date(2026, 2, 28)
    assert not cover.running


def test_that_an_undelivered_order_counts_from_when_it_was_placed() -> None:
    cover = warranty(order(item("Kettle", 12), delivered=None), "", at=NOW)
    assert cover is not None
    assert cover.until == date(2026, 1, 31)
    assert not cover.running


def test_that_the_item_must_be_clear_and_carry_a_warranty() -> None:
    both = order(item("Kettle", 12), item("Toaster", 24), delivered=NOW - timedelta(days=3))
    assert warranty(both, "my order has a problem", at=NOW) is None
    named = warranty(both, "the toaster stopped heating", at=NOW)
    assert named is not None
    assert named.product == "Toaster"
    assert warranty(order(item("Gift Card", 0), delivered=NOW), "", at=NOW) is None


def promotion(code: str, **fields: object) -> Promotion:
    values: dict[str, object] = {
        "id": PromotionId(f"P-{code}"),
        "code": code,
        "description": f"{code} offer",
        "kind": PromotionKind.PERCENT_OFF,
        "value": 10,
        "min_spend_cents": 0,
        "starts_at": NOW - timedelta(days=1),
        "ends_at": NOW + timedelta(days=7),
    }
    return Promotion(**(values | fields))  # type: ignore[arg-type]


def test_that_offers_are_the_open_ones_targeted_first() -> None:
    on_offer = [
        promotion("EVERYONE"),
        promotion("VIPONLY", segment=Segment.VIP),
        promotion("GADGETS", category="electronics"),
        promotion("SHOES", category="footwear"),
        promotion("WELCOME", first_order_only=True),
        promotion("EXPIRED", ends_at=NOW - timedelta(hours=1)),
        promotion("SPEND", min_spend_cents=7500, description="$15 off"),
    ]
    vip = offers(
        on_offer, segment=Segment.VIP, has_ordered=True, categories=["electronics"], at=NOW
    )
    assert [o.code for o in vip] == ["VIPONLY", "GADGETS"]
    assert all(o.targeted for o in vip)
    standard = offers(on_offer, segment=Segment.STANDARD, has_ordered=False, categories=[], at=NOW)
    assert [o.code for o in standard] == ["EVERYONE", "SPEND"]
    assert standard[1].text == "$15 off (orders of $75 or more), until 2026-11-30"
