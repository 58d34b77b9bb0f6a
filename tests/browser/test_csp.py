"""Every page under its Content-Security-Policy in headless Chromium: nothing is refused
(no securitypolicyviolation event, no console error) and each page still does its job."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.browser.pages import OFFLINE, Site, log_in
from tests.support.server import LoketServer

# registered before any page script runs; Playwright's init scripts are not subject to CSP
WATCH = """
window.loketViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.loketViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


ANSWERED_4XX = "Failed to load resource: the server responded with a status of 4"


class Watched:
    """A browser context whose pages report every CSP violation and console error."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.errors: list[str] = []
        context.add_init_script(WATCH)

    def page(self, url: str) -> Page:
        page = self.context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror {error}"))
        page.goto(url)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        # a refusal the page expects (401 before the login) is logged too: not a problem
        if message.type == "error" and not message.text.startswith(ANSWERED_4XX):
            self.errors.append(f"console {message.text}")

    def check(self, page: Page) -> None:
        assert page.evaluate("window.loketViolations") == []
        assert self.errors == []
        csp = page.evaluate(
            "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))"
        )
        assert csp and "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        yield Watched(context)
    finally:
        context.close()


def test_the_display_and_kiosk_work_under_the_policy(
    watched: Watched, live_server: LoketServer
) -> None:
    display = watched.page(f"{live_server.url}/display/demo")
    expect(display.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=10000)  # snapshot
    # the layout's variables, set by display.js from data-layout (no style="" allowed)
    counters = display.evaluate(
        "getComputedStyle(document.querySelector('.display')).getPropertyValue('--counters')"
    )
    assert counters.strip() == "6"
    kiosk = watched.page(f"{live_server.url}/kiosk/demo")
    kiosk.locator('[data-service="A"]').click()
    expect(kiosk.locator("#ticket-number")).to_have_text("A001")
    expect(kiosk.locator("#ticket-qr img")).to_be_visible()
    expect(display.locator('[data-waiting="A"]')).to_contain_text("1")
    watched.check(display)
    watched.check(kiosk)


def test_the_counter_and_admin_work_under_the_policy(
    watched: Watched, live_server: LoketServer
) -> None:
    Site(live_server).issue("A")
    counter = watched.page(f"{live_server.url}/counter/demo/1")
    log_in(counter)
    counter.locator("#call-next").click()
    expect(counter.locator("#current-ticket")).to_contain_text("A001")
    admin = watched.page(f"{live_server.url}/admin?lang=en")  # the login cookie is shared
    expect(admin.locator("#users")).to_contain_text("admin", timeout=10000)
    watched.check(counter)
    watched.check(admin)


def test_the_visitor_pages_work_under_the_policy(
    watched: Watched, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = site.issue("A", lang="en")
    index = watched.page(f"{live_server.url}/")
    expect(index.locator('[data-site="demo"]')).to_be_visible()
    page = watched.page(f"{live_server.url}/t/{mine['id']}")
    expect(page.locator("#ticket-status")).to_have_text("You are next", timeout=5000)
    expect(page.locator("#conn-status")).not_to_have_class(OFFLINE)
    site.counter("call-next")
    expect(page.locator("#call-screen")).to_be_visible(timeout=5000)
    printed = watched.page(f"{live_server.url}/t/{mine['id']}?print=1")
    expect(printed.locator("#ticket-qr svg")).to_be_visible()
    for checked in (index, page, printed):
        watched.check(checked)


def test_the_rating_tablet_works_under_the_policy(
    watched: Watched, live_server: LoketServer
) -> None:
    site = Site(live_server)
    tablet = watched.page(f"{live_server.url}/rate/demo/1?lang=en")
    log_in(tablet)
    expect(tablet.locator("#rate-idle")).to_be_visible()
    expect(tablet.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=10000)
    site.issue("A")
    site.counter("call-next")
    site.counter("done")
    expect(tablet.locator("#rate-ask")).to_be_visible()
    # the time bar's length, set by rate.js as a CSS variable (no style="" allowed)
    left = tablet.evaluate(
        "getComputedStyle(document.getElementById('rate-time-bar')).getPropertyValue('--left')"
    )
    assert left.strip().endswith("ms") and int(left.strip()[:-2]) > 55000
    watched.check(tablet)
