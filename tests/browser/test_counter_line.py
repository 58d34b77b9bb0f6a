"""The clerk's line on the counter page (CONTRACT 6.5) as a clerk uses it: who waits in
which order, live; calling a given ticket by a click or by its number; hold and call back;
transfer to another counter, whose page then shows the visitor first."""

import os
import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import Display, Site, log_in
from tests.support.real_hall import SERVICES, SITE_ID, real_hall_site
from tests.support.server import ADMIN_PASSWORD, LoketServer

SHOTS = os.environ.get("LOKET_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def issue(site: Site, service: str = "A", priority: bool = False) -> str:
    answer = httpx.post(f"{site.base}/tickets", json={"service": service, "priority": priority})
    answer.raise_for_status()
    return str(answer.json()["ticket"]["number"])


def act(site: Site, counter: str, action: str, body: dict | None = None) -> dict:
    answer = httpx.post(
        f"{site.base}/counters/{counter}/{action}", headers=site.auth, json=body or {}
    )
    answer.raise_for_status()
    return dict(answer.json())


def counter_page(browser: Browser, server: LoketServer, counter: str = "1") -> Page:
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{server.url}/counter/demo/{counter}?lang=en")
    log_in(page)
    expect(page.locator("#call-next")).to_be_focused()
    return page


def line_numbers(page: Page) -> list[str]:
    return page.locator("#line .line-number").all_inner_texts()


def expect_line(page: Page, numbers: list[str]) -> None:
    expect(page.locator("#line .line-number")).to_have_text(numbers)


def test_the_line_puts_a_desk_transfer_and_priority_first_and_follows_the_hall_live(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    first, second = issue(site), issue(site)
    urgent = issue(site, priority=True)
    passport = issue(site, "B")
    act(site, "3", "call-next")  # counter 3 serves the passport visitor, then sends them here
    act(site, "3", "transfer", {"counter": "1"})
    page = counter_page(browser, live_server)
    queue_reads: list[str] = []
    page.on("request", lambda r: queue_reads.append(r.url) if r.url.endswith("/queue") else None)

    expect_line(page, [passport, urgent, first, second])
    rows = page.locator("#line .line-row")
    expect(rows.nth(0)).to_contain_text("Sent here")
    expect(rows.nth(0)).to_contain_text("Passport")
    expect(rows.nth(1)).to_contain_text("Priority")
    expect(rows.nth(2)).not_to_contain_text("Priority")
    expect(page.locator("#line-count")).to_have_text("4 waiting")
    # the wait so far ticks on without any request
    waited = rows.nth(2).locator(".line-waited")
    expect(waited).to_have_text(re.compile(r"^waiting 00:0\d$"))
    before = waited.inner_text()
    expect(waited).not_to_have_text(before, timeout=3000)

    # a kiosk issues a ticket: it joins the end of the line, without a reload; the rows
    # already there stay the same elements, and a focused row keeps the focus
    marker = page.evaluate("() => (window.loketMarker = 'same page')")
    page.get_by_role("button", name=f"Call {second}", exact=True).focus()
    page.evaluate(
        "n => { for (const r of document.querySelectorAll('#line .line-row')) r.kept = n; }",
        "kept",
    )
    later = issue(site)
    expect_line(page, [passport, urgent, first, second, later])
    expect(page.locator("#line-count")).to_have_text("5 waiting")
    kept = page.evaluate("() => [...document.querySelectorAll('#line .line-row')].map(r => r.kept)")
    assert kept == ["kept", "kept", "kept", "kept", None]
    expect(page.get_by_role("button", name=f"Call {second}", exact=True)).to_be_focused()
    # a ticket of a service this counter does not call changes nothing here
    reads = len(queue_reads)
    issue(site, "C")
    page.wait_for_timeout(1500)
    assert len(queue_reads) == reads, "no reading without a change, and no polling"
    # another counter calls from the same line: the ticket leaves this line too
    act(site, "2", "call-next")
    expect_line(page, [passport, first, second, later])
    expect(page.get_by_role("button", name=f"Call {second}", exact=True)).to_be_focused()
    assert page.evaluate("() => window.loketMarker") == marker
    shot(page, "counter-line-1366x768")


def test_a_clerk_calls_a_ticket_by_a_click_or_by_its_number(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    numbers = [issue(site) for _ in range(4)]
    page = counter_page(browser, live_server)
    expect_line(page, numbers)

    page.get_by_role("button", name=f"Call {numbers[2]}", exact=True).click()
    expect(page.locator("#current-ticket")).to_have_text(numbers[2])
    expect(page.locator("#counter-message")).to_have_text(f"Called {numbers[2]}.")
    expect_line(page, [numbers[0], numbers[1], numbers[3]])

    # C puts the cursor in the number field; Enter calls (the current one is done first)
    expect(page.locator("#recall")).to_be_enabled()  # the buttons are back after a press
    page.keyboard.press("KeyC")
    field = page.locator("#call-number")
    expect(field).to_be_focused()
    page.keyboard.type(numbers[3].lower())
    page.keyboard.press("Enter")
    expect(page.locator("#current-ticket")).to_have_text(numbers[3])
    expect(field).to_have_value("")
    expect_line(page, numbers[:2])

    # a ticket that is done cannot be called again: the clerk is told so, nothing changes
    expect(page.locator("#recall")).to_be_enabled()
    field.fill(numbers[2])
    field.press("Enter")
    refusal = (
        f"{numbers[2]} cannot be called here: it is not waiting, not on hold at this "
        "counter, and not a no-show of today."
    )
    expect(page.locator("#call-number-error")).to_have_text(refusal)
    expect(page.locator("#counter-message")).to_have_text(refusal)
    expect(page.locator("#current-ticket")).to_have_text(numbers[3])
    expect(field).to_have_value(numbers[2])
    shot(page, "counter-not-callable")

    # a no-show of today who comes back late is called by their number
    page.keyboard.press("Escape")  # leaves the field
    expect(page.locator("#no-show")).to_be_enabled()
    page.keyboard.press("KeyN")
    page.keyboard.press("KeyN")
    expect(page.locator("#current-ticket")).to_have_text("—")
    expect(page.locator("#call-next")).to_be_enabled()
    field.fill(numbers[3])
    field.press("Enter")
    expect(page.locator("#current-ticket")).to_have_text(numbers[3])


def test_hold_sets_a_visitor_aside_and_a_click_calls_them_back(
    browser: Browser, live_server: LoketServer, display: Display
) -> None:
    site = Site(live_server)
    first, second = issue(site), issue(site)
    page = counter_page(browser, live_server)
    serving = display.page.locator('.serving-row[data-counter="1"] .serving-number')
    held = page.locator("#held")
    expect(page.locator("#held-empty")).to_be_visible()

    page.keyboard.press("Space")
    expect(page.locator("#current-ticket")).to_have_text(first)
    expect(page.locator("#hold")).to_be_enabled()
    expect(serving).to_have_text(first)
    page.keyboard.press("KeyH")
    expect(page.locator("#current-ticket")).to_have_text("—")
    expect(serving).to_have_text("—")  # the hall display serves nobody there either
    expect(held.locator(".line-number")).to_have_text([first])
    expect(page.locator("#held-empty")).to_be_hidden()
    expect(page.locator("#counter-message")).to_contain_text(f"{first} is on hold.")
    expect_line(page, [second])
    state = httpx.get(f"{site.base}/state").json()["data"]
    assert state["held"] == {"1": 1}

    expect(page.locator("#call-next")).to_be_enabled()
    page.keyboard.press("Space")  # call-next skips the held one
    expect(page.locator("#current-ticket")).to_have_text(second)
    expect(page.locator("#hold")).to_be_enabled()
    page.get_by_role("button", name=f"Call {first} back").click()
    expect(page.locator("#current-ticket")).to_have_text(first)
    expect(held.locator(".line-row")).to_have_count(0)
    expect(page.locator("#held-empty")).to_be_visible()
    assert httpx.get(f"{site.base}/state").json()["data"]["waiting"]["A"] == 0


def test_a_transfer_to_another_counter_puts_the_visitor_first_on_its_page(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    first, second, third = issue(site), issue(site), issue(site)
    page = counter_page(browser, live_server)
    page.keyboard.press("Space")
    expect(page.locator("#current-ticket")).to_have_text(first)
    expect(page.locator("#transfer")).to_be_enabled()

    # T opens the dialog on its first field; Escape cancels and gives the focus back
    dialog = page.locator("#transfer-dialog")
    page.keyboard.press("KeyT")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Transfer {first}")
    expect(page.locator("#transfer-to")).to_be_focused()
    counters = page.locator("#transfer-to optgroup").nth(1).locator("option").all_inner_texts()
    assert counters == [f"Counter {n}" for n in range(2, 7)]
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#call-next")).to_be_focused()
    expect(page.locator("#current-ticket")).to_have_text(first)

    # to service A's head: the visitor's own service, so only "at the head" is offered
    page.keyboard.press("KeyT")
    page.locator("#transfer-to").select_option("service:A")
    expect(page.get_by_label("At the back (by issue time and priority)")).to_be_disabled()
    expect(page.get_by_label("At the head: called next")).to_be_checked()
    # to a counter: no place in a service's line to choose
    page.locator("#transfer-to").select_option(label="Counter 2")
    expect(page.get_by_label("At the head: called next")).to_be_disabled()
    shot(page, "counter-transfer-dialog")
    page.keyboard.press("Tab")  # past Cancel (the place is off for a counter) to Transfer
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Transfer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#counter-message")).to_have_text(f"{first} now waits for Counter 2.")
    expect(page.locator("#current-ticket")).to_have_text("—")
    expect_line(page, [second, third])  # not in this counter's line any more

    other = page.context.new_page()  # the same browser: the session is the same
    other.goto(f"{live_server.url}/counter/demo/2?lang=en")
    if other.locator("#login-view").is_visible():
        log_in(other)
    expect_line(other, [first, second, third])
    expect(other.locator("#line .line-row").first).to_contain_text("Sent here")
    other.keyboard.press("Space")
    expect(other.locator("#current-ticket")).to_have_text(first)

    # the head of a service's line, from the dialog: the next call takes them
    expect(page.locator("#call-next")).to_be_enabled()
    page.keyboard.press("Space")
    expect(page.locator("#current-ticket")).to_have_text(second)
    expect(page.locator("#transfer")).to_be_enabled()
    page.keyboard.press("KeyT")
    page.locator("#transfer-to").select_option("service:A")
    dialog.get_by_role("button", name="Transfer").click()
    expect(page.locator("#counter-message")).to_have_text(
        f"{second} is now first in line for Electronic ID card."
    )
    expect_line(page, [second, third])
    expect(page.locator("#line .line-row").first).to_contain_text("Moved up")


def busy_hall(folder: Path, waiting: int) -> tuple[LoketServer, str]:
    """The real hall's site (long agency names) with `waiting` tickets for counter 1's service,
    a few of them priority, one on hold and one sent to the desk from another counter."""
    config = folder / "hall.toml"
    config.write_text(real_hall_site(counters=12, services=12), encoding="utf-8")
    server = LoketServer(folder, "--config", str(config)).start()
    base = f"{server.url}/api/v1/sites/{SITE_ID}"
    prefix = SERVICES[0][0]
    with httpx.Client(base_url=base) as http:
        token = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"username": "admin", "password": ADMIN_PASSWORD},
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        for n in range(waiting):
            body = {"service": prefix, "priority": n % 9 == 4}
            http.post("/tickets", json=body).raise_for_status()
        http.post("/counters/1/call-next", headers=auth).raise_for_status()
        http.post("/counters/1/hold", headers=auth).raise_for_status()
        http.post("/counters/1/call-next", headers=auth).raise_for_status()
        http.post("/tickets", json={"service": SERVICES[2][0]}).raise_for_status()
        http.post("/counters/3/call-next", headers=auth).raise_for_status()
        http.post("/counters/3/transfer", headers=auth, json={"counter": "1"}).raise_for_status()
    return server, prefix


def test_a_long_line_with_long_names_fits_a_desk_screen_and_a_tablet(
    browser: Browser, tmp_path: Path
) -> None:
    server, _ = busy_hall(tmp_path, waiting=40)
    try:
        for lang in ("en", "ru"):
            for width, height in ((1366, 768), (768, 1024)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{server.url}/counter/{SITE_ID}/1?lang={lang}")
                log_in(page)
                expect(page.locator("#line .line-row")).to_have_count(39)
                expect(page.locator("#held .line-row")).to_have_count(1)
                page.wait_for_function("() => document.fonts.status === 'loaded'")
                shot(page, f"counter-line-{lang}-{width}x{height}")
                size = page.evaluate(
                    "() => [document.documentElement.scrollWidth,"
                    " document.documentElement.scrollHeight]"
                )
                assert size[0] <= width
                if width > 1000:
                    assert size[1] <= height, "the line scrolls in its box, not the page"
                # every row's number and call button are whole inside the line's box
                cut = page.evaluate(
                    """() => {
                      const box = document.getElementById("line").getBoundingClientRect();
                      return [...document.querySelectorAll("#line .line-row")].filter((row) => {
                        const parts = [row.querySelector(".line-number"),
                                       row.querySelector(".line-call")];
                        return parts.some((p) => {
                          const r = p.getBoundingClientRect();
                          return r.left < box.left - 1 || r.right > box.right + 1
                            || p.scrollWidth > p.clientWidth + 1;
                        });
                      }).map((row) => row.dataset.ref);
                    }"""
                )
                assert cut == []
                page.close()
    finally:
        server.stop()
