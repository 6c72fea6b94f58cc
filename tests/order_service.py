"""A real order service for connector tests: "Acme OMS v2", the dialect the example REST config
describes, served over HTTP on a loopback port from a thread and backed by the embedded
`SqlOrderStore` over the test database.

Its JSON differs from cxops's on purpose (other field names, answers wrapped in `data`, its own
status words and error codes, money as decimal strings, timestamps at UTC-5), and its encoding
below is written by hand, independently of the connector's mapping, so a test that reads the same
order through both proves the mapping right.

Faults can be injected for the next requests: answer 503 without doing anything, stall (then
answer), or do the work and drop the connection without answering (a lost response). `stop()`
shuts the service so connections are refused. Every request that arrives is recorded.
"""

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.domain.customers import Address, Customer, Segment
from cxops.domain.errors import (
    BusinessRuleError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import CustomerId, OrderId, ProductId, ReturnId
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

TOKEN = "acme-test-token"
ZONE = timezone(timedelta(hours=-5))

ORDER_STATES = {
    OrderStatus.PENDING: "NEW",
    OrderStatus.PROCESSING: "IN_FULFILMENT",
    OrderStatus.SHIPPED: "SHIPPED",
    OrderStatus.DELAYED: "DELAYED_IN_TRANSIT",
    OrderStatus.LOST: "LOST_IN_TRANSIT",
    OrderStatus.DELIVERED: "DELIVERED",
    OrderStatus.CANCELLED: "CANCELED",
    OrderStatus.RETURNED: "RETURNED",
    OrderStatus.REFUNDED: "REFUNDED",
}
PARCEL_STATES = {
    ShipmentStatus.LABEL_CREATED: "LABEL_PRINTED",
    ShipmentStatus.IN_TRANSIT: "IN_TRANSIT",
    ShipmentStatus.OUT_FOR_DELIVERY: "OUT_FOR_DELIVERY",
    ShipmentStatus.DELAYED: "LATE",
    ShipmentStatus.DELIVERED: "DELIVERED",
    ShipmentStatus.LOST: "MISSING",
}
RMA_STATES = {
    ReturnStatus.AUTHORIZED: "APPROVED",
    ReturnStatus.RECEIVED: "RECEIVED",
    ReturnStatus.REFUNDED: "CREDITED",
    ReturnStatus.REJECTED: "DENIED",
}
REFUND_STATES = {
    RefundStatus.PENDING: "PENDING",
    RefundStatus.COMPLETED: "SETTLED",
    RefundStatus.FAILED: "FAILED",
}
PAYMENT_METHODS = {
    PaymentMethod.CARD: "CREDIT_CARD",
    PaymentMethod.PAYPAL: "PAYPAL",
    PaymentMethod.GIFT_CARD: "GIFT_CARD",
    PaymentMethod.BANK_TRANSFER: "WIRE",
}
TIERS = {Segment.STANDARD: "REGULAR", Segment.VIP: "GOLD"}
ERROR_CODES = {
    "order_not_cancellable": "CANNOT_CANCEL",
    "address_not_changeable": "ALREADY_SHIPPED",
    "order_not_returnable": "NOT_DELIVERED",
    "item_not_returnable": "FINAL_SALE",
    "return_window_closed": "RETURN_WINDOW_CLOSED",
    "return_quantity_exceeded": "RETURN_QTY_EXCEEDED",
    "order_not_refundable": "NOTHING_TO_REFUND",
    "refund_exceeds_balance": "REFUND_EXCEEDS_BALANCE",
    "return_not_refundable": "RMA_NOT_REFUNDABLE",
    "order_not_reshippable": "NOT_IN_TRANSIT",
}
ADDRESS_KEYS = {
    "line1": "street1",
    "line2": "street2",
    "city": "town",
    "region": "state",
    "postal_code": "zip",
    "country": "countryCode",
}
# cxops's names of invalid arguments -> this service's names of the request fields.
FIELD_NAMES = {
    "amount_cents": "refund.amount",
    "return_id": "refund.rmaId",
    "items": "rma.lines",
    **{f"address.{ours}": f"shipTo.{theirs}" for ours, theirs in ADDRESS_KEYS.items()},
}

Document = dict[str, Any]


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(ZONE).isoformat()


def address(value: Address) -> Document:
    return {theirs: getattr(value, ours) for ours, theirs in ADDRESS_KEYS.items()}


def customer(value: Customer) -> Document:
    return {
        "ref": value.id,
        "name": {"given": value.first_name, "family": value.last_name},
        "contact": {"email": value.email, "phone": value.phone},
        "tier": TIERS[value.segment],
        "locale": value.preferred_language,
        "consents": {
            "emailMarketing": value.consent.marketing_email,
            "smsMarketing": value.consent.marketing_sms,
            "analytics": value.consent.analytics,
        },
        "address": address(value.address),
        "since": timestamp(value.created_at),
        "points": value.loyalty_points,
    }


def line(item: OrderItem) -> Document:
    return {
        "sku": item.product_id,
        "title": item.product_name,
        "department": item.category,
        "qty": item.quantity,
        "unitPrice": money(item.unit_price_cents),
        "warrantyMonths": item.warranty_months,
        "returnDays": item.return_window_days,
    }


def parcel(value: Shipment) -> Document:
    return {
        "parcelId": value.id,
        "orderNumber": value.order_id,
        "carrier": {"name": value.carrier},
        "trackingCode": value.tracking_number,
        "status": PARCEL_STATES[value.status],
        "dispatched": timestamp(value.shipped_at),
        "expected": timestamp(value.eta),
        "delivered": timestamp(value.delivered_at),
        "lastScan": value.last_event,
    }


def rma(value: Return) -> Document:
    return {
        "rmaId": value.id,
        "orderNumber": value.order_id,
        "lines": [{"sku": i.product_id, "qty": i.quantity} for i in value.items],
        "why": value.reason,
        "state": RMA_STATES[value.status],
        "label": {"ref": value.label_reference},
        "opened": timestamp(value.created_at),
    }


def refund(value: Refund) -> Document:
    found: Document = {
        "refundId": value.id,
        "orderNumber": value.order_id,
        "amount": money(value.amount_cents),
        "memo": value.reason,
        "state": REFUND_STATES[value.status],
        "created": timestamp(value.created_at),
    }
    if value.return_id is not None:
        found["rmaId"] = value.return_id
    return found


def order(value: Order) -> Document:
    return {
        "orderNumber": value.id,
        "customerRef": value.customer_id,
        "state": ORDER_STATES[value.status],
        "placed": timestamp(value.placed_at),
        "lastModified": timestamp(value.updated_at),
        "currency": value.currency,
        "totals": {
            "subtotal": money(value.subtotal_cents),
            "shipping": money(value.shipping_cents),
            "discount": money(value.discount_cents),
            "tax": money(value.tax_cents),
        },
        "payment": {"method": PAYMENT_METHODS[value.payment_method]},
        "shipTo": address(value.shipping_address),
        "lines": [line(i) for i in value.items],
        "promoCode": value.promotion_code,
        "deliveredOn": timestamp(value.delivered_at),
        "parcels": [parcel(s) for s in value.shipments],
        "rmas": [rma(r) for r in value.returns],
        "refunds": [refund(r) for r in value.refunds],
    }


@dataclass(frozen=True)
class Seen:
    """A request as it arrived: header names in lower case, the body parsed."""

    method: str
    target: str
    headers: dict[str, str]
    body: Any

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass(frozen=True)
class Fault:
    status: int | None = None  # answer this status and do nothing
    stall_seconds: float = 0.0  # wait this long first (then do the rest)
    lose_response: bool = False  # do the work, then hang up without answering


def errors(code: str, detail: str, field: str | None = None) -> Document:
    """This service's error body."""
    return {"errors": [{"code": code, "detail": detail, **({"field": field} if field else {})}]}


class RefusedError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.document = errors(code, detail)


Reply = tuple[int, Document]
Handler = Callable[[Mapping[str, str], Mapping[str, list[str]], Any, str | None], Document]


class OrderService:
    """Acme OMS v2 over `store`, on `url`, until the `with` block ends or `stop()`."""

    def __init__(self, store: SqlOrderStore, *, token: str = TOKEN) -> None:
        self._store = store
        self._token = token
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._seen: list[Seen] = []
        self._stopped = threading.Event()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/api/v2/customers"), self._search_customers),
            ("GET", re.compile(r"/api/v2/customers/(?P<customer_id>[^/]+)"), self._customer),
            ("GET", re.compile(r"/api/v2/customers/(?P<customer_id>[^/]+)/orders"), self._orders),
            ("GET", re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)"), self._order),
            ("GET", re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)/parcels"), self._parcels),
            ("POST", re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)/cancellation"), self._cancel),
            ("PUT", re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)/ship-to"), self._ship_to),
            ("POST", re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)/rmas"), self._open_rma),
            ("POST", re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)/refunds"), self._refund),
            (
                "POST",
                re.compile(r"/api/v2/orders/(?P<order_id>[^/]+)/replacements"),
                self._replace,
            ),
        ]
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    @property
    def requests(self) -> list[Seen]:
        with self._lock:
            return list(self._seen)

    def fail_next(self, count: int, *, status: int = 503) -> None:
        self._add(count, Fault(status=status))

    def stall_next(self, count: int, *, seconds: float) -> None:
        self._add(count, Fault(stall_seconds=seconds))

    def lose_next(self, count: int) -> None:
        self._add(count, Fault(lose_response=True))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def stop(self) -> None:
        """Stop listening; stalled requests are dropped unanswered, new ones refused."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _add(self, count: int, fault: Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def _arrived(self, seen: Seen) -> Fault:
        with self._lock:
            self._seen.append(seen)
            return self._faults.popleft() if self._faults else Fault()

    def _answer(self, seen: Seen) -> Reply | None:
        """The status and body to send, or None to hang up without answering."""
        fault = self._arrived(seen)
        if fault.stall_seconds and self._stopped.wait(fault.stall_seconds):
            return None
        if fault.status is not None:
            return fault.status, errors("UNAVAILABLE", "try later")
        if seen.headers.get("authorization") != f"Bearer {self._token}":
            return 401, errors("UNAUTHORIZED", "bad token")
        reply = self._route(seen)
        return None if fault.lose_response else reply

    def _route(self, seen: Seen) -> Reply:
        parts = urlsplit(seen.target)
        query = parse_qs(parts.query)
        for method, pattern, handle in self._routes:
            match = pattern.fullmatch(parts.path)
            if match is None or method != seen.method:
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            try:
                return 200, {"data": handle(params, query, seen.body, seen.idempotency_key)}
            except RefusedError as refusal:
                return refusal.status, refusal.document
            except NotFoundError as exc:
                return 404, errors("NOT_FOUND", exc.message)
            except IdempotencyConflictError as exc:
                return 422, errors("IDEMPOTENCY_KEY_REUSED", exc.message)
            except InvalidInputError as exc:
                detail = exc.message.removeprefix(f"{exc.field}: ")
                return 422, errors("INVALID_FIELD", detail, FIELD_NAMES.get(exc.field, exc.field))
            except BusinessRuleError as exc:
                return 409, errors(ERROR_CODES[exc.code], exc.message)
        return 404, errors("NO_ROUTE", "no such endpoint")

    # reads

    def _search_customers(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> list[Document]:
        if "email" in query:
            found = self._store.find_customer(email=query["email"][0])
        else:
            found = self._store.find_customer(phone=query["phone"][0])
        return [] if found is None else [customer(found)]

    def _customer(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        found = self._store.find_customer(customer_id=CustomerId(params["customer_id"]))
        if found is None:
            raise NotFoundError("customer", params["customer_id"])
        return customer(found)

    def _orders(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> list[Document]:
        customer_id = CustomerId(params["customer_id"])
        if self._store.find_customer(customer_id=customer_id) is None:
            raise NotFoundError("customer", customer_id)
        found = self._store.list_orders(customer_id, limit=int(query["limit"][0]))
        # Oldest first, unlike cxops's port: the connector must put them in order itself.
        return [order(o) for o in reversed(found)]

    def _order(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        return order(self._store.get_order(OrderId(params["order_id"])))

    def _parcels(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> list[Document]:
        return [parcel(s) for s in self._store.get_tracking(OrderId(params["order_id"]))]

    # writes

    @staticmethod
    def _key(key: str | None) -> str:
        if not key:
            raise RefusedError(400, "IDEMPOTENCY_KEY_REQUIRED", "send an Idempotency-Key header")
        return key

    def _cancel(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        cancelled = self._store.cancel_order(
            order_id=OrderId(params["order_id"]),
            reason=body["cancellation"]["reason"],
            idempotency_key=self._key(key),
        )
        return order(cancelled)

    def _ship_to(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        given = body["shipTo"]
        moved = self._store.update_shipping_address(
            order_id=OrderId(params["order_id"]),
            address=Address(**{ours: given[theirs] for ours, theirs in ADDRESS_KEYS.items()}),
            idempotency_key=self._key(key),
        )
        return order(moved)

    def _open_rma(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        opened = self._store.create_return(
            order_id=OrderId(params["order_id"]),
            items=[ReturnItem(ProductId(i["sku"]), i["qty"]) for i in body["rma"]["lines"]],
            reason=body["rma"]["why"],
            idempotency_key=self._key(key),
        )
        return rma(opened)

    def _refund(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        wanted = body["refund"]
        rma_id = wanted.get("rmaId")
        issued = self._store.issue_refund(
            order_id=OrderId(params["order_id"]),
            amount_cents=int(Decimal(wanted["amount"]) * 100),
            reason=wanted["memo"],
            idempotency_key=self._key(key),
            return_id=None if rma_id is None else ReturnId(rma_id),
        )
        return refund(issued)

    def _replace(
        self, params: Mapping[str, str], query: Mapping[str, list[str]], body: Any, key: str | None
    ) -> Document:
        replacement = self._store.reship_order(
            order_id=OrderId(params["order_id"]),
            reason=body["replacement"]["reason"],
            idempotency_key=self._key(key),
        )
        return order(replacement)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        answer = self._answer

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length) if length else b""
                seen = Seen(
                    method=self.command,
                    target=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else None,
                )
                reply = answer(seen)
                if reply is None:
                    self.close_connection = True
                    return
                status, document = reply
                payload = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: tests read `OrderService.requests` instead."""

        return Handler
