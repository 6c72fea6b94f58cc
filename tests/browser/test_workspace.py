"""The agent workspace in Chromium: take a conversation, answer from a suggestion, see the
customer's next message arrive live, close it."""

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from cxops.domain.access import Role
from cxops.domain.ids import AgentId
from cxops.domain.workforce import Agent, AgentStatus, Skill
from tests.browser.conftest import sign_in
from tests.e2e.conftest import LiveServer

DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."
FOLLOW_UP = "Also, can I keep the broken one until the new lamp comes?"
ANGRY = "This is the third time I write about this. I want to speak to a manager now!"
REPLY = "Hi, I'm Bea from the support team. I've read everything and I'll sort this out."


def linked_agent(
    server: LiveServer, skills: tuple[Skill, ...] = (Skill("returns_refunds", 4),)
) -> tuple[str, str]:
    """A console user working as a fresh (offline) English agent with `skills`; their email and
    password."""
    with server.container.uow() as uow:
        uow.workforce.add_agents(
            [
                Agent(
                    id=AgentId("agt_browser"),
                    name="Bea Browser",
                    email="bea@example.com",
                    languages=("en",),
                    skills=skills,
                    max_concurrent=2,
                    status=AgentStatus.OFFLINE,
                )
            ]
        )
        uow.commit()
    email, password = server.user(Role.AGENT)
    with server.container.uow() as uow:
        user = uow.access.find_user_by_email(email)
        assert user is not None
        uow.workforce.link_user(AgentId("agt_browser"), user.id)
        uow.commit()
    return email, password


def test_that_an_agent_takes_a_conversation_answers_from_a_suggestion_and_closes_it(
    server: LiveServer, api: httpx.Client, page: Page
) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    api.post(f"/v1/conversations/{conversation}/messages", json={"text": DAMAGED})
    email, password = linked_agent(server)

    sign_in(page, server, email=email, password=password, at="/console/workspace")
    expect(page.locator("#desk")).to_contain_text("Waiting in my queues (1)")
    page.get_by_label("My status").select_option("available")
    page.get_by_role("button", name="Set").click()
    page.get_by_role("link", name=conversation).click()

    expect(page).to_have_url(f"{server.url}/console/workspace/{conversation}")
    expect(page.locator("#transcript")).to_contain_text("shattered")
    first = page.locator(".suggestion").first
    expect(first).to_be_visible()
    draft = first.locator(".draft").inner_text()
    first.get_by_role("button", name="Use").click()
    expect(page.get_by_role("textbox", name=re.compile("^Reply"))).to_have_value(draft)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#transcript .msg.agent")).to_contain_text(draft[:40])
    expect(page.get_by_role("textbox", name=re.compile("^Reply"))).to_have_value("")

    api.post(f"/v1/conversations/{conversation}/messages", json={"text": FOLLOW_UP})
    expect(page.locator("#transcript")).to_contain_text("keep the broken one")

    page.get_by_label("Outcome").select_option("resolved")
    page.get_by_role("button", name="Close conversation").click()
    expect(page).to_have_url(f"{server.url}/console/workspace?notice=closed")
    expect(page.get_by_role("status")).to_contain_text("Conversation closed")
    expect(page.locator("#desk")).to_contain_text("My conversations (0)")

    detail = api.get(f"/v1/conversations/{conversation}").json()
    assert detail["outcome"] == "resolved"
    acceptance = api.get("/v1/assist/acceptance", params={"by": "source"}).json()
    assert sum(row["accepted"] for row in acceptance["rows"]) == 1


def test_that_a_customer_handed_over_in_the_chat_widget_reaches_the_agent_live_and_reads_the_reply(
    server: LiveServer, page: Page, chromium: Browser
) -> None:
    english = {view.queue.skill for view in server.container.floor.queues()}
    email, password = linked_agent(server, tuple(Skill(name, 3) for name in sorted(english)))
    sign_in(page, server, email=email, password=password, at="/console/workspace")
    page.get_by_label("My status").select_option("available")
    page.get_by_role("button", name="Set").click()
    expect(page.locator("#desk")).to_contain_text("My conversations (0)")

    customer = chromium.new_context().new_page()
    customer.goto(f"{server.url}/widget/demo")
    customer.get_by_role("button", name="Chat with us").click()
    chat = customer.frame_locator("#cxops-chat-frame")
    chat.get_by_role("textbox", name="Message").fill(ANGRY)
    chat.get_by_role("button", name="Send").click()

    expect(page.locator("#desk")).to_contain_text("My conversations (1)")
    page.locator("#desk a[href^='/console/workspace/conv_']").click()
    expect(page.locator("#transcript")).to_contain_text("speak to a manager")
    expect(page.get_by_role("region", name="Handoff")).to_contain_text("Why a person")
    page.get_by_role("textbox", name=re.compile("^Reply")).fill(REPLY)
    page.get_by_role("button", name="Send").click()

    expect(chat.locator(".msg.agent")).to_contain_text("I'm Bea")
    customer.context.close()
