"""Webhooks: who wants which events, and the durable record of every push to them.

An event (a topic such as `handoff.created` and a JSON payload) becomes one `WebhookDelivery` per
subscription that wants it, written in the same transaction as the change that caused it: an
outbox, so the event exists exactly when that change does. A dispatcher then pushes each delivery
at least once, retrying with backoff, until the receiver accepts it or the attempts run out and it
is dead-lettered, from where it can be replayed.

The rules of that life cycle live here as pure functions; sending is a connector's job.
"""

import random
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cxops.domain.errors import BusinessRuleError
from cxops.domain.ids import DeliveryId, EventId, WebhookId

_SEGMENT = r"[a-z][a-z0-9_]*"
_TOPIC = re.compile(rf"{_SEGMENT}(\.{_SEGMENT})*")
_TOPIC_FILTER = re.compile(rf"\*|{_SEGMENT}(\.{_SEGMENT})*(\.\*)?")
MAX_TOPIC_CHARS = 128
MAX_ERROR_CHARS = 500


def is_topic(topic: str) -> bool:
    """A topic is dotted lower-case words: `handoff.created`."""
    return len(topic) <= MAX_TOPIC_CHARS and _TOPIC.fullmatch(topic) is not None


def is_topic_filter(pattern: str) -> bool:
    """A subscription names a topic, every topic under a prefix (`handoff.*`) or all (`*`)."""
    return len(pattern) <= MAX_TOPIC_CHARS and _TOPIC_FILTER.fullmatch(pattern) is not None


def topic_matches(pattern: str, topic: str) -> bool:
    """Whether the subscription filter `pattern` selects `topic`."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """A receiver: where to POST, the secret deliveries are signed with, which topics it wants.

    Deactivating keeps the record (its deliveries still refer to it) but stops new deliveries.
    """

    id: WebhookId
    url: str
    secret: str
    topics: tuple[str, ...]
    created_at: datetime
    active: bool = True
    deactivated_at: datetime | None = None

    def wants(self, topic: str) -> bool:
        return self.active and any(topic_matches(p, topic) for p in self.topics)


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One event for one subscription. `attempts` counts finished tries; `next_attempt_at` is when
    a pending delivery is due; `last_error` and `last_status_code` describe the latest try."""

    id: DeliveryId
    subscription_id: WebhookId
    event_id: EventId
    topic: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    last_error: str | None = None
    last_status_code: int | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait after each failure, and how many tries a delivery gets before it dies."""

    base_delay: timedelta
    max_delay: timedelta
    max_attempts: int

    def delay(self, failures: int, rng: random.Random) -> timedelta:
        """The wait after the `failures`-th failed try: `base * 2**(failures-1)`, capped at
        `max_delay`, then drawn uniformly from its upper half ("equal jitter"), so receivers
        that come back are not hit by every dispatcher at once, yet the wait keeps growing."""
        exponent = min(max(failures - 1, 0), 64)
        ceiling = min(
            self.max_delay.total_seconds(), self.base_delay.total_seconds() * 2.0**exponent
        )
        return timedelta(seconds=ceiling * rng.uniform(0.5, 1.0))


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one POST came to: the receiver's status code, or the transport error instead."""

    status_code: int | None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def after_attempt(
    delivery: WebhookDelivery,
    result: AttemptResult,
    *,
    at: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> WebhookDelivery:
    """The delivery after one finished try at `at`: delivered on a 2xx; otherwise pending again
    after the policy's delay, or dead once `policy.max_attempts` tries have failed."""
    attempts = delivery.attempts + 1
    if result.accepted:
        return replace(
            delivery,
            status=DeliveryStatus.DELIVERED,
            attempts=attempts,
            last_error=None,
            last_status_code=result.status_code,
            delivered_at=at,
        )
    error = result.error or f"HTTP {result.status_code}"
    failed = replace(
        delivery,
        attempts=attempts,
        last_error=error[:MAX_ERROR_CHARS],
        last_status_code=result.status_code,
    )
    if attempts >= policy.max_attempts:
        return replace(failed, status=DeliveryStatus.DEAD)
    return replace(failed, next_attempt_at=at + policy.delay(attempts, rng))


def abandoned(delivery: WebhookDelivery, *, reason: str) -> WebhookDelivery:
    """Dead-letter a delivery without trying it, e.g. because its subscription was deactivated."""
    return replace(delivery, status=DeliveryStatus.DEAD, last_error=reason[:MAX_ERROR_CHARS])


def replayed(
    delivery: WebhookDelivery, subscription: WebhookSubscription, *, at: datetime
) -> WebhookDelivery:
    """Queue a dead (or delivered) delivery again, due at `at`, with a fresh round of attempts.

    Raises `BusinessRuleError` if it is still pending (it will be tried anyway) or its
    subscription is no longer active (nobody wants it).
    """
    if delivery.status is DeliveryStatus.PENDING:
        raise BusinessRuleError("delivery_pending", f"delivery {delivery.id} is already pending")
    if not subscription.active:
        raise BusinessRuleError(
            "subscription_inactive", f"webhook {subscription.id} has been deactivated"
        )
    return replace(
        delivery,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=at,
        delivered_at=None,
    )
