"""The calling loop as a person sees it, in headless Chromium."""

import re

from playwright.sync_api import Browser, expect

from tests.browser.pages import log_in
from tests.support.server import LoketServer

OFFLINE = re.compile(r"\boffline\b")


def test_kiosk_counter_and_display(browser: Browser, live_server: LoketServer) -> None:
    base = live_server.url
    display = browser.new_page(viewport={"width": 1920, "height": 1080})
    display.goto(f"{base}/display/demo")
    expect(display.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=5000)

    kiosk = browser.new_page(viewport={"width": 1280, "height": 720})
    kiosk.goto(f"{base}/kiosk/demo")
    kiosk.locator('[data-service="A"]').click()
    expect(kiosk.locator("#ticket-number")).to_have_text("A001")
    expect(display.locator('[data-waiting="A"]')).to_contain_text("1")

    counter = browser.new_page(viewport={"width": 1280, "height": 720})
    counter.goto(f"{base}/counter/demo/1")
    log_in(counter)
    call_next = counter.locator("#call-next")
    expect(call_next).to_be_enabled()

    call_next.click()
    # pushed, not polled (how fast is for bench/fanout.py: a loaded machine here may take
    # a second to paint)
    expect(display.locator("#current-number")).to_have_text("A001", timeout=3000)
    expect(display.locator("#current-counter")).to_contain_text("1")
    expect(counter.locator("#current-ticket")).to_contain_text("A001")
    expect(display.locator('[data-waiting="A"]')).to_contain_text("0")


def test_a_double_click_calls_only_once(browser: Browser, live_server: LoketServer) -> None:
    base = live_server.url
    page = browser.new_page()
    for _ in range(2):
        page.request.post(f"{base}/api/v1/sites/demo/tickets", data={"service": "A"})
    page.goto(f"{base}/counter/demo/2")
    log_in(page)
    page.locator("#call-next").dblclick()
    expect(page.locator("#current-ticket")).to_contain_text("A001")
    page.wait_for_timeout(500)
    state = page.request.get(f"{base}/api/v1/sites/demo/state").json()
    assert state["data"]["waiting"]["A"] == 1  # A002 still waits


def test_the_kiosk_issues_a_priority_ticket_by_keyboard(
    browser: Browser, live_server: LoketServer
) -> None:
    kiosk = browser.new_page(viewport={"width": 1280, "height": 720})
    kiosk.goto(f"{live_server.url}/kiosk/demo?lang=az")
    assert kiosk.locator("html").get_attribute("lang") == "az"
    kiosk.locator("#priority").focus()
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#priority")).to_have_attribute("aria-pressed", "true")
    kiosk.locator('[data-service="B"]').focus()
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#ticket-number")).to_have_text("B001")
    state = kiosk.request.get(f"{live_server.url}/api/v1/sites/demo/state").json()
    assert state["data"]["waiting"]["B"] == 1
    ticket_id = kiosk.evaluate(
        "() => (document.body.innerText.match(/\\/t\\/([A-Za-z0-9_-]+)/) || [])[1]"
    )
    assert ticket_id, "the ticket shows the address to follow it"
    ticket = kiosk.request.get(f"{live_server.url}/api/v1/tickets/{ticket_id}").json()["ticket"]
    assert ticket["priority"] is True and ticket["lang"] == "az"
