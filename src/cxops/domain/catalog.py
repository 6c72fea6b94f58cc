"""What the retailer sells and the promotions it runs."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cxops.domain.customers import Segment
from cxops.domain.ids import ProductId, PromotionId


@dataclass(frozen=True, slots=True)
class Product:
    """A sellable item. `return_window_days` of 0 means the product cannot be returned."""

    id: ProductId
    name: str
    category: str
    price_cents: int
    warranty_months: int
    return_window_days: int
    in_stock: bool = True


class PromotionKind(StrEnum):
    PERCENT_OFF = "percent_off"
    AMOUNT_OFF = "amount_off"
    FREE_SHIPPING = "free_shipping"


@dataclass(frozen=True, slots=True)
class Promotion:
    """A promotion code. `value` is percent for PERCENT_OFF and cents for AMOUNT_OFF.

    `segment` None means every customer is eligible; `category` None means every product;
    `first_order_only` limits it to customers who have never ordered (a welcome offer).
    """

    id: PromotionId
    code: str
    description: str
    kind: PromotionKind
    value: int
    min_spend_cents: int
    starts_at: datetime
    ends_at: datetime
    segment: Segment | None = None
    category: str | None = None
    first_order_only: bool = False

    def is_active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def open_to(self, segment: Segment, *, has_ordered: bool, at: datetime) -> bool:
        """Whether a customer of `segment` may use it at `at`, before basket conditions
        (minimum spend, category) are considered."""
        return (
            self.is_active(at)
            and self.segment in (None, segment)
            and not (self.first_order_only and has_ordered)
        )
