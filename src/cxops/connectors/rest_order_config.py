"""How cxops reaches a retailer's REST order system: where to call, how to authenticate, how long
to wait, when to give up, and how the system's JSON maps onto cxops's orders.

Read from YAML by `load_rest_order_config`; every error names the line and the field. The example
file `cxops/data/connectors/rest_order_system.example.yaml` documents every field.

A field map names, for each of cxops's fields, the dotted path where the remote JSON holds it
(`status: state`, `placed_at: timestamps.placed`; a number in a path indexes a list:
`errors.0.code`). A field left out is looked for under cxops's own name, so a system that
already speaks cxops's vocabulary needs no map at all.
"""

import re
import string
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PositiveFloat,
    field_validator,
    model_validator,
)

from cxops.configfile import ConfigError, load_model
from cxops.domain.customers import Segment
from cxops.domain.orders import (
    OrderStatus,
    PaymentMethod,
    RefundStatus,
    ReturnStatus,
    ShipmentStatus,
)

__all__ = [
    "AddressChangeBody",
    "AddressChangeEndpoint",
    "AddressFields",
    "Auth",
    "CancelOrderBody",
    "CancelOrderEndpoint",
    "CircuitBreakerSettings",
    "ConsentFields",
    "CustomerEndpoint",
    "CustomerFields",
    "EmailLookupEndpoint",
    "Endpoint",
    "Endpoints",
    "ErrorFields",
    "FieldMapping",
    "OrderEndpoint",
    "OrderFields",
    "OrderItemFields",
    "OrderListEndpoint",
    "PhoneLookupEndpoint",
    "RefundBody",
    "RefundEndpoint",
    "RefundFields",
    "ReshipOrderBody",
    "ReshipOrderEndpoint",
    "RestOrderSystemConfig",
    "Retries",
    "ReturnBody",
    "ReturnEndpoint",
    "ReturnFields",
    "ReturnItemFields",
    "ShipmentFields",
    "Timeouts",
    "ValueMaps",
    "load_rest_order_config",
]

_DOTTED = re.compile(r"[^.\s]+(\.[^.\s]+)*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _dotted_path(path: str) -> str:
    if _DOTTED.fullmatch(path) is None:
        raise ValueError("must be a dotted path such as data.state")
    return path


def _env_name(name: str) -> str:
    if _ENV_NAME.fullmatch(name) is None:
        raise ValueError("must be the name of an environment variable, such as ORDERS_TOKEN")
    return name


def _header_name(name: str) -> str:
    if _HEADER_NAME.fullmatch(name) is None:
        raise ValueError("must be an HTTP header name, such as X-Api-Key")
    return name


FieldPath = Annotated[str, AfterValidator(_dotted_path)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class _Section(BaseModel):
    """A part of the file: unknown keys are errors, so a typo never silently falls back."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _WrittenPaths(_Section):
    """Paths cxops also writes into request bodies: none may lie inside another, or one value
    would overwrite the other."""

    @model_validator(mode="after")
    def _paths_apart(self) -> Self:
        paths = [str(value) for value in self.model_dump().values()]
        for n, one in enumerate(paths):
            for other in paths[n + 1 :]:
                if one == other or other.startswith(f"{one}.") or one.startswith(f"{other}."):
                    raise ValueError(f"{one} and {other} overlap; a request cannot hold both")
        return self


class Auth(_Section):
    """The credential sent with every request, read from the environment at start-up so that it
    never sits in the file: `<header>: <scheme> <secret>` (`scheme: ""` sends the bare secret)."""

    secret_env: Annotated[str, AfterValidator(_env_name)]
    header: HeaderName = "Authorization"
    scheme: str = "Bearer"


class Timeouts(_Section):
    connect_seconds: PositiveFloat = 2.0
    read_seconds: PositiveFloat = 5.0
    total_seconds: PositiveFloat = Field(
        default=12.0, description="The most one call may take, retries and waits included."
    )


class Retries(_Section):
    """Reads, and writes sent with an idempotency key, are retried after a timeout, a lost
    connection, a 5xx, 408 or 429; the waits double from `backoff_base_seconds` up to
    `backoff_max_seconds`, each drawn from the upper half of its range (jitter)."""

    max_attempts: int = Field(default=3, ge=1, le=10)
    backoff_base_seconds: PositiveFloat = 0.2
    backoff_max_seconds: PositiveFloat = 2.0


class CircuitBreakerSettings(_Section):
    failure_threshold: int = Field(default=5, ge=1)
    cool_down_seconds: PositiveFloat = 30.0


class Endpoint(_Section):
    """One remote call: `path` is a template such as `/orders/{order_id}` whose placeholders are
    filled with URL-escaped values; `result` is where the answer sits in the response body
    (left out: the whole body). Each operation's endpoint offers its own placeholders."""

    method: HttpMethod = "GET"
    path: str
    result: FieldPath | None = None

    required: ClassVar[frozenset[str]] = frozenset()
    optional: ClassVar[frozenset[str]] = frozenset()

    @field_validator("path")
    @classmethod
    def _placeholders_offered(cls, path: str) -> str:
        """Refuse a template that names a value this operation does not have, or misses one."""
        if not path.startswith("/"):
            raise ValueError("must start with /")
        try:
            parts = list(string.Formatter().parse(path))
        except ValueError as exc:
            raise ValueError(f"is not a valid template: {exc}") from exc
        offered = sorted(cls.required | cls.optional)
        named = set()
        for _, name, spec, conversion in parts:
            if name is None:
                continue
            if name not in offered or spec or conversion:
                listed = ", ".join(f"{{{o}}}" for o in offered)
                raise ValueError(f"{{{name}}} is not offered here; this endpoint offers {listed}")
            named.add(name)
        for name in sorted(cls.required - named):
            raise ValueError(f"must contain {{{name}}}")
        return path


class CustomerEndpoint(Endpoint):
    required = frozenset({"customer_id"})


class EmailLookupEndpoint(Endpoint):
    required = frozenset({"email"})


class PhoneLookupEndpoint(Endpoint):
    required = frozenset({"phone"})


class OrderListEndpoint(Endpoint):
    required = frozenset({"customer_id"})
    optional = frozenset({"limit"})


class OrderEndpoint(Endpoint):
    required = frozenset({"order_id"})


class CancelOrderBody(_WrittenPaths):
    reason: FieldPath = "reason"


class ReshipOrderBody(_WrittenPaths):
    reason: FieldPath = "reason"


class AddressChangeBody(_WrittenPaths):
    """Where the new address goes; its fields are written as `mapping.address` names them."""

    address: FieldPath = "address"


class ReturnBody(_WrittenPaths):
    """Where the returned items go (each written as `mapping.return_item` names its fields)."""

    items: FieldPath = "items"
    reason: FieldPath = "reason"


class RefundBody(_WrittenPaths):
    """Where the refund's arguments go; the amount is written as `mapping.money` says, and
    `return_id` only when the refund settles a return."""

    amount_cents: FieldPath = "amount_cents"
    reason: FieldPath = "reason"
    return_id: FieldPath = "return_id"


class CancelOrderEndpoint(OrderEndpoint):
    method: HttpMethod = "POST"
    body: CancelOrderBody = CancelOrderBody()


class ReshipOrderEndpoint(OrderEndpoint):
    method: HttpMethod = "POST"
    body: ReshipOrderBody = ReshipOrderBody()


class AddressChangeEndpoint(OrderEndpoint):
    method: HttpMethod = "POST"
    body: AddressChangeBody = AddressChangeBody()


class ReturnEndpoint(OrderEndpoint):
    method: HttpMethod = "POST"
    body: ReturnBody = ReturnBody()


class RefundEndpoint(OrderEndpoint):
    method: HttpMethod = "POST"
    body: RefundBody = RefundBody()


class Endpoints(_Section):
    """One endpoint per operation of the `OrderSystem` port. Customer lookups may answer with
    one customer or a list; `get_tracking` left out reads the shipments of `get_order`;
    `reship_order` left out (not every system can send a replacement) makes reshipping
    unavailable, so that case goes to a person."""

    customer_by_id: CustomerEndpoint
    customer_by_email: EmailLookupEndpoint
    customer_by_phone: PhoneLookupEndpoint
    list_orders: OrderListEndpoint
    get_order: OrderEndpoint
    get_tracking: OrderEndpoint | None = None
    cancel_order: CancelOrderEndpoint
    update_shipping_address: AddressChangeEndpoint
    create_return: ReturnEndpoint
    issue_refund: RefundEndpoint
    reship_order: ReshipOrderEndpoint | None = None


class AddressFields(_WrittenPaths):
    line1: FieldPath = "line1"
    line2: FieldPath = "line2"
    city: FieldPath = "city"
    region: FieldPath = "region"
    postal_code: FieldPath = "postal_code"
    country: FieldPath = "country"


class ConsentFields(_Section):
    marketing_email: FieldPath = "marketing_email"
    marketing_sms: FieldPath = "marketing_sms"
    analytics: FieldPath = "analytics"


class CustomerFields(_Section):
    id: FieldPath = "id"
    first_name: FieldPath = "first_name"
    last_name: FieldPath = "last_name"
    email: FieldPath = "email"
    phone: FieldPath = "phone"
    segment: FieldPath = "segment"
    preferred_language: FieldPath = "preferred_language"
    consent: FieldPath = "consent"
    address: FieldPath = "address"
    created_at: FieldPath = "created_at"
    loyalty_points: FieldPath = "loyalty_points"


class OrderItemFields(_Section):
    product_id: FieldPath = "product_id"
    product_name: FieldPath = "product_name"
    category: FieldPath = "category"
    quantity: FieldPath = "quantity"
    unit_price_cents: FieldPath = "unit_price_cents"
    warranty_months: FieldPath = "warranty_months"
    return_window_days: FieldPath = "return_window_days"


class ShipmentFields(_Section):
    id: FieldPath = "id"
    order_id: FieldPath = "order_id"
    carrier: FieldPath = "carrier"
    tracking_number: FieldPath = "tracking_number"
    status: FieldPath = "status"
    shipped_at: FieldPath = "shipped_at"
    eta: FieldPath = "eta"
    delivered_at: FieldPath = "delivered_at"
    last_event: FieldPath = "last_event"


class ReturnItemFields(_WrittenPaths):
    product_id: FieldPath = "product_id"
    quantity: FieldPath = "quantity"


class ReturnFields(_Section):
    id: FieldPath = "id"
    order_id: FieldPath = "order_id"
    items: FieldPath = "items"
    reason: FieldPath = "reason"
    status: FieldPath = "status"
    label_reference: FieldPath = "label_reference"
    created_at: FieldPath = "created_at"


class RefundFields(_Section):
    id: FieldPath = "id"
    order_id: FieldPath = "order_id"
    amount_cents: FieldPath = "amount_cents"
    reason: FieldPath = "reason"
    status: FieldPath = "status"
    created_at: FieldPath = "created_at"
    return_id: FieldPath = "return_id"


class OrderFields(_Section):
    id: FieldPath = "id"
    customer_id: FieldPath = "customer_id"
    status: FieldPath = "status"
    placed_at: FieldPath = "placed_at"
    updated_at: FieldPath = "updated_at"
    currency: FieldPath = "currency"
    subtotal_cents: FieldPath = "subtotal_cents"
    shipping_cents: FieldPath = "shipping_cents"
    discount_cents: FieldPath = "discount_cents"
    tax_cents: FieldPath = "tax_cents"
    payment_method: FieldPath = "payment_method"
    shipping_address: FieldPath = "shipping_address"
    items: FieldPath = "items"
    promotion_code: FieldPath = "promotion_code"
    delivered_at: FieldPath = "delivered_at"
    shipments: FieldPath = "shipments"
    returns: FieldPath = "returns"
    refunds: FieldPath = "refunds"


class ValueMaps(_Section):
    """The remote system's words for cxops's enumerations: remote value -> cxops value. A remote
    value that is not listed but is already one of cxops's values is taken as it is."""

    order_status: dict[str, OrderStatus] = {}
    shipment_status: dict[str, ShipmentStatus] = {}
    return_status: dict[str, ReturnStatus] = {}
    refund_status: dict[str, RefundStatus] = {}
    payment_method: dict[str, PaymentMethod] = {}
    segment: dict[str, Segment] = {}


class FieldMapping(_Section):
    """Where each of cxops's fields lies in the remote JSON. `money` says how amounts travel:
    `cents` as whole numbers of cents, `decimal` as decimal strings of the currency unit
    ("12.34"). Timestamps are ISO 8601; one without an offset is read as UTC."""

    money: Literal["cents", "decimal"] = "cents"
    customer: CustomerFields = CustomerFields()
    consent: ConsentFields = ConsentFields()
    address: AddressFields = AddressFields()
    order: OrderFields = OrderFields()
    order_item: OrderItemFields = OrderItemFields()
    shipment: ShipmentFields = ShipmentFields()
    return_: ReturnFields = Field(default=ReturnFields(), alias="return")
    return_item: ReturnItemFields = ReturnItemFields()
    refund: RefundFields = RefundFields()
    values: ValueMaps = ValueMaps()


class ErrorFields(_Section):
    """How the remote system explains a refusal (a 409 or 422). The defaults read cxops's own
    error body. An answer whose code is in `idempotency_conflict_codes` is an idempotency
    conflict; one that names a `field` is invalid input; any other code is a business rule,
    translated through `codes` (remote code -> cxops code) when listed there."""

    code: FieldPath = "error.code"
    message: FieldPath = "error.message"
    field: FieldPath = "error.fields.0.field"
    idempotency_conflict_codes: list[str] = ["idempotency_key_reused"]
    codes: dict[str, str] = {}


class RestOrderSystemConfig(_Section):
    """Everything `RestOrderSystem` needs to know about one remote order system."""

    base_url: HttpUrl
    auth: Auth | None = None
    headers: dict[HeaderName, str] = Field(
        default={}, description="Sent with every request, e.g. an API version; not for secrets."
    )
    idempotency_header: HeaderName | None = Field(
        default="Idempotency-Key",
        description="Carries the idempotency key of every write. Null for a system without "
        "idempotency keys: writes are then never retried once they may have arrived.",
    )
    timeouts: Timeouts = Timeouts()
    retries: Retries = Retries()
    circuit_breaker: CircuitBreakerSettings = CircuitBreakerSettings()
    endpoints: Endpoints
    mapping: FieldMapping = FieldMapping()
    errors: ErrorFields = ErrorFields()


def load_rest_order_config(path: Path) -> RestOrderSystemConfig:
    """Read and validate a REST order system's YAML; `ConfigError` names each line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"{path}: cannot be read: {exc.strerror}"]) from exc
    return load_model(text, RestOrderSystemConfig, source=str(path))
