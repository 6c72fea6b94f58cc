import re
from collections import Counter
from datetime import date, timedelta

import pytest

from cxops.demo.retail import (
    FREE_SHIPPING_MIN_CENTS,
    GIFT_CARDS,
    SALES_TAX_PPM,
    SHIPPING_FEE_CENTS,
    RetailDataset,
    generate,
)
from cxops.domain.catalog import PromotionKind
from cxops.domain.customers import Segment
from cxops.domain.order_rules import check_address
from cxops.domain.orders import (
    Order,
    OrderStatus,
    RefundStatus,
    ReturnStatus,
    ShipmentStatus,
)
from cxops.domain.workforce import AgentStatus

TODAY = date(2025, 6, 15)


@pytest.fixture(scope="module")
def dataset() -> RetailDataset:
    return generate(today=TODAY)


def with_status(dataset: RetailDataset, *statuses: OrderStatus) -> list[Order]:
    return [o for o in dataset.orders if o.status in statuses]


def small(seed: int) -> RetailDataset:
    return generate(today=TODAY, seed=seed, customers=300, products=40, orders=1500)


def test_that_the_same_seed_gives_the_same_data() -> None:
    assert small(3) == small(3)


def test_that_another_seed_gives_other_data() -> None:
    first, second = small(3), small(4)
    assert first.customers != second.customers
    assert first.orders != second.orders


def test_that_the_data_describes_the_start_of_today_in_utc(dataset: RetailDataset) -> None:
    assert dataset.as_of.isoformat() == "2025-06-15T00:00:00+00:00"


def test_that_the_dataset_has_the_requested_sizes(dataset: RetailDataset) -> None:
    assert len(dataset.customers) == 2000
    assert len(dataset.products) == 300
    assert len(dataset.orders) == 10000
    assert 10 <= len(dataset.promotions) <= 15
    assert len(dataset.queues) == 7
    assert len(dataset.agents) == 40
    assert dataset.row_count == 2000 + 300 + len(dataset.promotions) + 10000 + 7 + 40


def test_that_sizes_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="customers"):
        generate(today=TODAY, customers=0)
    with pytest.raises(ValueError, match="products"):
        generate(today=TODAY, products=5)
    with pytest.raises(ValueError, match="orders"):
        generate(today=TODAY, orders=-1)


def test_that_ids_follow_the_retailers_formats(dataset: RetailDataset) -> None:
    assert all(re.fullmatch(r"C\d{6}", c.id) for c in dataset.customers)
    assert all(re.fullmatch(r"SKU-\d{5}", p.id) for p in dataset.products)
    assert all(re.fullmatch(r"W\d{7}", o.id) for o in dataset.orders)
    assert all(re.fullmatch(r"q_[a-z_]+", q.id) for q in dataset.queues)
    assert all(re.fullmatch(r"agt_\d{3}", a.id) for a in dataset.agents)


def test_that_ids_are_unique(dataset: RetailDataset) -> None:
    orders = dataset.orders
    for ids in (
        [c.id for c in dataset.customers],
        [p.id for p in dataset.products],
        [p.code for p in dataset.promotions],
        [o.id for o in orders],
        [s.id for o in orders for s in o.shipments],
        [r.id for o in orders for r in o.returns],
        [r.id for o in orders for r in o.refunds],
        [s.tracking_number for o in orders for s in o.shipments]
        + [r.label_reference for o in orders for r in o.returns],
        [q.id for q in dataset.queues],
        [q.name for q in dataset.queues],
        [a.id for a in dataset.agents],
    ):
        assert len(ids) == len(set(ids))


# --- customers ---------------------------------------------------------------------------------


def test_that_customer_emails_and_phones_are_unique(dataset: RetailDataset) -> None:
    emails = [c.email for c in dataset.customers]
    phones = [c.phone for c in dataset.customers]
    assert len(set(emails)) == len(emails)
    assert len(set(phones)) == len(phones)


def test_that_emails_use_reserved_domains_only(dataset: RetailDataset) -> None:
    emails = [c.email for c in dataset.customers] + [a.email for a in dataset.agents]
    for email in emails:
        assert re.fullmatch(r"[a-z0-9._]+@example\.(com|org|net)", email), email


def test_that_phones_are_fictional_numbers_across_many_area_codes(dataset: RetailDataset) -> None:
    for customer in dataset.customers:
        assert re.fullmatch(r"\+1[2-9]\d{2}55501\d{2}", customer.phone), customer.phone
    assert len({c.phone[2:5] for c in dataset.customers}) >= 50


def test_that_customers_live_at_us_addresses(dataset: RetailDataset) -> None:
    addresses = [c.address for c in dataset.customers] + [
        o.shipping_address for o in dataset.orders
    ]
    for address in addresses:
        check_address(address)
        assert address.country == "US"
        assert address.region in SALES_TAX_PPM
        assert re.fullmatch(r"\d{5}", address.postal_code)


def test_that_about_one_customer_in_twelve_is_vip(dataset: RetailDataset) -> None:
    vips = sum(c.segment == Segment.VIP for c in dataset.customers)
    assert 0.05 < vips / len(dataset.customers) < 0.11


def test_that_about_one_customer_in_seven_prefers_spanish(dataset: RetailDataset) -> None:
    languages = Counter(c.preferred_language for c in dataset.customers)
    assert set(languages) == {"en", "es"}
    assert 0.11 < languages["es"] / len(dataset.customers) < 0.19


def test_that_spanish_speakers_more_often_have_hispanic_names(dataset: RetailDataset) -> None:
    def share_of_ez_surnames(language: str) -> float:
        group = [c for c in dataset.customers if c.preferred_language == language]
        return sum(c.last_name.endswith("ez") for c in group) / len(group)

    assert share_of_ez_surnames("es") > 3 * share_of_ez_surnames("en")


def test_that_customers_signed_up_in_the_past_with_varied_consent(dataset: RetailDataset) -> None:
    assert all(c.created_at < dataset.as_of for c in dataset.customers)
    for flag in ("marketing_email", "marketing_sms", "analytics"):
        values = Counter(getattr(c.consent, flag) for c in dataset.customers)
        assert values[True] > 0
        assert values[False] > 0


def test_that_loyalty_points_follow_spending(dataset: RetailDataset) -> None:
    buyers = {o.customer_id for o in with_status(dataset, OrderStatus.DELIVERED)}
    assert all(c.loyalty_points > 0 for c in dataset.customers if c.id in buyers)
    ordered = {o.customer_id for o in dataset.orders}
    assert all(c.loyalty_points == 0 for c in dataset.customers if c.id not in ordered)


# --- catalogue and promotions ------------------------------------------------------------------


def test_that_every_category_is_stocked(dataset: RetailDataset) -> None:
    categories = Counter(p.category for p in dataset.products)
    assert set(categories) == {
        "electronics",
        "appliances",
        "home & kitchen",
        "furniture",
        "apparel",
        "footwear",
        "beauty",
        "toys",
        "sports & outdoors",
        "books",
        GIFT_CARDS,
    }
    assert len({p.name for p in dataset.products}) == len(dataset.products)


def test_that_warranties_and_return_windows_follow_the_category(dataset: RetailDataset) -> None:
    for product in dataset.products:
        if product.category == "electronics":
            assert product.warranty_months in (12, 24)
        if product.category == "appliances":
            assert product.warranty_months == 24
        if product.category in ("apparel", "footwear"):
            assert (product.warranty_months, product.return_window_days) == (0, 60)
        if product.category == GIFT_CARDS:
            assert (product.warranty_months, product.return_window_days) == (0, 0)
        if product.category not in ("apparel", "footwear", "beauty", GIFT_CARDS):
            assert product.return_window_days == 30
    final_sale_beauty = [
        p for p in dataset.products if p.category == "beauty" and p.return_window_days == 0
    ]
    assert final_sale_beauty


def test_that_prices_are_realistic_and_a_few_products_are_sold_out(dataset: RetailDataset) -> None:
    assert all(999 <= p.price_cents <= 300_000 for p in dataset.products)
    sold_out = sum(not p.in_stock for p in dataset.products)
    assert 1 <= sold_out <= len(dataset.products) // 10


def test_that_promotions_are_running_over_and_one_is_coming(dataset: RetailDataset) -> None:
    at = dataset.as_of
    running = [p for p in dataset.promotions if p.is_active(at)]
    over = [p for p in dataset.promotions if p.ends_at <= at]
    coming = [p for p in dataset.promotions if p.starts_at > at]
    assert len(running) >= 3
    assert len(over) >= 3
    assert len(coming) == 1
    assert {p.kind for p in dataset.promotions} == set(PromotionKind)
    assert any(p.segment == Segment.VIP for p in dataset.promotions)
    categories = {p.category for p in dataset.products}
    limited = [p for p in dataset.promotions if p.category is not None]
    assert limited
    assert all(p.category in categories for p in limited)


# --- orders --------------------------------------------------------------------------------------


def test_that_every_order_status_appears_in_meaningful_numbers(dataset: RetailDataset) -> None:
    counts = Counter(o.status for o in dataset.orders)
    assert set(counts) == set(OrderStatus)
    assert min(counts.values()) >= 15
    assert counts[OrderStatus.DELIVERED] > len(dataset.orders) / 2


def test_that_orders_were_placed_over_the_last_year_more_of_them_lately(
    dataset: RetailDataset,
) -> None:
    year_ago = dataset.as_of - timedelta(days=365)
    half_year_ago = dataset.as_of - timedelta(days=182)
    assert all(year_ago <= o.placed_at < dataset.as_of for o in dataset.orders)
    recent = sum(o.placed_at >= half_year_ago for o in dataset.orders)
    assert recent > len(dataset.orders) - recent


def test_that_order_numbers_grow_with_placement_time(dataset: RetailDataset) -> None:
    assert [o.id for o in sorted(dataset.orders, key=lambda o: o.placed_at)] == sorted(
        o.id for o in dataset.orders
    )


def test_that_orders_come_from_customers_who_had_signed_up(dataset: RetailDataset) -> None:
    signed_up = {c.id: c.created_at for c in dataset.customers}
    assert all(signed_up[o.customer_id] < o.placed_at for o in dataset.orders)


def test_that_nothing_happens_after_the_snapshot(dataset: RetailDataset) -> None:
    as_of = dataset.as_of
    for order in dataset.orders:
        assert order.placed_at <= order.updated_at <= as_of
        for shipment in order.shipments:
            assert order.placed_at < shipment.shipped_at <= as_of
            assert shipment.delivered_at is None or shipment.delivered_at <= as_of
        for ret in order.returns:
            assert ret.created_at <= as_of
        for refund in order.refunds:
            assert refund.created_at <= as_of


def test_that_pending_and_processing_orders_are_recent_and_unshipped(
    dataset: RetailDataset,
) -> None:
    for order in with_status(dataset, OrderStatus.PENDING, OrderStatus.PROCESSING):
        assert order.placed_at >= dataset.as_of - timedelta(days=7)
        assert order.shipments == ()
        assert order.delivered_at is None
        assert not order.returns
        assert not order.refunds


def test_that_shipped_orders_are_on_their_way_with_a_future_eta(dataset: RetailDataset) -> None:
    statuses: Counter[ShipmentStatus] = Counter()
    for order in with_status(dataset, OrderStatus.SHIPPED):
        (shipment,) = order.shipments
        statuses[shipment.status] += 1
        assert shipment.eta is not None
        assert shipment.eta > dataset.as_of
        assert shipment.delivered_at is None
        assert order.delivered_at is None
    assert set(statuses) == {ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY}


def test_that_delayed_orders_have_a_later_eta_and_say_why(dataset: RetailDataset) -> None:
    for order in with_status(dataset, OrderStatus.DELAYED):
        (shipment,) = order.shipments
        assert shipment.status == ShipmentStatus.DELAYED
        assert shipment.eta is not None
        assert shipment.eta > dataset.as_of
        found = re.search(r"originally (\d{4}-\d{2}-\d{2})", shipment.last_event)
        assert found, shipment.last_event
        assert shipment.eta.date() > date.fromisoformat(found.group(1))
        assert order.delivered_at is None


def test_that_lost_orders_have_had_no_scan_for_ten_days(dataset: RetailDataset) -> None:
    for order in with_status(dataset, OrderStatus.LOST):
        (shipment,) = order.shipments
        assert shipment.status == ShipmentStatus.LOST
        assert shipment.delivered_at is None
        found = re.search(r"No carrier scans since (\d{4}-\d{2}-\d{2})", shipment.last_event)
        assert found, shipment.last_event
        assert date.fromisoformat(found.group(1)) <= TODAY - timedelta(days=10)
        assert shipment.shipped_at <= dataset.as_of - timedelta(days=10)


def test_that_delivered_returned_and_refunded_orders_arrived_before_today(
    dataset: RetailDataset,
) -> None:
    delivered = OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.REFUNDED
    for order in with_status(dataset, *delivered):
        (shipment,) = order.shipments
        assert shipment.status == ShipmentStatus.DELIVERED
        assert order.delivered_at is not None
        assert shipment.delivered_at == order.delivered_at
        assert shipment.shipped_at < order.delivered_at <= dataset.as_of
    others = [o for o in dataset.orders if o.status not in delivered]
    assert all(o.delivered_at is None for o in others)


def test_that_cancelled_orders_never_shipped(dataset: RetailDataset) -> None:
    for order in with_status(dataset, OrderStatus.CANCELLED):
        assert not order.shipments
        assert not order.returns
        assert not order.refunds
        assert order.delivered_at is None
        assert order.updated_at > order.placed_at


def test_that_returned_orders_have_an_open_return(dataset: RetailDataset) -> None:
    for order in with_status(dataset, OrderStatus.RETURNED):
        (ret,) = order.returns
        assert ret.status in (ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED)
        assert all(r.status == RefundStatus.PENDING for r in order.refunds)


def test_that_refunded_orders_have_a_completed_refund(dataset: RetailDataset) -> None:
    refunded = with_status(dataset, OrderStatus.REFUNDED)
    for order in refunded:
        (refund,) = order.refunds
        assert refund.status == RefundStatus.COMPLETED
        if refund.return_id is not None:
            (ret,) = order.returns
            assert (ret.id, ret.status) == (refund.return_id, ReturnStatus.REFUNDED)
    with_return = sum(bool(o.returns) for o in refunded)
    assert with_return > len(refunded) / 2


def test_that_only_returned_and_refunded_orders_have_returns_or_refunds(
    dataset: RetailDataset,
) -> None:
    settled = (OrderStatus.RETURNED, OrderStatus.REFUNDED)
    for order in dataset.orders:
        if order.status not in settled:
            assert not order.returns
            assert not order.refunds


def test_that_returns_only_cover_ordered_items_within_their_window(dataset: RetailDataset) -> None:
    for order in dataset.orders:
        lines = {i.product_id: i for i in order.items}
        for ret in order.returns:
            assert order.delivered_at is not None
            assert ret.items
            for wanted in ret.items:
                line = lines[wanted.product_id]
                assert 1 <= wanted.quantity <= line.quantity
                assert line.return_window_days > 0
                deadline = order.delivered_at + timedelta(days=line.return_window_days)
                assert order.delivered_at < ret.created_at <= deadline


def test_that_refunds_never_exceed_what_was_paid(dataset: RetailDataset) -> None:
    for order in dataset.orders:
        assert all(r.amount_cents > 0 for r in order.refunds)
        assert order.refunded_cents <= order.total_cents
        for refund in order.refunds:
            if refund.return_id is not None:
                ret = next(r for r in order.returns if r.id == refund.return_id)
                prices = {i.product_id: i.unit_price_cents for i in order.items}
                goods = sum(prices[i.product_id] * i.quantity for i in ret.items)
                assert refund.amount_cents <= goods + order.tax_cents


def test_that_order_totals_add_up(dataset: RetailDataset) -> None:
    promotions = {p.code: p for p in dataset.promotions}
    for order in dataset.orders:
        assert order.currency == "USD"
        assert order.subtotal_cents == sum(i.line_total_cents for i in order.items)
        free = order.subtotal_cents >= FREE_SHIPPING_MIN_CENTS
        assert order.shipping_cents == (0 if free else SHIPPING_FEE_CENTS)
        off_goods = 0
        if order.promotion_code is None:
            assert order.discount_cents == 0
        else:
            promotion = promotions[order.promotion_code]
            eligible = sum(
                i.line_total_cents
                for i in order.items
                if i.category != GIFT_CARDS and promotion.category in (None, i.category)
            )
            if promotion.kind == PromotionKind.FREE_SHIPPING:
                assert order.discount_cents == order.shipping_cents > 0
            elif promotion.kind == PromotionKind.PERCENT_OFF:
                off_goods = (eligible * promotion.value + 50) // 100
            else:
                off_goods = min(promotion.value, eligible)
            if promotion.kind != PromotionKind.FREE_SHIPPING:
                assert order.discount_cents == off_goods > 0
        taxable = sum(i.line_total_cents for i in order.items if i.category != GIFT_CARDS)
        rate = SALES_TAX_PPM[order.shipping_address.region]
        assert order.tax_cents == ((taxable - off_goods) * rate + 500_000) // 1_000_000
        assert order.total_cents > 0


def test_that_promotions_were_valid_when_the_order_was_placed(dataset: RetailDataset) -> None:
    promotions = {p.code: p for p in dataset.promotions}
    segments = {c.id: c.segment for c in dataset.customers}
    first_orders: dict[str, str] = {}
    for order in sorted(dataset.orders, key=lambda o: o.placed_at):
        first_orders.setdefault(order.customer_id, order.id)
    used = [o for o in dataset.orders if o.promotion_code is not None]
    assert 0.05 < len(used) / len(dataset.orders) < 0.3
    for order in used:
        promotion = promotions[order.promotion_code or ""]
        assert promotion.is_active(order.placed_at)
        assert promotion.segment in (None, segments[order.customer_id])
        eligible = sum(
            i.line_total_cents
            for i in order.items
            if i.category != GIFT_CARDS and promotion.category in (None, i.category)
        )
        assert eligible >= promotion.min_spend_cents
        if promotion.code == "WELCOME10":
            assert first_orders[order.customer_id] == order.id


def test_that_order_items_copy_the_product_at_purchase(dataset: RetailDataset) -> None:
    products = {p.id: p for p in dataset.products}
    for order in dataset.orders:
        assert 1 <= len(order.items) <= 4
        assert len({i.product_id for i in order.items}) == len(order.items)
        for item in order.items:
            product = products[item.product_id]
            assert item.product_name == product.name
            assert item.category == product.category
            assert item.warranty_months == product.warranty_months
            assert item.return_window_days == product.return_window_days
            assert item.quantity >= 1
            assert item.unit_price_cents > 0


def test_that_most_orders_ship_to_the_customers_own_address(dataset: RetailDataset) -> None:
    homes = {c.id: c.address for c in dataset.customers}
    at_home = sum(o.shipping_address == homes[o.customer_id] for o in dataset.orders)
    assert 0.85 < at_home / len(dataset.orders) < 0.99


def test_that_payment_methods_are_mixed(dataset: RetailDataset) -> None:
    methods = Counter(o.payment_method for o in dataset.orders)
    assert len(methods) == 4
    assert methods.most_common(1)[0][1] < 0.8 * len(dataset.orders)


@pytest.mark.parametrize(
    ("carrier", "pattern"),
    [
        ("UPS", r"1Z[0-9A-Z]{16}"),
        ("FedEx", r"\d{12}"),
        ("USPS", r"\d{22}"),
        ("DHL", r"\d{10}"),
    ],
)
def test_that_tracking_numbers_follow_the_carriers_formats(
    dataset: RetailDataset, carrier: str, pattern: str
) -> None:
    shipments = [s for o in dataset.orders for s in o.shipments if s.carrier == carrier]
    assert len(shipments) > 100
    assert all(re.fullmatch(pattern, s.tracking_number) for s in shipments)


# --- workforce -----------------------------------------------------------------------------------


def test_that_every_queue_skill_is_held_by_at_least_two_agents(dataset: RetailDataset) -> None:
    holders = Counter(s.name for a in dataset.agents for s in a.skills)
    for queue in dataset.queues:
        assert holders[queue.skill] >= 2, queue.skill


def test_that_spanish_speakers_have_a_queue_and_agents(dataset: RetailDataset) -> None:
    (spanish,) = [q for q in dataset.queues if q.language == "es"]
    holders = [a for a in dataset.agents if spanish.skill in {s.name for s in a.skills}]
    assert len(holders) >= 3
    assert all("es" in a.languages for a in holders)
    assert any(a.languages == ("en",) for a in dataset.agents)


def test_that_the_vip_queue_serves_only_vips(dataset: RetailDataset) -> None:
    assert [q.id for q in dataset.queues if q.vip_only] == ["q_vip"]


def test_that_queue_slas_are_tighter_for_chat_than_for_email(dataset: RetailDataset) -> None:
    slas: dict[str, int] = {q.id: q.sla_seconds for q in dataset.queues}
    assert slas["q_orders_delivery"] <= 60
    assert slas["q_account_general"] >= 3600
    assert all(50 <= q.sla_target_percent <= 100 for q in dataset.queues)


def test_that_agents_have_sane_skills_capacity_and_statuses(dataset: RetailDataset) -> None:
    queue_skills = {q.skill for q in dataset.queues}
    for agent in dataset.agents:
        assert agent.email.endswith("@example.com")
        assert agent.skills
        assert [s.name for s in agent.skills] == sorted(s.name for s in agent.skills)
        assert all(s.name in queue_skills and 1 <= s.proficiency <= 5 for s in agent.skills)
        assert 1 <= agent.max_concurrent <= 4
    statuses = Counter(a.status for a in dataset.agents)
    assert set(statuses) == set(AgentStatus)
    mostly = statuses[AgentStatus.AVAILABLE] + statuses[AgentStatus.OFFLINE]
    assert mostly > len(dataset.agents) / 2
