"""Where a self-service conversation stands between turns.

Stored as JSON next to the conversation. It holds no personal data: an email the customer types
is looked up at once and only the internal customer id it matched is kept, and a postcode is
compared at once and only the yes/no is kept.
"""

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from cxops.domain.selfservice import Action


class Step(StrEnum):
    """What the bot asked last, so the next turn is read as its answer."""

    NONE = "none"
    IDENTITY = "identity"
    ORDER = "order"
    ITEMS = "items"
    ADDRESS = "address"
    CONFIRM = "confirm"
    OFFER_PERSON = "offer_person"
    ANYTHING_ELSE = "anything_else"


@dataclass(slots=True)
class Dialogue:
    """`flow` is the intent being served; `customer_id` is set once identity is verified;
    `candidate_id` is the customer the given email matched ("" when it matched nobody), before
    the second factor confirms it. `pending` is the action put to the customer. `stalled` counts
    consecutive turns without progress (the policy's bot-turn budget). `exception` is the rule
    that stopped the last request, for the handoff. `answered` is the last customer message the
    bot replied to, so a retried message is answered once."""

    flow: str | None = None
    step: Step = Step.NONE
    language: str = "en"
    customer_id: str | None = None
    candidate_id: str | None = None
    claimed_order: str | None = None
    postcode_ok: bool | None = None
    attempts: int = 0
    foreign_orders: int = 0
    order_id: str | None = None
    item_ids: list[str] = field(default_factory=list)
    item_names: list[str] = field(default_factory=list)
    item_hint: list[str] = field(default_factory=list)
    pending_id: str | None = None
    awaiting_approval: list[str] = field(default_factory=list)
    stalled: int = 0
    turns: int = 0
    resolved: list[str] = field(default_factory=list)
    exception: str | None = None
    answered: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Dialogue":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "step" in values:
            values["step"] = Step(values["step"])
        return cls(**values)

    def summary(self, pending: Action | None) -> dict[str, Any]:
        """What the bot learned, for the person who takes over."""
        return {
            "flow": self.flow,
            "identity_verified": self.customer_id is not None,
            "verification_attempts": self.attempts,
            "order_id": self.order_id,
            "items": list(self.item_names),
            "pending_action": None
            if pending is None
            else {"id": pending.id, "kind": pending.kind.value, "status": pending.status.value},
            "awaiting_approval": list(self.awaiting_approval),
            "resolved": list(self.resolved),
            "stopped_by_rule": self.exception,
        }
