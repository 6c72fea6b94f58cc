"""The customer chat widget in Chromium, embedded in the demo retailer page: the bot answers, an
angry customer is handed to a queue, an agent's reply and the close arrive without a reload."""

import re

import httpx
from playwright.sync_api import Page, expect

from cxops.domain.ids import ConversationId
from cxops.web.secret import console_secret
from cxops.web.widget import COOKIE, COOKIE_HOURS, unseal
from tests.e2e.conftest import LiveServer

ANGRY = "This is the third time I write about this. I want to speak to a manager now!"
AGENT_REPLY = "Hi, I'm Sam, a team lead. I've read everything; let me sort this out for you."


def _conversation(server: LiveServer, page: Page) -> ConversationId:
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    visit = unseal(
        cookie["value"],
        secret=console_secret(server.container.settings),
        max_age_seconds=COOKIE_HOURS * 3600,
    )
    assert visit is not None
    assert visit.conversation_id is not None
    return visit.conversation_id


def test_that_a_customer_is_handed_to_a_person_and_reads_their_reply_without_a_reload(
    server: LiveServer, api: httpx.Client, page: Page
) -> None:
    page.goto(f"{server.url}/widget/demo")
    launcher = page.get_by_role("button", name="Chat with us")
    launcher.click()
    expect(page.get_by_role("button", name="Close chat")).to_have_attribute("aria-expanded", "true")
    chat = page.frame_locator("#cxops-chat-frame")
    box = chat.get_by_role("textbox", name="Message")

    box.fill("Where is my order?")
    chat.get_by_role("button", name="Send").click()
    expect(chat.locator(".msg.bot").last).to_contain_text("email address on your account")
    expect(box).to_have_value("")

    box.fill(ANGRY)
    box.press("Enter")
    expect(chat.locator(".msg.customer").last).to_contain_text("speak to a manager")
    expect(chat.get_by_role("status")).to_contain_text(
        re.compile(r"You're in the queue for .+; a person will answer here\.")
    )
    conversation_id = _conversation(server, page)
    detail = api.get(f"/v1/conversations/{conversation_id}").json()
    assert detail["status"] == "queued"
    assert detail["queue_id"]
    assert api.get(f"/v1/conversations/{conversation_id}/handoff").status_code == 200

    frame = next(f for f in page.frames if f.url.endswith("/widget"))
    frame.evaluate("() => { window.stillTheSamePage = true; }")
    posted = api.post(
        f"/v1/conversations/{conversation_id}/messages",
        json={"text": AGENT_REPLY, "role": "agent"},
    )
    assert posted.status_code == 201
    expect(chat.locator(".msg.agent")).to_contain_text("I'm Sam, a team lead")

    closed = api.post(f"/v1/conversations/{conversation_id}/close", json={"outcome": "resolved"})
    assert closed.status_code == 200
    expect(chat.get_by_role("status")).to_contain_text("This conversation is closed")
    assert frame.evaluate("() => window.stillTheSamePage") is True

    chat.get_by_role("button", name="Start a new chat").click()
    expect(chat.locator(".msg.agent")).to_have_count(0)
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
