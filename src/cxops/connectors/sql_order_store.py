"""The embedded order system: the default `OrderSystem`, kept in cxops's own database.

It stands in for a retailer's real order system (demos, small shops, tests), so it behaves like
one: every call is its own transaction, every write is idempotent, and the rules in
`cxops.domain.order_rules` decide what may be done, exactly as a connector to a real system would
report them.
"""

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, is_dataclass, replace
from datetime import datetime
from typing import TypeVar

import structlog

from cxops.domain.customers import Address, Customer
from cxops.domain.errors import (
    BusinessRuleError,
    DuplicateKeyError,
    IdempotencyConflictError,
    NotFoundError,
)
from cxops.domain.ids import CustomerId, OrderId, RefundId, ReturnId, new_id
from cxops.domain.order_rules import (
    check_address,
    check_address_changeable,
    check_cancellable,
    check_limit,
    check_refundable,
    check_reshippable,
    check_return_refundable,
    check_returnable,
    customer_lookup,
    next_replacement_id,
    replacement_of,
    status_after_refund,
    status_after_return,
)
from cxops.domain.orders import (
    Order,
    OrderStatus,
    Refund,
    RefundStatus,
    Return,
    ReturnItem,
    ReturnStatus,
    Shipment,
)
from cxops.ports import Clock, OrderSystem, UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger("cxops.connectors.sql_order_store")

_T = TypeVar("_T")


def _plain(value: object) -> object:
    """Turn the dataclasses among a request's arguments into JSON-ready dicts."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def _fingerprint(operation: str, arguments: Mapping[str, object]) -> str:
    """Return sha256 of the canonical JSON of a request, to tell a retry from a new request."""
    canonical = json.dumps(
        [operation, arguments], sort_keys=True, separators=(",", ":"), default=_plain
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _required(found: _T | None, *, kind: str, key: str) -> _T:
    """Return `found`, or raise `NotFoundError(kind, key)` when it is missing."""
    if found is None:
        raise NotFoundError(kind, key)
    return found


def _claim(
    uow: UnitOfWork, *, key: str, operation: str, request_hash: str, result_id: str
) -> str | None:
    """Take `key` for this request and return None, or return the result id of its holder.

    Raises `IdempotencyConflictError` when the key holds another operation or other arguments.
    On PostgreSQL a concurrent claim of the same key waits until the holder commits (then this
    one replays it) or rolls back (then this one takes the key).
    """
    taken = uow.operations.find(key)
    if taken is None:
        try:
            uow.operations.record(
                key=key, operation=operation, request_hash=request_hash, result_id=result_id
            )
        except DuplicateKeyError:
            # Another request took the key and committed between our `find` and `record`. Its
            # record is visible under READ COMMITTED; should it not be, surface the duplicate.
            taken = uow.operations.find(key)
            if taken is None:
                raise
        else:
            return None
    held_operation, held_hash, held_result = taken
    if (held_operation, held_hash) != (operation, request_hash):
        raise IdempotencyConflictError(
            f"idempotency key {key!r} was already used for a different request"
        )
    return held_result


def _load_order(uow: UnitOfWork, result_id: str) -> Order:
    return _required(uow.orders.get(OrderId(result_id)), kind="order", key=result_id)


def _load_return(uow: UnitOfWork, result_id: str) -> Return:
    return _required(uow.orders.get_return(ReturnId(result_id)), kind="return", key=result_id)


def _load_refund(uow: UnitOfWork, result_id: str) -> Refund:
    return _required(uow.orders.get_refund(RefundId(result_id)), kind="refund", key=result_id)


def _label_reference(return_id: ReturnId) -> str:
    """The carrier label of a return, derived from its id so it is unique and needs no counter."""
    return "LBL-" + return_id.partition("_")[2].upper()


class SqlOrderStore:
    """The `OrderSystem` port over cxops's own SQL store.

    Each call opens and commits its own unit of work, like a request to a remote order system;
    callers never see a half-applied write.
    """

    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def find_customer(
        self,
        *,
        customer_id: CustomerId | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Customer | None:
        """Find a customer by exactly one of id, email (any letter case) or phone."""
        field, value = customer_lookup(customer_id=customer_id, email=email, phone=phone)
        with self._uow() as uow:
            if field == "email":
                return uow.customers.find_by_email(value)
            if field == "phone":
                return uow.customers.find_by_phone(value)
            return uow.customers.get(CustomerId(value))

    def list_orders(self, customer_id: CustomerId, *, limit: int = 20) -> list[Order]:
        """Return the customer's `limit` most recent orders, newest first."""
        # Checked here because the backends disagree: SQLite reads LIMIT -1 as "no limit".
        check_limit(limit)
        with self._uow() as uow:
            return uow.orders.list_for_customer(customer_id, limit=limit)

    def get_order(self, order_id: OrderId) -> Order:
        """Return the order with everything that hangs off it; `NotFoundError` if unknown."""
        with self._uow() as uow:
            return _load_order(uow, order_id)

    def get_tracking(self, order_id: OrderId) -> Sequence[Shipment]:
        """Return the order's shipments, oldest first; `NotFoundError` if the order is unknown."""
        return self.get_order(order_id).shipments

    def cancel_order(self, *, order_id: OrderId, reason: str, idempotency_key: str) -> Order:
        """Cancel an order that has not shipped yet and return it as it now stands.

        A pending order's payment was only authorized, so cancelling releases the authorization
        and records no refund. A processing order's payment was already captured, so cancelling
        it also records a completed refund of everything not yet refunded: the customer gets all
        of their money back.
        """

        def apply(uow: UnitOfWork, order: Order, now: datetime) -> None:
            check_cancellable(order)
            if order.status == OrderStatus.PROCESSING and order.total_cents > order.refunded_cents:
                uow.orders.add_refund(
                    Refund(
                        id=RefundId(new_id("rfd")),
                        order_id=order.id,
                        amount_cents=order.total_cents - order.refunded_cents,
                        reason=reason,
                        status=RefundStatus.COMPLETED,
                        created_at=now,
                    )
                )
            uow.orders.set_status(order.id, OrderStatus.CANCELLED, at=now)

        return self._write(
            operation="cancel_order",
            key=idempotency_key,
            order_id=order_id,
            arguments={"reason": reason},
            result_id=order_id,
            apply=apply,
            load=_load_order,
        )

    def update_shipping_address(
        self, *, order_id: OrderId, address: Address, idempotency_key: str
    ) -> Order:
        """Send a not-yet-shipped order to a valid new address and return the order."""

        def apply(uow: UnitOfWork, order: Order, now: datetime) -> None:
            check_address_changeable(order)
            check_address(address)
            uow.orders.set_shipping_address(order.id, address, at=now)

        return self._write(
            operation="update_shipping_address",
            key=idempotency_key,
            order_id=order_id,
            arguments={"address": address},
            result_id=order_id,
            apply=apply,
            load=_load_order,
        )

    def create_return(
        self,
        *,
        order_id: OrderId,
        items: Sequence[ReturnItem],
        reason: str,
        idempotency_key: str,
    ) -> Return:
        """Authorize a return of delivered units and issue its label.

        Once returns cover every unit of the order, the order's status becomes RETURNED.
        """
        return_id = ReturnId(new_id("ret"))
        wanted = tuple(items)

        def apply(uow: UnitOfWork, order: Order, now: datetime) -> None:
            check_returnable(order, wanted, now=now)
            ret = Return(
                id=return_id,
                order_id=order.id,
                items=wanted,
                reason=reason,
                status=ReturnStatus.AUTHORIZED,
                label_reference=_label_reference(return_id),
                created_at=now,
            )
            uow.orders.add_return(ret)
            after = replace(order, returns=(*order.returns, ret))
            uow.orders.set_status(order.id, status_after_return(after), at=now)

        return self._write(
            operation="create_return",
            key=idempotency_key,
            order_id=order_id,
            arguments={"items": wanted, "reason": reason},
            result_id=return_id,
            apply=apply,
            load=_load_return,
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
        """Refund part or all of what is left of an order's payment; it settles at once.

        A `return_id` must name a return of this order that was neither rejected nor refunded
        before; it is then marked REFUNDED. Once the refunds reach the order's total, the order's
        status becomes REFUNDED.
        """
        refund_id = RefundId(new_id("rfd"))

        def apply(uow: UnitOfWork, order: Order, now: datetime) -> None:
            check_refundable(order, amount_cents)
            if return_id is not None:
                check_return_refundable(order, return_id)
                uow.orders.set_return_status(return_id, ReturnStatus.REFUNDED)
            refund = Refund(
                id=refund_id,
                order_id=order.id,
                amount_cents=amount_cents,
                reason=reason,
                status=RefundStatus.COMPLETED,
                created_at=now,
                return_id=return_id,
            )
            uow.orders.add_refund(refund)
            after = replace(order, refunds=(*order.refunds, refund))
            uow.orders.set_status(order.id, status_after_refund(after), at=now)

        return self._write(
            operation="issue_refund",
            key=idempotency_key,
            order_id=order_id,
            arguments={"amount_cents": amount_cents, "reason": reason, "return_id": return_id},
            result_id=refund_id,
            apply=apply,
            load=_load_refund,
        )

    def reship_order(self, *, order_id: OrderId, reason: str, idempotency_key: str) -> Order:
        """Send a shipped, delayed or lost order's items again at no charge; return the new order.

        The replacement is numbered after the order's earlier replacements (`W0000042-R1`,
        `-R2` ...) and starts as PROCESSING; the original is marked LOST. The number is read
        before the order is locked, because the key's claim records the result id first. Should
        a replacement under another key take that number meanwhile, this request is refused
        (`order_not_reshippable`, claiming nothing) rather than sending a second parcel its caller
        did not know about.
        """
        prefix = f"{order_id}-R"
        with self._uow() as uow:
            replacement_id = next_replacement_id(order_id, uow.orders.ids_starting_with(prefix))

        def apply(uow: UnitOfWork, order: Order, now: datetime) -> None:
            check_reshippable(order)
            latest = next_replacement_id(order.id, uow.orders.ids_starting_with(prefix))
            if latest != replacement_id:
                raise BusinessRuleError(
                    "order_not_reshippable",
                    f"order {order.id} was reshipped a moment ago; check that replacement "
                    "before sending another",
                )
            uow.orders.add_many([replacement_of(order, replacement_id=replacement_id, now=now)])
            uow.orders.set_status(order.id, OrderStatus.LOST, at=now)

        return self._write(
            operation="reship_order",
            key=idempotency_key,
            order_id=order_id,
            arguments={"reason": reason},
            result_id=replacement_id,
            apply=apply,
            load=_load_order,
        )

    def _write(
        self,
        *,
        operation: str,
        key: str,
        order_id: OrderId,
        arguments: Mapping[str, object],
        result_id: str,
        apply: Callable[[UnitOfWork, Order, datetime], None],
        load: Callable[[UnitOfWork, str], _T],
    ) -> _T:
        """Run one idempotent write to one order in its own transaction; return `load`'s result.

        The key is claimed before the order is locked, so concurrent retries of one request
        queue on the key and then replay the first one's result, while different requests
        queue on the order lock and each sees the order as the previous one left it. `apply`
        checks the rules and writes; anything it raises rolls back everything, the claim
        included, so the caller can fix the request and retry under the same key.
        """
        request_hash = _fingerprint(operation, {"order_id": order_id, **arguments})
        with self._uow() as uow:
            original = _claim(
                uow,
                key=key,
                operation=operation,
                request_hash=request_hash,
                result_id=result_id,
            )
            if original is not None:
                log.info("order_system.write.replayed", operation=operation, order_id=order_id)
                return load(uow, original)
            order = _required(uow.orders.get(order_id, for_update=True), kind="order", key=order_id)
            apply(uow, order, self._clock.now())
            result = load(uow, result_id)
            uow.commit()
        log.info(
            "order_system.write.applied",
            operation=operation,
            order_id=order_id,
            result_id=result_id,
        )
        return result


# mypy checks here that SqlOrderStore really implements the port.
_CONFORMS_TO_PORT: type[OrderSystem] = SqlOrderStore
