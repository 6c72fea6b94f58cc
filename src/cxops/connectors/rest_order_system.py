"""The `OrderSystem` port over a retailer's own order system, reached over REST.

Everything about the remote system is configuration (`rest_order_config`): endpoints, the field
mapping, timeouts, retries and the circuit breaker. This module makes the calls and turns every
outcome into what the port promises:

- 2xx: the answer, read through the field mapping;
- 404: no such customer (None), no orders ([]), or `NotFoundError` for an order;
- 409 or 422: the system refused: `IdempotencyConflictError`, `InvalidInputError` when the
  answer names a field (reported under cxops's name for it), else `BusinessRuleError`;
- anything else (a timeout, a lost connection, a 5xx, 408 or 429 after the retries, an open
  circuit, refused credentials, an answer the mapping cannot read): `ConnectorUnavailableError`,
  so the caller hands the case to a person with the reason instead of failing. An optional
  write the configuration leaves out (`reship_order`) raises it too, reason `not_configured`,
  without a call.

The remote system applies its own order rules; this adapter only checks the port's argument
contract (one customer lookup, a positive limit), as the embedded store does.

Logs carry operations, order ids, statuses, attempts and timings; never URLs (a lookup's URL may
hold an email), bodies, names, emails, phone numbers or addresses.
"""

import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar
from urllib.parse import quote

import httpx
import structlog

import cxops
from cxops.configfile import ConfigError
from cxops.connectors.resilience import CircuitBreaker, CircuitState, backoff_seconds
from cxops.connectors.rest_order_config import (
    Auth,
    Endpoint,
    FieldMapping,
    RestOrderSystemConfig,
    load_rest_order_config,
)
from cxops.connectors.rest_order_mapping import (
    MappingError,
    RequestBody,
    address_change_body,
    cancel_body,
    get_path,
    read_customer,
    read_many,
    read_order,
    read_refund,
    read_return,
    read_shipment,
    refund_body,
    reship_body,
    return_body,
)
from cxops.domain.customers import Address, Customer
from cxops.domain.errors import (
    BusinessRuleError,
    ConnectorUnavailableError,
    DomainError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import CustomerId, OrderId, ReturnId
from cxops.domain.order_rules import check_limit, customer_lookup
from cxops.domain.orders import Order, Refund, Return, ReturnItem, Shipment
from cxops.ports import OrderSystem

__all__ = ["RestOrderSystem"]

log = structlog.get_logger("cxops.connectors.rest_order_system")

_T = TypeVar("_T")

_REFUSALS = frozenset({409, 422})


def _worth_retrying(status: int) -> bool:
    """Statuses that say "not now" rather than "no": timeouts, throttling and server faults."""
    return status in (408, 429) or status >= 500


@dataclass(frozen=True, slots=True)
class _Failure:
    """One attempt that got no usable answer. `may_have_arrived` is False only when the request
    provably never reached the system (no connection), so even an unkeyed write may go again."""

    reason: str
    detail: str
    may_have_arrived: bool


def _credentials(auth: Auth | None, environ: Mapping[str, str]) -> dict[str, str]:
    if auth is None:
        return {}
    secret = environ.get(auth.secret_env, "")
    if not secret:
        raise ConfigError(
            "the environment",
            [f"auth.secret_env: the environment variable {auth.secret_env} is not set"],
        )
    return {auth.header: f"{auth.scheme} {secret}" if auth.scheme else secret}


def _one_customer(document: object, mapping: FieldMapping) -> Customer | None:
    """A lookup's answer: one customer, or a list of at most one."""
    if document is None:
        return None
    if not isinstance(document, list):
        return read_customer(document, mapping)
    if len(document) > 1:
        raise MappingError(f"the lookup matched {len(document)} customers, not one")
    return read_customer(document[0], mapping) if document else None


class RestOrderSystem:
    """The `OrderSystem` port over a remote REST order system; a drop-in for `SqlOrderStore`.

    Each call is bounded by `timeouts.total_seconds`, retries included. Reads are retried;
    writes too, because each carries its idempotency key (in `idempotency_header`), so the
    system applies a retried write once; without that header, a write that may have arrived is
    never sent again. One circuit breaker guards every request. Thread-safe; `close()` releases
    the connections.
    """

    def __init__(
        self,
        *,
        config: RestOrderSystemConfig,
        environ: Mapping[str, str],
        rng: random.Random | None = None,
    ) -> None:
        """Read the credential named in `config.auth` from `environ`; `ConfigError` if unset."""
        self._config = config
        self._rng = rng or random.Random()
        self._breaker = CircuitBreaker(
            name="order_system",
            failure_threshold=config.circuit_breaker.failure_threshold,
            cool_down_seconds=config.circuit_breaker.cool_down_seconds,
        )
        self._client = httpx.Client(
            base_url=str(config.base_url),
            headers={
                "Accept": "application/json",
                "User-Agent": f"cxops/{cxops.__version__}",
                **config.headers,
                **_credentials(config.auth, environ),
            },
            follow_redirects=False,
        )

    @classmethod
    def from_file(cls, path: Path, *, environ: Mapping[str, str] | None = None) -> Self:
        """Build from a YAML file; `ConfigError` names each bad line and field."""
        return cls(
            config=load_rest_order_config(path), environ=os.environ if environ is None else environ
        )

    @property
    def circuit_state(self) -> CircuitState:
        return self._breaker.state

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # reads

    def find_customer(
        self,
        *,
        customer_id: CustomerId | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Customer | None:
        """Find a customer by exactly one of id, email or phone; None when there is none."""
        field, value = customer_lookup(customer_id=customer_id, email=email, phone=phone)
        endpoints = self._config.endpoints
        endpoint = {
            "customer_id": endpoints.customer_by_id,
            "email": endpoints.customer_by_email,
            "phone": endpoints.customer_by_phone,
        }[field]
        response = self._call("find_customer", endpoint, values={field: value})
        if response is None:
            return None
        return self._read("find_customer", endpoint, response, _one_customer)

    def list_orders(self, customer_id: CustomerId, *, limit: int = 20) -> list[Order]:
        """Return the customer's `limit` most recent orders, newest first ([] if unknown)."""
        check_limit(limit)
        endpoint = self._config.endpoints.list_orders
        response = self._call(
            "list_orders", endpoint, values={"customer_id": customer_id, "limit": str(limit)}
        )
        if response is None:
            return []
        found = self._read(
            "list_orders", endpoint, response, lambda doc, m: read_many(doc, read_order, m)
        )
        # Whatever order the system answers in, the port promises newest first (ties by id).
        by_id = sorted(found, key=lambda o: o.id)
        return sorted(by_id, key=lambda o: o.placed_at, reverse=True)[:limit]

    def get_order(self, order_id: OrderId) -> Order:
        """Return the order with everything that hangs off it; `NotFoundError` if unknown."""
        return self._order("get_order", order_id)

    def get_tracking(self, order_id: OrderId) -> Sequence[Shipment]:
        """Return the order's shipments; `NotFoundError` if the order is unknown."""
        endpoint = self._config.endpoints.get_tracking
        if endpoint is None:
            return self._order("get_tracking", order_id).shipments
        response = self._call("get_tracking", endpoint, values={"order_id": order_id})
        if response is None:
            raise NotFoundError("order", order_id)
        return tuple(
            self._read(
                "get_tracking", endpoint, response, lambda d, m: read_many(d, read_shipment, m)
            )
        )

    def _order(self, operation: str, order_id: OrderId) -> Order:
        endpoint = self._config.endpoints.get_order
        response = self._call(operation, endpoint, values={"order_id": order_id})
        if response is None:
            raise NotFoundError("order", order_id)
        return self._read(operation, endpoint, response, read_order)

    # writes

    def cancel_order(self, *, order_id: OrderId, reason: str, idempotency_key: str) -> Order:
        """Ask the system to cancel the order; return the order as it now stands."""
        endpoint = self._config.endpoints.cancel_order
        return self._write(
            "cancel_order",
            endpoint,
            order_id=order_id,
            key=idempotency_key,
            body=cancel_body(endpoint.body, reason=reason),
            read=read_order,
        )

    def update_shipping_address(
        self, *, order_id: OrderId, address: Address, idempotency_key: str
    ) -> Order:
        """Ask the system to send the order to `address`; return the order."""
        endpoint = self._config.endpoints.update_shipping_address
        body = address_change_body(
            endpoint.body, address=address, fields=self._config.mapping.address
        )
        return self._write(
            "update_shipping_address",
            endpoint,
            order_id=order_id,
            key=idempotency_key,
            body=body,
            read=read_order,
        )

    def create_return(
        self,
        *,
        order_id: OrderId,
        items: Sequence[ReturnItem],
        reason: str,
        idempotency_key: str,
    ) -> Return:
        """Ask the system to authorize a return of `items`; return the return."""
        endpoint = self._config.endpoints.create_return
        body = return_body(
            endpoint.body, items=items, reason=reason, fields=self._config.mapping.return_item
        )
        return self._write(
            "create_return",
            endpoint,
            order_id=order_id,
            key=idempotency_key,
            body=body,
            read=read_return,
        )

    def issue_refund(
        self,
        *,
        order_id: OrderId,
        amount_cents: int,
        reason: str,
        idempotency_key: str,
        return_id: ReturnId | None = None,
    ) -> Refund:
        """Ask the system to refund `amount_cents` of the order; return the refund."""
        endpoint = self._config.endpoints.issue_refund
        body = refund_body(
            endpoint.body,
            amount_cents=amount_cents,
            reason=reason,
            return_id=return_id,
            money=self._config.mapping.money,
        )
        return self._write(
            "issue_refund",
            endpoint,
            order_id=order_id,
            key=idempotency_key,
            body=body,
            read=read_refund,
        )

    def reship_order(self, *, order_id: OrderId, reason: str, idempotency_key: str) -> Order:
        """Ask the system to send a replacement of the order; return the replacement order.

        With no `reship_order` endpoint configured, raise `ConnectorUnavailableError` (reason
        `not_configured`) without calling the system: a person reships by hand.
        """
        endpoint = self._config.endpoints.reship_order
        if endpoint is None:
            raise self._unavailable(
                "reship_order",
                "not_configured",
                "the order system's configuration has no reship_order endpoint",
            )
        return self._write(
            "reship_order",
            endpoint,
            order_id=order_id,
            key=idempotency_key,
            body=reship_body(endpoint.body, reason=reason),
            read=read_order,
        )

    def _write(
        self,
        operation: str,
        endpoint: Endpoint,
        *,
        order_id: OrderId,
        key: str,
        body: RequestBody,
        read: Callable[[object, FieldMapping], _T],
    ) -> _T:
        response = self._call(
            operation, endpoint, values={"order_id": order_id}, body=body, idempotency_key=key
        )
        if response is None:
            raise NotFoundError("order", order_id)
        result = self._read(operation, endpoint, response, read)
        log.info("order_system.write.applied", operation=operation, order_id=order_id)
        return result

    # the exchange

    def _call(
        self,
        operation: str,
        endpoint: Endpoint,
        *,
        values: Mapping[str, str],
        body: RequestBody | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response | None:
        """Make one call, retries included; its 2xx response, None for a 404, or the error."""
        url = endpoint.path.format_map({k: quote(v, safe="") for k, v in values.items()})
        header = self._config.idempotency_header
        headers = {header: idempotency_key} if header and idempotency_key is not None else {}
        response = self._send(
            operation,
            method=endpoint.method,
            url=url,
            json=None if body is None else body.document,
            headers=headers,
            retry_safe=idempotency_key is None or header is not None,
        )
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 404:
            return None
        if status in _REFUSALS:
            raise self._refusal(operation, response, body)
        raise self._unavailable(operation, "rejected", f"HTTP {status}")

    def _send(
        self,
        operation: str,
        *,
        method: str,
        url: str,
        json: object,
        headers: Mapping[str, str],
        retry_safe: bool,
    ) -> httpx.Response:
        """Send until an answer that is not worth retrying, within the attempts and the budget.

        A breaker that opens between two attempts ends the call with the last attempt's reason.
        """
        retries = self._config.retries
        started = time.monotonic()
        deadline = started + self._config.timeouts.total_seconds
        attempt = 0
        last: _Failure | None = None
        while True:
            attempt += 1
            if not self._breaker.allow():
                if last is None:
                    raise self._unavailable(
                        operation,
                        "circuit_open",
                        "recent requests failed; none is sent until the cool-down ends",
                    )
                raise self._unavailable(
                    operation,
                    last.reason,
                    f"{last.detail}, then the circuit breaker opened",
                    attempts=attempt - 1,
                    started=started,
                )
            outcome = self._attempt(
                method=method, url=url, json=json, headers=headers, deadline=deadline
            )
            if isinstance(outcome, httpx.Response):
                return outcome
            wait = backoff_seconds(
                attempt,
                base_seconds=retries.backoff_base_seconds,
                max_seconds=retries.backoff_max_seconds,
                rng=self._rng,
            )
            retrying = (
                attempt < retries.max_attempts
                and (retry_safe or not outcome.may_have_arrived)
                and time.monotonic() + wait < deadline
            )
            log.warning(
                "order_system.request.failed",
                operation=operation,
                attempt=attempt,
                reason=outcome.reason,
                detail=outcome.detail,
                retrying=retrying,
            )
            if not retrying:
                raise self._unavailable(
                    operation, outcome.reason, outcome.detail, attempts=attempt, started=started
                )
            last = outcome
            time.sleep(wait)

    def _attempt(
        self,
        *,
        method: str,
        url: str,
        json: object,
        headers: Mapping[str, str],
        deadline: float,
    ) -> httpx.Response | _Failure:
        """Send once, within what is left of the budget, and report the outcome to the breaker."""
        limits = self._config.timeouts
        left = max(deadline - time.monotonic(), 0.001)
        timeout = httpx.Timeout(
            connect=min(limits.connect_seconds, left),
            read=min(limits.read_seconds, left),
            write=min(limits.read_seconds, left),
            pool=min(limits.connect_seconds, left),
        )
        failure: _Failure
        try:
            response = self._client.request(
                method, url, json=json, headers=headers, timeout=timeout
            )
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            failure = _Failure("timeout", type(exc).__name__, may_have_arrived=False)
        except httpx.TimeoutException as exc:
            failure = _Failure("timeout", type(exc).__name__, may_have_arrived=True)
        except httpx.ConnectError as exc:
            failure = _Failure("connection_failed", type(exc).__name__, may_have_arrived=False)
        except httpx.TransportError as exc:
            failure = _Failure("connection_failed", type(exc).__name__, may_have_arrived=True)
        except BaseException:
            self._breaker.failed()
            raise
        else:
            if not _worth_retrying(response.status_code):
                self._breaker.succeeded()
                return response
            failure = _Failure(
                "server_error", f"HTTP {response.status_code}", may_have_arrived=True
            )
        self._breaker.failed()
        return failure

    def _read(
        self,
        operation: str,
        endpoint: Endpoint,
        response: httpx.Response,
        read: Callable[[object, FieldMapping], _T],
    ) -> _T:
        """The answer at the endpoint's `result` path, read through the field mapping."""
        try:
            document = response.json()
        except ValueError:
            raise self._unavailable(operation, "bad_response", "the answer is not JSON") from None
        if endpoint.result is not None:
            document = get_path(document, endpoint.result)
        try:
            return read(document, self._config.mapping)
        except MappingError as exc:
            raise self._unavailable(operation, "bad_response", str(exc)) from None

    def _refusal(
        self, operation: str, response: httpx.Response, body: RequestBody | None
    ) -> DomainError:
        """The domain error for a 409 or 422, from the code, message and field it names."""
        shape = self._config.errors
        try:
            document = response.json()
        except ValueError:
            document = None
        code, message, field = (
            get_path(document, path) for path in (shape.code, shape.message, shape.field)
        )
        text = message if isinstance(message, str) and message else f"{operation} was refused"
        log.info(
            "order_system.call.refused",
            operation=operation,
            status_code=response.status_code,
            code=code if isinstance(code, str) else None,
        )
        if isinstance(code, str) and code in shape.idempotency_conflict_codes:
            return IdempotencyConflictError(text)
        if isinstance(field, str) and field:
            return InvalidInputError(field if body is None else body.our_field(field), text)
        if isinstance(code, str) and code:
            return BusinessRuleError(shape.codes.get(code, code), text)
        return self._unavailable(
            operation, "rejected", f"HTTP {response.status_code} without an error code"
        )

    def _unavailable(
        self,
        operation: str,
        reason: str,
        detail: str,
        *,
        attempts: int | None = None,
        started: float | None = None,
    ) -> ConnectorUnavailableError:
        elapsed = None if started is None else round((time.monotonic() - started) * 1000)
        log.warning(
            "order_system.call.unavailable",
            operation=operation,
            reason=reason,
            detail=detail,
            attempts=attempts,
            elapsed_ms=elapsed,
        )
        if attempts is not None and attempts > 1:
            detail = f"after {attempts} attempts: {detail}"
        return ConnectorUnavailableError(operation, reason, detail)


# mypy checks here that RestOrderSystem really implements the port.
_CONFORMS_TO_PORT: type[OrderSystem] = RestOrderSystem
