"""Translating between a REST order system's JSON and cxops's domain objects, as a
`FieldMapping` says: reading customers, orders, shipments, returns and refunds out of responses,
and writing request bodies. Pure functions, no I/O.

A response that does not fit the mapping raises `MappingError` naming cxops's field and the
remote path, never the value found there (it may be personal data); only an enumeration value
that the value maps do not know is quoted, since the fix is to add it to them.
"""

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import BaseModel

from cxops.connectors.rest_order_config import (
    AddressChangeBody,
    AddressFields,
    CancelOrderBody,
    FieldMapping,
    RefundBody,
    ReshipOrderBody,
    ReturnBody,
    ReturnItemFields,
)
from cxops.domain.customers import Address, Consent, Customer, Segment
from cxops.domain.ids import (
    CustomerId,
    OrderId,
    ProductId,
    RefundId,
    ReturnId,
    ShipmentId,
)
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

__all__ = [
    "MappingError",
    "RequestBody",
    "address_change_body",
    "cancel_body",
    "get_path",
    "read_customer",
    "read_many",
    "read_order",
    "read_refund",
    "read_return",
    "read_shipment",
    "refund_body",
    "reship_body",
    "return_body",
]

Money = Literal["cents", "decimal"]
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


class MappingError(ValueError):
    """A remote JSON document does not fit the configured mapping."""


def get_path(document: object, path: str) -> object:
    """The value at dotted `path` in `document`; None when it is null or any step is absent."""
    node = document
    for step in path.split("."):
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return None
    return node


def _set_path(document: dict[str, object], path: str, value: object) -> None:
    *parents, last = path.split(".")
    node = document
    for step in parents:
        child = node.setdefault(step, {})
        if not isinstance(child, dict):
            raise ValueError(f"{path}: {step} is already a value, not an object")
        node = child
    node[last] = value


class _Reader:
    """One remote JSON object read through a field map; errors name `where` and the field."""

    def __init__(
        self, document: object, fields: BaseModel, *, where: str, mapping: FieldMapping
    ) -> None:
        if not isinstance(document, dict):
            raise MappingError(f"{where}: expected a JSON object")
        self._document = document
        self._fields = fields
        self._where = where
        self.mapping = mapping

    def _problem(self, name: str, problem: str) -> MappingError:
        path: str = getattr(self._fields, name)
        return MappingError(f"{self._where}.{name} (remote {path}): {problem}")

    def _raw(self, name: str) -> object:
        """The value, or None when the remote sent null or left it out."""
        return get_path(self._document, getattr(self._fields, name))

    def _required(self, name: str) -> object:
        value = self._raw(name)
        if value is None:
            raise self._problem(name, "missing")
        return value

    def text(self, name: str) -> str:
        value = self._required(name)
        if not isinstance(value, str):
            raise self._problem(name, "expected a string")
        return value

    def optional_text(self, name: str) -> str | None:
        return None if self._raw(name) is None else self.text(name)

    def integer(self, name: str) -> int:
        value = self._required(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._problem(name, "expected a whole number")
        return value

    def optional_integer(self, name: str) -> int | None:
        return None if self._raw(name) is None else self.integer(name)

    def flag(self, name: str) -> bool:
        value = self._required(name)
        if not isinstance(value, bool):
            raise self._problem(name, "expected true or false")
        return value

    def money(self, name: str) -> int:
        """An amount in cents, whichever way the remote system writes money."""
        if self.mapping.money == "cents":
            return self.integer(name)
        value = self._required(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self._problem(name, "expected a decimal amount")
        try:
            cents = Decimal(str(value)) * 100
        except InvalidOperation:
            raise self._problem(name, "expected a decimal amount") from None
        if not cents.is_finite() or cents != cents.to_integral_value():
            raise self._problem(name, "expected a decimal amount in whole cents")
        return int(cents)

    def moment(self, name: str) -> datetime:
        text = self.text(name)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise self._problem(name, "expected an ISO 8601 timestamp") from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    def optional_moment(self, name: str) -> datetime | None:
        return None if self._raw(name) is None else self.moment(name)

    def choice(self, name: str, kind: type[_E], values: Mapping[str, _E]) -> _E:
        """A cxops enumeration value, from the remote's word for it."""
        word = self.text(name)
        if word in values:
            return values[word]
        try:
            return kind(word)
        except ValueError:
            raise self._problem(
                name, f"unknown value {word[:40]!r}; add it to mapping.values"
            ) from None

    def child(self, name: str, fields: BaseModel) -> "_Reader":
        return _Reader(
            self._required(name), fields, where=f"{self._where}.{name}", mapping=self.mapping
        )

    def children(self, name: str, fields: BaseModel) -> list["_Reader"]:
        """The objects of a list; a missing or null list is empty."""
        value = self._raw(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._problem(name, "expected a list")
        return [
            _Reader(item, fields, where=f"{self._where}.{name}[{n}]", mapping=self.mapping)
            for n, item in enumerate(value)
        ]


def _address(r: _Reader) -> Address:
    return Address(
        line1=r.text("line1"),
        line2=r.optional_text("line2") or "",
        city=r.text("city"),
        region=r.optional_text("region") or "",
        postal_code=r.text("postal_code"),
        country=r.text("country"),
    )


def read_customer(document: object, mapping: FieldMapping) -> Customer:
    """A customer from the remote JSON object `document`."""
    r = _Reader(document, mapping.customer, where="customer", mapping=mapping)
    consent = r.child("consent", mapping.consent)
    return Customer(
        id=CustomerId(r.text("id")),
        first_name=r.text("first_name"),
        last_name=r.text("last_name"),
        email=r.text("email"),
        phone=r.text("phone"),
        segment=r.choice("segment", Segment, mapping.values.segment),
        preferred_language=r.text("preferred_language"),
        consent=Consent(
            marketing_email=consent.flag("marketing_email"),
            marketing_sms=consent.flag("marketing_sms"),
            analytics=consent.flag("analytics"),
        ),
        address=_address(r.child("address", mapping.address)),
        created_at=r.moment("created_at"),
        loyalty_points=r.optional_integer("loyalty_points") or 0,
    )


def _item(r: _Reader) -> OrderItem:
    return OrderItem(
        product_id=ProductId(r.text("product_id")),
        product_name=r.text("product_name"),
        category=r.text("category"),
        quantity=r.integer("quantity"),
        unit_price_cents=r.money("unit_price_cents"),
        warranty_months=r.integer("warranty_months"),
        return_window_days=r.integer("return_window_days"),
    )


def _shipment(r: _Reader) -> Shipment:
    return Shipment(
        id=ShipmentId(r.text("id")),
        order_id=OrderId(r.text("order_id")),
        carrier=r.text("carrier"),
        tracking_number=r.text("tracking_number"),
        status=r.choice("status", ShipmentStatus, r.mapping.values.shipment_status),
        shipped_at=r.moment("shipped_at"),
        eta=r.optional_moment("eta"),
        delivered_at=r.optional_moment("delivered_at"),
        last_event=r.text("last_event"),
    )


def _return(r: _Reader) -> Return:
    return Return(
        id=ReturnId(r.text("id")),
        order_id=OrderId(r.text("order_id")),
        items=tuple(
            ReturnItem(product_id=ProductId(i.text("product_id")), quantity=i.integer("quantity"))
            for i in r.children("items", r.mapping.return_item)
        ),
        reason=r.text("reason"),
        status=r.choice("status", ReturnStatus, r.mapping.values.return_status),
        label_reference=r.text("label_reference"),
        created_at=r.moment("created_at"),
    )


def _refund(r: _Reader) -> Refund:
    return_id = r.optional_text("return_id")
    return Refund(
        id=RefundId(r.text("id")),
        order_id=OrderId(r.text("order_id")),
        amount_cents=r.money("amount_cents"),
        reason=r.text("reason"),
        status=r.choice("status", RefundStatus, r.mapping.values.refund_status),
        created_at=r.moment("created_at"),
        return_id=None if return_id is None else ReturnId(return_id),
    )


def read_order(document: object, mapping: FieldMapping) -> Order:
    """An order, with its items, shipments, returns and refunds, from a remote JSON object."""
    r = _Reader(document, mapping.order, where="order", mapping=mapping)
    values = mapping.values
    return Order(
        id=OrderId(r.text("id")),
        customer_id=CustomerId(r.text("customer_id")),
        status=r.choice("status", OrderStatus, values.order_status),
        placed_at=r.moment("placed_at"),
        updated_at=r.moment("updated_at"),
        currency=r.text("currency"),
        subtotal_cents=r.money("subtotal_cents"),
        shipping_cents=r.money("shipping_cents"),
        discount_cents=r.money("discount_cents"),
        tax_cents=r.money("tax_cents"),
        payment_method=r.choice("payment_method", PaymentMethod, values.payment_method),
        shipping_address=_address(r.child("shipping_address", mapping.address)),
        items=tuple(_item(i) for i in r.children("items", mapping.order_item)),
        promotion_code=r.optional_text("promotion_code"),
        delivered_at=r.optional_moment("delivered_at"),
        shipments=tuple(_shipment(s) for s in r.children("shipments", mapping.shipment)),
        returns=tuple(_return(x) for x in r.children("returns", mapping.return_)),
        refunds=tuple(_refund(x) for x in r.children("refunds", mapping.refund)),
    )


def read_shipment(document: object, mapping: FieldMapping) -> Shipment:
    return _shipment(_Reader(document, mapping.shipment, where="shipment", mapping=mapping))


def read_return(document: object, mapping: FieldMapping) -> Return:
    return _return(_Reader(document, mapping.return_, where="return", mapping=mapping))


def read_refund(document: object, mapping: FieldMapping) -> Refund:
    return _refund(_Reader(document, mapping.refund, where="refund", mapping=mapping))


def read_many(
    document: object, read: Callable[[object, FieldMapping], _T], mapping: FieldMapping
) -> list[_T]:
    """Every object of a remote JSON list, read with `read`."""
    if not isinstance(document, list):
        raise MappingError("expected a list")
    found = []
    for n, item in enumerate(document):
        try:
            found.append(read(item, mapping))
        except MappingError as exc:
            raise MappingError(f"[{n}] {exc}") from None
    return found


class RequestBody:
    """A JSON request body, remembering which remote path holds which of cxops's arguments, so
    that a refusal naming a remote field is reported under cxops's name for it."""

    def __init__(self) -> None:
        self.document: dict[str, object] = {}
        self._ours: dict[str, str] = {}

    def put(self, path: str, value: object, *, ours: str) -> None:
        """Write `value`, cxops's `ours`, at the remote `path`."""
        _set_path(self.document, path, value)
        self.label(path, ours=ours)

    def label(self, path: str, *, ours: str) -> None:
        """Note that the remote `path`, inside a value already written, holds cxops's `ours`."""
        self._ours[path] = ours

    def our_field(self, remote: str) -> str:
        """cxops's name for `remote`: the name of the longest written path that contains it, or
        `remote` itself when it names nothing this body wrote."""
        steps = remote.split(".")
        for end in range(len(steps), 0, -1):
            ours = self._ours.get(".".join(steps[:end]))
            if ours is not None:
                return ours
        return remote


_ADDRESS_LINES = tuple(f.name for f in dataclasses.fields(Address))


def _money(cents: int, money: Money) -> int | str:
    return cents if money == "cents" else str(Decimal(cents).scaleb(-2))


def cancel_body(body: CancelOrderBody, *, reason: str) -> RequestBody:
    request = RequestBody()
    request.put(body.reason, reason, ours="reason")
    return request


def reship_body(body: ReshipOrderBody, *, reason: str) -> RequestBody:
    request = RequestBody()
    request.put(body.reason, reason, ours="reason")
    return request


def address_change_body(
    body: AddressChangeBody, *, address: Address, fields: AddressFields
) -> RequestBody:
    request = RequestBody()
    lines: dict[str, object] = {}
    for name in _ADDRESS_LINES:
        path = getattr(fields, name)
        _set_path(lines, path, getattr(address, name))
        request.label(f"{body.address}.{path}", ours=f"address.{name}")
    request.put(body.address, lines, ours="address")
    return request


def return_body(
    body: ReturnBody, *, items: Sequence[ReturnItem], reason: str, fields: ReturnItemFields
) -> RequestBody:
    request = RequestBody()
    lines: list[object] = []
    for item in items:
        line: dict[str, object] = {}
        _set_path(line, fields.product_id, item.product_id)
        _set_path(line, fields.quantity, item.quantity)
        lines.append(line)
    request.put(body.items, lines, ours="items")
    request.put(body.reason, reason, ours="reason")
    return request


def refund_body(
    body: RefundBody,
    *,
    amount_cents: int,
    reason: str,
    return_id: str | None,
    money: Money,
) -> RequestBody:
    request = RequestBody()
    request.put(body.amount_cents, _money(amount_cents, money), ours="amount_cents")
    request.put(body.reason, reason, ours="reason")
    if return_id is not None:
        request.put(body.return_id, return_id, ours="return_id")
    return request
