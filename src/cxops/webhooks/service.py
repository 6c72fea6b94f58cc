"""Subscribing, publishing and replaying. Every function works inside the caller's unit of work
and never commits: what it writes becomes durable together with the caller's own changes."""

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import structlog

from cxops.domain.errors import InvalidInputError, NotFoundError
from cxops.domain.ids import DeliveryId, EventId, WebhookId, new_id
from cxops.domain.webhooks import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
    is_topic,
    is_topic_filter,
    replayed,
)
from cxops.ports import UnitOfWork

log = structlog.get_logger("cxops.webhooks")

MAX_URL_CHARS = 2048
MAX_TOPICS = 20


def _checked_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL with a host; else raise for field `url`."""
    if len(url) > MAX_URL_CHARS:
        raise InvalidInputError("url", f"must be at most {MAX_URL_CHARS} characters")
    if any(ch.isspace() for ch in url):
        raise InvalidInputError("url", "must not contain whitespace")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise InvalidInputError("url", f"is not a valid URL ({exc})") from exc
    if parts.scheme not in {"http", "https"}:
        raise InvalidInputError("url", "must be an http:// or https:// URL")
    if not parts.hostname:
        raise InvalidInputError("url", "must name a host")
    return url


def _checked_topics(topics: Sequence[str]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(topics))
    if not 1 <= len(unique) <= MAX_TOPICS:
        raise InvalidInputError("topics", f"must name between 1 and {MAX_TOPICS} topics")
    for topic in unique:
        if not is_topic_filter(topic):
            raise InvalidInputError(
                "topics",
                f"{topic!r} is not a topic (dotted lower-case words such as handoff.created), "
                "a prefix such as handoff.* or *",
            )
    return unique


def subscribe(
    uow: UnitOfWork, *, url: str, topics: Sequence[str], at: datetime
) -> WebhookSubscription:
    """Add a subscription with a fresh signing secret, which the caller shows its owner once.

    Raises `InvalidInputError` naming `url` (not absolute http/https) or `topics`.
    """
    subscription = WebhookSubscription(
        id=WebhookId(new_id("whk")),
        url=_checked_url(url),
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        topics=_checked_topics(topics),
        created_at=at,
    )
    uow.webhooks.add_subscription(subscription)
    log.info("webhook.subscribed", webhook_id=subscription.id, topics=list(subscription.topics))
    return subscription


def deactivate(uow: UnitOfWork, webhook_id: WebhookId, *, at: datetime) -> WebhookSubscription:
    """Stop sending to a subscription (its pending deliveries are dead-lettered when due);
    deactivating twice is harmless. Raises `NotFoundError` for an unknown id."""
    subscription = uow.webhooks.get_subscription(webhook_id)
    if subscription is None:
        raise NotFoundError("webhook", webhook_id)
    if subscription.active:
        uow.webhooks.deactivate_subscription(webhook_id, at=at)
        log.info("webhook.deactivated", webhook_id=webhook_id)
    found = uow.webhooks.get_subscription(webhook_id)
    assert found is not None
    return found


def publish(
    uow: UnitOfWork, *, topic: str, payload: Mapping[str, Any], at: datetime
) -> list[WebhookDelivery]:
    """Queue the event `topic` with `payload` for every active subscription that wants it.

    The deliveries are written in `uow`, so they exist exactly when the caller's change commits
    and vanish with it on rollback; the dispatcher sends them afterwards, at least once each, with
    the same event id for every subscription. `payload` must be a JSON object; what is stored
    (and sent) is its JSON round trip. Raises `ValueError` for a malformed topic or a payload
    JSON cannot represent.
    """
    if not is_topic(topic):
        raise ValueError(f"{topic!r} is not a topic (dotted lower-case words)")
    try:
        document = json.loads(json.dumps(dict(payload), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"payload of {topic} is not JSON-serialisable: {exc}") from exc
    event_id = EventId(new_id("evt"))
    deliveries = [
        WebhookDelivery(
            id=DeliveryId(new_id("whd")),
            subscription_id=subscription.id,
            event_id=event_id,
            topic=topic,
            payload=document,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        for subscription in uow.webhooks.list_subscriptions(active_only=True)
        if subscription.wants(topic)
    ]
    uow.webhooks.add_deliveries(deliveries)
    log.info("webhook.event.published", event_id=event_id, topic=topic, deliveries=len(deliveries))
    return deliveries


def replay(uow: UnitOfWork, delivery_id: DeliveryId, *, at: datetime) -> WebhookDelivery:
    """Queue a dead or delivered delivery again, due now, with a fresh round of attempts; the
    receiver gets the same delivery id, so it can tell a replay from a new event.

    Raises `NotFoundError` for an unknown id and `BusinessRuleError` if the delivery is still
    pending or its subscription has been deactivated.
    """
    delivery = uow.webhooks.get_delivery(delivery_id)
    if delivery is None:
        raise NotFoundError("delivery", delivery_id)
    subscription = uow.webhooks.get_subscription(delivery.subscription_id)
    assert subscription is not None, "deliveries reference their subscription"
    again = replayed(delivery, subscription, at=at)
    uow.webhooks.save(again)
    log.info("webhook.delivery.replayed", delivery_id=delivery_id, event_id=delivery.event_id)
    return again
