"""`GET /metrics` over real HTTP: request series by route template, business series read from
the database, and a scrape that survives a database it cannot reach."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from cxops.api.app import create_app
from cxops.bootstrap import Container, bootstrap
from cxops.settings import Settings
from tests.e2e.conftest import LiveServer

AUTOMATED = "Hi, where is order W1000042?"
QUEUED = "The lamp I got arrived broken, the glass shade is shattered."
MESSAGES_ROUTE = "/v1/conversations/{conversation_id}/messages"
CONVERSATION_ROUTE = "/v1/conversations/{conversation_id}"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: httpx.Client | TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; the sample must be exposed."""
    return samples[(name, frozenset(labels.items()))]


def count(samples: Samples, name: str, **labels: str) -> float:
    """A counter's value, 0 before its first increment."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests(samples: Samples, method: str, route: str, status: int) -> float:
    return count(
        samples, "cxops_http_requests_total", method=method, route=route, status=str(status)
    )


def routes_seen(samples: Samples) -> set[str]:
    return {dict(labels)["route"] for (name, labels) in samples if name.startswith("cxops_http")}


def open_conversation(api: httpx.Client, text: str) -> str:
    conversation = api.post("/v1/conversations", json={"channel": "chat"})
    assert conversation.status_code == 201, conversation.text
    conversation_id = str(conversation.json()["id"])
    posted = api.post(f"/v1/conversations/{conversation_id}/messages", json={"text": text})
    assert posted.status_code == 201, posted.text
    return conversation_id


def close(api: httpx.Client, conversation_id: str) -> None:
    closed = api.post(f"/v1/conversations/{conversation_id}/close", json={"outcome": "resolved"})
    assert closed.status_code == 200, closed.text


def test_that_requests_are_counted_under_their_route_template_and_status(
    api: httpx.Client,
) -> None:
    before = scrape(api)

    conversation_id = open_conversation(api, AUTOMATED)
    assert api.get(f"/v1/conversations/{conversation_id}").status_code == 200
    assert api.get("/v1/conversations/conv_nosuchconversation").status_code == 404

    after = scrape(api)
    assert requests(after, "POST", "/v1/conversations", 201) == (
        requests(before, "POST", "/v1/conversations", 201) + 1
    )
    assert requests(after, "POST", MESSAGES_ROUTE, 201) == (
        requests(before, "POST", MESSAGES_ROUTE, 201) + 1
    )
    for status in (200, 404):
        assert requests(after, "GET", CONVERSATION_ROUTE, status) == (
            requests(before, "GET", CONVERSATION_ROUTE, status) + 1
        )
    timed = "cxops_http_request_duration_seconds_count"
    assert count(after, timed, method="GET", route=CONVERSATION_ROUTE) == (
        count(before, timed, method="GET", route=CONVERSATION_ROUTE) + 2
    )
    assert not any(conversation_id in route for route in routes_seen(after))


def test_that_an_unknown_path_is_counted_as_unmatched(api: httpx.Client) -> None:
    before = scrape(api)

    assert api.get("/no/such/path/12345").status_code == 404

    after = scrape(api)
    assert requests(after, "GET", "unmatched", 404) == requests(before, "GET", "unmatched", 404) + 1
    assert "/no/such/path/12345" not in routes_seen(after)


def test_that_metrics_need_no_api_key(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        samples = scrape(anonymous)
    assert value(samples, "cxops_metrics_scrape_error") == 0


def test_that_business_series_follow_conversations_opened_routed_and_closed(
    api: httpx.Client,
) -> None:
    subscribed = api.post(
        "/v1/webhooks", json={"url": "https://crm.example/hooks", "topics": ["handoff.*"]}
    )
    assert subscribed.status_code == 201, subscribed.text
    contained = open_conversation(api, AUTOMATED)
    close(api, contained)
    queued = open_conversation(api, QUEUED)

    waiting = scrape(api)
    assert value(waiting, "cxops_conversations", status="queued") == 1
    assert value(waiting, "cxops_conversations", status="closed") == 1
    assert value(waiting, "cxops_queue_waiting", queue="q_returns_refunds") == 1
    assert value(waiting, "cxops_webhook_deliveries", status="pending") == 1
    assert value(waiting, "cxops_containment_ratio", window="24h") == 1.0

    close(api, queued)

    after = scrape(api)
    assert value(after, "cxops_metrics_scrape_error") == 0
    assert value(after, "cxops_conversations", status="closed") == 2
    assert value(after, "cxops_conversations", status="queued") == 0
    assert value(after, "cxops_conversations", status="assigned") == 0
    assert value(after, "cxops_queue_waiting", queue="q_returns_refunds") == 0
    assert value(after, "cxops_containment_ratio", window="24h") == 0.5
    assert value(after, "cxops_decisions_total", kind="routing", outcome="automate") == 1
    assert value(after, "cxops_decisions_total", kind="routing", outcome="queue") == 1
    quantiles = {
        dict(labels)["quantile"]: sample
        for (name, labels), sample in after.items()
        if name == "cxops_triage_latency_seconds" and dict(labels)["window"] == "1h"
    }
    assert set(quantiles) == {"0.5", "0.95", "0.99"}
    assert all(latency >= 0 for latency in quantiles.values())


@pytest.fixture
def databaseless(tmp_path: Path) -> Iterator[Container]:
    """A container whose database cannot be opened: its URL names a directory."""
    unreachable = tmp_path / "a-directory-not-a-database"
    unreachable.mkdir()
    settings = Settings(
        database_url=f"sqlite:///{unreachable}", data_dir=tmp_path, webhook_dispatcher=False
    )
    container = bootstrap(settings)
    yield container
    container.engine.dispose()


def test_that_a_scrape_without_its_database_reports_the_error_and_keeps_the_http_series(
    databaseless: Container,
) -> None:
    client = TestClient(create_app(databaseless))
    assert client.get("/healthz").status_code == 200

    samples = scrape(client)

    assert value(samples, "cxops_metrics_scrape_error") == 1
    assert requests(samples, "GET", "/healthz", 200) == 1
    assert not any(name.startswith("cxops_conversations") for name, _ in samples)


def test_that_each_app_keeps_its_own_series(databaseless: Container) -> None:
    first = TestClient(create_app(databaseless))
    second = TestClient(create_app(databaseless))

    first.get("/healthz")

    assert requests(scrape(first), "GET", "/healthz", 200) == 1
    assert requests(scrape(second), "GET", "/healthz", 200) == 0


def test_that_an_unusual_method_is_counted_as_other(api: httpx.Client) -> None:
    before = scrape(api)

    api.request("PROPFIND", "/healthz")

    after = scrape(api)
    assert not any(("method", "PROPFIND") in labels for _, labels in after)
    assert requests(after, "other", "/healthz", 405) == (
        requests(before, "other", "/healthz", 405) + 1
    )
