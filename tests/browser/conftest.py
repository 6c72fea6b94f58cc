"""The console in a real browser: Debian's headless Chromium, driven by Playwright, against the
live server of the HTTP tests. Playwright never downloads a browser here; `.ci/run` installs
Debian's `chromium`, and without it these tests skip, saying so."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import LiveServer, api, live_server, server

__all__ = ["api", "chromium", "live_server", "page", "server", "sign_in"]

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) in which a script error, anything the
    Content-Security-Policy blocked, an asset that did not load or a server error fails the
    test. Pages (loaded or swapped in by HTMX) may answer 4xx: tests ask for those."""
    context = chromium.new_context()
    tab = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response: Response) -> None:
        page_request = response.request.resource_type in {"document", "xhr", "fetch"}
        if response.status >= (500 if page_request else 400):
            problems.append(f"{response.status} {response.url}")

    tab.on("console", on_console)
    tab.on("response", on_response)
    tab.on("pageerror", lambda error: problems.append(str(error)))

    def on_request_failed(request: Request) -> None:
        # A live stream is cut whenever the page it belongs to is left: not a problem.
        if request.resource_type != "eventsource":
            problems.append(f"failed {request.url}")

    tab.on("requestfailed", on_request_failed)
    yield tab
    context.close()
    assert problems == []


def sign_in(page: Page, server: LiveServer, *, email: str, password: str, at: str) -> None:
    """Open `at`, which sends a stranger to the sign-in form, and sign in there."""
    page.goto(f"{server.url}{at}")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{server.url}{at}")
