"""Orders and what happens to them after checkout: shipments, returns and refunds."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cxops.domain.customers import Address
from cxops.domain.ids import (
    CustomerId,
    OrderId,
    ProductId,
    RefundId,
    ReturnId,
    ShipmentId,
)


class OrderStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELAYED = "delayed"
    LOST = "lost"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    LOST = "lost"


class ReturnStatus(StrEnum):
    AUTHORIZED = "authorized"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class RefundStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class PaymentMethod(StrEnum):
    CARD = "card"
    PAYPAL = "paypal"
    GIFT_CARD = "gift_card"
    BANK_TRANSFER = "bank_transfer"


@dataclass(frozen=True, slots=True)
class OrderItem:
    product_id: ProductId
    product_name: str
    category: str
    quantity: int
    unit_price_cents: int
    warranty_months: int
    return_window_days: int

    @property
    def line_total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True, slots=True)
class Shipment:
    id: ShipmentId
    order_id: OrderId
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    shipped_at: datetime
    eta: datetime | None
    delivered_at: datetime | None
    last_event: str


@dataclass(frozen=True, slots=True)
class ReturnItem:
    product_id: ProductId
    quantity: int


@dataclass(frozen=True, slots=True)
class Return:
    id: ReturnId
    order_id: OrderId
    items: tuple[ReturnItem, ...]
    reason: str
    status: ReturnStatus
    label_reference: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Refund:
    id: RefundId
    order_id: OrderId
    amount_cents: int
    reason: str
    status: RefundStatus
    created_at: datetime
    return_id: ReturnId | None = None


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the order system knows it, with everything that hangs off it."""

    id: OrderId
    customer_id: CustomerId
    status: OrderStatus
    placed_at: datetime
    updated_at: datetime
    currency: str
    subtotal_cents: int
    shipping_cents: int
    discount_cents: int
    tax_cents: int
    payment_method: PaymentMethod
    shipping_address: Address
    items: tuple[OrderItem, ...]
    promotion_code: str | None = None
    delivered_at: datetime | None = None
    shipments: tuple[Shipment, ...] = field(default=())
    returns: tuple[Return, ...] = field(default=())
    refunds: tuple[Refund, ...] = field(default=())

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents + self.shipping_cents + self.tax_cents - self.discount_cents

    @property
    def refunded_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds if r.status != RefundStatus.FAILED)
