"""Customers in the embedded store."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, insert, select

from cxops.domain.customers import Address, Consent, Customer, Segment
from cxops.domain.ids import CustomerId
from cxops.store.tables import customers


def address_to_json(address: Address) -> dict[str, str]:
    return {
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": address.country,
    }


def address_from_json(data: dict[str, str]) -> Address:
    return Address(**data)


def _row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "segment": customer.segment.value,
        "preferred_language": customer.preferred_language,
        "consent_marketing_email": customer.consent.marketing_email,
        "consent_marketing_sms": customer.consent.marketing_sms,
        "consent_analytics": customer.consent.analytics,
        "address": address_to_json(customer.address),
        "loyalty_points": customer.loyalty_points,
        "created_at": customer.created_at,
    }


def _customer(row: Any) -> Customer:
    return Customer(
        id=CustomerId(row.id),
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        segment=Segment(row.segment),
        preferred_language=row.preferred_language,
        consent=Consent(
            marketing_email=row.consent_marketing_email,
            marketing_sms=row.consent_marketing_sms,
            analytics=row.consent_analytics,
        ),
        address=address_from_json(row.address),
        loyalty_points=row.loyalty_points,
        created_at=row.created_at,
    )


class SqlCustomerRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_many(self, items: Iterable[Customer]) -> None:
        rows = [_row(c) for c in items]
        if rows:
            self._conn.execute(insert(customers), rows)

    def get(self, customer_id: CustomerId) -> Customer | None:
        row = self._conn.execute(select(customers).where(customers.c.id == customer_id)).first()
        return None if row is None else _customer(row)

    def find_by_email(self, email: str) -> Customer | None:
        row = self._conn.execute(
            select(customers).where(func.lower(customers.c.email) == email.strip().lower())
        ).first()
        return None if row is None else _customer(row)

    def find_by_phone(self, phone: str) -> Customer | None:
        row = self._conn.execute(select(customers).where(customers.c.phone == phone)).first()
        return None if row is None else _customer(row)

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(customers)).scalar_one())
