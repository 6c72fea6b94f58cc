"""The bot over HTTP: replies in the message response, the approval queue, dry runs."""

import httpx
import pytest

from cxops.domain.access import Role
from cxops.domain.ids import OrderId
from cxops.domain.orders import OrderStatus
from tests.e2e.conftest import LiveServer
from tests.selfservice_suite import load_suite, seed


@pytest.fixture
def world(server: LiveServer) -> None:
    seed(server.container.uow, load_suite().world)


def say(api: httpx.Client, conversation: str, text: str) -> dict[str, object]:
    posted = api.post(f"/v1/conversations/{conversation}/messages", json={"text": text})
    assert posted.status_code == 201, posted.text
    body: dict[str, object] = posted.json()
    return body


def replies(body: dict[str, object]) -> str:
    found = body["replies"]
    assert isinstance(found, list)
    return "\n".join(str(r["text"]) for r in found)


def test_that_a_lost_parcel_replacement_waits_for_a_supervisor_and_the_customer_hears_back(
    server: LiveServer, world: None
) -> None:
    with server.client(Role.ADMIN) as admin:
        admin.post(
            "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "topics": ["approval.*"]}
        ).raise_for_status()
    with server.client(Role.INTEGRATION) as api, server.client(Role.SUPERVISOR) as boss:
        conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
        say(api, conversation, "My package never arrived, order W3000007")
        say(api, conversation, "ben.carter@example.com")
        asked = say(api, conversation, "yes please")
        assert "approval" in replies(asked)

        pending = boss.get("/v1/approvals").json()
        assert [(a["kind"], a["order_id"], a["status"]) for a in pending] == [
            ("reship_order", "W3000007", "awaiting_approval")
        ]
        assert pending[0]["reasons"][0]["code"] == "approval.reship"
        assert pending[0]["preview"]["status_before"] == "lost"

        with server.client(Role.AGENT) as agent:
            refused = agent.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "approve"})
        assert refused.status_code == 403

        approved = boss.post(
            f"/v1/approvals/{pending[0]['id']}", json={"decision": "approve", "note": "ok"}
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "executed"
        assert approved.json()["result"]["replacement_order_id"] == "W3000007-R1"

        again = boss.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "reject"})
        assert again.status_code == 409
        assert boss.get("/v1/approvals").json() == []

        view = api.get(f"/v1/conversations/{conversation}").json()
        assert "W3000007-R1" in view["messages"][-1]["text"]
        assert view["messages"][-1]["role"] == "bot"
        assert any(d["kind"] == "approval" for d in view["decisions"])
    with server.client(Role.ADMIN) as admin:
        deliveries = admin.get("/v1/webhooks/deliveries").json()["deliveries"]
    events = sorted((d["topic"], d["payload"]["status"]) for d in deliveries)
    assert events == [
        ("approval.decided", "executed"),
        ("approval.requested", "awaiting_approval"),
    ]


def test_that_an_email_reply_is_a_letter_with_greeting_and_sign_off(
    api: httpx.Client, world: None
) -> None:
    conversation = api.post(
        "/v1/conversations", json={"channel": "email", "customer_id": "ana"}
    ).json()["id"]
    body = say(
        api, conversation, "Hello, where is my order W3000002? My email is ana.ruiz@example.com"
    )
    text = replies(body)
    assert text.startswith("Hello Ana,")
    assert "Kind regards," in text
    assert "Northwind" in text
    assert "1Z999AA10123456784" in text


def test_that_a_dry_run_says_what_would_change_and_changes_nothing(
    server: LiveServer, api: httpx.Client, world: None
) -> None:
    dry = api.post(
        "/v1/actions/dry-run",
        json={"kind": "cancel_order", "order_id": "W3000012", "params": {"reason": "test"}},
    )
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["allowed"] is True
    assert body["needs_approval"] is True
    assert body["preview"]["status_after"] == "cancelled"
    assert server.container.orders.get_order(OrderId("W3000012")).status is OrderStatus.PROCESSING

    refused = api.post(
        "/v1/actions/dry-run",
        json={"kind": "cancel_order", "order_id": "W3000002", "params": {}},
    )
    assert refused.json()["allowed"] is False
    assert refused.json()["reasons"][0]["code"] == "order_not_cancellable"

    bad = api.post(
        "/v1/actions/dry-run",
        json={"kind": "issue_refund", "order_id": "W3000003", "params": {"amount_cents": "ten"}},
    )
    assert bad.status_code == 422
    assert "params.amount_cents" in bad.text
