"""A visitor follows their own ticket on a phone (360 × 740), in headless Chromium: from
waiting, as the people ahead are called, to the full-screen call, to done; the QR code on
the kiosk's ticket and on the print view leads to that page."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.pages import Site
from tests.support.server import LoketServer

PHONE = {"width": 360, "height": 740}
# Screenshots for people to look at; kept when LOKET_SCREENSHOTS names a folder.
SHOTS = (
    Path(os.environ.get("LOKET_SCREENSHOTS", "")) if os.environ.get("LOKET_SCREENSHOTS") else None
)
# navigator.vibrate is recorded, so the test sees the call's vibration pattern
RECORD_VIBRATION = """
window.loketVibrations = [];
navigator.vibrate = (pattern) => { window.loketVibrations.push(pattern); return true; };
"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    context.add_init_script(RECORD_VIBRATION)
    try:
        yield context
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"


def test_the_phone_follows_its_ticket_to_the_call(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    for _ in range(3):
        site.issue("A")
    mine = site.issue("A", lang="en")
    chimes: list[str] = []
    page = phone.new_page()
    page.on("request", lambda r: chimes.append(r.url) if "/audio/chime/" in r.url else None)
    page.goto(f"{live_server.url}/t/{mine['id']}?lang=en")
    status = page.locator("#ticket-status")
    expect(status).to_have_text("3 people ahead of you", timeout=5000)
    expect(page.locator("#conn-status")).not_to_have_class("conn-status offline")
    page.evaluate("window.loketMarker = 'not reloaded'")
    shot(page, "ticket-waiting")
    fits_the_phone(page)

    for left in ["2 people ahead of you", "1 person ahead of you", "You are next"]:
        site.counter("call-next")
        expect(status).to_have_text(left, timeout=2000)
    expect(page.locator("#ticket-wait")).not_to_be_empty()
    shot(page, "ticket-next")

    call = page.locator("#call-screen")
    expect(call).to_be_hidden()
    pressed = time.monotonic()
    site.counter("call-next")
    expect(call).to_be_visible(timeout=1000)
    assert time.monotonic() - pressed < 1.0
    expect(page.locator("#call-counter")).to_have_text("Counter 1")
    expect(page.locator("#call-number")).to_have_text(mine["number"])
    expect(page.locator("#call-ok")).to_be_focused()
    assert page.evaluate("window.loketVibrations") == [[400, 200, 400, 200, 800]]
    page.wait_for_timeout(300)
    assert chimes, "the site's chime was not played"  # Chromium runs with autoplay allowed
    page.wait_for_timeout(3600)  # the flashing ends
    shot(page, "ticket-called")
    fits_the_phone(page)

    page.keyboard.press("Enter")  # "OK, I am on my way", by keyboard
    expect(call).to_be_hidden()
    expect(status).to_have_text("Please go to Counter 1")

    site.counter("recall")
    expect(call).to_be_visible(timeout=1000)
    expect(status).to_have_text("Called again: please go to Counter 1 now")
    page.locator("#call-ok").click()

    site.counter("done")
    expect(status).to_have_text("Served. Thank you for your visit!", timeout=2000)
    expect(page.locator("#fact-wait")).to_be_hidden()
    shot(page, "ticket-done")
    assert page.evaluate("window.loketMarker") == "not reloaded"


def test_a_call_while_the_phone_was_offline_shows_when_it_is_back(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    mine = site.issue("B", lang="id")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")  # the ticket's language: Indonesian
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#ticket-status")).to_have_text("Giliran Anda berikutnya", timeout=5000)
    page.evaluate("window.loketMarker = 'not reloaded'")
    phone.set_offline(True)  # the phone leaves the Wi-Fi: the page says so at once
    expect(page.locator("#conn-status")).to_have_class("conn-status offline", timeout=2000)
    site.counter("call-next", counter="3")
    phone.set_offline(False)
    expect(page.locator("#call-screen")).to_be_visible(timeout=15000)
    expect(page.locator("#call-counter")).to_have_text("Loket 3")
    assert page.evaluate("window.loketMarker") == "not reloaded"
    shot(page, "ticket-called-id")


def test_the_language_switcher_and_the_wait_estimate(
    phone: BrowserContext, live_server: LoketServer
) -> None:
    site = Site(live_server)
    for _ in range(4):  # a few calls: the estimate has a basis
        site.issue("C")
        site.counter("call-next", counter="5")
    for _ in range(3):
        site.issue("C")
    mine = site.issue("C", lang="ru")
    page = phone.new_page()
    page.goto(f"{live_server.url}/t/{mine['id']}")
    expect(page.locator("#ticket-status")).to_have_text("Перед вами 3 посетителя", timeout=5000)
    expect(page.locator("#ticket-wait")).not_to_have_text("пока неизвестно")
    shot(page, "ticket-waiting-ru")
    fits_the_phone(page)
    page.get_by_role("link", name="Azərbaycanca").click()
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.locator("#ticket-status")).to_have_text("Sizdən əvvəl 3 nəfər var", timeout=5000)


def decode(page: Page, selector: str) -> list[str]:
    """Draws the QR code (an <img> or an inline <svg>) on a canvas in the page, reads
    its pixels back and decodes them."""
    pixels = page.evaluate(
        """async (selector) => {
          const node = document.querySelector(selector);
          // an inline <svg> as a data: URL: the page's CSP allows data: images, not blob:
          const source = node.tagName === "IMG" ? node.src : "data:image/svg+xml;charset=utf-8,"
            + encodeURIComponent(new XMLSerializer().serializeToString(node));
          const image = new Image();
          image.src = source;
          await image.decode();
          const size = 400;
          const canvas = document.createElement("canvas");
          canvas.width = canvas.height = size;
          const context = canvas.getContext("2d");
          context.fillStyle = "#fff";
          context.fillRect(0, 0, size, size);
          context.drawImage(image, 0, 0, size, size);
          const rgba = context.getImageData(0, 0, size, size).data;
          return Array.from({length: size * size}, (_, i) => rgba[4 * i]);
        }""",
        selector,
    )
    side = int(len(pixels) ** 0.5)
    image = np.array(pixels, dtype=np.uint8).reshape(side, side)
    return [found.text for found in zxingcpp.read_barcodes(image)]


def test_the_qr_codes_lead_to_the_ticket_page(browser: Browser, live_server: LoketServer) -> None:
    kiosk = browser.new_page(viewport={"width": 1280, "height": 720})
    kiosk.goto(f"{live_server.url}/kiosk/demo?lang=az")
    kiosk.locator('[data-service="B"]').click()
    expect(kiosk.locator("#ticket-qr img")).to_be_visible()
    url = kiosk.locator(".pt-url").text_content() or ""
    assert url.startswith(f"{live_server.url}/t/") and url.endswith("?lang=az")
    assert decode(kiosk, "#ticket-qr img") == [url]
    shot(kiosk, "kiosk-ticket")

    printed = browser.new_page(viewport={"width": 600, "height": 900})
    printed.goto(url.replace("?lang=az", "?print=1"))
    expect(printed.locator("#ticket-qr svg")).to_be_visible()
    assert decode(printed, "#ticket-qr svg") == [url]
    shot(printed, "ticket-print")
