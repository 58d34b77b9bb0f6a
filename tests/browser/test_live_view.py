"""The supervisors' live view (CONTRACT 6.3) as a hall manager uses it: a call at a counter
shows at once, without polling; the waits count on; a clerk is turned away."""

import os
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import Site, log_in
from tests.support.server import LoketServer

SHOTS = os.environ.get("LOKET_SCREENSHOTS")


def live_page(browser: Browser, server: LoketServer, path: str = "/live/demo") -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{server.url}{path}?lang=en")
    return page


def test_a_call_shows_on_the_live_view_at_once_and_waits_count_on(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    first = site.issue("A")
    site.issue("A")
    page = live_page(browser, live_server)
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if r.url.endswith("/live") else None)
    log_in(page)
    card = page.locator('.live-site[data-site="demo"]')
    expect(card.locator('[data-service="A"] [data-cell="waiting"]')).to_have_text("2")
    expect(card.locator("[data-link]")).to_have_text("Live")
    longest = card.locator('[data-service="A"] [data-cell="longest"]')
    before = longest.inner_text()
    expect(longest).not_to_have_text(before, timeout=3000)  # counted on, no request
    quiet = len(reads)
    page.wait_for_timeout(2500)
    assert len(reads) == quiet, "the page read the live view again with nothing happening"

    site.counter("call-next", "1")
    counter = card.locator('[data-counter="1"]')
    expect(counter.locator('[data-cell="ticket"]')).to_have_text(first["number"])
    expect(card.locator('[data-service="A"] [data-cell="waiting"]')).to_have_text("1")
    expect(counter.locator('[data-cell="serving"]')).to_have_text("00:01", timeout=4000)
    site.counter("done", "1")
    expect(counter.locator('[data-cell="served"]')).to_contain_text("1")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "live-demo.png"), full_page=True)


def test_a_clerk_is_told_the_live_view_is_for_supervisors(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    created = httpx.post(
        f"{live_server.url}/api/v1/users",
        headers=site.auth,
        json={"username": "siti", "password": "front-desk-tea", "role": "staff"},
    )
    created.raise_for_status()
    page = live_page(browser, live_server, "/live")
    log_in(page, "siti", "front-desk-tea")
    expect(page.locator("#supervisor-only")).to_be_visible()
    expect(page.locator(".live-site").first).to_be_hidden()
