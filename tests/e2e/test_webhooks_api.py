"""Managing webhooks over HTTP: subscribe, list, deactivate, inspect deliveries, replay."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from cxops.connectors.webhooks import WebhookDispatcher, verify_signature
from cxops.domain.access import Role
from cxops.domain.webhooks import RetryPolicy
from cxops.webhooks import publish
from tests.e2e.conftest import LiveServer
from tests.webhook_receiver import Receiver

ONE_TRY = RetryPolicy(
    base_delay=timedelta(seconds=1), max_delay=timedelta(seconds=1), max_attempts=1
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def publish_events(server: LiveServer, count: int = 1) -> None:
    container = server.container
    with container.uow() as uow:
        for n in range(count):
            publish(uow, topic="handoff.created", payload={"n": n}, at=container.clock.now())
        uow.commit()


def one_try_dispatcher(server: LiveServer) -> WebhookDispatcher:
    container = server.container
    return WebhookDispatcher(
        uow_factory=container.uow, clock=container.clock, policy=ONE_TRY, timeout_seconds=5
    )


def deliveries(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/webhooks/deliveries", params=params)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["deliveries"]
    return listed


def test_that_an_admin_subscribes_and_sees_the_secret_only_once(api: httpx.Client) -> None:
    created = api.post(
        "/v1/webhooks", json={"url": "https://crm.example/hooks", "topics": ["handoff.*"]}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["id"].startswith("whk_")
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["topics"], body["active"]) == (
        "https://crm.example/hooks",
        ["handoff.*"],
        True,
    )

    listed = api.get("/v1/webhooks").json()["webhooks"]
    assert [w["id"] for w in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert body["secret"] not in api.get("/v1/webhooks").text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://crm.example/hooks", "topics": ["*"]}, "url"),
        ({"url": "crm.example/hooks", "topics": ["*"]}, "url"),
        ({"url": "https:///hooks", "topics": ["*"]}, "url"),
        ({"url": "https://crm.example:99999/hooks", "topics": ["*"]}, "url"),
        ({"url": "https://crm.example/a b", "topics": ["*"]}, "url"),
        ({"url": 42, "topics": ["*"]}, "url"),
        ({"url": "https://crm.example/hooks", "topics": []}, "topics"),
        ({"url": "https://crm.example/hooks", "topics": ["Handoff Created"]}, "topics"),
        ({"url": "https://crm.example/hooks"}, "topics"),
        ({"url": "https://crm.example/hooks", "topics": ["*"], "secret": "mine"}, "secret"),
    ],
)
def test_that_a_bad_subscription_is_refused_naming_the_field(
    api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    response = api.post("/v1/webhooks", json=body)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
    assert api.get("/v1/webhooks").json()["webhooks"] == []


@pytest.mark.parametrize(
    "role", [Role.SUPERVISOR, Role.AGENT, Role.INTEGRATION, Role.AUDITOR, Role.ANALYST]
)
def test_that_only_admins_manage_webhooks(server: LiveServer, role: Role) -> None:
    with server.client(role) as client:
        for response in [
            client.post("/v1/webhooks", json={"url": "https://crm.example/h", "topics": ["*"]}),
            client.get("/v1/webhooks"),
            client.get("/v1/webhooks/deliveries"),
            client.post("/v1/webhooks/deliveries/whd_x/replay"),
            client.delete("/v1/webhooks/whk_x"),
        ]:
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "forbidden"


def test_that_a_dead_delivery_is_listed_and_replayed_to_a_recovered_receiver(
    server: LiveServer, api: httpx.Client, receiver: Receiver
) -> None:
    receiver.failures = 1
    secret = api.post("/v1/webhooks", json={"url": receiver.url, "topics": ["*"]}).json()["secret"]
    publish_events(server)
    with one_try_dispatcher(server) as sender:
        assert sender.deliver_due().dead == 1

        (dead,) = deliveries(api, status="dead")
        assert (dead["attempts"], dead["last_status_code"], dead["last_error"]) == (
            1,
            500,
            "HTTP 500",
        )
        assert dead["payload"] == {"n": 0}
        assert deliveries(api, status="pending") == []

        replayed = api.post(f"/v1/webhooks/deliveries/{dead['id']}/replay")
        assert replayed.status_code == 200
        assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
        again = api.post(f"/v1/webhooks/deliveries/{dead['id']}/replay")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "delivery_pending"

        assert sender.deliver_due().delivered == 1

    (delivered,) = deliveries(api, status="delivered")
    assert (delivered["id"], delivered["attempts"]) == (dead["id"], 1)
    assert receiver.count_by_delivery() == {dead["id"]: 2}
    last = receiver.receipts[-1]
    assert verify_signature(
        secret=secret,
        body=last.body,
        timestamp=last.headers["x-cxops-timestamp"],
        signature=last.headers["x-cxops-signature"],
    )


def test_that_delivery_pages_cover_every_delivery_once_newest_first(
    server: LiveServer, api: httpx.Client, receiver: Receiver
) -> None:
    api.post("/v1/webhooks", json={"url": receiver.url, "topics": ["handoff.created"]})
    publish_events(server, count=5)

    seen: list[dict[str, Any]] = []
    before = None
    for expected in [2, 2, 1]:
        params: dict[str, Any] = {"limit": 2} | ({"before": before} if before else {})
        page = api.get("/v1/webhooks/deliveries", params=params).json()
        assert len(page["deliveries"]) == expected
        seen += page["deliveries"]
        before = page["next_before"]
    assert before is None
    # Ids order by creation to the millisecond; events of the same millisecond in any order.
    assert sorted(d["payload"]["n"] for d in seen) == [0, 1, 2, 3, 4]
    ids = [d["id"] for d in seen]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "lost"}, "query.status"), ({"limit": 0}, "query.limit")],
)
def test_that_a_bad_delivery_query_names_the_parameter(
    api: httpx.Client, params: dict[str, Any], field: str
) -> None:
    response = api.get("/v1/webhooks/deliveries", params=params)
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


def test_that_a_deleted_webhook_is_deactivated_and_gets_nothing_new(
    server: LiveServer, api: httpx.Client
) -> None:
    webhook_id = api.post(
        "/v1/webhooks", json={"url": "https://crm.example/hooks", "topics": ["*"]}
    ).json()["id"]

    deleted = api.delete(f"/v1/webhooks/{webhook_id}")
    assert deleted.status_code == 200
    assert deleted.json()["active"] is False
    assert deleted.json()["deactivated_at"] is not None
    assert api.delete(f"/v1/webhooks/{webhook_id}").json() == deleted.json()
    assert api.get("/v1/webhooks").json()["webhooks"][0]["active"] is False

    publish_events(server)
    assert deliveries(api) == []


def test_that_unknown_webhooks_and_deliveries_are_404(api: httpx.Client) -> None:
    assert api.delete("/v1/webhooks/whk_missing").status_code == 404
    missing = api.post("/v1/webhooks/deliveries/whd_missing/replay")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
