"""Products and promotions in the embedded store."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from cxops.domain.catalog import Product, Promotion, PromotionKind
from cxops.domain.customers import Segment
from cxops.domain.ids import ProductId, PromotionId
from cxops.store.tables import products, promotions


def _product(row: Any) -> Product:
    return Product(
        id=ProductId(row.id),
        name=row.name,
        category=row.category,
        price_cents=row.price_cents,
        warranty_months=row.warranty_months,
        return_window_days=row.return_window_days,
        in_stock=row.in_stock,
    )


def _promotion(row: Any) -> Promotion:
    return Promotion(
        id=PromotionId(row.id),
        code=row.code,
        description=row.description,
        kind=PromotionKind(row.kind),
        value=row.value,
        min_spend_cents=row.min_spend_cents,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        segment=None if row.segment is None else Segment(row.segment),
        category=row.category,
        first_order_only=row.first_order_only,
    )


class SqlCatalogRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_products(self, items: Iterable[Product]) -> None:
        rows = [
            {
                "id": p.id,
                "name": p.name,
                "category": p.category,
                "price_cents": p.price_cents,
                "warranty_months": p.warranty_months,
                "return_window_days": p.return_window_days,
                "in_stock": p.in_stock,
            }
            for p in items
        ]
        if rows:
            self._conn.execute(insert(products), rows)

    def add_promotions(self, items: Iterable[Promotion]) -> None:
        rows = [
            {
                "id": p.id,
                "code": p.code,
                "description": p.description,
                "kind": p.kind.value,
                "value": p.value,
                "min_spend_cents": p.min_spend_cents,
                "segment": None if p.segment is None else p.segment.value,
                "category": p.category,
                "starts_at": p.starts_at,
                "ends_at": p.ends_at,
                "first_order_only": p.first_order_only,
            }
            for p in items
        ]
        if rows:
            self._conn.execute(insert(promotions), rows)

    def get_product(self, product_id: ProductId) -> Product | None:
        row = self._conn.execute(select(products).where(products.c.id == product_id)).first()
        return None if row is None else _product(row)

    def active_promotions(self, at: datetime) -> list[Promotion]:
        rows = self._conn.execute(
            select(promotions)
            .where(promotions.c.starts_at <= at, promotions.c.ends_at > at)
            .order_by(promotions.c.code)
        )
        return [_promotion(r) for r in rows]
