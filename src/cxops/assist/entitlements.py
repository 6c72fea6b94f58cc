"""What the customer is entitled to, so drafts can offer it by name: the warranty still running
on the item a conversation is about, and the promotions the customer may use today.

Pure: the caller hands in the order, the promotions on offer and the time. A warranty runs
from delivery (from the order's placing while it is not delivered yet) for the item's
`warranty_months` calendar months, as retailers state it on the receipt.
"""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from cxops.domain.catalog import Promotion
from cxops.domain.customers import Segment
from cxops.domain.orders import Order, OrderItem
from cxops.selfservice.replies import money
from cxops.selfservice.slots import chosen_items

MAX_OFFERS = 2


@dataclass(frozen=True, slots=True)
class Warranty:
    """The warranty of one item: `running` is False once `until` has passed."""

    product: str
    until: date
    running: bool


@dataclass(frozen=True, slots=True)
class Offer:
    """A promotion the customer may use, with the words a draft quotes."""

    code: str
    text: str
    targeted: bool


def warranty(order: Order, said: str, *, at: datetime) -> Warranty | None:
    """The warranty of the item the customer names (or the order's only item); None when the
    item is unclear or carries no warranty."""
    item = _item(order, said)
    if item is None or item.warranty_months <= 0:
        return None
    start = (order.delivered_at or order.placed_at).date()
    until = _add_months(start, item.warranty_months)
    return Warranty(product=item.product_name, until=until, running=at.date() <= until)


def offers(
    promotions: Sequence[Promotion],
    *,
    segment: Segment,
    has_ordered: bool,
    categories: Sequence[str],
    at: datetime,
    currency: str = "USD",
) -> list[Offer]:
    """The promotions open to the customer, best fitted first: those made for their segment,
    then those for a category they buy, then the rest; at most `MAX_OFFERS`."""
    bought = set(categories)
    fitted = [
        p
        for p in promotions
        if p.open_to(segment, has_ordered=has_ordered, at=at)
        and (p.category is None or p.category in bought)
    ]
    fitted.sort(key=lambda p: (p.segment is None, p.category is None, p.code))
    return [
        Offer(
            code=p.code,
            text=_describe(p, currency),
            targeted=p.segment is not None or p.category is not None,
        )
        for p in fitted[:MAX_OFFERS]
    ]


def _item(order: Order, said: str) -> OrderItem | None:
    if len(order.items) == 1:
        return order.items[0]
    named = chosen_items(said, [item.product_name for item in order.items])
    return order.items[named[0]] if len(named) == 1 else None


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _describe(promotion: Promotion, currency: str) -> str:
    """The promotion's own description, with its conditions where the description omits them."""
    text = promotion.description.rstrip(".")
    spend = money(promotion.min_spend_cents, currency).removesuffix(".00")
    if promotion.min_spend_cents and spend not in text:
        text += f" (orders of {spend} or more)"
    return f"{text}, until {promotion.ends_at.date().isoformat()}"
