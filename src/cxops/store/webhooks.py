"""Webhook subscriptions and the delivery outbox, with leases so dispatchers never collide.

A dispatcher claims a delivery by stamping it with its own lease token and an expiry, in one short
transaction. On PostgreSQL the candidate row is locked `FOR UPDATE SKIP LOCKED`, so concurrent
dispatchers take different rows without waiting; on SQLite every transaction holds the write lock
(`BEGIN IMMEDIATE`), which serialises claims. The conditional update repeats the claim's
conditions either way, so a row is never leased twice while a lease lives. A dispatcher that dies
mid-send leaves a lease that simply expires, and the delivery is claimed again.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, insert, or_, select, update

from cxops.domain.ids import DeliveryId, EventId, WebhookId
from cxops.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from cxops.store.tables import webhook_deliveries, webhook_subscriptions

_subs = webhook_subscriptions
_dels = webhook_deliveries


def _subscription(row: Any) -> WebhookSubscription:
    return WebhookSubscription(
        id=WebhookId(row.id),
        url=row.url,
        secret=row.secret,
        topics=tuple(row.topics),
        created_at=row.created_at,
        active=row.active,
        deactivated_at=row.deactivated_at,
    )


def _delivery(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        id=DeliveryId(row.id),
        subscription_id=WebhookId(row.subscription_id),
        event_id=EventId(row.event_id),
        topic=row.topic,
        payload=dict(row.payload),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        last_error=row.last_error,
        last_status_code=row.last_status_code,
        delivered_at=row.delivered_at,
    )


def _claimable(*, due_by: datetime, now: datetime) -> ColumnElement[bool]:
    return and_(
        _dels.c.status == DeliveryStatus.PENDING.value,
        _dels.c.next_attempt_at <= due_by,
        or_(_dels.c.lease_until.is_(None), _dels.c.lease_until <= now),
    )


class SqlWebhookRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add_subscription(self, subscription: WebhookSubscription) -> None:
        s = subscription
        self._conn.execute(
            insert(_subs).values(
                id=s.id,
                url=s.url,
                secret=s.secret,
                topics=list(s.topics),
                active=s.active,
                created_at=s.created_at,
                deactivated_at=s.deactivated_at,
            )
        )

    def get_subscription(self, webhook_id: WebhookId) -> WebhookSubscription | None:
        row = self._conn.execute(select(_subs).where(_subs.c.id == webhook_id)).first()
        return None if row is None else _subscription(row)

    def list_subscriptions(self, *, active_only: bool = False) -> list[WebhookSubscription]:
        query = select(_subs).order_by(_subs.c.created_at, _subs.c.id)
        if active_only:
            query = query.where(_subs.c.active.is_(True))
        return [_subscription(r) for r in self._conn.execute(query)]

    def deactivate_subscription(self, webhook_id: WebhookId, *, at: datetime) -> None:
        self._conn.execute(
            update(_subs)
            .where(_subs.c.id == webhook_id, _subs.c.active.is_(True))
            .values(active=False, deactivated_at=at)
        )

    def add_deliveries(self, deliveries: Iterable[WebhookDelivery]) -> None:
        rows = [
            {
                "id": d.id,
                "subscription_id": d.subscription_id,
                "event_id": d.event_id,
                "topic": d.topic,
                "payload": d.payload,
                "status": d.status.value,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at,
                "lease_until": None,
                "lease_token": None,
                "last_error": d.last_error,
                "last_status_code": d.last_status_code,
                "created_at": d.created_at,
                "delivered_at": d.delivered_at,
            }
            for d in deliveries
        ]
        if rows:
            self._conn.execute(insert(_dels), rows)

    def get_delivery(self, delivery_id: DeliveryId) -> WebhookDelivery | None:
        row = self._conn.execute(select(_dels).where(_dels.c.id == delivery_id)).first()
        return None if row is None else _delivery(row)

    def list_deliveries(
        self,
        *,
        status: DeliveryStatus | None = None,
        limit: int,
        before: DeliveryId | None = None,
    ) -> list[WebhookDelivery]:
        query = select(_dels).order_by(_dels.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(_dels.c.status == status.value)
        if before is not None:
            query = query.where(_dels.c.id < before)
        return [_delivery(r) for r in self._conn.execute(query)]

    def claim_due(
        self, *, due_by: datetime, now: datetime, lease_until: datetime, token: str
    ) -> WebhookDelivery | None:
        claimable = _claimable(due_by=due_by, now=now)
        candidate = self._conn.execute(
            select(_dels.c.id)
            .where(claimable)
            .order_by(_dels.c.next_attempt_at, _dels.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar()
        if candidate is None:
            return None
        leased = self._conn.execute(
            update(_dels)
            .where(_dels.c.id == candidate, claimable)
            .values(lease_until=lease_until, lease_token=token)
        )
        if leased.rowcount != 1:
            return None
        return self.get_delivery(DeliveryId(candidate))

    def save(self, delivery: WebhookDelivery, *, lease_token: str | None = None) -> bool:
        d = delivery
        query = update(_dels).where(_dels.c.id == d.id)
        if lease_token is not None:
            query = query.where(_dels.c.lease_token == lease_token)
        written = self._conn.execute(
            query.values(
                status=d.status.value,
                attempts=d.attempts,
                next_attempt_at=d.next_attempt_at,
                lease_until=None,
                lease_token=None,
                last_error=d.last_error,
                last_status_code=d.last_status_code,
                delivered_at=d.delivered_at,
            )
        )
        return written.rowcount == 1
