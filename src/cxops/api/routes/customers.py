"""Customers and their orders, read through the order-system connector."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import CustomerDetail, CustomerList, CustomerOut
from cxops.domain.access import Principal
from cxops.domain.customers import Customer
from cxops.domain.errors import NotFoundError
from cxops.domain.ids import CustomerId
from cxops.governance.masking import customer_for, order_for
from cxops.governance.roles import Permission
from cxops.ports import OrderSystem

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, Depends(allow(Permission.CUSTOMERS_READ))]
RECENT_ORDERS = 20


def _detail(orders: OrderSystem, customer: Customer, viewer: Principal) -> CustomerDetail:
    """The customer and their orders with personal data masked for the viewer's role."""
    return CustomerDetail.model_validate(
        {
            **CustomerOut.model_validate(customer_for(customer, viewer.role)).model_dump(),
            "orders": [
                order_for(order, viewer.role)
                for order in orders.list_orders(customer.id, limit=RECENT_ORDERS)
            ],
        }
    )


@router.get("", response_model=CustomerList)
def find_customers(
    container: ContainerDep,
    viewer: Reader,
    email: Annotated[str, Query(min_length=3, max_length=254, description="Exact email")],
) -> CustomerList:
    """Look a customer up by email (case-insensitive); an empty list when there is none."""
    customer = container.orders.find_customer(email=email)
    found = [] if customer is None else [_detail(container.orders, customer, viewer)]
    return CustomerList(customers=found)


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(customer_id: str, container: ContainerDep, viewer: Reader) -> CustomerDetail:
    """A customer with their most recent orders, newest first; agents and auditors see email,
    phone and street masked."""
    customer = container.orders.find_customer(customer_id=CustomerId(customer_id))
    if customer is None:
        raise NotFoundError("customer", customer_id)
    return _detail(container.orders, customer, viewer)
