"""Webhook subscriptions and their deliveries: how external systems (ACD, CRM) get pushed events."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import (
    DeliveryList,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookOut,
)
from cxops.domain.access import Principal
from cxops.domain.ids import DeliveryId, WebhookId
from cxops.domain.webhooks import DeliveryStatus
from cxops.governance.roles import Permission
from cxops.webhooks import deactivate, replay, subscribe

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)

Manager = Annotated[Principal, Depends(allow(Permission.WEBHOOKS_MANAGE))]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated)
def create_webhook(body: WebhookCreate, container: ContainerDep, _: Manager) -> WebhookCreated:
    """Subscribe a URL to topics. The response holds the signing secret, shown only this once."""
    with container.uow() as uow:
        subscription = subscribe(uow, url=body.url, topics=body.topics, at=container.clock.now())
        uow.commit()
    return WebhookCreated.model_validate(subscription)


@router.get("", response_model=WebhookList)
def list_webhooks(container: ContainerDep, _: Manager) -> WebhookList:
    """Every subscription, active or not, oldest first; never their secrets."""
    with container.uow() as uow:
        subscriptions = uow.webhooks.list_subscriptions()
    return WebhookList(webhooks=[WebhookOut.model_validate(s) for s in subscriptions])


@router.get("/deliveries", response_model=DeliveryList)
def list_deliveries(
    container: ContainerDep,
    _: Manager,
    delivery_status: Annotated[
        DeliveryStatus | None, Query(alias="status", description="Only deliveries in this state.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[
        str | None,
        Query(min_length=1, max_length=40, description="`next_before` of the previous page."),
    ] = None,
) -> DeliveryList:
    """Deliveries, newest first (to the millisecond): what was pushed, what waits, what is dead."""
    with container.uow() as uow:
        page = uow.webhooks.list_deliveries(
            status=delivery_status,
            limit=limit,
            before=None if before is None else DeliveryId(before),
        )
    return DeliveryList(
        deliveries=[DeliveryOut.model_validate(d) for d in page],
        next_before=page[-1].id if len(page) == limit else None,
    )


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut)
def replay_delivery(delivery_id: str, container: ContainerDep, _: Manager) -> DeliveryOut:
    """Send a dead or delivered delivery again, with a fresh round of attempts (409 while it is
    still pending or its webhook has been deactivated)."""
    with container.uow() as uow:
        again = replay(uow, DeliveryId(delivery_id), at=container.clock.now())
        uow.commit()
    return DeliveryOut.model_validate(again)


@router.delete("/{webhook_id}", response_model=WebhookOut)
def delete_webhook(webhook_id: str, container: ContainerDep, _: Manager) -> WebhookOut:
    """Deactivate a subscription: nothing new is queued for it and what is pending is
    dead-lettered. Its deliveries stay listed."""
    with container.uow() as uow:
        subscription = deactivate(uow, WebhookId(webhook_id), at=container.clock.now())
        uow.commit()
    return WebhookOut.model_validate(subscription)
