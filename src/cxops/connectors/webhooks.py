"""Pushing webhook deliveries over HTTP: signing, the dispatcher, and its background thread.

Delivery is at least once. A receiver may see the same delivery more than once (a dispatcher
that crashed or outlived its lease after the receiver accepted, a replay) and should de-duplicate
on the `X-Cxops-Delivery` header. Deliveries are not ordered, not even per subscription.

Each request is a POST of the event's JSON payload with these headers:

- `X-Cxops-Event`: the topic, e.g. `handoff.created`
- `X-Cxops-Event-Id`: the event's id, the same for every subscription it went to
- `X-Cxops-Delivery`: the delivery's id, the same on every retry and replay
- `X-Cxops-Timestamp`: Unix seconds when this attempt was signed
- `X-Cxops-Signature`: `sha256=` + hex HMAC-SHA256 over `<timestamp>.<body>` with the
  subscription's secret; check it with `verify_signature`

Any 2xx answer accepts the delivery; anything else, redirects included, and any transport error
or timeout schedules a retry with backoff until the attempts run out and the delivery is dead.
"""

import hashlib
import hmac
import json
import random
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

import httpx
import structlog

import cxops
from cxops.domain.webhooks import (
    AttemptResult,
    DeliveryStatus,
    RetryPolicy,
    WebhookDelivery,
    WebhookSubscription,
    abandoned,
    after_attempt,
)
from cxops.ports import Clock, UnitOfWorkFactory

log = structlog.get_logger("cxops.webhooks")

EVENT_HEADER = "X-Cxops-Event"
EVENT_ID_HEADER = "X-Cxops-Event-Id"
DELIVERY_HEADER = "X-Cxops-Delivery"
TIMESTAMP_HEADER = "X-Cxops-Timestamp"
SIGNATURE_HEADER = "X-Cxops-Signature"
DEFAULT_TOLERANCE_SECONDS = 300.0


def encode_payload(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for `payload`: compact UTF-8 JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, *, timestamp: int, body: bytes) -> str:
    """The `X-Cxops-Signature` value for `body` sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(
    *,
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    now: float | None = None,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether a received request is genuine: `signature` is the `X-Cxops-Signature` header and
    `timestamp` the `X-Cxops-Timestamp` header of a POST whose raw body is `body`.

    Also refuses timestamps more than `tolerance_seconds` away from `now` (default: the current
    time), so a captured request cannot be replayed later. Compares in constant time.
    """
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp=sent_at, body=body), signature)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one `deliver_due` pass did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.dead


class WebhookDispatcher:
    """Claims due deliveries one at a time, POSTs them, and records the outcome.

    Any number of dispatchers, in threads or processes, may share one database: each claim is a
    lease, so no two send the same delivery at once. The lease outlives the worst case of one
    request (connect, write and read each bounded by `timeout_seconds`) by a margin; a dispatcher
    that dies mid-send leaves it to expire, and another sends the delivery again.
    """

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: RetryPolicy,
        timeout_seconds: float,
        rng: random.Random | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._policy = policy
        self._rng = rng or random.Random()
        self._lease = timedelta(seconds=3 * timeout_seconds + 30)
        self._client = httpx.Client(
            timeout=timeout_seconds,
            follow_redirects=False,
            headers={"User-Agent": f"cxops-webhooks/{cxops.__version__}"},
        )
        self._stop = threading.Event()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections; the dispatcher cannot send afterwards."""
        self._client.close()

    def stop(self) -> None:
        """Make `deliver_due` and `run` return after the delivery in flight, now and from then
        on (a stopped dispatcher stays stopped); thread-safe, and safe from a signal handler."""
        self._stop.set()

    def deliver_due(self) -> DispatchReport:
        """Send every delivery due now, one after another, until none is left or `stop()`.

        Only deliveries due when the pass starts are taken, so a pass ends even while events
        keep arriving or a failing receiver's retries come due again.
        """
        due_by = self._clock.now()
        counts = dict.fromkeys(DeliveryStatus, 0)
        while not self._stop.is_set():
            outcome = self._deliver_one(due_by)
            if outcome is None:
                break
            counts[outcome] += 1
        return DispatchReport(
            delivered=counts[DeliveryStatus.DELIVERED],
            retrying=counts[DeliveryStatus.PENDING],
            dead=counts[DeliveryStatus.DEAD],
        )

    def run(self, *, poll_seconds: float) -> None:
        """Deliver until `stop()`, looking for due deliveries every `poll_seconds` when idle.

        A failing database is logged and retried at the next poll rather than ending the loop.
        """
        while not self._stop.is_set():
            try:
                report = self.deliver_due()
            except Exception as exc:
                log.error("webhook.dispatcher.failed", error=type(exc).__name__)
                report = DispatchReport()
            if report.attempted == 0:
                self._stop.wait(poll_seconds)

    def _deliver_one(self, due_by: datetime) -> DeliveryStatus | None:
        """Claim, send and record one delivery; its new status, or None if nothing was due."""
        token = secrets.token_hex(16)
        with self._uow() as uow:
            now = self._clock.now()
            delivery = uow.webhooks.claim_due(
                due_by=due_by, now=now, lease_until=now + self._lease, token=token
            )
            if delivery is None:
                return None
            subscription = uow.webhooks.get_subscription(delivery.subscription_id)
            uow.commit()
        if subscription is None or not subscription.active:
            finished = abandoned(delivery, reason="subscription deactivated")
        else:
            result = self._post(delivery, subscription)
            finished = after_attempt(
                delivery, result, at=self._clock.now(), policy=self._policy, rng=self._rng
            )
        with self._uow() as uow:
            kept = uow.webhooks.save(finished, lease_token=token)
            uow.commit()
        self._log(finished, kept=kept)
        return finished.status

    def _post(self, delivery: WebhookDelivery, subscription: WebhookSubscription) -> AttemptResult:
        body = encode_payload(delivery.payload)
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: delivery.topic,
            EVENT_ID_HEADER: delivery.event_id,
            DELIVERY_HEADER: delivery.id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(subscription.secret, timestamp=timestamp, body=body),
        }
        try:
            # Streamed and never read: a receiver's answer body is not wanted, however large.
            with self._client.stream(
                "POST", subscription.url, content=body, headers=headers
            ) as response:
                return AttemptResult(status_code=response.status_code)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return AttemptResult(status_code=None, error=f"{type(exc).__name__}: {exc}")

    def _log(self, delivery: WebhookDelivery, *, kept: bool) -> None:
        fields = {
            "delivery_id": delivery.id,
            "webhook_id": delivery.subscription_id,
            "topic": delivery.topic,
            "attempts": delivery.attempts,
            "status_code": delivery.last_status_code,
        }
        if not kept:
            log.warning("webhook.delivery.lease_lost", **fields)
        elif delivery.status is DeliveryStatus.DELIVERED:
            log.info("webhook.delivery.delivered", **fields)
        elif delivery.status is DeliveryStatus.DEAD:
            log.warning("webhook.delivery.dead", error=delivery.last_error, **fields)
        else:
            log.info(
                "webhook.delivery.retry_scheduled",
                error=delivery.last_error,
                next_attempt_at=delivery.next_attempt_at.isoformat(),
                **fields,
            )


class BackgroundDispatcher:
    """A `WebhookDispatcher` polling in a daemon thread, for the lifetime of a server."""

    THREAD_NAME = "cxops-webhooks"

    def __init__(self, dispatcher: WebhookDispatcher, *, poll_seconds: float) -> None:
        self._dispatcher = dispatcher
        self._thread = threading.Thread(
            target=dispatcher.run,
            kwargs={"poll_seconds": poll_seconds},
            name=self.THREAD_NAME,
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()
        log.info("webhook.dispatcher.started")

    def stop(self, *, timeout_seconds: float) -> bool:
        """Stop after the delivery in flight and release the dispatcher; False if the thread
        did not end within `timeout_seconds` (a request still hanging): it is a daemon, and the
        lease of what it was sending expires, so nothing is lost."""
        self._dispatcher.stop()
        self._thread.join(timeout_seconds)
        if self._thread.is_alive():
            log.warning("webhook.dispatcher.stop_timed_out")
            return False
        self._dispatcher.close()
        log.info("webhook.dispatcher.stopped")
        return True
