"""The hall display with a real hall's site (tests/support/real_hall.py: long agency names in
four languages, 20 or 40 counters) fits every common TV screen whole, in every language."""

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect

from loket.server.i18n.calendar import day_format
from loket.server.i18n.catalogs import Catalogs
from tests.support.real_hall import SERVICES, SITE_ID, TICKER, real_hall_site
from tests.support.server import ADMIN_PASSWORD, LoketServer

SIZES = [(1920, 1080), (1280, 720), (1366, 768), (1080, 1920), (3840, 2160)]
SHOTS = Path("/tmp/shots15")

# What a TV must never do: anything outside the screen, a page wider or taller than it, a
# ticket number cut short. Hidden things, screen-reader text and the running text (which
# enters from off screen on purpose) do not count.
GEOMETRY = """() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > innerWidth || root.scrollHeight > innerHeight)
    out.push(`page ${root.scrollWidth}x${root.scrollHeight}`);
  for (const el of document.querySelectorAll(".display *")) {
    if (el.closest("[hidden], .sr-only, .ticker-track, .off-page")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width && !box.height) continue;
    if (box.left < -1 || box.top < -1 || box.right > innerWidth + 1 || box.bottom > innerHeight + 1)
      out.push(`outside: ${el.className} ${Math.round(box.left)},${Math.round(box.top)}`
        + ` ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  for (const el of document.querySelectorAll(".panel *")) {
    if (el.closest("[hidden], .sr-only, .off-page")) continue;
    const box = el.getBoundingClientRect(), panel = el.closest(".panel").getBoundingClientRect();
    if (box.width && (box.left < panel.left - 1 || box.top < panel.top - 1
        || box.right > panel.right + 1 || box.bottom > panel.bottom + 1))
      out.push(`out of its panel: ${el.className} ${el.textContent.slice(0, 30)}`);
  }
  for (const el of document.querySelectorAll(".serving-row *, .waiting-row *")) {
    if (el.closest("[hidden], .sr-only, .off-page")) continue;
    const box = el.getBoundingClientRect();
    const row = el.closest(".serving-row, .waiting-row").getBoundingClientRect();
    if (box.height && (box.top < row.top - 1 || box.bottom > row.bottom + 1))
      out.push(`cut in its row: ${el.className} ${el.textContent.slice(0, 30)}`);
  }
  for (const el of document.querySelectorAll("#current-number, .serving-number, .recent-number")) {
    if (el.closest("[hidden], .off-page")) continue;
    const frame = el.parentElement.closest(".serving-row, .recent-item, .panel");
    const box = el.getBoundingClientRect(), outer = frame.getBoundingClientRect();
    if (box.width && (box.left < outer.left - 1 || box.right > outer.right + 1))
      out.push(`cut: ${el.className} ${el.textContent} outside its row`);
    if (el.scrollWidth > el.clientWidth + 1)
      out.push(`cut: ${el.className} ${el.textContent} ${el.scrollWidth}>${el.clientWidth}`);
  }
  return out;
}"""


# Where a line of text on the board breaks inside a word without a hyphen: allowed only
# where the browser hyphenates that word in its language (hyphens: auto and the lang of the
# text; Debian's Chromium has no hyphenation patterns, so there it must break at spaces).
MID_WORD = """() => {
  const out = [];
  const hyphenates = (word, lang, font) => {
    const probe = document.createElement("span");
    probe.lang = lang;
    probe.textContent = word;
    Object.assign(probe.style, { position: "absolute", visibility: "hidden", display: "block",
      width: "1px", font, hyphens: "auto", overflowWrap: "normal", whiteSpace: "normal" });
    document.body.append(probe);
    const lines = probe.offsetHeight / parseFloat(font.match(/[\\d.]+px/));
    probe.remove();
    return lines > 1.6;
  };
  const board = document.querySelector(".display");
  const walker = document.createTreeWalker(board, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.data;
    if (text.trim().length < 2 || el.closest("[hidden], .sr-only, .ticker, .off-page")) continue;
    const box = el.getBoundingClientRect();
    let last = null;  // the previous visible character: [index, its box]
    for (let i = 0; i < text.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;  // its glyph may overhang
      if (!r.width || x < box.left || x > box.right || y < box.top || y > box.bottom) continue;
      if (last && r.top > last[1].top + last[1].height / 2
          && !/[\\s\\u00ad\\-\u2010\u2013\u2014/]/.test(text.slice(last[0], i))) {
        const word = text.slice(0, i).match(/\\S*$/)[0] + text.slice(i).match(/^\\S*/)[0];
        const lang = el.closest("[lang]").lang;
        const style = getComputedStyle(el);
        if (style.hyphens !== "auto" || !hyphenates(word, lang, style.font))
          out.push(`${lang}: ${text.slice(0, last[0] + 1)}|${text.slice(i)}`);
      }
      last = [i, r];
    }
  }
  return out;
}"""

# A list shown page by page although all its rows would fit on one.
PAGED_NEEDLESSLY = """() => [...document.querySelectorAll(".paged")]
  .filter((list) => {
    const off = [...list.querySelectorAll(".off-page")];
    list.classList.remove("paged");
    off.forEach((row) => row.classList.remove("off-page"));
    const bottom = list.getBoundingClientRect().top + list.clientTop + list.clientHeight;
    const fits = list.lastElementChild.getBoundingClientRect().bottom <= bottom + 0.5;
    list.classList.add("paged");
    off.forEach((row) => row.classList.add("off-page"));
    return fits;
  }).map((list) => list.id)"""

# How much of its panel's width the called number takes.
NUMBER_FILLS = """() => {
  const number = document.getElementById("current-number"), panel = number.closest(".panel");
  const style = getComputedStyle(panel);
  const room = panel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return number.getBoundingClientRect().width / room;
}"""

SHOWN = "[data-i]:not([hidden])"  # the language shown now in a multilingual label

# The "Priority" badge over the called number: [its text whole, its size / the height].
BADGE = f"""() => {{
  const text = document.querySelector("#current-priority {SHOWN}");
  const size = parseFloat(getComputedStyle(text).fontSize);
  return [text.scrollWidth <= text.clientWidth, size / Math.min(innerWidth, innerHeight)];
}}"""


def busy_hall(
    folder: Path, counters: int, services: int = 8, short_names: bool = False
) -> LoketServer:
    """The hall with three people waiting per service and every counter serving someone.
    The tickets of the last two counters' services are priority tickets: the newest call, the
    previous one and their services' other counters show a priority ticket."""
    site = folder / "hall.toml"
    site.write_text(real_hall_site(counters, services, short_names=short_names), encoding="utf-8")
    server = LoketServer(folder, "--config", str(site)).start()
    base = f"{server.url}/api/v1/sites/{SITE_ID}"
    with httpx.Client(base_url=server.url) as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["token"]
        per_service = -(-counters // services) + 3
        priority = {SERVICES[(n - 1) % services][0] for n in (counters, counters - 1) if n}
        for prefix, *_ in SERVICES[:services]:
            for _ in range(per_service):
                ticket = {"service": prefix, "priority": prefix in priority}
                http.post(f"{base}/tickets", json=ticket).raise_for_status()
        for n in range(1, counters + 1):
            http.post(
                f"{base}/counters/{n}/call-next", headers={"Authorization": f"Bearer {token}"}
            ).raise_for_status()
    return server


@pytest.fixture(
    scope="module", params=[(20, 8), (40, 12)], ids=["20-counters", "40-counters-12-services"]
)
def hall(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, LoketServer]]:
    """(the number of counters, the hall's server)"""
    counters, services = request.param
    server = busy_hall(tmp_path_factory.mktemp("hall"), counters, services)
    yield counters, server
    server.stop()


def open_display(browser: Browser, server: LoketServer, width: int, height: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server.url}/display/{SITE_ID}?lang=id")
    expect(page.locator("#current-number")).not_to_have_text("—")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    return page


def show_language(page: Page, index: int) -> None:
    """Turns every rotating label to the site's `index`-th language at once."""
    page.evaluate(
        """i => { for (const s of document.querySelectorAll('[data-ml] > [data-i]'))
                    s.hidden = Number(s.dataset.i) !== i; }""",
        index,
    )
    page.wait_for_timeout(600)  # the labels' fade-in (0.5 s), for the screenshot


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_real_hall_fits_every_screen_in_every_language(
    browser: Browser, hall: tuple[int, LoketServer], width: int, height: int
) -> None:
    counters, server = hall
    page = open_display(browser, server, width, height)
    SHOTS.mkdir(exist_ok=True)
    boxes = []
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    for index, lang in enumerate(["id", "en", "az", "ru"]):
        show_language(page, index)
        page.screenshot(path=str(SHOTS / f"hall{counters}-{width}x{height}-{lang}.png"))
        where = f"{lang} at {width}x{height}"
        assert page.evaluate(GEOMETRY) == [], where
        assert page.evaluate(MID_WORD) == [], where
        assert page.evaluate(PAGED_NEEDLESSLY) == [], where
        # the called number as wide as its panel, whole
        assert page.evaluate(NUMBER_FILLS) >= 0.9, where
        # it is a priority ticket's (busy_hall): the badge says so whole, readable from afar
        expect(page.locator("#current-priority")).to_be_visible()
        whole, size = page.evaluate(BADGE)
        assert whole and size >= 0.045, where
        # the date turns with the labels (in the language the title shows: the labels may
        # have turned on their own since), written as CLDR writes a day in that language
        shown, date_lang, date = page.evaluate(
            f"""() => [document.querySelector("#current-title {SHOWN}").lang,
                       document.querySelector("#date {SHOWN}").lang,
                       document.querySelector("#date {SHOWN}").textContent]"""
        )
        assert date_lang == shown, where
        pattern = re.sub("E+", "EEEE", str(day_format(shown)["pattern"]))  # weekday in full
        assert date == format_date(today, pattern, locale=shown), where
        boxes.append([page.locator(part).bounding_box() for part in (".display-main", "#date")])
    assert all(box == boxes[0] for box in boxes)  # the layout does not jump between languages
    page.close()


def test_a_small_hall_fills_the_screen_as_whole(browser: Browser, tmp_path: Path) -> None:
    server = busy_hall(tmp_path, counters=1, services=1)
    try:
        for width, height in SIZES:
            page = open_display(browser, server, width, height)
            assert page.evaluate(GEOMETRY) == [], f"{width}x{height}"
            expect(page.locator("#serving-list-page")).to_be_hidden()  # one page
            row = page.locator(".serving-row").bounding_box()
            assert row is not None and row["height"] >= 0.1 * min(width, height)  # not tiny
            page.screenshot(path=str(SHOTS / f"small-{width}x{height}.png"))
            page.close()
    finally:
        server.stop()


def test_priority_calls_are_marked_on_the_board(browser: Browser, tmp_path: Path) -> None:
    site = tmp_path / "hall.toml"
    # the labels turn slowly: the test turns them itself
    site.write_text(real_hall_site(counters=2, services=1, rotate_seconds=120), encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(site)).running() as server:
        base = f"{server.url}/api/v1/sites/{SITE_ID}"
        with httpx.Client(base_url=server.url) as http:
            token = http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            ).json()["token"]
            staff = {"Authorization": f"Bearer {token}"}
            for priority in (False, True):  # the priority one is called first
                ticket = {"service": "DKP", "priority": priority}
                http.post(f"{base}/tickets", json=ticket).raise_for_status()
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{server.url}/display/{SITE_ID}?lang=en")
            page.wait_for_function("() => document.fonts.status === 'loaded'")
            badge = page.locator("#current-priority")
            http.post(f"{base}/counters/1/call-next", headers=staff).raise_for_status()
            expect(page.locator("#current-number")).to_have_text("DKP002")
            expect(badge).to_be_visible()
            catalogs = Catalogs()
            # in each language of the labels, the page's first
            for index, lang in enumerate(["en", "id", "az", "ru"]):
                show_language(page, index)
                expect(badge.locator(SHOWN)).to_have_text(catalogs.get(lang).gettext("Priority"))
            # readable from across the hall: larger than the now-serving rows (3.5%)
            size = badge.locator(".current-priority-badge").evaluate(
                "el => parseFloat(getComputedStyle(el).fontSize)"
            )
            assert size >= 0.045 * 1080
            assert page.evaluate(GEOMETRY) == []
            # while its row flashes (yellow, then dark), its number stays black on white
            flashing = page.locator(".serving-row.flash .serving-number")
            for _ in range(4):
                assert flashing.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)"
                page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / "priority-called.png"))
            http.post(f"{base}/counters/2/call-next", headers=staff).raise_for_status()
            expect(page.locator("#current-number")).to_have_text("DKP001")
            expect(badge).to_be_hidden()  # an ordinary ticket has none
            # the priority ticket's number stands out white in "now serving" and previous
            # calls (and says so to screen readers); the ordinary one does not
            white = "el => getComputedStyle(el).backgroundColor"
            rows = page.locator(".serving-row")
            assert rows.locator(".serving-number").evaluate_all(f"all => all.map({white})") == [
                "rgb(255, 255, 255)",
                "rgba(0, 0, 0, 0)",
            ]
            expect(rows.nth(0).locator(".priority-note")).to_have_text("Priority")
            expect(rows.nth(1).locator(".priority-note")).to_be_hidden()
            recent = page.locator(".recent-item .recent-number")
            expect(recent).to_have_text(["DKP002"])
            assert recent.evaluate(white) == "rgb(255, 255, 255)"
            expect(page.locator(".recent-item .priority-note")).to_have_text("Priority")
            assert page.evaluate(GEOMETRY) == []
            page.close()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920), (1366, 768)])
def test_waiting_counts_page_only_when_their_rows_do_not_fit(
    browser: Browser, tmp_path: Path, width: int, height: int
) -> None:
    """Eight services with short names fit on one page; the long names' rows (two lines
    each) do not, and then page."""
    (tmp_path / "short").mkdir()
    (tmp_path / "long").mkdir()
    short = busy_hall(tmp_path / "short", counters=8, short_names=True)
    long = busy_hall(tmp_path / "long", counters=8)
    try:
        page = open_display(browser, short, width, height)
        expect(page.locator("#waiting-list-page")).to_be_hidden()
        expect(page.locator(".waiting-row")).to_have_count(8)
        for row in page.locator(".waiting-row").all():
            expect(row).to_be_visible()
        assert page.evaluate(GEOMETRY) == []
        page.close()
        page = open_display(browser, long, width, height)
        expect(page.locator("#waiting-list-page")).to_have_text("1 / 2")
        assert page.evaluate(PAGED_NEEDLESSLY) == []
        assert page.evaluate(GEOMETRY) == []
        page.close()
    finally:
        short.stop()
        long.stop()


VISIBLE_ROWS = """() => [...document.querySelectorAll('.serving-row')]
  .filter((row) => row.getBoundingClientRect().height > 0)
  .map((row) => ({counter: row.dataset.counter, height: row.getBoundingClientRect().height,
                  font: parseFloat(getComputedStyle(row).fontSize)}))"""


def test_many_counters_turn_pages_instead_of_shrinking(
    browser: Browser, hall: tuple[int, LoketServer]
) -> None:
    counters, server = hall
    width, height = 1280, 720
    page = open_display(browser, server, width, height)
    indicator = page.locator("#serving-list-page")
    expect(indicator).to_have_text(re.compile(r"^1 / \d+$"))
    pages = int(indicator.inner_text().split("/")[1])
    assert pages >= 2
    seen: list[str] = []
    for number in range(1, pages + 1):
        expect(indicator).to_have_text(f"{number} / {pages}", timeout=10000)  # every 8 s
        rows = page.evaluate(VISIBLE_ROWS)
        smallest = 0.035 * height - 0.5  # 3.5% of the screen height (docs/hall-tv.md)
        assert [row for row in rows if row["font"] < smallest or row["height"] < smallest] == []
        assert page.evaluate(GEOMETRY) == []
        seen += [row["counter"] for row in rows]
    assert seen == [str(n) for n in range(1, counters + 1)]  # each counter once, in order
    expect(indicator).to_have_text(f"1 / {pages}", timeout=10000)  # and round again
    page.close()


def test_a_display_that_lost_the_server_says_so_over_the_board(
    browser: Browser, hall: tuple[int, LoketServer]
) -> None:
    counters, server = hall
    width, height = 1920, 1080
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server.url}/display/{SITE_ID}?lang=en")
    banner = page.locator("#conn-status")
    expect(banner).not_to_have_class(re.compile(r"\boffline\b"), timeout=10000)
    expect(banner).to_be_hidden()
    expect(page.locator("#current-number")).not_to_have_text("—")  # the snapshot is shown
    called = page.locator("#current-number").inner_text()
    board = page.locator(".display-main").bounding_box()
    context.set_offline(True)
    page.evaluate("window.loketSocket.lost()")  # as on a dead link, without waiting for it
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Reconnecting")
    box = banner.bounding_box()
    assert box is not None and box["x"] <= 0 and box["width"] >= width - 1 and box["y"] <= 0
    assert box["height"] >= 0.05 * height  # plain from across the hall
    assert page.locator(".display-main").bounding_box() == board  # the board stays, unmoved
    assert page.locator("#current-number").inner_text() == called
    page.screenshot(path=str(SHOTS / f"hall{counters}-offline.png"))
    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15000)
    context.close()


def test_before_the_first_call_the_board_says_what_it_is_for(
    browser: Browser, tmp_path: Path
) -> None:
    site = tmp_path / "hall.toml"
    site.write_text(real_hall_site(20), encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(site)).running() as server:
        for width, height in [(1920, 1080), (1080, 1920)]:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{server.url}/display/{SITE_ID}?lang=en")
            page.wait_for_function("() => document.fonts.status === 'loaded'")
            expect(page.locator(".current-empty [lang='en']")).to_have_text(
                "Your number will be shown here when it is called"
            )
            expect(page.locator(".recent-empty [lang='en']")).to_have_text("No calls yet today")
            expect(page.locator("#current-number")).to_be_hidden()  # no lonely dash
            expect(page.locator("#recent-list")).to_be_hidden()  # no empty box
            assert page.evaluate(GEOMETRY) == []
            page.screenshot(path=str(SHOTS / f"empty-{width}x{height}.png"))
            page.close()


def test_the_date_is_written_out_in_azerbaijani_too(
    browser: Browser, hall: tuple[int, LoketServer]
) -> None:
    _, server = hall
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/display/{SITE_ID}?lang=az")
    names = day_format("az")
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    month = str(names["months"][now.month - 1])  # type: ignore[index]
    weekday = str(names["weekdays"][now.weekday()])  # type: ignore[index]
    date = page.locator("#date [lang='az']")  # the labels' first language: the page's
    expect(date).to_have_text(re.compile(rf"\b{now.day} {month}\b"))
    expect(date).to_contain_text(weekday)  # not "2026-12-06"
    page.close()


def test_the_running_text_takes_the_labels_languages_in_turn(
    browser: Browser, hall: tuple[int, LoketServer]
) -> None:
    _, server = hall
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/display/{SITE_ID}?lang=en")
    ticker = page.locator("#ticker-text")
    seen = []
    for _ in range(5):
        seen.append(ticker.inner_text())
        page.wait_for_function(  # this pass has begun (a new one is a new animation)
            "() => document.getElementById('ticker-text').getAnimations()[0]?.currentTime > 200"
        )
        # the end of a pass (the animation moved on to it rather than waited for)
        page.evaluate(
            """() => { const [pass] = document.getElementById('ticker-text').getAnimations();
                       const { duration } = pass.effect.getComputedTiming();
                       pass.currentTime = (Math.floor(pass.currentTime / duration) + 1) * duration
                         + 10; }"""
        )
        expect(ticker).not_to_have_text(seen[-1])
    assert seen[:4] == [TICKER[1], TICKER[0], TICKER[2], TICKER[3]]  # the page's first
    assert seen[4] == TICKER[1]  # and round again
    page.close()
