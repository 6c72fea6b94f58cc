"""Checking, previewing (dry-running) and running the bot's actions.

`check` answers "may the bot do this to this order now, and may it do it alone?" from the order
rules (the same ones every order-system adapter enforces) and the policy's approval limits,
without touching anything. `preview` says what the write would change. `execute` makes the write
through the order-system port under the action's id as idempotency key, so a retry after a crash,
or two approvers pressing the button at once, changes the order once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cxops.domain.customers import Address
from cxops.domain.decisions import Reason
from cxops.domain.errors import BusinessRuleError, InvalidInputError
from cxops.domain.ids import OrderId, ReturnId
from cxops.domain.order_rules import (
    check_address,
    check_address_changeable,
    check_cancellable,
    check_refundable,
    check_reshippable,
    check_returnable,
)
from cxops.domain.orders import Order, OrderStatus, ReturnItem
from cxops.domain.selfservice import Action, ActionKind
from cxops.ports import OrderSystem
from cxops.selfservice.rules import Approvals

# How many of an order's earlier executed actions of a kind there are (for limits such as "a
# second address change needs a person").
History = Callable[[OrderId, ActionKind], int]


@dataclass(frozen=True, slots=True)
class Verdict:
    """`allowed` false: the rules forbid it (`rule` says which). `needs_approval`: allowed, but
    above the bot's limit. `reasons` explain either way."""

    allowed: bool
    needs_approval: bool
    reasons: tuple[Reason, ...]
    rule: str = ""


_ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


def checked_params(kind: ActionKind, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters of an action of `kind` given from outside (the dry-run API), typed;
    `InvalidInputError` names the first field that is missing or of the wrong shape."""
    reason = params.get("reason", "self-service")
    if not isinstance(reason, str):
        raise InvalidInputError("params.reason", "must be a string")
    checked: dict[str, Any] = {"reason": reason}
    if kind is ActionKind.CHANGE_ADDRESS:
        address = params.get("address")
        if not isinstance(address, dict):
            raise InvalidInputError("params.address", "must be an object")
        unknown = sorted(set(address) - set(_ADDRESS_FIELDS))
        if unknown:
            raise InvalidInputError(f"params.address.{unknown[0]}", "is not an address field")
        for name in _ADDRESS_FIELDS:
            if not isinstance(address.get(name, ""), str):
                raise InvalidInputError(f"params.address.{name}", "must be a string")
        checked["address"] = {name: address.get(name, "") for name in _ADDRESS_FIELDS}
    elif kind is ActionKind.CREATE_RETURN:
        items = params.get("items")
        valid = isinstance(items, list) and all(
            isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) and isinstance(i[1], int)
            for i in items
        )
        if not valid:
            raise InvalidInputError("params.items", "must be a list of [product_id, quantity]")
        checked["items"] = items
    elif kind is ActionKind.ISSUE_REFUND:
        amount = params.get("amount_cents")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InvalidInputError("params.amount_cents", "must be a whole number of cents")
        checked["amount_cents"] = amount
    return checked


def return_items(action: Action) -> tuple[ReturnItem, ...]:
    return tuple(
        ReturnItem(product_id=pid, quantity=int(qty)) for pid, qty in action.params["items"]
    )


def new_address(action: Action) -> Address:
    return Address(**action.params["address"])


def _major(cents: int) -> float:
    return cents / 100.0


def check(
    action: Action, order: Order, *, approvals: Approvals, history: History, now: datetime
) -> Verdict:
    """Whether the action may run on the order as it stands, and whether a person must approve."""
    try:
        _rules(action, order, now=now)
    except (BusinessRuleError, InvalidInputError) as exc:
        code = exc.code if isinstance(exc, BusinessRuleError) else "invalid_request"
        return Verdict(False, False, (Reason(code, exc.message),), rule=code)
    limits = _limits(action, order, approvals=approvals, history=history)
    if limits:
        return Verdict(True, True, tuple(limits))
    return Verdict(True, False, (Reason("within_bot_limits", "Within the bot's own limits."),))


def _rules(action: Action, order: Order, *, now: datetime) -> None:
    match action.kind:
        case ActionKind.CANCEL_ORDER:
            check_cancellable(order)
        case ActionKind.CHANGE_ADDRESS:
            check_address_changeable(order)
            check_address(new_address(action))
        case ActionKind.CREATE_RETURN:
            check_returnable(order, return_items(action), now=now)
        case ActionKind.ISSUE_REFUND:
            check_refundable(order, int(action.params["amount_cents"]))
        case ActionKind.RESHIP_ORDER:
            check_reshippable(order)


def refund_on_cancel(order: Order) -> int:
    """What cancelling gives back: a processing order's captured payment; a pending one was only
    authorised, so nothing is refunded (the hold is released)."""
    if order.status is OrderStatus.PROCESSING:
        return order.total_cents - order.refunded_cents
    return 0


def _limits(
    action: Action, order: Order, *, approvals: Approvals, history: History
) -> list[Reason]:
    reasons = []
    match action.kind:
        case ActionKind.CANCEL_ORDER if _major(order.total_cents) > approvals.cancel_over:
            reasons.append(
                Reason(
                    "approval.cancel_over",
                    f"The order total {_major(order.total_cents):.2f} {order.currency} is over "
                    f"the bot's cancellation limit of {approvals.cancel_over:.2f}.",
                )
            )
        case ActionKind.ISSUE_REFUND:
            amount = _major(int(action.params["amount_cents"]))
            if amount > approvals.refund_over:
                reasons.append(
                    Reason(
                        "approval.refund_over",
                        f"A refund of {amount:.2f} {order.currency} is over the bot's limit of "
                        f"{approvals.refund_over:.2f}.",
                    )
                )
        case ActionKind.CHANGE_ADDRESS:
            done = history(order.id, ActionKind.CHANGE_ADDRESS)
            if done >= approvals.address_changes_per_order:
                reasons.append(
                    Reason(
                        "approval.address_changes",
                        f"The address of this order was already changed {done} time(s); the "
                        f"bot may change it {approvals.address_changes_per_order} time(s).",
                    )
                )
        case ActionKind.RESHIP_ORDER if approvals.reship:
            reasons.append(
                Reason("approval.reship", "Every replacement parcel is approved by a person.")
            )
    return reasons


def preview(action: Action, order: Order) -> dict[str, Any]:
    """The dry run: what the write would change, JSON-ready, computed from the order alone."""
    base: dict[str, Any] = {
        "order_id": order.id,
        "status_before": order.status.value,
        "currency": order.currency,
    }
    match action.kind:
        case ActionKind.CANCEL_ORDER:
            return {
                **base,
                "status_after": OrderStatus.CANCELLED.value,
                "refund_cents": refund_on_cancel(order),
            }
        case ActionKind.CHANGE_ADDRESS:
            return {**base, "address_after": action.params["address"]}
        case ActionKind.CREATE_RETURN:
            names = {item.product_id: item.product_name for item in order.items}
            return {
                **base,
                "items": [[names.get(pid, pid), qty] for pid, qty in action.params["items"]],
            }
        case ActionKind.ISSUE_REFUND:
            return {**base, "refund_cents": int(action.params["amount_cents"])}
        case ActionKind.RESHIP_ORDER:
            return {**base, "status_after": OrderStatus.LOST.value, "replacement": True}
    raise AssertionError(action.kind)


def execute(action: Action, orders: OrderSystem) -> dict[str, Any]:
    """Make the write; return what the customer is told about it (ids, references, amounts).

    A cancellation reports the refund its preview (taken just before) computed, so a replayed
    write tells the customer the same amount. Raises what the port raises: `BusinessRuleError`
    if the order changed meanwhile so that the rules now forbid it, `ConnectorUnavailableError`
    if the order system did not answer.
    """
    key = action.id
    reason = str(action.params.get("reason", "self-service"))
    match action.kind:
        case ActionKind.CANCEL_ORDER:
            cancelled = orders.cancel_order(
                order_id=action.order_id, reason=reason, idempotency_key=key
            )
            return {
                "status": cancelled.status.value,
                "refund_cents": int(action.preview.get("refund_cents", 0)),
            }
        case ActionKind.CHANGE_ADDRESS:
            changed = orders.update_shipping_address(
                order_id=action.order_id, address=new_address(action), idempotency_key=key
            )
            return {"status": changed.status.value}
        case ActionKind.CREATE_RETURN:
            ret = orders.create_return(
                order_id=action.order_id,
                items=return_items(action),
                reason=reason,
                idempotency_key=key,
            )
            return {"return_id": ret.id, "label_reference": ret.label_reference}
        case ActionKind.ISSUE_REFUND:
            return_id = action.params.get("return_id")
            refund = orders.issue_refund(
                order_id=action.order_id,
                amount_cents=int(action.params["amount_cents"]),
                reason=reason,
                idempotency_key=key,
                return_id=None if return_id is None else ReturnId(return_id),
            )
            return {"refund_id": refund.id, "refund_cents": refund.amount_cents}
        case ActionKind.RESHIP_ORDER:
            replacement = orders.reship_order(
                order_id=action.order_id, reason=reason, idempotency_key=key
            )
            return {"replacement_order_id": replacement.id}
    raise AssertionError(action.kind)
