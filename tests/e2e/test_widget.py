"""The customer chat widget over HTTP: off unless enabled, a message answered by the bot, double
submits, refused input, the rate limit, an agent's reply arriving live, the close, and the
headers that let retailers frame it."""

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cxops.domain.ids import ConversationId
from cxops.web.secret import console_secret
from cxops.web.widget import COOKIE, COOKIE_HOURS, unseal
from tests.e2e.conftest import LiveServer

DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def customer(server: LiveServer) -> Iterator[httpx.Client]:
    """A visitor's browser: keeps cookies, no credentials."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def _field(page: httpx.Response, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def _send(
    client: httpx.Client, form: httpx.Response, text: str, **overrides: str
) -> httpx.Response:
    """Send `text` from the composer in `form` (an earlier page or answer), as HTMX does."""
    data = {
        "csrf_token": _field(form, "csrf_token"),
        "nonce": _field(form, "nonce"),
        "text": text,
        **overrides,
    }
    return client.post("/widget/messages", data=data, headers=HTMX)


def _conversation(server: LiveServer, client: httpx.Client) -> ConversationId | None:
    visit = unseal(
        client.cookies.get(COOKIE),
        secret=console_secret(server.container.settings),
        max_age_seconds=COOKIE_HOURS * 3600,
    )
    assert visit is not None
    return visit.conversation_id


def _messages(api: httpx.Client, conversation_id: str, role: str) -> list[dict[str, Any]]:
    detail = api.get(f"/v1/conversations/{conversation_id}").json()
    return [m for m in detail["messages"] if m["role"] == role]


def _stream_until(client: httpx.Client, needle: str) -> str:
    seen = ""
    with client.stream("GET", "/widget/events") as events:
        assert events.status_code == 200
        assert events.headers["content-type"].startswith("text/event-stream")
        for chunk in events.iter_text():
            seen += chunk
            if needle in seen:
                break
    return seen


def test_that_the_widget_is_not_served_while_it_is_off(
    server: LiveServer, customer: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.container.settings, "widget_enabled", False)
    for path in ("/widget", "/widget/embed.js", "/widget/demo", "/widget/events"):
        assert customer.get(path).status_code == 404, path
    sent = customer.post("/widget/messages", data={"text": "hello"})
    assert sent.status_code == 404


def test_that_a_message_opens_a_chat_conversation_and_the_bot_answers_it_at_once(
    server: LiveServer, customer: httpx.Client, api: httpx.Client
) -> None:
    page = customer.get("/widget")
    assert page.status_code == 200
    assert _conversation(server, customer) is None

    answer = _send(customer, page, "Where is my order?")

    assert answer.status_code == 200
    assert "what is the email address on your account" in answer.text
    assert 'sse-connect="/widget/events"' in answer.text
    assert _field(answer, "nonce") != _field(page, "nonce")
    conversation_id = _conversation(server, customer)
    assert conversation_id is not None
    detail = api.get(f"/v1/conversations/{conversation_id}").json()
    assert detail["channel"] == "chat"
    assert detail["customer_id"] is None
    assert [m["role"] for m in detail["messages"]] == ["customer", "bot"]
    intent = detail["messages"][0]["triage"]["intent"]["name"]
    assert intent not in answer.text
    assert detail["decisions"][0]["id"] not in answer.text


def test_that_the_same_form_sent_twice_stores_one_message_in_one_conversation(
    server: LiveServer, customer: httpx.Client, api: httpx.Client
) -> None:
    page = customer.get("/widget")
    before_first = customer.cookies[COOKIE]
    first = _send(customer, page, "Where is my order?")
    # A second click sent before the first answer came back, so without its new cookie.
    with httpx.Client(
        base_url=server.url, timeout=30, headers={"Cookie": f"{COOKIE}={before_first}"}
    ) as same_tab:
        second = _send(same_tab, page, "Where is my order?")
        assert _conversation(server, same_tab) == _conversation(server, customer)

    assert first.status_code == second.status_code == 200
    conversation_id = _conversation(server, customer)
    assert conversation_id is not None
    assert len(_messages(api, conversation_id, "customer")) == 1
    assert len(_messages(api, conversation_id, "bot")) == 1

    again = _send(customer, first, "I ordered a lamp last week")
    repeated = _send(customer, first, "I ordered a lamp last week")
    assert again.status_code == repeated.status_code == 200
    assert _conversation(server, customer) == conversation_id
    assert len(_messages(api, conversation_id, "customer")) == 2


def test_that_empty_or_too_long_text_is_shown_again_naming_the_field_and_nothing_is_stored(
    server: LiveServer, customer: httpx.Client
) -> None:
    limit = server.container.settings.widget_max_message_chars
    page = customer.get("/widget")

    too_long = _send(customer, page, "x" * (limit + 1))
    assert too_long.status_code == 422
    assert 'data-field="text"' in too_long.text
    assert re.search(
        rf'name="text" value="x{{{limit + 1}}}"[^>]*aria-invalid="true"', too_long.text
    )
    assert f"the limit is {limit}" in too_long.text

    empty = _send(customer, page, "   ")
    assert empty.status_code == 422
    assert "Write a message first" in empty.text
    assert 'aria-invalid="true"' in empty.text
    assert _conversation(server, customer) is None


def test_that_a_form_without_this_browser_s_token_is_refused_and_nothing_is_stored(
    server: LiveServer, customer: httpx.Client
) -> None:
    page = customer.get("/widget")
    forged = _send(customer, page, "Where is my order?", csrf_token="forged")
    assert forged.status_code == 403
    assert _conversation(server, customer) is None

    with httpx.Client(base_url=server.url, timeout=30) as stranger:
        cross_site = _send(stranger, page, "Where is my order?")
    assert cross_site.status_code == 403


def test_that_a_conversation_writing_too_fast_is_told_to_wait_and_nothing_is_stored(
    server: LiveServer,
    customer: httpx.Client,
    api: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server.container.settings, "widget_messages_per_minute", 2)
    form = customer.get("/widget")
    for text in ("Hi", "Where is my order?"):
        form = _send(customer, form, text)
        assert form.status_code == 200

    refused = _send(customer, form, "Hello? Anyone there?")

    assert refused.status_code == 429
    assert "Wait a minute" in refused.text
    assert 'value="Hello? Anyone there?"' in refused.text
    conversation_id = _conversation(server, customer)
    assert conversation_id is not None
    assert len(_messages(api, conversation_id, "customer")) == 2


def test_that_a_handed_over_customer_sees_the_queue_and_the_agent_s_reply_arrives_live(
    server: LiveServer, customer: httpx.Client, api: httpx.Client
) -> None:
    answer = _send(customer, customer.get("/widget"), DAMAGED)
    assert "You&#39;re in the queue for Returns &amp; Refunds" in answer.text
    conversation_id = _conversation(server, customer)
    assert conversation_id is not None
    assert api.get(f"/v1/conversations/{conversation_id}").json()["status"] == "queued"

    posted = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": "I'm so sorry about the lamp. A new one ships today.", "role": "agent"},
    )
    assert posted.status_code == 201

    seen = _stream_until(customer, "A new one ships today.")
    assert "event: transcript" in seen
    assert "shattered" in seen
    assert "damaged_item" not in seen


def test_that_the_stream_ends_at_once_for_a_visitor_without_a_conversation(
    customer: httpx.Client,
) -> None:
    customer.get("/widget")
    assert "event: signed-out" in _stream_until(customer, "signed-out")
    with httpx.Client(base_url=str(customer.base_url), timeout=30) as no_cookie:
        assert "event: signed-out" in _stream_until(no_cookie, "signed-out")


def test_that_a_closed_conversation_says_so_and_a_new_chat_starts_a_new_one(
    server: LiveServer, customer: httpx.Client, api: httpx.Client
) -> None:
    _send(customer, customer.get("/widget"), DAMAGED)
    first = _conversation(server, customer)
    closed = api.post(f"/v1/conversations/{first}/close", json={"outcome": "resolved"})
    assert closed.status_code == 200

    page = customer.get("/widget")
    assert "This conversation is closed" in page.text
    assert "Start a new chat" in page.text
    assert 'name="text"' not in page.text
    late = customer.post(
        "/widget/messages",
        data={"csrf_token": _field(page, "csrf_token"), "nonce": "late", "text": "One more thing"},
        headers=HTMX,
    )
    assert late.status_code == 409
    assert len(_messages(api, str(first), "customer")) == 1

    fresh = customer.post(
        "/widget/restart", data={"csrf_token": _field(page, "csrf_token")}, headers=HTMX
    )
    assert fresh.status_code == 200
    assert _conversation(server, customer) is None
    _send(customer, fresh, "Where is my order?")
    second = _conversation(server, customer)
    assert second is not None
    assert second != first


def test_that_retailers_sites_may_frame_the_widget_and_nobody_the_console(
    server: LiveServer, customer: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.container.settings, "widget_origins", ["https://shop.example.com"])
    for path in ("/widget", "/widget/demo"):
        policy = customer.get(path).headers["content-security-policy"]
        assert "frame-ancestors 'self' https://shop.example.com" in policy
        assert "script-src 'self';" in policy
        assert "style-src 'self';" in policy
    console = customer.get("/console/sign-in").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in console


def test_that_the_cookie_is_http_only_and_kept_to_the_widget(customer: httpx.Client) -> None:
    cookie = customer.get("/widget").headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "Path=/widget" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_that_the_demo_page_embeds_the_script_that_opens_the_chat(customer: httpx.Client) -> None:
    demo = customer.get("/widget/demo")
    assert demo.status_code == 200
    assert '<script src="/widget/embed.js' in demo.text
    script = customer.get("/widget/embed.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert '"/widget"' in script.text
