"""The clerk's line (CONTRACT 6.5) on the public screens, in headless Chromium against a real
server: the hall display says where a transferred ticket goes next and plays an announced
transfer like a call; a held ticket leaves "now serving", live and after a reload; the
visitor's phone says it is held, that it waits for one counter, and shows the call back."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.pages import Display, Site
from tests.support.server import LoketServer
from tests.support.sitefiles import demo_with

TV = {"width": 1920, "height": 1080}
PHONE = {"width": 375, "height": 812}
MOVED = re.compile(r"\bmoved\b")
SHOTS = (
    Path(os.environ.get("LOKET_SCREENSHOTS", "")) if os.environ.get("LOKET_SCREENSHOTS") else None
)


def shot(page: Page, name: str) -> None:
    """Kept for people to look at when LOKET_SCREENSHOTS names a folder."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def tv(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=TV)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        yield context
    finally:
        context.close()


def serving(display: Display, counter: str) -> Locator:
    return display.page.locator(f'.serving-row[data-counter="{counter}"] .serving-number')


def recent_item(display: Display, ticket: dict) -> Locator:
    return display.page.locator(f'#recent-list .recent-item[data-ref="{ticket["ref"]}"]')


def test_the_display_says_where_a_transferred_ticket_goes(
    tv: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    first, second, third = site.issue("A"), site.issue("A"), site.issue("C")
    display = Display(tv, live_server, "?lang=en")
    site.counter("call-next", "1")
    site.counter("call-next", "2")
    site.counter("call-next", "5")
    expect(serving(display, "1")).to_have_text(first["number"])

    site.transfer("1", counter="5")  # to a desk: counter 5 calls it before its line
    to_desk = recent_item(display, first)
    expect(to_desk).to_have_class(MOVED, timeout=3000)
    expect(to_desk.locator(".recent-counter")).to_contain_text("Counter 5")
    expect(to_desk.locator(".moved-tag")).to_contain_text("Transferred")
    expect(serving(display, "1")).to_have_text("—")  # counter 1 is free

    site.transfer("2", service="B")  # to another service's line
    to_line = recent_item(display, second)
    expect(to_line).to_have_class(MOVED, timeout=3000)
    expect(to_line.locator(".recent-counter")).to_contain_text("Passport")
    # the newest transfer leads the previous calls; the call at counter 5 is the big one
    expect(display.page.locator("#recent-list .recent-item").first).to_have_attribute(
        "data-ref", second["ref"]
    )
    expect(display.page.locator("#current-number")).to_have_text(third["number"])
    display.page.wait_for_timeout(8500)  # the new rows' blinking is over
    shot(display.page, "display-transfers")

    # the newest call itself transferred: the big panel says where it goes now
    site.transfer("5", counter="6")
    expect(display.page.locator("#current-moved")).to_be_visible(timeout=3000)
    expect(display.page.locator("#current-counter")).to_contain_text("Counter 6")
    expect(display.page.locator("#current-recall")).to_be_hidden()
    shot(display.page, "display-transfer-current")

    # counter 5 calls the ticket sent to it: a normal call again, at counter 5
    site.counter("call-next", "5")
    expect(display.page.locator("#current-number")).to_have_text(first["number"])
    expect(display.page.locator("#current-moved")).to_be_hidden()
    expect(display.page.locator("#current-counter")).to_contain_text("Counter 5")
    expect(to_desk).to_have_count(0)  # no longer among the previous calls as a transfer
    expect(serving(display, "5")).to_have_text(first["number"])

    # after a reload (a snapshot) the transfer still shows where its ticket went
    display.page.reload()
    display.expect_online()
    expect(to_line).to_have_class(MOVED)
    expect(to_line.locator(".recent-counter")).to_contain_text("Passport")


def test_a_held_ticket_leaves_now_serving_and_its_call_back_is_a_call(
    display: Display, live_server: LoketServer
) -> None:
    site = Site(live_server)
    ticket = site.issue("B")
    site.counter("call-next", "3")
    expect(serving(display, "3")).to_have_text(ticket["number"], timeout=3000)

    held = site.hold("3")
    assert held["status"] == "held"
    expect(serving(display, "3")).to_have_text("—", timeout=3000)
    expect(display.page.locator(".recent-item.moved")).to_have_count(0)  # no wrong message
    expect(display.page.locator("#current-moved")).to_be_hidden()

    display.page.reload()  # the snapshot: still not served anywhere
    display.expect_online()
    expect(display.page.locator(".serving-number").filter(has_text=ticket["number"])).to_have_count(
        0
    )

    site.call("3", ticket["ref"])  # called back: shown and announced as any call
    expect(serving(display, "3")).to_have_text(ticket["number"], timeout=3000)
    expect(display.page.locator("#current-number")).to_have_text(ticket["number"])
    expect(display.page.locator("#current-counter")).to_contain_text("Counter 3")
    expect(display.page.locator("#current-moved")).to_be_hidden()
    called_back = [c for c in display.calls() if c["ticket"]["ref"] == ticket["ref"]]
    assert called_back and called_back[-1]["from"] == "held"
    display.page.wait_for_function(
        "ref => window.loketAnnounced.includes(ref + '/0')", arg=ticket["ref"], timeout=5000
    )


def test_an_announced_transfer_is_played_like_a_call(browser: Browser, tmp_path: Path) -> None:
    zone = 'timezone = "Asia/Jakarta"'
    (tmp_path / "site.toml").write_text(demo_with((zone, f"{zone}\nannounce_transfers = true")))
    with LoketServer(tmp_path, "--config", str(tmp_path / "site.toml")).running() as server:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        try:
            display = Display(context, server)
            site = Site(server)
            ticket = site.issue("A")
            site.counter("call-next", "1")
            display.expect_played(4)  # the call: chime and three languages
            site.transfer("1", counter="5")
            log = display.expect_played(8)
            (moved,) = [m for m in display.received if m.get("type") == "ticket.transferred"]
            announcement = moved["data"]["announcement"]
            spoken = [(e["kind"], e["lang"], e["url"]) for e in log[4:]]
            assert spoken == [("chime", None, announcement["chime"])] + [
                ("speech", s["lang"], s["url"]) for s in announcement["segments"]
            ]
            key = f"{ticket['ref']}/moved/{moved['seq']}"
            assert {e["key"] for e in log[4:]} == {key}
            assert display.announced() == [f"{ticket['ref']}/0", key]

            # once only: a network drop replays it, and it is not played again
            display.drop()
            display.restore()
            display.page.wait_for_timeout(1500)
            assert display.announced() == [f"{ticket['ref']}/0", key]
            assert len(display.audio()["log"]) == 8
            expect(recent_item(display, ticket)).to_have_count(0)  # the big panel shows it
            expect(display.page.locator("#current-moved")).to_be_visible()
        finally:
            context.close()


def test_the_phone_says_held_then_the_call_back(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = site.issue("A", lang="en")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    status = page.locator("#ticket-status")
    expect(status).to_have_text("You are next", timeout=5000)
    site.counter("call-next", "1")
    expect(page.locator("#call-screen")).to_be_visible(timeout=3000)
    page.locator("#call-ok").click()

    site.hold("1")
    expect(status).to_have_text(
        "On hold at Counter 1: you will be called back there. Please stay nearby.", timeout=3000
    )
    expect(page.locator("#fact-wait")).to_be_hidden()
    expect(page.locator("#ticket-keep-open")).to_be_visible()
    shot(page, "ticket-held-en")

    site.call("1", mine["number"])  # called back by its number
    expect(page.locator("#call-screen")).to_be_visible(timeout=3000)
    expect(page.locator("#call-counter")).to_have_text("Counter 1")
    page.locator("#call-ok").click()
    expect(status).to_have_text("Please go to Counter 1")

    site.counter("no-show", "1")
    expect(status).to_contain_text("you were not there", timeout=3000)
    site.call("2", mine["ref"])  # late, called again: a call like any other
    expect(page.locator("#call-screen")).to_be_visible(timeout=3000)
    expect(page.locator("#call-counter")).to_have_text("Counter 2")
    page.locator("#call-ok").click()

    site.transfer("2", counter="5")
    expect(status).to_have_text("Please wait for Counter 5. You are next", timeout=3000)
    expect(page.locator("#ticket-note")).to_have_text(
        "You were sent on to Counter 5. You keep your number."
    )
    shot(page, "ticket-desk-en")


def test_the_phone_says_which_counter_it_waits_for(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    ahead = site.issue("A")
    mine = site.issue("A", lang="id")
    site.counter("call-next", "1")
    site.transfer("1", counter="5")  # one ticket already waits for counter 5
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    status = page.locator("#ticket-status")
    expect(status).to_have_text("Giliran Anda berikutnya", timeout=5000)

    site.counter("call-next", "2")
    expect(page.locator("#call-screen")).to_be_visible(timeout=3000)
    page.locator("#call-ok").click()
    site.transfer("2", counter="5")
    expect(status).to_have_text(
        "Silakan menunggu panggilan dari Loket 5. Ada 1 orang di depan Anda", timeout=3000
    )
    expect(page.locator("#ticket-note")).to_have_text(
        "Anda dialihkan ke Loket 5. Nomor Anda tetap sama."
    )
    shot(page, "ticket-desk-id")

    site.counter("call-next", "5")  # counter 5 calls its own line first: the one ahead
    assert site.counter("done", "5")["ref"] == ahead["ref"]
    expect(status).to_have_text(
        "Silakan menunggu panggilan dari Loket 5. Giliran Anda berikutnya", timeout=3000
    )

    site.counter("call-next", "5")
    expect(page.locator("#call-screen")).to_be_visible(timeout=3000)
    expect(page.locator("#call-counter")).to_have_text("Loket 5")
    page.locator("#call-ok").click()
    site.hold("5")
    expect(status).to_have_text(
        "Layanan Anda ditunda: Loket 5 akan memanggil Anda kembali. "
        "Mohon tetap berada di dekat sini.",
        timeout=3000,
    )
    shot(page, "ticket-held-id")

    site.call("5", mine["ref"])
    site.transfer("5", service="B")  # to another service's line: it says the new one
    expect(page.locator("#ticket-service")).to_have_text("Paspor", timeout=3000)
    expect(page.locator("#ticket-note")).to_have_text(
        "Anda dialihkan ke layanan Paspor. Nomor Anda tetap sama."
    )
    expect(status).to_have_text("Giliran Anda berikutnya")
