"""What the self-service bot does to an order, and how far each action has got.

An action is typed (its `kind` fixes which parameters it carries), is checked against the order
rules and the policy before it runs, and keeps its own history: proposed to the customer, then
either run at once, or held for a person's approval when the policy says it is above the bot's
limit. Its id is the idempotency key of the write, so running it twice changes the order once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cxops.domain.decisions import Reason
from cxops.domain.ids import ActionId, ConversationId, OrderId


class ActionKind(StrEnum):
    CANCEL_ORDER = "cancel_order"
    CHANGE_ADDRESS = "change_address"
    CREATE_RETURN = "create_return"
    ISSUE_REFUND = "issue_refund"
    RESHIP_ORDER = "reship_order"


class ActionStatus(StrEnum):
    """`proposed`: put to the customer, awaiting their yes. `awaiting_approval`: the customer
    said yes, a person must approve. `executed`/`failed`: the write ran. `declined`: the
    customer said no or moved on. `rejected`: the approver said no."""

    PROPOSED = "proposed"
    AWAITING_APPROVAL = "awaiting_approval"
    EXECUTED = "executed"
    FAILED = "failed"
    DECLINED = "declined"
    REJECTED = "rejected"


OPEN_STATUSES = frozenset({ActionStatus.PROPOSED, ActionStatus.AWAITING_APPROVAL})


@dataclass(frozen=True, slots=True)
class Action:
    """One write the bot wants to make. `params` holds the kind's arguments (JSON-ready):
    `reason` always; `address` (change_address), `items` as [[product_id, quantity], ...]
    (create_return), `amount_cents` (issue_refund). `decided_by` is the approver's user id, or
    their API key's id when the key belongs to no user."""

    id: ActionId
    conversation_id: ConversationId
    kind: ActionKind
    order_id: OrderId
    params: dict[str, Any]
    status: ActionStatus
    created_at: datetime
    needs_approval: bool = False
    reasons: tuple[Reason, ...] = ()
    preview: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str = ""
