"""Orders, shipments, returns and refunds in the embedded store."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

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
from cxops.store.customers import address_from_json, address_to_json
from cxops.store.tables import order_items, orders, refunds, returns, shipments


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "placed_at": order.placed_at,
        "updated_at": order.updated_at,
        "delivered_at": order.delivered_at,
        "currency": order.currency,
        "subtotal_cents": order.subtotal_cents,
        "shipping_cents": order.shipping_cents,
        "discount_cents": order.discount_cents,
        "tax_cents": order.tax_cents,
        "payment_method": order.payment_method.value,
        "promotion_code": order.promotion_code,
        "shipping_address": address_to_json(order.shipping_address),
    }


def _shipment_row(s: Shipment) -> dict[str, Any]:
    return {
        "id": s.id,
        "order_id": s.order_id,
        "carrier": s.carrier,
        "tracking_number": s.tracking_number,
        "status": s.status.value,
        "shipped_at": s.shipped_at,
        "eta": s.eta,
        "delivered_at": s.delivered_at,
        "last_event": s.last_event,
    }


def _return_row(r: Return) -> dict[str, Any]:
    return {
        "id": r.id,
        "order_id": r.order_id,
        "items": [{"product_id": i.product_id, "quantity": i.quantity} for i in r.items],
        "reason": r.reason,
        "status": r.status.value,
        "label_reference": r.label_reference,
        "created_at": r.created_at,
    }


def _refund_row(r: Refund) -> dict[str, Any]:
    return {
        "id": r.id,
        "order_id": r.order_id,
        "return_id": r.return_id,
        "amount_cents": r.amount_cents,
        "reason": r.reason,
        "status": r.status.value,
        "created_at": r.created_at,
    }


def _item(row: Any) -> OrderItem:
    return OrderItem(
        product_id=ProductId(row.product_id),
        product_name=row.product_name,
        category=row.category,
        quantity=row.quantity,
        unit_price_cents=row.unit_price_cents,
        warranty_months=row.warranty_months,
        return_window_days=row.return_window_days,
    )


def _shipment(row: Any) -> Shipment:
    return Shipment(
        id=ShipmentId(row.id),
        order_id=OrderId(row.order_id),
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        status=ShipmentStatus(row.status),
        shipped_at=row.shipped_at,
        eta=row.eta,
        delivered_at=row.delivered_at,
        last_event=row.last_event,
    )


def _return(row: Any) -> Return:
    return Return(
        id=ReturnId(row.id),
        order_id=OrderId(row.order_id),
        items=tuple(
            ReturnItem(product_id=ProductId(i["product_id"]), quantity=int(i["quantity"]))
            for i in row.items
        ),
        reason=row.reason,
        status=ReturnStatus(row.status),
        label_reference=row.label_reference,
        created_at=row.created_at,
    )


def _refund(row: Any) -> Refund:
    return Refund(
        id=RefundId(row.id),
        order_id=OrderId(row.order_id),
        amount_cents=row.amount_cents,
        reason=row.reason,
        status=RefundStatus(row.status),
        created_at=row.created_at,
        return_id=None if row.return_id is None else ReturnId(row.return_id),
    )


class SqlOrderRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_many(self, items: Iterable[Order]) -> None:
        batch = list(items)
        if not batch:
            return
        self._conn.execute(insert(orders), [_order_row(o) for o in batch])
        lines = [
            {
                "order_id": o.id,
                "line": n,
                "product_id": i.product_id,
                "product_name": i.product_name,
                "category": i.category,
                "quantity": i.quantity,
                "unit_price_cents": i.unit_price_cents,
                "warranty_months": i.warranty_months,
                "return_window_days": i.return_window_days,
            }
            for o in batch
            for n, i in enumerate(o.items, start=1)
        ]
        for table, rows in (
            (order_items, lines),
            (shipments, [_shipment_row(s) for o in batch for s in o.shipments]),
            (returns, [_return_row(r) for o in batch for r in o.returns]),
            (refunds, [_refund_row(r) for o in batch for r in o.refunds]),
        ):
            if rows:
                self._conn.execute(insert(table), rows)

    def get(self, order_id: OrderId, *, for_update: bool = False) -> Order | None:
        query = select(orders).where(orders.c.id == order_id)
        if for_update:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else self._assemble([row])[0]

    def list_for_customer(self, customer_id: CustomerId, *, limit: int) -> list[Order]:
        rows = self._conn.execute(
            select(orders)
            .where(orders.c.customer_id == customer_id)
            .order_by(orders.c.placed_at.desc(), orders.c.id)
            .limit(limit)
        ).all()
        return self._assemble(rows)

    def set_status(self, order_id: OrderId, status: OrderStatus, *, at: datetime) -> None:
        self._conn.execute(
            update(orders).where(orders.c.id == order_id).values(status=status.value, updated_at=at)
        )

    def set_shipping_address(self, order_id: OrderId, address: Address, *, at: datetime) -> None:
        self._conn.execute(
            update(orders)
            .where(orders.c.id == order_id)
            .values(shipping_address=address_to_json(address), updated_at=at)
        )

    def add_return(self, ret: Return) -> None:
        self._conn.execute(insert(returns).values(**_return_row(ret)))

    def set_return_status(self, return_id: ReturnId, status: ReturnStatus) -> None:
        self._conn.execute(
            update(returns).where(returns.c.id == return_id).values(status=status.value)
        )

    def add_refund(self, refund: Refund) -> None:
        self._conn.execute(insert(refunds).values(**_refund_row(refund)))

    def get_return(self, return_id: ReturnId) -> Return | None:
        row = self._conn.execute(select(returns).where(returns.c.id == return_id)).first()
        return None if row is None else _return(row)

    def get_refund(self, refund_id: RefundId) -> Refund | None:
        row = self._conn.execute(select(refunds).where(refunds.c.id == refund_id)).first()
        return None if row is None else _refund(row)

    def ids_starting_with(self, prefix: str) -> list[OrderId]:
        rows = self._conn.execute(
            select(orders.c.id).where(orders.c.id.startswith(prefix, autoescape=True))
        )
        # SQLite's LIKE ignores letter case, PostgreSQL's does not: decide here, the same way.
        return [OrderId(r.id) for r in rows if r.id.startswith(prefix)]

    def _assemble(self, rows: Sequence[Any]) -> list[Order]:
        """Load the children of many orders with one query per child table."""
        ids = [r.id for r in rows]
        items: dict[str, list[OrderItem]] = defaultdict(list)
        for row in self._conn.execute(
            select(order_items)
            .where(order_items.c.order_id.in_(ids))
            .order_by(order_items.c.order_id, order_items.c.line)
        ):
            items[row.order_id].append(_item(row))
        ships: dict[str, list[Shipment]] = defaultdict(list)
        for row in self._conn.execute(
            select(shipments).where(shipments.c.order_id.in_(ids)).order_by(shipments.c.shipped_at)
        ):
            ships[row.order_id].append(_shipment(row))
        rets: dict[str, list[Return]] = defaultdict(list)
        for row in self._conn.execute(
            select(returns).where(returns.c.order_id.in_(ids)).order_by(returns.c.created_at)
        ):
            rets[row.order_id].append(_return(row))
        refs: dict[str, list[Refund]] = defaultdict(list)
        for row in self._conn.execute(
            select(refunds).where(refunds.c.order_id.in_(ids)).order_by(refunds.c.created_at)
        ):
            refs[row.order_id].append(_refund(row))
        return [
            Order(
                id=OrderId(r.id),
                customer_id=CustomerId(r.customer_id),
                status=OrderStatus(r.status),
                placed_at=r.placed_at,
                updated_at=r.updated_at,
                delivered_at=r.delivered_at,
                currency=r.currency,
                subtotal_cents=r.subtotal_cents,
                shipping_cents=r.shipping_cents,
                discount_cents=r.discount_cents,
                tax_cents=r.tax_cents,
                payment_method=PaymentMethod(r.payment_method),
                promotion_code=r.promotion_code,
                shipping_address=address_from_json(r.shipping_address),
                items=tuple(items[r.id]),
                shipments=tuple(ships[r.id]),
                returns=tuple(rets[r.id]),
                refunds=tuple(refs[r.id]),
            )
            for r in rows
        ]
