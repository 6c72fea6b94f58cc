"""Webhook delivery against a real HTTP receiver that fails and recovers, on a real database.

Most tests drive time with a `FixedClock`, so "not due yet" and "due now" are exact, and no
assertion depends on how fast anything ran.
"""

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cxops.connectors.clock import FixedClock, SystemClock
from cxops.connectors.webhooks import WebhookDispatcher, encode_payload, verify_signature
from cxops.domain.errors import BusinessRuleError
from cxops.domain.ids import WebhookId
from cxops.domain.webhooks import DeliveryStatus, RetryPolicy, WebhookDelivery
from cxops.ports import Clock
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.webhooks import deactivate, publish, replay, subscribe
from tests.webhook_receiver import Receiver

POLICY = RetryPolicy(
    base_delay=timedelta(seconds=2), max_delay=timedelta(seconds=8), max_attempts=3
)
TIMEOUT = 5.0
LEASE = timedelta(seconds=3 * TIMEOUT + 30)
PAYLOAD = {"conversation_id": "cnv_1", "summary": "Pedido W1000001 no llegó", "queue": "es"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def dispatcher(
    uow_factory: SqlUnitOfWorkFactory, clock: Clock, policy: RetryPolicy = POLICY
) -> WebhookDispatcher:
    return WebhookDispatcher(
        uow_factory=uow_factory, clock=clock, policy=policy, timeout_seconds=TIMEOUT
    )


def subscribed(
    uow_factory: SqlUnitOfWorkFactory, clock: Clock, url: str, *topics: str
) -> tuple[WebhookId, str]:
    """Subscribe `url`; return (webhook id, secret)."""
    with uow_factory() as uow:
        subscription = subscribe(uow, url=url, topics=topics or ("*",), at=clock.now())
        uow.commit()
    return subscription.id, subscription.secret


def published(
    uow_factory: SqlUnitOfWorkFactory, clock: Clock, topic: str = "handoff.created"
) -> list[WebhookDelivery]:
    with uow_factory() as uow:
        deliveries = publish(uow, topic=topic, payload=PAYLOAD, at=clock.now())
        uow.commit()
    return deliveries


def stored(uow_factory: SqlUnitOfWorkFactory, delivery: WebhookDelivery) -> WebhookDelivery:
    with uow_factory() as uow:
        found = uow.webhooks.get_delivery(delivery.id)
    assert found is not None
    return found


def test_that_a_delivery_is_retried_with_backoff_until_the_receiver_recovers(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, receiver: Receiver
) -> None:
    receiver.failures = 2
    _, secret = subscribed(uow_factory, clock, receiver.url, "handoff.created")
    (delivery,) = published(uow_factory, clock)

    with dispatcher(uow_factory, clock) as sender:
        assert sender.deliver_due().retrying == 1
        first = stored(uow_factory, delivery)
        assert (first.status, first.attempts, first.last_status_code) == (
            DeliveryStatus.PENDING,
            1,
            500,
        )
        assert clock.now() + timedelta(seconds=1) <= first.next_attempt_at
        assert first.next_attempt_at <= clock.now() + timedelta(seconds=2)

        assert sender.deliver_due().attempted == 0, "not due before its backoff has passed"

        clock.advance(timedelta(seconds=2))
        assert sender.deliver_due().retrying == 1
        second = stored(uow_factory, delivery)
        assert second.attempts == 2
        assert clock.now() + timedelta(seconds=2) <= second.next_attempt_at
        assert second.next_attempt_at <= clock.now() + timedelta(seconds=4)

        clock.advance(timedelta(seconds=4))
        assert sender.deliver_due().delivered == 1

    done = stored(uow_factory, delivery)
    assert (done.status, done.attempts, done.delivered_at) == (
        DeliveryStatus.DELIVERED,
        3,
        clock.now(),
    )
    assert [r.answered for r in receiver.receipts] == [500, 500, 200]
    assert receiver.count_by_delivery() == {delivery.id: 3}
    for receipt in receiver.receipts:
        assert receipt.headers["x-cxops-event"] == "handoff.created"
        assert receipt.headers["x-cxops-event-id"] == delivery.event_id
        assert receipt.headers["content-type"] == "application/json"
        assert receipt.body == encode_payload(PAYLOAD)
        assert json.loads(receipt.body) == PAYLOAD
        assert verify_signature(
            secret=secret,
            body=receipt.body,
            timestamp=receipt.headers["x-cxops-timestamp"],
            signature=receipt.headers["x-cxops-signature"],
            now=clock.now().timestamp(),
        )


def test_that_a_receiver_that_is_down_gets_the_event_once_it_is_back(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    with Receiver() as gone:
        port, url = gone.port, gone.url
    subscribed(uow_factory, clock, url)
    (delivery,) = published(uow_factory, clock)

    with dispatcher(uow_factory, clock) as sender:
        assert sender.deliver_due().retrying == 1
        refused = stored(uow_factory, delivery)
        assert refused.last_status_code is None
        assert refused.last_error is not None
        assert refused.last_error.startswith("ConnectError")

        with Receiver(port=port) as back:
            clock.advance(POLICY.base_delay)
            assert sender.deliver_due().delivered == 1
            assert back.count_by_delivery() == {delivery.id: 1}


def test_that_a_delivery_is_dead_lettered_after_its_last_attempt_and_replay_delivers_it(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, receiver: Receiver
) -> None:
    receiver.failures = 1_000
    subscribed(uow_factory, clock, receiver.url)
    (delivery,) = published(uow_factory, clock)

    with dispatcher(uow_factory, clock) as sender:
        for _ in range(POLICY.max_attempts):
            sender.deliver_due()
            clock.advance(POLICY.max_delay)
        dead = stored(uow_factory, delivery)
        assert (dead.status, dead.attempts, dead.last_error) == (
            DeliveryStatus.DEAD,
            3,
            "HTTP 500",
        )
        clock.advance(timedelta(days=1))
        assert sender.deliver_due().attempted == 0, "a dead delivery is never retried by itself"

        receiver.failures = 0
        with uow_factory() as uow:
            again = replay(uow, delivery.id, at=clock.now())
            uow.commit()
        assert (again.status, again.attempts) == (DeliveryStatus.PENDING, 0)
        assert sender.deliver_due().delivered == 1

    assert stored(uow_factory, delivery).status is DeliveryStatus.DELIVERED
    assert receiver.count_by_delivery() == {delivery.id: 4}
    assert receiver.receipts[-1].answered == 200


def test_that_two_dispatchers_never_send_the_same_delivery(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = SystemClock()
    with Receiver(delay_seconds=0.005) as receiver:
        for _ in range(3):
            subscribed(uow_factory, clock, receiver.url)
        deliveries = [d for _ in range(10) for d in published(uow_factory, clock)]
        assert len(deliveries) == 30

        senders = [dispatcher(uow_factory, clock) for _ in range(2)]
        reports = []
        threads = [
            threading.Thread(target=lambda s=s: reports.append(s.deliver_due())) for s in senders
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for sender in senders:
            sender.close()

        assert sum(r.delivered for r in reports) == 30
        assert receiver.count_by_delivery() == {d.id: 1 for d in deliveries}
    with uow_factory() as uow:
        listed = uow.webhooks.list_deliveries(status=DeliveryStatus.DELIVERED, limit=100)
    assert len(listed) == 30


def test_that_an_expired_lease_is_taken_over_and_the_late_result_is_discarded(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, receiver: Receiver
) -> None:
    subscribed(uow_factory, clock, receiver.url)
    (delivery,) = published(uow_factory, clock)
    with uow_factory() as uow:
        crashed = uow.webhooks.claim_due(
            due_by=clock.now(), now=clock.now(), lease_until=clock.now() + LEASE, token="crashed"
        )
        uow.commit()
    assert crashed is not None

    with dispatcher(uow_factory, clock) as sender:
        assert sender.deliver_due().attempted == 0, "a live lease is respected"
        clock.advance(LEASE)
        assert sender.deliver_due().delivered == 1

    with uow_factory() as uow:
        assert not uow.webhooks.save(crashed, lease_token="crashed")
        uow.commit()
    assert stored(uow_factory, delivery).status is DeliveryStatus.DELIVERED
    assert receiver.count_by_delivery() == {delivery.id: 1}


def test_that_an_event_published_in_a_rolled_back_transaction_is_never_delivered(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, receiver: Receiver
) -> None:
    subscribed(uow_factory, clock, receiver.url)
    with uow_factory() as uow:
        assert len(publish(uow, topic="handoff.created", payload=PAYLOAD, at=clock.now())) == 1
        uow.rollback()

    with dispatcher(uow_factory, clock) as sender:
        assert sender.deliver_due().attempted == 0
    with uow_factory() as uow:
        assert uow.webhooks.list_deliveries(limit=10) == []
    assert receiver.receipts == []


def test_that_an_event_goes_to_every_active_subscription_that_wants_it_under_one_event_id(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, receiver: Receiver
) -> None:
    wanted = {
        subscribed(uow_factory, clock, receiver.url, "handoff.created")[0],
        subscribed(uow_factory, clock, receiver.url, "handoff.*")[0],
        subscribed(uow_factory, clock, receiver.url, "*")[0],
    }
    subscribed(uow_factory, clock, receiver.url, "conversation.closed")
    gone, _ = subscribed(uow_factory, clock, receiver.url, "*")
    with uow_factory() as uow:
        deactivate(uow, gone, at=clock.now())
        uow.commit()

    deliveries = published(uow_factory, clock)
    assert {d.subscription_id for d in deliveries} == wanted
    assert len({d.event_id for d in deliveries}) == 1


def test_that_pending_deliveries_of_a_deactivated_webhook_are_dead_lettered_unsent(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, receiver: Receiver
) -> None:
    webhook_id, _ = subscribed(uow_factory, clock, receiver.url)
    (delivery,) = published(uow_factory, clock)
    with uow_factory() as uow:
        deactivate(uow, webhook_id, at=clock.now())
        uow.commit()

    with dispatcher(uow_factory, clock) as sender:
        assert sender.deliver_due().dead == 1
    dead = stored(uow_factory, delivery)
    assert (dead.status, dead.attempts, dead.last_error) == (
        DeliveryStatus.DEAD,
        0,
        "subscription deactivated",
    )
    assert receiver.receipts == []
    with uow_factory() as uow, pytest.raises(BusinessRuleError, match="deactivated"):
        replay(uow, delivery.id, at=clock.now())


def test_that_a_payload_json_cannot_carry_is_refused_at_publish_time(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    with uow_factory() as uow:
        with pytest.raises(ValueError, match="JSON"):
            publish(uow, topic="handoff.created", payload={"at": clock.now()}, at=clock.now())
        with pytest.raises(ValueError, match="topic"):
            publish(uow, topic="Handoff Created", payload={}, at=clock.now())
