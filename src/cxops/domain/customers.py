"""Customers and their postal addresses."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cxops.domain.ids import CustomerId


class Segment(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""


@dataclass(frozen=True, slots=True)
class Consent:
    """What the customer agreed to; contact and analytics code must check it before use."""

    marketing_email: bool = False
    marketing_sms: bool = False
    analytics: bool = True


@dataclass(frozen=True, slots=True)
class Customer:
    id: CustomerId
    first_name: str
    last_name: str
    email: str
    phone: str
    segment: Segment
    preferred_language: str
    consent: Consent
    address: Address
    created_at: datetime
    loyalty_points: int = 0

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
