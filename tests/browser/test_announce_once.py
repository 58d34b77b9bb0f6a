"""A hall display announces every call exactly once, also across a network drop, and reports
itself to the display registry with a `hello`.

`window.loketAnnounced` (static/js/announce.js) lists "ticketId/recall" in the order the
display queued announcements; `window.loketSocket` is its LiveSocket. Playwright's offline
mode blocks new connections but leaves an open WebSocket alone, so a drop is made by going
offline and closing the socket from the page: the display then goes through its ordinary
reconnect (backoff, `online` event, snapshot, resume with replayed events).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pages import Display, Site
from tests.support.server import LoketServer
from tests.support.waiting import wait_until


def first_of_two_called(display: Display, server: LoketServer) -> tuple[Site, str, str]:
    """Two tickets issued, the first called, shown and announced: the site, the two refs."""
    site = Site(server)
    first = site.issue()["ref"]
    second = site.issue()["ref"]
    site.counter("call-next")
    expect(display.page.locator("#current-number")).to_have_text("A001")
    display.expect_announced([f"{first}/0"])
    return site, first, second


def test_each_call_is_announced_once_across_a_network_drop(
    display: Display, live_server: LoketServer
) -> None:
    site, first, second = first_of_two_called(display, live_server)

    site.counter("recall")
    display.expect_announced([f"{first}/0", f"{first}/1"])

    display.drop()
    site.counter("call-next")  # A002, while the display cannot hear it
    display.page.wait_for_timeout(1000)
    assert display.page.evaluate("window.loketSocket.connected") is False
    display.restore()

    expect(display.page.locator("#current-number")).to_have_text("A002")
    display.expect_announced([f"{first}/0", f"{first}/1", f"{second}/0"])
    assert display.replayed_calls() == [f"{second}/0"]  # it came by the resume, not live

    # Another drop, and this time the resume starts further back (as after a gap), so every
    # call is replayed again: all of them were handled already, none is news.
    display.drop()
    display.page.evaluate("window.loketSocket.seq = 0")
    display.restore()
    display.page.wait_for_function("n => window.loketSocket.seq >= n", arg=site.seq(), timeout=5000)
    display.page.wait_for_timeout(1000)  # let the replayed events arrive and be judged
    assert display.replayed_calls() == [f"{second}/0", f"{first}/0", f"{first}/1", f"{second}/0"]
    assert display.announced() == [f"{first}/0", f"{first}/1", f"{second}/0"]
    assert display.page.evaluate("window.loketMarker") == "not reloaded"


def test_a_call_missed_long_ago_is_shown_but_not_announced(
    display: Display, live_server: LoketServer
) -> None:
    site, first, second = first_of_two_called(display, live_server)

    display.drop()
    site.counter("call-next")
    # Pretend the outage lasted two minutes: the display's estimate of the server clock runs
    # ahead (and pongs may not correct it), so the replayed call is older than 60 s.
    display.page.evaluate(
        "() => { const s = window.loketSocket; s.clock = () => {}; s.offset += 120000; }"
    )
    display.restore()

    expect(display.page.locator("#current-number")).to_have_text("A002")
    display.page.wait_for_function("n => window.loketSocket.seq >= n", arg=site.seq(), timeout=5000)
    assert f"{second}/0" in display.replayed_calls()
    display.page.wait_for_timeout(500)
    assert display.announced() == [f"{first}/0"]


def test_the_display_reports_itself_to_the_registry(
    display: Display, live_server: LoketServer
) -> None:
    site = Site(live_server)
    site.issue()
    site.counter("call-next")
    expect(display.page.locator("#current-number")).to_have_text("A001")

    # A reconnect sends a hello right after the snapshot, with the seq it applied.
    display.drop()
    display.restore()
    applied = display.page.evaluate("window.loketSocket.seq")
    assert applied == site.seq()

    answer = site.displays()
    if answer.status_code == 404:
        pytest.fail("GET /api/v1/sites/demo/displays is not there yet (404)")
    answer.raise_for_status()

    def ours() -> list[dict]:
        return [
            d
            for d in site.displays().json()["displays"]
            if d["page"] == "display" and d["connected"] and d["seq"] == applied
        ]

    wait_until(ours, 5, "the registry lists this display, connected at the seq it applied")
    found = ours()
    assert len(found) == 1, site.displays().json()
    entry = found[0]
    assert entry["zone"] is None
    assert entry["screen"] and re.fullmatch(r"\d+x\d+", entry["screen"])
    assert entry["version"] and entry["lang"] == "en"
    assert entry["audio"] in {"running", "suspended", "unsupported"}
    assert entry["stale"] is False

    # The id lives in localStorage: a reload (a TV restarting its browser) keeps it.
    display.page.reload()
    display.expect_online()
    assert display.page.evaluate("localStorage.getItem('loket.display-id.display')") == entry["id"]

    def connected_again() -> bool:
        same = [d for d in site.displays().json()["displays"] if d["id"] == entry["id"]]
        return bool(same) and bool(same[0]["connected"])

    wait_until(connected_again, 5, "the reloaded display is back in the registry, connected")
    assert len([d for d in site.displays().json()["displays"] if d["page"] == "display"]) == 1
