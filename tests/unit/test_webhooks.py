"""The life cycle rules of a webhook delivery, and the signature receivers check."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from cxops.connectors.webhooks import encode_payload, sign, verify_signature
from cxops.domain.errors import BusinessRuleError
from cxops.domain.ids import DeliveryId, EventId, WebhookId
from cxops.domain.webhooks import (
    AttemptResult,
    DeliveryStatus,
    RetryPolicy,
    WebhookDelivery,
    WebhookSubscription,
    after_attempt,
    is_topic,
    is_topic_filter,
    replayed,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(
    base_delay=timedelta(seconds=10), max_delay=timedelta(minutes=5), max_attempts=4
)


def subscription(*topics: str, active: bool = True) -> WebhookSubscription:
    return WebhookSubscription(
        id=WebhookId("whk_1"),
        url="https://crm.example/hooks",
        secret="whsec_test",
        topics=topics,
        created_at=T0,
        active=active,
    )


def delivery(**changes: object) -> WebhookDelivery:
    fields: dict[str, object] = {
        "id": DeliveryId("whd_1"),
        "subscription_id": WebhookId("whk_1"),
        "event_id": EventId("evt_1"),
        "topic": "handoff.created",
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": T0,
        "created_at": T0,
        "payload": {"conversation_id": "cnv_1"},
    } | changes
    return WebhookDelivery(**fields)  # type: ignore[arg-type]


def test_that_subscriptions_match_exact_topics_prefixes_and_everything() -> None:
    assert subscription("handoff.created").wants("handoff.created")
    assert not subscription("handoff.created").wants("handoff.accepted")
    assert subscription("handoff.*").wants("handoff.accepted")
    assert not subscription("handoff.*").wants("handoffs.created")
    assert subscription("*").wants("conversation.closed")
    assert not subscription("*", active=False).wants("conversation.closed")


@pytest.mark.parametrize("topic", ["handoff.created", "conversation.closed", "ping"])
def test_that_dotted_lower_case_words_are_topics(topic: str) -> None:
    assert is_topic(topic)
    assert is_topic_filter(topic)


@pytest.mark.parametrize("topic", ["", "Handoff.created", "handoff..created", "handoff.*", "*"])
def test_that_other_strings_are_not_topics(topic: str) -> None:
    assert not is_topic(topic)


@pytest.mark.parametrize("pattern", ["**", "*.created", "handoff.*.x", "handoff *", "a" * 129])
def test_that_malformed_filters_are_refused(pattern: str) -> None:
    assert not is_topic_filter(pattern)


def test_that_the_wait_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(3)
    for failures in range(1, 12):
        ceiling = min(10 * 2 ** (failures - 1), 300)
        for _ in range(50):
            wait = POLICY.delay(failures, rng).total_seconds()
            assert ceiling / 2 <= wait <= ceiling


def test_that_the_wait_survives_absurd_attempt_counts() -> None:
    assert POLICY.delay(10_000, random.Random(1)) <= POLICY.max_delay


def test_that_a_2xx_answer_delivers() -> None:
    done = after_attempt(
        delivery(attempts=1, last_error="HTTP 503"),
        AttemptResult(status_code=204),
        at=T0 + timedelta(seconds=5),
        policy=POLICY,
        rng=random.Random(1),
    )
    assert done.status is DeliveryStatus.DELIVERED
    assert done.attempts == 2
    assert done.delivered_at == T0 + timedelta(seconds=5)
    assert done.last_error is None
    assert done.last_status_code == 204


@pytest.mark.parametrize(
    ("result", "error"),
    [
        (AttemptResult(status_code=500), "HTTP 500"),
        (AttemptResult(status_code=301), "HTTP 301"),
        (AttemptResult(status_code=None, error="ConnectError: refused"), "ConnectError: refused"),
    ],
)
def test_that_anything_else_schedules_a_retry(result: AttemptResult, error: str) -> None:
    retry = after_attempt(delivery(), result, at=T0, policy=POLICY, rng=random.Random(1))
    assert retry.status is DeliveryStatus.PENDING
    assert retry.attempts == 1
    assert retry.last_error == error
    assert T0 + timedelta(seconds=5) <= retry.next_attempt_at <= T0 + timedelta(seconds=10)


def test_that_the_last_allowed_failure_dead_letters() -> None:
    dead = after_attempt(
        delivery(attempts=3),
        AttemptResult(status_code=502),
        at=T0,
        policy=POLICY,
        rng=random.Random(1),
    )
    assert dead.status is DeliveryStatus.DEAD
    assert dead.attempts == 4
    assert dead.last_status_code == 502


def test_that_a_dead_delivery_is_replayed_with_fresh_attempts() -> None:
    again = replayed(
        delivery(status=DeliveryStatus.DEAD, attempts=4, last_error="HTTP 500"),
        subscription("*"),
        at=T0 + timedelta(hours=1),
    )
    assert again.status is DeliveryStatus.PENDING
    assert again.attempts == 0
    assert again.next_attempt_at == T0 + timedelta(hours=1)


def test_that_a_pending_delivery_cannot_be_replayed() -> None:
    with pytest.raises(BusinessRuleError) as raised:
        replayed(delivery(), subscription("*"), at=T0)
    assert raised.value.code == "delivery_pending"


def test_that_nothing_is_replayed_to_a_deactivated_webhook() -> None:
    with pytest.raises(BusinessRuleError) as raised:
        replayed(delivery(status=DeliveryStatus.DEAD), subscription("*", active=False), at=T0)
    assert raised.value.code == "subscription_inactive"


def test_that_a_signature_verifies_only_the_exact_body_secret_and_time() -> None:
    body = encode_payload({"text": "¿dónde está?", "n": 1})
    signature = sign("whsec_a", timestamp=1_800_000_000, body=body)
    assert signature.startswith("sha256=")

    def check(**changes: object) -> bool:
        args: dict[str, object] = {
            "secret": "whsec_a",
            "body": body,
            "timestamp": "1800000000",
            "signature": signature,
            "now": 1_800_000_100.0,
        } | changes
        return verify_signature(**args)  # type: ignore[arg-type]

    assert check()
    assert not check(body=body.replace(b"1", b"2"))
    assert not check(secret="whsec_b")
    assert not check(timestamp="1800000001")
    assert not check(timestamp="soon")
    assert not check(signature=signature.upper())
    assert not check(now=1_800_000_000 + 301.0)
    assert check(now=1_800_000_000 + 301.0, tolerance_seconds=600)
