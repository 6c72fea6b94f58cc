"""The console in Chromium: signing in, the decision explorer, and what an agent may not open."""

import httpx
from playwright.sync_api import Page, expect

from cxops.domain.access import Role
from tests.browser.conftest import sign_in
from tests.e2e.conftest import LiveServer

DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."


def test_that_a_supervisor_sees_the_reasons_of_a_conversations_routing_decision(
    server: LiveServer, api: httpx.Client, page: Page
) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    posted = api.post(f"/v1/conversations/{conversation}/messages", json={"text": DAMAGED})
    decision = posted.json()["decision"]
    email, password = server.user(Role.SUPERVISOR)

    sign_in(page, server, email=email, password=password, at="/console/decisions")
    assert page.evaluate("typeof htmx") == "object", "the vendored htmx did not load"
    page.get_by_label("Decision or conversation id").fill(conversation)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="routing").click()

    expect(page).to_have_url(f"{server.url}/console/decisions/{decision['id']}")
    reasons = page.locator("ol.reasons")
    for reason in decision["reasons"]:
        expect(reasons).to_contain_text(reason["text"])
    expect(page.locator(".facts")).to_contain_text("retail-default@")


def test_that_an_agent_is_refused_the_supervisor_dashboard(server: LiveServer, page: Page) -> None:
    email, password = server.user(Role.AGENT)
    sign_in(page, server, email=email, password=password, at="/console/decisions")
    expect(page.get_by_role("navigation")).not_to_contain_text("Dashboard")

    response = page.goto(f"{server.url}/console/dashboard")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not for your role")
    expect(page.get_by_role("alert")).to_contain_text("The agent role may not open this page")


def test_that_a_wrong_password_shows_the_form_again_with_the_reason(
    server: LiveServer, page: Page
) -> None:
    email, _ = server.user(Role.SUPERVISOR)
    page.goto(f"{server.url}/console/decisions")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("wrong email or password")
    expect(page.get_by_label("Email")).to_have_value(email)
