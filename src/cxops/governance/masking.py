"""Personal data as each role may see it.

Agents and auditors see enough to recognise a customer and confirm what the customer tells them
(first letter and domain of the email, the phone's last four digits, city and postcode), not
enough to read an address or a number back or copy it elsewhere. Supervisors, admins and
integrations (which act on the data) see it whole. One table, like the permissions: a reviewer
reads the whole policy at once.
"""

import re
from collections.abc import Mapping
from dataclasses import replace
from enum import StrEnum

from cxops.domain.access import Role
from cxops.domain.customers import Address, Customer
from cxops.domain.orders import Order

MASK = "•••"


class Visibility(StrEnum):
    FULL = "full"
    MASKED = "masked"


VISIBILITY: Mapping[Role, Visibility] = {
    Role.ADMIN: Visibility.FULL,
    Role.SUPERVISOR: Visibility.FULL,
    Role.INTEGRATION: Visibility.FULL,
    Role.AGENT: Visibility.MASKED,
    Role.AUDITOR: Visibility.MASKED,
    Role.ANALYST: Visibility.MASKED,
}


def mask_email(email: str) -> str:
    """ "ana.ruiz@example.com" -> "a•••@example.com"."""
    local, at, domain = email.partition("@")
    if not at:
        return MASK
    return f"{local[:1]}{MASK}@{domain}"


def mask_phone(phone: str) -> str:
    """Every digit but the last four hidden: +1 312 555 0188 -> •••0188."""
    digits = re.sub(r"\D", "", phone)
    return f"{MASK}{digits[-4:]}" if len(digits) > 4 else (MASK if digits else "")


def mask_address(address: Address) -> Address:
    """Street lines hidden; city, region, postcode and country kept (they route and verify)."""
    return replace(address, line1=MASK, line2=MASK if address.line2 else "")


def customer_for(customer: Customer, role: Role) -> Customer:
    if VISIBILITY[role] is Visibility.FULL:
        return customer
    return replace(
        customer,
        email=mask_email(customer.email),
        phone=mask_phone(customer.phone),
        address=mask_address(customer.address),
    )


def order_for(order: Order, role: Role) -> Order:
    if VISIBILITY[role] is Visibility.FULL:
        return order
    return replace(order, shipping_address=mask_address(order.shipping_address))
