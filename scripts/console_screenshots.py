"""Take the README's screenshots of the console from a running demo (`make demo`).

    .venv/bin/python scripts/console_screenshots.py --url http://127.0.0.1:8000 \
        --supervisor EMAIL:PASSWORD --agent EMAIL:PASSWORD

The credentials are the demo accounts `make demo` prints. The agent is set available, so the demo
floor gives them work, and their first conversation is shown with its suggestions. Images go to
`docs/screenshots/`. Needs Debian's `chromium` (Playwright drives it; it downloads nothing).
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1360, "height": 900}


def sign_in(page: Page, url: str, credentials: str) -> None:
    email, _, password = credentials.partition(":")
    page.goto(f"{url}/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile("sign-in"))


def shoot(page: Page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"{name}.png", full_page=False)
    print(f"wrote {OUT / name}.png")


def supervisor_pages(page: Page, url: str) -> None:
    page.goto(f"{url}/console/dashboard")
    shoot(page, "dashboard")
    page.goto(f"{url}/console/qa")
    shoot(page, "qa")
    scored = page.locator("a[href^='/console/qa/conv_']").first
    if scored.count():
        scored.click()
        shoot(page, "qa-conversation")
    page.goto(f"{url}/console/policies")
    shoot(page, "policies")


def agent_pages(page: Page, url: str) -> str | None:
    page.goto(f"{url}/console/workspace")
    page.get_by_label("My status").select_option("available")
    page.get_by_role("button", name="Set").click()
    shoot(page, "workspace")
    mine = page.locator("#desk a[href^='/console/workspace/conv_']").first
    if not mine.count():
        return None
    mine.click()
    expect(page.locator(".suggestion").first).to_be_visible(timeout=15_000)
    shoot(page, "workspace-conversation")
    return page.url.rsplit("/", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--supervisor", required=True, help="EMAIL:PASSWORD")
    parser.add_argument("--agent", required=True, help="EMAIL:PASSWORD")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(f"{args.url}/console/sign-in")
        shoot(page, "sign-in")
        sign_in(page, args.url, args.agent)
        conversation = agent_pages(page, args.url)
        if conversation is not None:
            page.goto(f"{args.url}/console/decisions?q={conversation}")
            shoot(page, "decisions")
        page = browser.new_context(viewport=VIEWPORT).new_page()
        sign_in(page, args.url, args.supervisor)
        supervisor_pages(page, args.url)
        page.goto(f"{args.url}/widget/demo")
        shoot(page, "widget")
        browser.close()


if __name__ == "__main__":
    main()
