"""Triage over HTTP: the stateless endpoint, and the triage stored with each customer message."""

import json

import httpx
import pytest
from sqlalchemy import Engine, func, select

from cxops.domain.access import Role
from cxops.store.tables import message_triage, messages
from tests.e2e.conftest import LiveServer

CARD = "4111 1111 1111 1111"


def test_that_the_triage_endpoint_answers_every_field(api: httpx.Client) -> None:
    response = api.post(
        "/v1/triage", json={"text": "Where is my parcel? Order W1004217 still not here"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["intent"]["name"] in {"order_status", "missing_delivery"}
    assert 0 < body["intent"]["confidence"] <= 1
    assert body["intent"]["alternatives"][0]["name"] == body["intent"]["name"]
    assert body["intent"]["out_of_scope"] is False
    assert body["language"]["code"] == "en"
    assert body["sentiment"]["label"] in {"negative", "neutral", "positive"}
    assert body["urgency"]["level"] in {"low", "normal", "high", "critical"}
    assert body["model_versions"]["intent"].startswith("intent-")


def test_that_personal_data_is_found_and_redacted(api: httpx.Client) -> None:
    text = f"my card {CARD} was charged twice, mail me at ana.lopez@example.com"
    body = api.post("/v1/triage", json={"text": text}).json()

    assert {(p["type"], text[p["start"] : p["end"]]) for p in body["pii"]} == {
        ("card", CARD),
        ("email", "ana.lopez@example.com"),
    }
    assert CARD not in body["redacted_text"]
    assert "[CARD]" in body["redacted_text"]
    assert "[EMAIL]" in body["redacted_text"]


def test_that_a_safety_issue_is_sensitive_and_critical(api: httpx.Client) -> None:
    text = "The kettle I bought caught fire and burned my hand, I had to go to hospital"
    body = api.post("/v1/triage", json={"text": text}).json()

    assert body["urgency"]["level"] == "critical"
    assert "safety" in body["urgency"]["reasons"]
    assert "health" in {t["category"] for t in body["sensitive_topics"]}


def test_that_spanish_is_recognised(api: httpx.Client) -> None:
    body = api.post(
        "/v1/triage", json={"text": "Hola, ¿dónde está mi pedido? No ha llegado"}
    ).json()
    assert body["language"]["code"] == "es"
    assert body["intent"]["name"] in {"order_status", "missing_delivery"}


@pytest.mark.parametrize(
    "text",
    [
        "🙂🙂🙂",
        "x" * 20_000,
        "Hello, je voudrais annuler mi pedido por favor, thanks",
        "\u200f\u200dcafe\u0301 \ufeff?",
        "\ud800 lone surrogate",
    ],
    ids=["emoji", "20000-chars", "mixed-language", "odd-unicode", "lone-surrogate"],
)
def test_that_awkward_text_is_triaged_without_crashing(api: httpx.Client, text: str) -> None:
    response = api.post(
        "/v1/triage",
        content=json.dumps({"text": text}).encode("ascii"),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["intent"]["name"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": ""}, "text"), ({}, "text"), ({"text": "hi", "channel": "fax"}, "channel")],
)
def test_that_bad_triage_input_is_a_clear_4xx(
    api: httpx.Client, body: dict[str, object], field: str
) -> None:
    response = api.post("/v1/triage", json=body)
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]


def test_that_an_auditor_may_not_run_triage(server: LiveServer) -> None:
    with server.client(Role.AUDITOR) as auditor:
        assert auditor.post("/v1/triage", json={"text": "hi"}).status_code == 403


def test_that_a_customer_message_is_stored_redacted_with_its_triage(
    api: httpx.Client, engine: Engine
) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    text = f"I want a refund, my card {CARD} was charged twice"

    posted = api.post(f"/v1/conversations/{conversation}/messages", json={"text": text}).json()

    message = posted["message"]
    assert CARD not in message["text"]
    assert message["triage"]["intent"]["name"]
    with engine.connect() as conn:
        stored = conn.execute(
            select(messages.c.text).where(messages.c.role == "customer")
        ).scalar_one()
        triaged = conn.execute(select(func.count()).select_from(message_triage)).scalar_one()
    assert CARD not in stored
    assert triaged == 1
    read = api.get(f"/v1/conversations/{conversation}").json()
    assert read["messages"][0]["triage"] == message["triage"]


def test_that_agent_messages_are_redacted_but_not_triaged(api: httpx.Client) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "email"}).json()["id"]
    posted = api.post(
        f"/v1/conversations/{conversation}/messages",
        json={"text": "I have your number as +1 415 555 0132, right?", "role": "agent"},
    ).json()["message"]

    assert posted["triage"] is None
    assert "555 0132" not in posted["text"]
    assert "[PHONE]" in posted["text"]


def test_that_the_conversation_reports_the_sentiment_trajectory(api: httpx.Client) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    assert api.get(f"/v1/conversations/{conversation}").json()["sentiment"] is None
    for text in [
        "Hi, thanks, quick question about my order",
        "It still hasn't arrived and nobody answers",
        "This is the third time I'm asking!!! Absolutely useless service",
    ]:
        api.post(f"/v1/conversations/{conversation}/messages", json={"text": text})

    trajectory = api.get(f"/v1/conversations/{conversation}").json()["sentiment"]

    assert trajectory["turns"] == 3
    assert trajectory["trend"] < 0
    assert trajectory["minimum"] == trajectory["current"] < 0


def test_that_a_replayed_message_returns_its_original_triage(api: httpx.Client) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "sms"}).json()["id"]
    url = f"/v1/conversations/{conversation}/messages"
    first = api.post(url, json={"text": "cancel my order"}, headers={"Idempotency-Key": "c1"})
    again = api.post(url, json={"text": "cancel my order"}, headers={"Idempotency-Key": "c1"})
    assert again.json() == first.json()
    assert again.json()["message"]["triage"]["intent"]["name"] == "cancel_order"
