from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cxops.domain.customers import Address
from cxops.domain.errors import InvalidInputError
from cxops.domain.ids import ActionId, ConversationId, CustomerId, OrderId, ProductId
from cxops.domain.orders import Order, OrderItem, OrderStatus, PaymentMethod
from cxops.domain.selfservice import Action, ActionKind, ActionStatus
from cxops.selfservice.actions import check, checked_params, preview
from cxops.selfservice.rules import Approvals

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOME = Address(line1="1 Main St", city="Springfield", postal_code="62704", country="US")
APPROVALS = Approvals(refund_over=150, cancel_over=500, address_changes_per_order=1)


def order(status: OrderStatus, *, price_cents: int = 10_000, delivered_days_ago: int = 3) -> Order:
    return Order(
        id=OrderId("W1000001"),
        customer_id=CustomerId("c1"),
        status=status,
        placed_at=NOW - timedelta(days=10),
        updated_at=NOW,
        currency="USD",
        subtotal_cents=price_cents,
        shipping_cents=0,
        discount_cents=0,
        tax_cents=0,
        payment_method=PaymentMethod.CARD,
        shipping_address=HOME,
        items=(
            OrderItem(
                product_id=ProductId("lamp"),
                product_name="Desk Lamp",
                category="home",
                quantity=1,
                unit_price_cents=price_cents,
                warranty_months=12,
                return_window_days=30,
            ),
        ),
        delivered_at=NOW - timedelta(days=delivered_days_ago)
        if status is OrderStatus.DELIVERED
        else None,
    )


def action(kind: ActionKind, **params: Any) -> Action:
    return Action(
        id=ActionId("act_1"),
        conversation_id=ConversationId("conv_1"),
        kind=kind,
        order_id=OrderId("W1000001"),
        params={"reason": "test", **params},
        status=ActionStatus.PROPOSED,
        created_at=NOW,
    )


def never_done(order_id: OrderId, kind: ActionKind) -> int:
    return 0


def done_once(order_id: OrderId, kind: ActionKind) -> int:
    return 1


def test_that_a_processing_order_may_be_cancelled_by_the_bot_with_its_refund_previewed() -> None:
    verdict = check(
        action(ActionKind.CANCEL_ORDER),
        order(OrderStatus.PROCESSING),
        approvals=APPROVALS,
        history=never_done,
        now=NOW,
    )
    assert (verdict.allowed, verdict.needs_approval) == (True, False)
    shown = preview(action(ActionKind.CANCEL_ORDER), order(OrderStatus.PROCESSING))
    assert shown["refund_cents"] == 10_000
    assert shown["status_after"] == "cancelled"


def test_that_a_shipped_order_is_refused_with_the_rule_named() -> None:
    verdict = check(
        action(ActionKind.CANCEL_ORDER),
        order(OrderStatus.SHIPPED),
        approvals=APPROVALS,
        history=never_done,
        now=NOW,
    )
    assert not verdict.allowed
    assert verdict.rule == "order_not_cancellable"


def test_that_a_cancellation_over_the_limit_needs_approval() -> None:
    verdict = check(
        action(ActionKind.CANCEL_ORDER),
        order(OrderStatus.PROCESSING, price_cents=60_000),
        approvals=APPROVALS,
        history=never_done,
        now=NOW,
    )
    assert verdict.allowed
    assert verdict.needs_approval
    assert [r.code for r in verdict.reasons] == ["approval.cancel_over"]


@pytest.mark.parametrize(("amount", "needs"), [(15_000, False), (15_001, True)])
def test_that_refunds_above_the_threshold_need_approval(amount: int, needs: bool) -> None:
    verdict = check(
        action(ActionKind.ISSUE_REFUND, amount_cents=amount),
        order(OrderStatus.DELIVERED, price_cents=20_000),
        approvals=APPROVALS,
        history=never_done,
        now=NOW,
    )
    assert verdict.allowed
    assert verdict.needs_approval is needs


def test_that_the_second_address_change_needs_approval() -> None:
    new = {"line1": "2 Oak Ave", "city": "Austin", "postal_code": "78758", "country": "US"}
    change = action(ActionKind.CHANGE_ADDRESS, address={"line2": "", "region": "", **new})
    first = check(
        change, order(OrderStatus.PENDING), approvals=APPROVALS, history=never_done, now=NOW
    )
    second = check(
        change, order(OrderStatus.PENDING), approvals=APPROVALS, history=done_once, now=NOW
    )
    assert not first.needs_approval
    assert second.needs_approval
    assert second.reasons[0].code == "approval.address_changes"


def test_that_a_return_after_the_window_is_refused() -> None:
    verdict = check(
        action(ActionKind.CREATE_RETURN, items=[["lamp", 1]]),
        order(OrderStatus.DELIVERED, delivered_days_ago=45),
        approvals=APPROVALS,
        history=never_done,
        now=NOW,
    )
    assert not verdict.allowed
    assert verdict.rule == "return_window_closed"


def test_that_every_reship_needs_a_person_when_the_policy_says_so() -> None:
    verdict = check(
        action(ActionKind.RESHIP_ORDER),
        order(OrderStatus.LOST),
        approvals=APPROVALS,
        history=never_done,
        now=NOW,
    )
    assert verdict.allowed
    assert verdict.needs_approval
    relaxed = check(
        action(ActionKind.RESHIP_ORDER),
        order(OrderStatus.LOST),
        approvals=Approvals(reship=False),
        history=never_done,
        now=NOW,
    )
    assert not relaxed.needs_approval


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        (ActionKind.ISSUE_REFUND, {"amount_cents": "12"}, "params.amount_cents"),
        (ActionKind.ISSUE_REFUND, {"amount_cents": True}, "params.amount_cents"),
        (ActionKind.CREATE_RETURN, {"items": [["lamp"]]}, "params.items"),
        (ActionKind.CHANGE_ADDRESS, {"address": "1 Main St"}, "params.address"),
        (ActionKind.CHANGE_ADDRESS, {"address": {"street": "x"}}, "params.address.street"),
        (ActionKind.CANCEL_ORDER, {"reason": 3}, "params.reason"),
    ],
)
def test_that_bad_parameters_name_the_field(
    kind: ActionKind, params: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        checked_params(kind, params)
    assert raised.value.field == field
