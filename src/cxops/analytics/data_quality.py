"""Data quality of the order connector: does what the order system returns hang together?

Self-service answers customers from order data and never states a fact that did not come from
it, so an order that is "shipped" with no tracking number, or refunded for more than it cost,
turns into a wrong answer or a failed action. These checks find such orders in a batch (a sample
or a nightly sweep of what the connector returned) so they can be fixed at the source.

Contract: `check_orders` reports at most one issue per order and code, whose detail lists every
offending record, so an issue count per code is also the number of orders it affects.
`summarize` turns the issues into counts per code and the share of orders with any issue, the
`data_quality.affected_share` metric the alert rules watch.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from cxops.domain.ids import OrderId
from cxops.domain.orders import Order, OrderStatus


class IssueCode(StrEnum):
    ORDER_WITHOUT_ITEMS = "order_without_items"
    SHIPPED_WITHOUT_TRACKING = "shipped_without_tracking"
    DELIVERED_WITHOUT_DATE = "delivered_without_date"
    NEGATIVE_OR_ZERO_TOTAL = "negative_or_zero_total"
    REFUND_EXCEEDS_TOTAL = "refund_exceeds_total"
    RETURN_OF_UNKNOWN_ITEM = "return_of_unknown_item"
    ETA_BEFORE_SHIP_DATE = "eta_before_ship_date"


SHIPPED_STATUSES: Final = frozenset(
    {OrderStatus.SHIPPED, OrderStatus.DELAYED, OrderStatus.DELIVERED, OrderStatus.LOST}
)
"""Statuses that mean the order left the warehouse, so it must have a tracked shipment."""

UNPAID_STATUSES: Final = frozenset({OrderStatus.PENDING, OrderStatus.CANCELLED})
"""Statuses of orders that may legitimately have no positive total yet, or any more."""


@dataclass(frozen=True, slots=True)
class DataQualityIssue:
    order_id: OrderId
    code: IssueCode
    detail: str


@dataclass(frozen=True, slots=True)
class DataQualitySummary:
    """Issues per code (every code present, zero when clean) over `orders_checked` orders."""

    orders_checked: int
    orders_affected: int
    by_code: Mapping[IssueCode, int]

    @property
    def affected_share(self) -> float:
        """Share of checked orders with at least one issue; 0 when nothing was checked."""
        return self.orders_affected / self.orders_checked if self.orders_checked else 0.0

    def metrics(self) -> dict[str, float]:
        """Return `{"data_quality.affected_share": share}` for the alert rules."""
        return {"data_quality.affected_share": self.affected_share}


def check_orders(orders: Iterable[Order]) -> list[DataQualityIssue]:
    """Return the data-quality issues of `orders`, in order, codes in `IssueCode` order."""
    return [issue for order in orders for issue in check_order(order)]


def check_order(order: Order) -> list[DataQualityIssue]:
    """Return the data-quality issues of one order."""
    found: list[tuple[IssueCode, str]] = []
    if not order.items:
        found.append((IssueCode.ORDER_WITHOUT_ITEMS, "the order has no items"))
    if order.status in SHIPPED_STATUSES:
        if not order.shipments:
            found.append(
                (IssueCode.SHIPPED_WITHOUT_TRACKING, f"status {order.status} but no shipment")
            )
        untracked = [s.id for s in order.shipments if not s.tracking_number.strip()]
        if untracked:
            found.append(
                (
                    IssueCode.SHIPPED_WITHOUT_TRACKING,
                    f"status {order.status} but no tracking number on {', '.join(untracked)}",
                )
            )
    if order.status == OrderStatus.DELIVERED and order.delivered_at is None:
        found.append((IssueCode.DELIVERED_WITHOUT_DATE, "status delivered but no delivery date"))
    if order.items and order.status not in UNPAID_STATUSES and order.total_cents <= 0:
        found.append(
            (
                IssueCode.NEGATIVE_OR_ZERO_TOTAL,
                f"status {order.status} with items but total {order.total_cents} cents",
            )
        )
    if order.refunded_cents > max(order.total_cents, 0):
        found.append(
            (
                IssueCode.REFUND_EXCEEDS_TOTAL,
                f"refunded {order.refunded_cents} cents of a {order.total_cents} cent total",
            )
        )
    ordered = {item.product_id for item in order.items}
    unknown = [
        f"{item.product_id} on {ret.id}"
        for ret in order.returns
        for item in ret.items
        if item.product_id not in ordered
    ]
    if unknown:
        found.append(
            (IssueCode.RETURN_OF_UNKNOWN_ITEM, f"returned but not ordered: {', '.join(unknown)}")
        )
    early = [
        f"{s.id} due {s.eta.isoformat()} but shipped {s.shipped_at.isoformat()}"
        for s in order.shipments
        if s.eta is not None and s.eta < s.shipped_at
    ]
    if early:
        found.append((IssueCode.ETA_BEFORE_SHIP_DATE, "; ".join(early)))
    return [DataQualityIssue(order.id, code, detail) for code, detail in found]


def summarize(issues: Sequence[DataQualityIssue], *, orders_checked: int) -> DataQualitySummary:
    """Count `issues` per code and the orders they affect among `orders_checked`."""
    affected = len({issue.order_id for issue in issues})
    if affected > orders_checked:
        raise ValueError(f"{affected} orders have issues but only {orders_checked} were checked")
    counts = Counter(issue.code for issue in issues)
    return DataQualitySummary(
        orders_checked=orders_checked,
        orders_affected=affected,
        by_code={code: counts[code] for code in IssueCode},
    )
