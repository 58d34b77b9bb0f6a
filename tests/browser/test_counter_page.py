"""The counter page as a clerk uses it: what the big button will do, a no-show asked twice,
how long the visitor has been served, priority visitors, and a counter that is not theirs."""

import os
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import Site, log_in
from tests.support.server import LoketServer

# Screenshots for people to look at; kept when LOKET_SCREENSHOTS names a folder.
SHOTS = os.environ.get("LOKET_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def issue(server: LoketServer, service: str, priority: bool = False) -> str:
    answer = httpx.post(
        f"{server.url}/api/v1/sites/demo/tickets", json={"service": service, "priority": priority}
    )
    answer.raise_for_status()
    return str(answer.json()["ticket"]["number"])


def waiting(server: LoketServer, service: str) -> int:
    state = httpx.get(f"{server.url}/api/v1/sites/demo/state").json()
    return int(state["data"]["waiting"][service])


def test_the_clerk_sees_what_call_next_does_and_confirms_a_no_show(
    browser: Browser, live_server: LoketServer
) -> None:
    plain = issue(live_server, "A")
    urgent = issue(live_server, "A", priority=True)
    later = issue(live_server, "A")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/counter/demo/1?lang=en")
    log_in(page)
    call_next = page.locator("#call-next")
    expect(call_next).to_contain_text("Call next", use_inner_text=True)
    expect(call_next).not_to_contain_text("Done", use_inner_text=True)

    page.keyboard.press("Space")  # priority first
    expect(page.locator("#current-ticket")).to_have_text(urgent)
    expect(page.locator("#current-priority")).to_be_visible()
    expect(page.locator("#current-priority")).to_have_text("Priority")
    # with a visitor at the desk the big button says it closes them first
    expect(call_next).to_contain_text("Done & call next", use_inner_text=True)
    expect(page.locator("#current-timer")).to_have_text(re.compile(r"^Served for 00:0\d$"))
    expect(page.locator("#current-timer")).to_have_text(
        re.compile(r"^Served for 00:0[2-9]$"), timeout=6000
    )
    shot(page, "counter-serving-priority")

    # N once only asks; Escape takes it back; nothing is closed
    page.keyboard.press("KeyN")
    note = page.locator("#no-show-confirm")
    expect(note).to_contain_text(f"{urgent} did not come?")
    expect(page.locator("#no-show")).to_contain_text("Confirm no-show", use_inner_text=True)
    shot(page, "counter-no-show-asked")
    page.keyboard.press("Escape")
    expect(note).to_be_empty()
    expect(page.locator("#current-ticket")).to_have_text(urgent)
    page.keyboard.press("KeyN")
    page.keyboard.press("KeyN")
    expect(page.locator("#counter-message")).to_have_text(f"{urgent} did not come.")
    expect(page.locator("#current-ticket")).to_have_text("—")
    expect(page.locator("#current-timer")).to_be_hidden()
    expect(call_next).not_to_contain_text("Done", use_inner_text=True)

    # by mouse: one click asks, a second click closes; another action cancels the question
    call_next.click()
    expect(page.locator("#current-ticket")).to_have_text(plain)
    expect(page.locator("#current-priority")).to_be_hidden()
    page.locator("#no-show").click()
    expect(note).to_contain_text(f"{plain} did not come?")
    page.locator("#recall").click()
    expect(note).to_be_empty()
    expect(page.locator("#counter-message")).to_have_text(f"Called {plain} again.")
    page.locator("#no-show").click()
    page.locator("#no-show").click()
    expect(page.locator("#counter-message")).to_have_text(f"{plain} did not come.")
    assert waiting(live_server, "A") == 1  # only the later ticket is left
    assert later


def test_a_clerk_at_a_counter_not_theirs_gets_links_to_their_own(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    answer = httpx.post(
        f"{live_server.url}/api/v1/users",
        headers=site.auth,
        json={
            "username": "dewi",
            "password": "counter-three-tea",
            "role": "staff",
            "counters": ["demo/3"],
        },
    )
    answer.raise_for_status()
    issue(live_server, "A")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/counter/demo/1?lang=en")
    log_in(page, "dewi", "counter-three-tea")
    box = page.locator("#not-assigned")
    expect(box).to_be_visible()
    expect(box).to_contain_text("You are not assigned to this counter")
    for button in page.locator("#counter-actions [data-action]").all():
        expect(button).to_be_disabled()
    page.keyboard.press("Space")  # the shortcut does nothing either
    page.wait_for_timeout(700)
    assert waiting(live_server, "A") == 1
    shot(page, "counter-not-assigned")

    box.get_by_role("link", name="Counter 3").click()
    expect(page).to_have_url(re.compile(r"/counter/demo/3\?lang=en$"))
    if page.locator("#login-view").is_visible():
        log_in(page, "dewi", "counter-three-tea")
    expect(page.locator("#not-assigned")).to_be_hidden()
    expect(page.locator("#call-next")).to_be_enabled()


@pytest.mark.parametrize(("width", "height"), [(375, 740), (1280, 720), (1366, 768)])
def test_the_counter_page_fits_with_the_longest_labels(
    browser: Browser, live_server: LoketServer, width: int, height: int
) -> None:
    """Russian has the longest labels ("Готово и вызвать следующего"): the page does not
    scroll sideways, and on a desk screen the buttons stay on the screen."""
    issue(live_server, "A", priority=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{live_server.url}/counter/demo/1?lang=ru")
    log_in(page)
    page.locator("#call-next").click()
    expect(page.locator("#current-priority")).to_be_visible()
    expect(page.locator("#no-show")).to_be_enabled()
    page.keyboard.press("KeyN")
    expect(page.locator("#no-show-confirm")).not_to_be_empty()
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    shot(page, f"counter-ru-{width}x{height}")
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= width
    if width > 1000:
        assert size[1] <= height
    for key in page.locator("#call-next kbd").all():  # each key's hint whole in its box
        assert key.evaluate("k => k.scrollWidth <= k.clientWidth + 1")
