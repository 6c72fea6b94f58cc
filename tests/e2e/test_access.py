"""Every route checks the caller's key and role."""

import httpx
import pytest

from cxops.domain.access import Role
from cxops.governance.api_keys import revoke_key
from tests.e2e.conftest import LiveServer


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer cxk_abc_wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ],
)
def test_that_requests_without_a_valid_key_are_refused(
    server: LiveServer, headers: dict[str, str]
) -> None:
    response = httpx.post(
        f"{server.url}/v1/conversations", json={"channel": "chat"}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"


def test_that_a_revoked_key_stops_working(server: LiveServer) -> None:
    token = server.key(Role.INTEGRATION)
    headers = {"Authorization": f"Bearer {token}"}
    ok = httpx.post(f"{server.url}/v1/conversations", json={"channel": "sms"}, headers=headers)
    assert ok.status_code == 201

    with server.container.uow() as uow:
        revoke_key(uow, clock=server.container.clock, prefix=token.split("_")[1])
        uow.commit()

    refused = httpx.post(f"{server.url}/v1/conversations", json={"channel": "sms"}, headers=headers)
    assert refused.status_code == 401


def test_that_an_analyst_may_read_conversations_but_not_write_them(server: LiveServer) -> None:
    with server.client(Role.ADMIN) as admin, server.client(Role.ANALYST) as analyst:
        conversation_id = admin.post("/v1/conversations", json={"channel": "chat"}).json()["id"]

        assert analyst.get(f"/v1/conversations/{conversation_id}").status_code == 200
        refused = analyst.post("/v1/conversations", json={"channel": "chat"})
        assert refused.status_code == 403
        assert "analyst" in refused.json()["error"]["message"]


def test_that_an_analyst_may_not_read_customer_records(server: LiveServer) -> None:
    with server.client(Role.ANALYST) as analyst:
        assert analyst.get("/v1/customers/C000001").status_code == 403
        assert analyst.get("/v1/customers", params={"email": "a@example.com"}).status_code == 403


def test_that_health_needs_no_key_and_readiness_reports_the_schema(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def test_that_the_openapi_document_lists_the_integration_routes(server: LiveServer) -> None:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert {
        "/v1/conversations",
        "/v1/conversations/{conversation_id}/messages",
        "/v1/conversations/{conversation_id}",
        "/v1/customers/{customer_id}",
        "/v1/customers",
    } <= set(paths)
    assert httpx.get(f"{server.url}/docs").status_code == 200
