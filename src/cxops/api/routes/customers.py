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
from cxops.governance.roles import Permission
from cxops.ports import OrderSystem

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, Depends(allow(Permission.CUSTOMERS_READ))]
RECENT_ORDERS = 20


def _detail(orders: OrderSystem, customer: Customer) -> CustomerDetail:
    return CustomerDetail.model_validate(
        {
            **CustomerOut.model_validate(customer).model_dump(),
            "orders": orders.list_orders(customer.id, limit=RECENT_ORDERS),
        }
    )


@router.get("", response_model=CustomerList)
def find_customers(
    container: ContainerDep,
    _: Reader,
    email: Annotated[str, Query(min_length=3, max_length=254, description="Exact email")],
) -> CustomerList:
    """Look a customer up by email (case-insensitive); an empty list when there is none."""
    customer = container.orders.find_customer(email=email)
    found = [] if customer is None else [_detail(container.orders, customer)]
    return CustomerList(customers=found)


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(customer_id: str, container: ContainerDep, _: Reader) -> CustomerDetail:
    """A customer with their most recent orders, newest first."""
    customer = container.orders.find_customer(customer_id=CustomerId(customer_id))
    if customer is None:
        raise NotFoundError("customer", customer_id)
    return _detail(container.orders, customer)
