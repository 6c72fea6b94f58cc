"""The ingestion API over real HTTP: conversations, messages, idempotency and bad input."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine, func, select

from cxops.domain.access import Role
from cxops.store.tables import conversations, messages
from tests.e2e.conftest import LiveServer


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def roles_stored(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r for (r,) in conn.execute(select(messages.c.role)))


def open_conversation(api: httpx.Client, **body: object) -> str:
    response = api.post("/v1/conversations", json={"channel": "chat", **body})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def error_of(response: httpx.Response) -> dict[str, object]:
    error = response.json()["error"]
    assert isinstance(error, dict)
    return error


def test_that_a_posted_message_is_read_back_with_its_role_and_decision(
    api: httpx.Client,
) -> None:
    conversation_id = open_conversation(api, subject="Where is my parcel?")

    posted = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": "Hi, where is order W1000042?"},
    )
    assert posted.status_code == 201
    message = posted.json()["message"]
    assert message["role"] == "customer"

    read = api.get(f"/v1/conversations/{conversation_id}")
    assert read.status_code == 200
    body = read.json()
    assert body["id"] == conversation_id
    assert body["status"] == "open"
    assert body["subject"] == "Where is my parcel?"
    reply = posted.json()["replies"][0]
    assert [(m["id"], m["role"], m["text"]) for m in body["messages"]] == [
        (message["id"], "customer", "Hi, where is order W1000042?"),
        (reply["id"], "bot", reply["text"]),
    ]
    assert reply["in_reply_to"] == message["id"]
    decision = posted.json()["decision"]
    assert decision["outcome"] == "automate"
    routing = [d for d in body["decisions"] if d["kind"] == "routing"]
    assert [(d["id"], d["message_id"], d["outcome"]) for d in routing] == [
        (decision["id"], message["id"], "automate")
    ]


def test_that_messages_come_back_in_the_order_they_were_posted(api: httpx.Client) -> None:
    conversation_id = open_conversation(api)
    texts = ["first", "second", "third"]
    roles = ["customer", "agent", "customer"]
    for text, role in zip(texts, roles, strict=True):
        api.post(
            f"/v1/conversations/{conversation_id}/messages", json={"text": text, "role": role}
        ).raise_for_status()

    listed = api.get(f"/v1/conversations/{conversation_id}").json()["messages"]

    posted = [(m["text"], m["role"]) for m in listed if m["role"] != "bot"]
    assert posted == list(zip(texts, roles, strict=True))


def test_that_a_retry_with_the_same_key_returns_the_original_and_stores_nothing(
    api: httpx.Client, engine: Engine
) -> None:
    conversation_id = open_conversation(api)
    url = f"/v1/conversations/{conversation_id}/messages"
    headers = {"Idempotency-Key": "retry-1"}

    first = api.post(url, json={"text": "cancel my order"}, headers=headers)
    second = api.post(url, json={"text": "cancel my order"}, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert roles_stored(engine) == ["bot", "customer"]


def test_that_reusing_a_key_for_a_different_message_is_refused(
    api: httpx.Client, engine: Engine
) -> None:
    conversation_id = open_conversation(api)
    url = f"/v1/conversations/{conversation_id}/messages"
    api.post(url, json={"text": "one"}, headers={"Idempotency-Key": "k"}).raise_for_status()

    reused = api.post(url, json={"text": "two"}, headers={"Idempotency-Key": "k"})

    assert reused.status_code == 422
    assert error_of(reused)["code"] == "idempotency_key_reused"
    assert roles_stored(engine) == ["bot", "customer"]


def test_that_concurrent_retries_store_the_message_exactly_once(
    server: LiveServer, engine: Engine
) -> None:
    with server.client(Role.INTEGRATION) as api:
        conversation_id = open_conversation(api)
        url = f"/v1/conversations/{conversation_id}/messages"

        def attempt(_: int) -> httpx.Response:
            return api.post(
                url, json={"text": "refund please"}, headers={"Idempotency-Key": "storm"}
            )

        with ThreadPoolExecutor(max_workers=12) as pool:
            responses = list(pool.map(attempt, range(24)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["message"]["id"] for r in responses}) == 1
    assert len({r.json()["replies"][0]["id"] for r in responses}) == 1
    assert roles_stored(engine) == ["bot", "customer"]


def test_that_concurrent_conversation_retries_open_one_conversation(
    api: httpx.Client, engine: Engine
) -> None:
    def attempt(_: int) -> httpx.Response:
        return api.post(
            "/v1/conversations", json={"channel": "email"}, headers={"Idempotency-Key": "open-1"}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(attempt, range(16)))

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert count(engine, conversations) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "channel"),
        ({"channel": "fax"}, "channel"),
        ({"channel": "chat", "subject": "x" * 501}, "subject"),
        ({"channel": "chat", "colour": "blue"}, "colour"),
        ({"channel": "chat", "customer_id": "C999999"}, "customer_id"),
    ],
)
def test_that_a_bad_conversation_is_refused_naming_the_field(
    api: httpx.Client, engine: Engine, body: dict[str, object], field: str
) -> None:
    response = api.post("/v1/conversations", json=body)

    assert response.status_code == 422
    error = error_of(response)
    assert field in str(error["message"])
    assert any(f["field"] == field for f in error["fields"])  # type: ignore[attr-defined]
    assert count(engine, conversations) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 42}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "hi", "role": "bot"}, "role"),
    ],
)
def test_that_a_bad_message_is_refused_naming_the_field(
    server: LiveServer, engine: Engine, body: dict[str, object], field: str
) -> None:
    with server.client() as api:
        conversation_id = open_conversation(api)
        response = api.post(f"/v1/conversations/{conversation_id}/messages", json=body)

    assert response.status_code == 422
    assert field in str(error_of(response)["message"])
    assert count(engine, messages) == 0


def test_that_a_message_of_exactly_the_limit_is_accepted(api: httpx.Client) -> None:
    conversation_id = open_conversation(api)
    response = api.post(
        f"/v1/conversations/{conversation_id}/messages", json={"text": "é" * 20_000}
    )
    assert response.status_code == 201


def test_that_malformed_json_is_a_400_that_says_so(api: httpx.Client, engine: Engine) -> None:
    conversation_id = open_conversation(api)
    response = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        content=b'{"text": "unterminated',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"
    assert count(engine, messages) == 0


def test_that_invalid_utf8_is_a_400_that_says_so(api: httpx.Client, engine: Engine) -> None:
    conversation_id = open_conversation(api)
    response = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        content=b'{"text": "caf\xe9 \xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "UTF-8" in str(error_of(response)["message"])
    assert count(engine, messages) == 0


def test_that_an_oversize_body_is_refused_before_it_is_read(
    api: httpx.Client, engine: Engine
) -> None:
    conversation_id = open_conversation(api)
    response = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": "x" * 70_000},
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"
    assert count(engine, messages) == 0


def test_that_an_oversize_streamed_body_is_refused(api: httpx.Client, engine: Engine) -> None:
    conversation_id = open_conversation(api)

    def chunks() -> object:
        yield b'{"text": "'
        for _ in range(80):
            yield b"x" * 1000
        yield b'"}'

    response = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert count(engine, messages) == 0


def test_that_a_message_to_an_unknown_conversation_is_a_404(api: httpx.Client) -> None:
    response = api.post("/v1/conversations/conv_nope/messages", json={"text": "hello"})
    assert response.status_code == 404
    assert "conv_nope" in str(error_of(response)["message"])
    assert api.get("/v1/conversations/conv_nope").status_code == 404


def test_that_a_malformed_idempotency_key_is_refused(api: httpx.Client) -> None:
    conversation_id = open_conversation(api)
    response = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": "hi"},
        headers={"Idempotency-Key": "x" * 256},
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in str(error_of(response)["message"])


def test_that_half_a_surrogate_pair_is_stored_as_a_replacement_character(
    api: httpx.Client,
) -> None:
    conversation_id = open_conversation(api)
    response = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        content=b'{"text": "caf\\ud800e please"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201
    stored = api.get(f"/v1/conversations/{conversation_id}").json()["messages"][0]["text"]
    assert stored == "caf\ufffde please"
