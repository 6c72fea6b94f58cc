"""The order system's own rules: what may be done to an order, and when.

Pure functions over domain data. Every adapter of the `OrderSystem` port checks them before it
writes, so a caller gets the same clear error from the embedded store as from a real system.
"""

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from cxops.domain.customers import Address
from cxops.domain.errors import BusinessRuleError, InvalidInputError
from cxops.domain.ids import OrderId
from cxops.domain.orders import Order, OrderStatus, ReturnItem, ReturnStatus

NOT_YET_SHIPPED = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
RETURNABLE = frozenset({OrderStatus.DELIVERED, OrderStatus.RETURNED})
# Shipped but never arrived: the parcel is on its way, late, or gone.
RESHIPPABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELAYED, OrderStatus.LOST})
# A cancelled order is not here: a pending one never had its payment captured, and cancelling a
# processing one refunds it in full.
REFUNDABLE = frozenset(
    {
        OrderStatus.PROCESSING,
        OrderStatus.SHIPPED,
        OrderStatus.DELAYED,
        OrderStatus.LOST,
        OrderStatus.DELIVERED,
        OrderStatus.RETURNED,
    }
)


CUSTOMER_LOOKUPS = ("customer_id", "email", "phone")


def customer_lookup(
    *, customer_id: str | None, email: str | None, phone: str | None
) -> tuple[str, str]:
    """Return (field, value) of the one customer lookup given; raise unless exactly one is."""
    given = [
        (name, value)
        for name, value in zip(CUSTOMER_LOOKUPS, (customer_id, email, phone), strict=True)
        if value is not None
    ]
    if len(given) != 1:
        named = ", ".join(name for name, _ in given) or ", ".join(CUSTOMER_LOOKUPS)
        raise InvalidInputError(named, "give exactly one of customer_id, email or phone")
    return given[0]


def check_limit(limit: int) -> None:
    """Raise unless an order listing asks for at least one order."""
    if limit < 1:
        raise InvalidInputError("limit", "must be at least 1")


def check_cancellable(order: Order) -> None:
    """Raise unless the order has not left the warehouse yet."""
    if order.status not in NOT_YET_SHIPPED:
        raise BusinessRuleError(
            "order_not_cancellable",
            f"order {order.id} is {order.status.value}; only pending or processing orders "
            "can be cancelled",
        )


def check_address_changeable(order: Order) -> None:
    """Raise unless the parcel can still be sent somewhere else."""
    if order.status not in NOT_YET_SHIPPED:
        raise BusinessRuleError(
            "address_not_changeable",
            f"order {order.id} is {order.status.value}; the shipping address can only be "
            "changed before the order ships",
        )


def check_reshippable(order: Order) -> None:
    """Raise unless the order shipped and has not arrived, so a replacement may be sent."""
    if order.status not in RESHIPPABLE:
        raise BusinessRuleError(
            "order_not_reshippable",
            f"order {order.id} is {order.status.value}; only shipped, delayed or lost orders "
            "can be reshipped",
        )


def replacement_order_id(order_id: OrderId, n: int) -> OrderId:
    """The id of the `n`th replacement (from 1) of an order: `W0000042-R1`, `W0000042-R2` ..."""
    if n < 1:
        raise ValueError(f"replacements are numbered from 1, not {n}")
    return OrderId(f"{order_id}-R{n}")


def next_replacement_id(order_id: OrderId, taken: Iterable[str]) -> OrderId:
    """The id of the next replacement of `order_id`, one past the highest among the `taken` ids.

    Ids in `taken` that are not replacements of exactly this order (a replacement of a
    replacement, `W1-R1-R1`, or of another order) are ignored, so a store may pass every id that
    starts with `{order_id}-R`. The same ids always give the same answer.
    """
    pattern = re.compile(re.escape(f"{order_id}-R") + r"([1-9][0-9]*)")
    numbers = [int(m.group(1)) for t in taken if (m := pattern.fullmatch(t)) is not None]
    return replacement_order_id(order_id, max(numbers, default=0) + 1)


def replacement_of(order: Order, *, replacement_id: OrderId, now: datetime) -> Order:
    """A new order that sends `order`'s items again, to the same address, at no charge.

    The customer paid for the original, so a discount of the whole amount brings the
    replacement's total to 0: refunds against it are impossible, and the original keeps its
    payment and its refunds.
    """
    subtotal = sum(item.line_total_cents for item in order.items)
    return Order(
        id=replacement_id,
        customer_id=order.customer_id,
        status=OrderStatus.PROCESSING,
        placed_at=now,
        updated_at=now,
        currency=order.currency,
        subtotal_cents=subtotal,
        shipping_cents=order.shipping_cents,
        discount_cents=subtotal + order.shipping_cents + order.tax_cents,
        tax_cents=order.tax_cents,
        payment_method=order.payment_method,
        shipping_address=order.shipping_address,
        items=order.items,
        promotion_code=None,
    )


def check_address(address: Address) -> None:
    """Raise naming the first missing or malformed field of a shipping address."""
    for name in ("line1", "city", "postal_code", "country"):
        if not getattr(address, name).strip():
            raise InvalidInputError(f"address.{name}", "must not be empty")
    if len(address.country) != 2 or not address.country.isalpha():
        raise InvalidInputError("address.country", "must be a two-letter ISO 3166 code")
    if address.country.upper() == "US":
        digits = address.postal_code.replace("-", "")
        if not digits.isdigit() or len(digits) not in (5, 9):
            raise InvalidInputError("address.postal_code", "must be a US ZIP code (12345)")


def ordered_quantities(order: Order) -> Counter[str]:
    """Units of each product in the order, however many lines carry it."""
    counts: Counter[str] = Counter()
    for item in order.items:
        counts[item.product_id] += item.quantity
    return counts


def returned_quantities(order: Order) -> Counter[str]:
    """Units of each product already covered by a return that was not rejected."""
    counts: Counter[str] = Counter()
    for ret in order.returns:
        if ret.status != ReturnStatus.REJECTED:
            for item in ret.items:
                counts[item.product_id] += item.quantity
    return counts


def check_returnable(order: Order, items: tuple[ReturnItem, ...], *, now: datetime) -> None:
    """Raise unless every requested unit was delivered, is returnable and is inside its window."""
    if order.status not in RETURNABLE or order.delivered_at is None:
        raise BusinessRuleError(
            "order_not_returnable",
            f"order {order.id} is {order.status.value}; only delivered orders can be returned",
        )
    if not items:
        raise InvalidInputError("items", "name at least one item to return")
    lines = {item.product_id: item for item in order.items}
    ordered = ordered_quantities(order)
    already = returned_quantities(order)
    requested: Counter[str] = Counter()
    for wanted in items:
        requested[wanted.product_id] += wanted.quantity
    for wanted in items:
        line = lines.get(wanted.product_id)
        if line is None:
            raise InvalidInputError("items", f"product {wanted.product_id} is not in this order")
        if wanted.quantity < 1:
            raise InvalidInputError("items", "quantity must be at least 1")
        if line.return_window_days == 0:
            raise BusinessRuleError(
                "item_not_returnable", f"{line.product_name} cannot be returned (final sale)"
            )
        deadline = order.delivered_at + timedelta(days=line.return_window_days)
        if now > deadline:
            raise BusinessRuleError(
                "return_window_closed",
                f"the {line.return_window_days}-day return window for {line.product_name} "
                f"closed on {deadline.date().isoformat()}",
            )
        if already[wanted.product_id] + requested[wanted.product_id] > ordered[wanted.product_id]:
            left = ordered[wanted.product_id] - already[wanted.product_id]
            raise BusinessRuleError(
                "return_quantity_exceeded",
                f"only {left} unit(s) of {line.product_name} can still be returned",
            )


def check_refundable(order: Order, amount_cents: int) -> None:
    """Raise unless the order was paid for and the amount fits in what is left to refund."""
    if amount_cents <= 0:
        raise InvalidInputError("amount_cents", "must be a positive number of cents")
    if order.status not in REFUNDABLE:
        raise BusinessRuleError(
            "order_not_refundable", f"order {order.id} is {order.status.value}; nothing to refund"
        )
    remaining = order.total_cents - order.refunded_cents
    if amount_cents > remaining:
        raise BusinessRuleError(
            "refund_exceeds_balance",
            f"at most {remaining} cents of order {order.id} can still be refunded",
        )


def check_return_refundable(order: Order, return_id: str) -> None:
    """Raise unless `return_id` is a return of this order that has not been refused or refunded."""
    ret = next((r for r in order.returns if r.id == return_id), None)
    if ret is None:
        raise InvalidInputError(
            "return_id", f"return {return_id} does not belong to order {order.id}"
        )
    if ret.status in (ReturnStatus.REJECTED, ReturnStatus.REFUNDED):
        raise BusinessRuleError(
            "return_not_refundable",
            f"return {return_id} is {ret.status.value}; it cannot be refunded",
        )


def status_after_return(order: Order) -> OrderStatus:
    """The order's status once its returns are as given: RETURNED when they cover every unit."""
    if not ordered_quantities(order) - returned_quantities(order):
        return OrderStatus.RETURNED
    return order.status


def status_after_refund(order: Order) -> OrderStatus:
    """The order's status once its refunds are as given: REFUNDED when they reach its total."""
    return OrderStatus.REFUNDED if order.refunded_cents >= order.total_cents else order.status
