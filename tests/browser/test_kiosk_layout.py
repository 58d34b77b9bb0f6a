"""The kiosk with a real hall's names (tests/support/long_names: 12 services, agency-length
names in four languages) at a portrait 1080×1920 and a landscape 1280×800 kiosk: every
service button whole on the screen, its name inside it, the page never wider than the
screen; 3 services fill a portrait screen; the issued ticket's "Done" and countdown stay on
screen; a screen too small for all of them points to the rest (the scroll hint)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.long_names import LANGUAGES, long_names_site
from tests.support.server import LoketServer

SHOTS = os.environ.get("LOKET_SCREENSHOTS", "")
KIOSKS = [(1080, 1920), (1280, 800)]
# Longer words ("электроэнергетическая") may need breaking: real kiosks' browsers hyphenate
# them (hyphens: auto, the page's lang), but this test's Chromium has no hyphenation data.
LONGEST = 15

# each service button's box, its name's box, and the page's widths, in CSS pixels
MEASURE = """() => {
const brokenWords = (node) => {
  // the words (of up to 15 letters; a hyphen may end a line) that line breaks cut in two
  const text = node.firstChild, found = [];
  for (const match of text.data.matchAll(/[^\\s-]+/g)) {
    if (match[0].length > LONGEST) continue;
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    if (new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size > 1) {
      found.push(match[0]);
    }
  }
  return found;
};
return {
  buttons: Array.from(document.querySelectorAll(".service-btn")).map((b) => {
    const r = b.getBoundingClientRect();
    const n = b.querySelector(".service-name").getBoundingClientRect();
    return {id: b.dataset.service, top: r.top, bottom: r.bottom, left: r.left, right: r.right,
            nameTop: n.top, nameBottom: n.bottom, nameLeft: n.left, nameRight: n.right,
            hyphens: getComputedStyle(b.querySelector(".service-name")).hyphens,
            broken: brokenWords(b.querySelector(".service-name"))};
  }),
  pageWidth: document.documentElement.scrollWidth,
};
}"""


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[LoketServer]:
    config = tmp_path / "hall.toml"
    config.write_text(long_names_site("mpp") + long_names_site("three", 3), encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(config)).running() as server:
        yield server


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def on_screen(box: dict, width: int, height: int) -> bool:
    return (
        box["top"] >= 0 and box["left"] >= 0 and box["bottom"] <= height and box["right"] <= width
    )


@pytest.mark.parametrize(("width", "height"), KIOSKS)
def test_every_service_is_whole_on_the_screen_in_every_language(
    browser: Browser, hall: LoketServer, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    for lang in LANGUAGES:
        page.goto(f"{hall.url}/kiosk/mpp?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)  # hyphenation's language
        found = page.evaluate(MEASURE.replace("LONGEST", str(LONGEST)))
        shot(page, f"kiosk-12-{width}x{height}-{lang}")
        assert found["pageWidth"] <= width, f"{lang}: the page is {found['pageWidth']} px wide"
        assert len(found["buttons"]) == 12
        for button in found["buttons"]:
            where = f"{lang}, service {button['id']}: {button}"
            assert on_screen(button, width, height), f"off the screen: {where}"
            assert button["nameTop"] >= button["top"] and button["nameBottom"] <= button["bottom"]
            assert button["nameRight"] <= button["right"] + 0.5, f"name cut: {where}"
            assert button["hyphens"] == "auto"
            assert not button["broken"], f"words cut mid-word: {where}"
        expect(page.locator("#scroll-hint")).to_be_hidden()

        # the issued ticket, with its way back to the start, on the same screen
        page.locator('[data-service="G"]').click()
        expect(page.locator("#ticket-qr img")).to_be_visible()
        for part in ["#kiosk-back", "#kiosk-countdown", "#print-ticket", "#ticket-number"]:
            box = page.locator(part).bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, part
        shot(page, f"kiosk-12-ticket-{width}x{height}-{lang}")


def test_three_services_fill_a_portrait_kiosk(browser: Browser, hall: LoketServer) -> None:
    page = browser.new_page(viewport={"width": 1080, "height": 1920})
    page.goto(f"{hall.url}/kiosk/three?lang=id")
    found = page.evaluate(MEASURE.replace("LONGEST", str(LONGEST)))
    shot(page, "kiosk-3-1080x1920-id")
    last = max(button["bottom"] for button in found["buttons"])
    first = min(button["top"] for button in found["buttons"])
    assert last > 0.9 * 1920, f"the buttons end at {last:.0f} px of 1920"
    assert (last - first) > 0.6 * 1920


def test_a_small_screen_points_to_the_services_below(browser: Browser, hall: LoketServer) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 480})
    page.goto(f"{hall.url}/kiosk/mpp?lang=ru")
    hint = page.locator("#scroll-hint")
    expect(hint).to_be_visible()
    shot(page, "kiosk-12-800x480-ru")
    grid = page.locator("#service-grid").bounding_box()
    assert grid is not None
    page.mouse.move(grid["x"] + grid["width"] / 2, grid["y"] + grid["height"] / 2)
    page.mouse.wheel(0, 2000)  # a swipe up, to the end of the services
    expect(hint).to_be_hidden()
    last = page.locator('[data-service="L"]')
    box = last.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 480
    last.click()
    expect(page.locator("#ticket-number")).to_have_text("L001")
