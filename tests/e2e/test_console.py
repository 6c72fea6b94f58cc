"""The console over HTTP: signing in and out, sessions, CSRF, roles, and the decision explorer."""

import re
from collections.abc import Iterator

import httpx
import pytest

from cxops.domain.access import Role
from cxops.governance.api_keys import revoke_key
from tests.e2e.conftest import LiveServer

DAMAGED = "The lamp I got arrived broken, the glass shade is shattered."


@pytest.fixture
def browser(server: LiveServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client that does not follow redirects, as a browser's first hop."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def sign_in(browser: httpx.Client, next: str = "", **credentials: str) -> httpx.Response:
    form = browser.get("/console/sign-in")
    return browser.post(
        "/console/sign-in", data={"csrf_token": csrf_token(form), "next": next, **credentials}
    )


def test_that_the_root_leads_to_the_console_and_the_api_docs_stay_reachable(
    browser: httpx.Client,
) -> None:
    assert browser.get("/").headers["location"] == "/console/"
    assert browser.get("/console/").headers["location"].startswith("/console/sign-in")
    assert browser.get("/docs").status_code == 200
    assert 'href="/docs"' in browser.get("/console/sign-in").text


def test_that_a_stranger_is_sent_to_sign_in_and_then_back_where_they_were_going(
    server: LiveServer, browser: httpx.Client
) -> None:
    refused = browser.get("/console/decisions", params={"q": "conv_1"})
    assert refused.status_code == 303
    assert refused.headers["location"] == (
        "/console/sign-in?next=%2Fconsole%2Fdecisions%3Fq%3Dconv_1"
    )

    email, password = server.user(Role.SUPERVISOR)
    signed = sign_in(browser, "/console/decisions?q=conv_1", email=email, password=password)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/console/decisions?q=conv_1"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/v1/customers"])
def test_that_sign_in_never_sends_anyone_off_the_console(
    server: LiveServer, browser: httpx.Client, target: str
) -> None:
    email, password = server.user(Role.AGENT)
    signed = sign_in(browser, target, email=email, password=password)
    assert signed.headers["location"] == "/console/"


def test_that_a_user_signs_in_with_their_password_and_out_again(
    server: LiveServer, browser: httpx.Client
) -> None:
    email, password = server.user(Role.SUPERVISOR)
    signed = sign_in(browser, email=email.upper(), password=password)
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/console" in cookie

    home = browser.get("/console/")
    assert home.headers["location"] == "/console/dashboard"
    dashboard = browser.get("/console/dashboard")
    assert dashboard.status_code == 200
    assert "Test Supervisor" in dashboard.text
    assert "Returns &amp; Refunds" in dashboard.text

    out = browser.post("/console/sign-out", data={"csrf_token": csrf_token(dashboard)})
    assert out.status_code == 303
    assert out.headers["location"] == "/console/sign-in"
    assert browser.get("/console/dashboard").status_code == 303


def test_that_a_wrong_password_gets_the_form_again_and_no_session(
    server: LiveServer, browser: httpx.Client
) -> None:
    email, _ = server.user(Role.SUPERVISOR)
    refused = sign_in(browser, email=email, password="not the password")
    assert refused.status_code == 401
    assert "wrong email or password" in refused.text
    assert f'value="{email}"' in refused.text
    assert browser.get("/console/dashboard").status_code == 303


def test_that_an_api_key_signs_in_with_its_role_until_it_is_revoked(
    server: LiveServer, browser: httpx.Client
) -> None:
    token = server.key(Role.AUDITOR)
    assert sign_in(browser, api_key=token).status_code == 303
    page = browser.get("/console/decisions")
    assert page.status_code == 200
    assert "(auditor)" in page.text

    with server.container.uow() as uow:
        revoke_key(uow, clock=server.container.clock, prefix=token.split("_")[1])
        uow.commit()
    assert browser.get("/console/decisions").status_code == 303


def test_that_a_form_without_its_csrf_token_is_refused_and_does_nothing(
    server: LiveServer, browser: httpx.Client
) -> None:
    email, password = server.user(Role.SUPERVISOR)
    browser.get("/console/sign-in")
    forged = browser.post("/console/sign-in", data={"email": email, "password": password})
    assert forged.status_code == 403
    assert "Nothing was done" in forged.text
    assert browser.get("/console/dashboard").status_code == 303

    assert sign_in(browser, email=email, password=password).status_code == 303
    refused = browser.post("/console/sign-out", data={"csrf_token": "guessed"})
    assert refused.status_code == 403
    assert "Form expired" in refused.text
    assert browser.get("/console/dashboard").status_code == 200


def test_that_the_token_from_before_sign_in_no_longer_works_after_it(
    server: LiveServer, browser: httpx.Client
) -> None:
    email, password = server.user(Role.AGENT)
    before = csrf_token(browser.get("/console/sign-in"))
    browser.post(
        "/console/sign-in", data={"csrf_token": before, "email": email, "password": password}
    )
    assert browser.post("/console/sign-out", data={"csrf_token": before}).status_code == 403


def test_that_an_agent_cannot_open_the_supervisor_dashboard(
    server: LiveServer, browser: httpx.Client
) -> None:
    email, password = server.user(Role.AGENT)
    sign_in(browser, email=email, password=password)
    assert browser.get("/console/").headers["location"] == "/console/workspace"

    refused = browser.get("/console/dashboard")
    assert refused.status_code == 403
    assert "The agent role may not open this page" in refused.text
    decisions = browser.get("/console/decisions")
    assert decisions.status_code == 200
    assert 'href="/console/dashboard"' not in decisions.text


def test_that_the_decision_explorer_explains_a_conversations_routing(
    server: LiveServer, api: httpx.Client, browser: httpx.Client
) -> None:
    conversation = api.post("/v1/conversations", json={"channel": "chat"}).json()["id"]
    posted = api.post(f"/v1/conversations/{conversation}/messages", json={"text": DAMAGED})
    decision = posted.json()["decision"]
    email, password = server.user(Role.SUPERVISOR)
    sign_in(browser, email=email, password=password)

    listed = browser.get("/console/decisions", params={"q": conversation})
    assert listed.status_code == 200
    assert f'href="/console/decisions/{decision["id"]}"' in listed.text

    detail = browser.get(f"/console/decisions/{decision['id']}")
    assert detail.status_code == 200
    for reason in decision["reasons"]:
        assert reason["code"] in detail.text
    explained = api.get(f"/v1/decisions/{decision['id']}").json()
    assert explained["policy_version"] in detail.text
    assert explained["model_version"] in detail.text
    assert "damaged_item" in detail.text
    assert browser.get("/console/decisions", params={"q": decision["id"]}).text == detail.text


def test_that_pages_escape_what_they_show_and_forbid_inline_scripts(
    server: LiveServer, browser: httpx.Client
) -> None:
    email, password = server.user(Role.SUPERVISOR)
    sign_in(browser, email=email, password=password)
    page = browser.get("/console/decisions", params={"q": "<script>alert(1)</script>"})
    assert page.status_code == 404
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_that_the_console_assets_are_served_from_the_app(browser: httpx.Client) -> None:
    page = browser.get("/console/sign-in").text
    for asset in re.findall(r'(?:src|href)="(/console/static/[^"?]+)', page):
        assert browser.get(asset).status_code == 200
    assert "htmx.min.js" in page
    assert "//" not in re.sub(r"https?://www\.w3\.org", "", page.split("<body")[0])
