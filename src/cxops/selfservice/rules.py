"""The self-service part of the routing policy: identity checks, the bot's limits, and the
knowledge it may state.

The bot states only two kinds of facts: what the order system returns, and what is written here.
So store hours, delivery options and payment methods are policy data an operations lead edits,
in every language the bot answers in, never strings in the code.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

LANGUAGES = ("en", "es")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(_Strict):
    """One text in each language the bot speaks."""

    en: str = Field(min_length=1)
    es: str = Field(min_length=1)

    def text(self, language: str) -> str:
        return self.es if language == "es" else self.en


class Verification(_Strict):
    """Before the bot reveals anything about an order or acts on one, the customer proves who
    they are with their email and either an order number or the postcode of their address.
    After `max_attempts` mismatches a person takes over."""

    max_attempts: int = Field(default=3, ge=1, le=10)


Amount = Annotated[float, Field(ge=0.0)]


class Approvals(_Strict):
    """Limits above which the bot prepares an action and a person approves it. Amounts are in
    the order's currency (major units)."""

    refund_over: Amount = 150.0
    cancel_over: Amount = 500.0
    address_changes_per_order: int = Field(default=1, ge=0)
    reship: bool = True


class Remedy(StrEnum):
    RESHIP = "reship"
    REFUND = "refund"
    PERSON = "person"


class MissingDelivery(_Strict):
    """A parcel not delivered `wait_days_after_eta` days after its ETA (or reported lost by the
    carrier) gets the `remedy`; before that the customer is asked to wait."""

    wait_days_after_eta: int = Field(default=2, ge=0)
    remedy: Remedy = Remedy.RESHIP


class Store(_Strict):
    name: str = Field(min_length=1)
    city: str = Field(min_length=1)
    address: str = Field(min_length=1)
    hours: Localized
    services: Localized


class Knowledge(_Strict):
    """Facts the bot may state. A topic left out is one the bot hands to a person."""

    delivery_options: Localized | None = None
    payment_methods: Localized | None = None
    exchanges: Localized | None = None
    missing_delivery_checks: Localized | None = None
    stores: tuple[Store, ...] = ()


class SelfServiceRules(_Strict):
    """`max_stalled_turns` is not here: the escalation section's `max_bot_turns` counts the bot's
    turns without progress."""

    brand: str = Field(default="our store", min_length=1)
    verification: Verification = Verification()
    approvals: Approvals = Approvals()
    missing_delivery: MissingDelivery = MissingDelivery()
    knowledge: Knowledge = Knowledge()

    @model_validator(mode="after")
    def _stores_unique(self) -> "SelfServiceRules":
        names = [store.name for store in self.knowledge.stores]
        if len(names) != len(set(names)):
            raise ValueError("knowledge.stores: store names must be unique")
        return self
