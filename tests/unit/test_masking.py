from datetime import UTC, datetime

import pytest

from cxops.domain.access import Role
from cxops.domain.customers import Address, Consent, Customer, Segment
from cxops.domain.ids import CustomerId
from cxops.governance.masking import (
    VISIBILITY,
    customer_for,
    mask_address,
    mask_email,
    mask_phone,
)

ANA = Customer(
    id=CustomerId("c1"),
    first_name="Ana",
    last_name="Ruiz",
    email="ana.ruiz@example.com",
    phone="+1 312 555 0188",
    segment=Segment.STANDARD,
    preferred_language="en",
    consent=Consent(),
    address=Address(
        line1="120 N State St", line2="Apt 4", city="Chicago", postal_code="60602", country="US"
    ),
    created_at=datetime(2025, 1, 1, tzinfo=UTC),
)


def test_that_masked_values_keep_only_what_confirms_identity() -> None:
    assert mask_email("ana.ruiz@example.com") == "a•••@example.com"
    assert mask_email("not-an-email") == "•••"
    assert mask_phone("+1 312 555 0188") == "•••0188"
    assert mask_phone("") == ""
    masked = mask_address(ANA.address)
    assert (masked.line1, masked.line2) == ("•••", "•••")
    assert (masked.city, masked.postal_code) == ("Chicago", "60602")


@pytest.mark.parametrize("role", [Role.AGENT, Role.AUDITOR, Role.ANALYST])
def test_that_front_line_and_audit_roles_never_see_contact_details(role: Role) -> None:
    seen = customer_for(ANA, role)
    assert "ana.ruiz" not in seen.email
    assert "312" not in seen.phone
    assert "State St" not in seen.address.line1
    assert seen.first_name == "Ana"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION])
def test_that_roles_acting_on_the_data_see_it_whole(role: Role) -> None:
    assert customer_for(ANA, role) == ANA


def test_that_every_role_has_a_visibility() -> None:
    assert set(VISIBILITY) == set(Role)
