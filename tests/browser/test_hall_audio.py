"""The hall display speaks each call with the Web Audio API (static/js/announce.js, audio.js).

Headless Chromium has no sound card, but its AudioContext runs on a fake output whose clock
advances in real time, so scheduling can be checked: `window.loketAudio.log` lists every clip
scheduled, `{key, kind, lang, url, at, duration}`, with `at` in true epoch ms (the page's
monotonic clock, never Date.now). The server runs on this machine, so its clock is the true
clock too and `start_at` can be compared with `at` directly.
"""

import re
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.pages import Display, Site
from tests.support.server import LoketServer
from tests.support.waiting import wait_until

SPEAKING = re.compile(r"\bspeaking\b")
TOGETHER_MS = 30  # TVs further apart than ~40 ms sound like an echo
VIEWPORT = {"width": 1280, "height": 720}

# A TV whose clock is 4 s fast: the display must not care (it uses the monotonic clock).
SKEWED_DATE_NOW = """
(() => { const real = Date.now; Date.now = () => real() + 4000; })();
"""

# A TV on a slow network: every WebSocket message waits 150 ms each way.
SLOW_SOCKET = """
(() => {
  const DELAY = 150;
  class SlowSocket extends WebSocket {
    send(data) {
      setTimeout(() => this.readyState === WebSocket.OPEN && super.send(data), DELAY);
    }
    set onmessage(handler) {
      super.onmessage = handler && ((event) => setTimeout(() => handler.call(this, event), DELAY));
    }
  }
  window.WebSocket = SlowSocket;
})();
"""


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts made on demand (one per hall TV), closed after the test."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def new_display(
    browser: Browser, made: list[BrowserContext], server: LoketServer, query: str = "", init=""
) -> Display:
    context = browser.new_context(viewport=VIEWPORT)
    made.append(context)
    if init:
        context.add_init_script(init)
    return Display(context, server, query)


def expect_clock_synced(display: Display) -> None:
    """The burst of pings after connecting has been answered."""
    display.page.wait_for_function(
        "() => window.loketSocket.clockSync.samples.length >= 5", timeout=5000
    )


def assert_back_to_back(log: list[dict]) -> None:
    """Each clip starts when the one before ends: no overlap, no gap inside an announcement
    and a gap of at most a few ms between two queued announcements."""
    for before, after in pairwise(log):
        gap = after["at"] - (before["at"] + before["duration"])
        if before["key"] == after["key"]:
            assert abs(gap) < 0.5, (before, after)
        else:
            assert 0 <= gap < 50, (before, after)


def expected_clips(announcement: dict) -> list[tuple]:
    chime = [("chime", None, announcement["chime"])]
    return chime + [("speech", s["lang"], s["url"]) for s in announcement["segments"]]


def clips(log: list[dict]) -> list[tuple]:
    return [(entry["kind"], entry["lang"], entry["url"]) for entry in log]


def test_a_call_is_spoken_chime_first_then_each_language(
    display: Display, live_server: LoketServer, tmp_path: Path
) -> None:
    site = Site(live_server)
    ticket = site.issue()
    site.counter("call-next")

    log = display.expect_played(4)
    announcement = display.calls()[0]["announcement"]
    assert [s["lang"] for s in announcement["segments"]] == ["id", "en", "az"]
    assert clips(log) == expected_clips(announcement)
    assert {entry["key"] for entry in log} == {f"{ticket['ref']}/0"}
    assert_back_to_back(log)
    assert abs(log[0]["at"] - announcement["start_at"]) < TOGETHER_MS

    # The number is highlighted while it is spoken, and only then.
    number = display.page.locator("#current-number")
    expect(number).to_have_class(SPEAKING, timeout=3000)
    assert time.time() * 1000 >= log[0]["at"] - 100
    display.page.screenshot(path=str(tmp_path / "display-speaking.png"))
    animation = "getComputedStyle(document.getElementById('current-number')).animationName"
    assert display.page.evaluate(animation) == "speaking"
    display.page.emulate_media(reduced_motion="reduce")
    assert display.page.evaluate(animation) == "none"  # the frame stays, steady
    expect(display.page.locator('.serving-row[data-counter="1"]')).to_have_class(SPEAKING)
    end = log[-1]["at"] + log[-1]["duration"]
    expect(number).not_to_have_class(SPEAKING, timeout=end - time.time() * 1000 + 3000)
    assert time.time() * 1000 >= end - 100

    # A recall is spoken again, the same clips.
    site.counter("recall")
    log = display.expect_played(8)
    assert clips(log[4:]) == clips(log[:4])
    assert {entry["key"] for entry in log[4:]} == {f"{ticket['ref']}/1"}
    assert_back_to_back(log[4:])
    assert display.audio()["skipped"] == []


def test_a_burst_of_calls_plays_one_after_another(
    display: Display, live_server: LoketServer
) -> None:
    site = Site(live_server)
    for _ in range(3):
        site.issue()
    for counter in "126":  # all three serve A
        site.counter("call-next", counter)

    log = display.expect_played(12)
    calls = display.calls()
    keys = [f"{call['ticket']['ref']}/0" for call in calls]
    assert [entry["key"] for entry in log] == [key for key in keys for _ in range(4)]
    for index, call in enumerate(calls):
        assert clips(log[4 * index : 4 * index + 4]) == expected_clips(call["announcement"])
    assert_back_to_back(log)  # queued: nothing cut off, nothing overlapping
    assert abs(log[0]["at"] - calls[0]["announcement"]["start_at"]) < TOGETHER_MS

    # While the second is spoken, its number is highlighted in the list of previous calls.
    second = calls[1]["ticket"]["ref"]
    expect(display.page.locator(f'.recent-item[data-ref="{second}"]')).to_have_class(
        SPEAKING, timeout=log[4]["at"] - time.time() * 1000 + 3000
    )


def test_audio_that_fails_is_left_out(display: Display, live_server: LoketServer) -> None:
    display.page.route("**/audio/en/**", lambda route: route.fulfill(status=404))
    site = Site(live_server)
    site.issue()
    site.counter("call-next")

    log = display.expect_played(3)
    display.page.wait_for_timeout(300)
    assert [(entry["kind"], entry["lang"]) for entry in display.audio()["log"]] == [
        ("chime", None),
        ("speech", "id"),
        ("speech", "az"),
    ]
    assert_back_to_back(log)
    expect(display.page.locator("#current-number")).to_have_text("A001")


def test_speech_not_in_by_its_time_is_left_out_and_holds_nothing_up(
    display: Display, live_server: LoketServer
) -> None:
    # The server is behind: Indonesian never comes, Azerbaijani is shed (503).
    held: list = []
    display.page.route("**/audio/id/**", lambda route: held.append(route))  # never answered
    shed = {"error": {"code": "speech_busy", "message": "No speech for this segment now"}}
    display.page.route("**/audio/az/**", lambda route: route.fulfill(status=503, json=shed))
    site = Site(live_server)
    site.issue()
    site.issue()
    site.counter("call-next", "1")
    site.counter("call-next", "2")

    log = display.expect_played(4, timeout=20000)
    calls = display.calls()
    keys = [f"{call['ticket']['ref']}/0" for call in calls]
    assert [(e["key"], e["kind"], e["lang"]) for e in log] == [
        (key, kind, lang) for key in keys for kind, lang in (("chime", None), ("speech", "en"))
    ]
    # the chime on time, English right after it, the next call right after that
    assert abs(log[0]["at"] - calls[0]["announcement"]["start_at"]) < TOGETHER_MS
    assert_back_to_back(log)
    assert held, "the Indonesian segment was asked for"
    # while the second call is heard (its chime; English comes next), its number is highlighted
    expect(display.page.locator("#current-number")).to_have_class(
        SPEAKING, timeout=log[2]["at"] - time.time() * 1000 + 3000
    )


def test_a_call_too_late_is_shown_but_not_played(
    display: Display, live_server: LoketServer
) -> None:
    # The display believes the server's clock is 15 s ahead: start_at is long past on arrival.
    display.page.evaluate(
        "() => { const s = window.loketSocket; s.clock = () => {}; s.offset += 15000; }"
    )
    site = Site(live_server)
    ticket = site.issue()
    site.counter("call-next")
    expect(display.page.locator("#current-number")).to_have_text(ticket["number"])
    display.expect_announced([f"{ticket['ref']}/0"])
    display.page.wait_for_function("() => window.loketAudio.skipped.length > 0", timeout=5000)
    assert display.audio()["skipped"] == [{"key": f"{ticket['ref']}/0", "reason": "late"}]
    assert display.audio()["log"] == []


def registry_audio(site: Site) -> list[str | None]:
    return [d["audio"] for d in site.displays().json()["displays"] if d["page"] == "display"]


def expect_registry_audio(site: Site, state: str, within: float) -> None:
    wait_until(lambda: registry_audio(site) == [state], within, f"the registry says {state}")


def test_sound_waits_for_a_key_press(
    browser_without_autoplay: Browser, live_server: LoketServer, tmp_path: Path
) -> None:
    context = browser_without_autoplay.new_context(viewport=VIEWPORT)
    try:
        display = Display(context, live_server)
        site = Site(live_server)
        banner = display.page.locator("#sound-banner")
        expect(banner).to_be_visible()
        expect(banner).to_have_text("Press any key or tap the screen to turn on sound")
        assert display.audio()["state"] == "suspended"
        expect_registry_audio(site, "suspended", within=5)

        # A call while the sound is locked is shown, and highlighted in its time slot...
        first = site.issue()
        site.counter("call-next")
        number = display.page.locator("#current-number")
        expect(number).to_have_text(first["number"])
        expect(number).to_have_class(SPEAKING, timeout=5000)
        display.page.screenshot(path=str(tmp_path / "display-sound-locked.png"))

        display.page.keyboard.press("Space")
        expect(banner).to_be_hidden()
        assert display.audio()["state"] == "running"
        # ...and reported at once, not at the next 20 s report.
        expect_registry_audio(site, "running", within=3)

        # ...but not kept to blast out once the sound is on.
        display.page.wait_for_timeout(1000)
        assert display.audio()["log"] == []

        second = site.issue()
        site.counter("call-next", "2")
        log = display.expect_played(4)
        assert {entry["key"] for entry in log} == {f"{second['ref']}/0"}
        assert display.page.evaluate("window.loketMarker") == "not reloaded"
    finally:
        context.close()


def test_the_tvs_of_a_hall_start_together(
    browser: Browser, live_server: LoketServer, contexts: list[BrowserContext]
) -> None:
    skewed = new_display(browser, contexts, live_server, init=SKEWED_DATE_NOW)
    slow = new_display(browser, contexts, live_server, init=SLOW_SOCKET)
    trimmed = new_display(browser, contexts, live_server, "?trim=250&volume=40")
    silent = new_display(browser, contexts, live_server, "?zone=lobby&sound=off")
    skew = skewed.page.evaluate("Date.now() - (performance.timeOrigin + performance.now())")
    assert 3900 < skew < 4100
    for display in (skewed, slow, trimmed, silent):
        expect_clock_synced(display)
    rtt = "Math.min(...window.loketSocket.clockSync.samples.map((s) => s.rtt))"
    assert slow.page.evaluate(rtt) >= 300  # the delay is real: 150 ms each way

    site = Site(live_server)
    site.issue()
    site.issue()
    site.counter("call-next", "1")
    site.counter("call-next", "2")

    starts = {}
    for name, display in (("skewed", skewed), ("slow", slow), ("trimmed", trimmed)):
        starts[name] = [entry["at"] for entry in display.expect_played(8)]
    spread = max(abs(a - b) for a, b in zip(starts["skewed"], starts["slow"], strict=True))
    print(f"start-time spread between a fast-clocked and a slow-network TV: {spread:.2f} ms")
    assert spread < TOGETHER_MS
    for a, b in zip(starts["skewed"], starts["trimmed"], strict=True):
        assert abs(b - a - 250) < TOGETHER_MS
    start_at = skewed.calls()[0]["announcement"]["start_at"]
    assert abs(starts["slow"][0] - start_at) < TOGETHER_MS
    assert trimmed.page.evaluate("window.loketAudio.settings.volume") == 0.4

    # The silent TV of the zone plays nothing but highlights the call with the others.
    assert silent.audio()["state"] == "off"
    first_row = silent.page.locator('.serving-row[data-counter="1"]')
    expect(first_row).to_have_class(SPEAKING, timeout=5000)
    assert silent.audio()["log"] == []
