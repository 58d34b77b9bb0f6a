"""The kiosk's ticket and its paper form with a real hall's names (tests/support/long_names):
a priority ticket says so on the kiosk's screen, on paper and on the visitor's phone; the
paper ticket prints as ONE slip on an 80 mm and on a 58 mm roll (Chromium's own PDF
printing, the page size the page asks for)."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.long_names import long_names_site
from tests.support.server import LoketServer

# Screenshots for people to look at; kept when LOKET_SCREENSHOTS names a folder.
SHOTS = os.environ.get("LOKET_SCREENSHOTS", "")
MM_PER_PT = 25.4 / 72
# a date with its month as a word, and a 24-hour time, per language (CLDR)
ENGLISH_MOMENT = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d$")
RUSSIAN_MOMENT = re.compile(r"^\d{1,2} [а-я]{3,4}\.? \d{4}\s?г\., \d\d:\d\d$")
AZERBAIJANI_MOMENT = re.compile(r"^\d{1,2} [a-zəöüğışç]{3} \d{4} \d\d:\d\d$")
# the kiosk's Print button calls window.print(): recorded instead of opening a dialog
RECORD_PRINT = "window.loketPrinted = 0; window.print = () => { window.loketPrinted += 1; };"


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[LoketServer]:
    """Two halls alike but for their printers: "mpp" on 80 mm rolls (the default), "mpp58"
    on 58 mm ones (its TOML says `paper_mm = 58`)."""
    roll58 = long_names_site("mpp58").replace("\nlanguages = ", "\npaper_mm = 58\nlanguages = ", 1)
    config = tmp_path / "hall.toml"
    config.write_text(long_names_site("mpp") + roll58, encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(config)).running() as server:
        yield server


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in mm, from the PDF's /MediaBox entries (Chromium
    writes one per page, uncompressed)."""
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) == pages, "a page without its own size"
    return [(float(w) * MM_PER_PT, float(h) * MM_PER_PT) for w, h in boxes]


def printed(page: Page) -> list[tuple[float, float]]:
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    return pdf_pages(pdf)


def one_slip(pages: list[tuple[float, float]], width_mm: int) -> None:
    assert len(pages) == 1, f"{len(pages)} pages: {pages}"
    width, height = pages[0]
    assert abs(width - width_mm) < 0.5, f"{width:.1f} mm wide"
    assert 60 < height < 250, f"{height:.1f} mm long"


def take_ticket(kiosk: Page, url: str, service: str, priority: bool) -> None:
    kiosk.goto(url)
    if priority:
        kiosk.locator("#priority").click()
    kiosk.locator(f'[data-service="{service}"]').click()
    expect(kiosk.locator("#ticket-qr img")).to_be_visible()


def test_a_priority_ticket_says_so_on_screen_on_paper_and_on_the_phone(
    browser: Browser, hall: LoketServer
) -> None:
    kiosk = browser.new_page(viewport={"width": 1280, "height": 800})
    take_ticket(kiosk, f"{hall.url}/kiosk/mpp?lang=ru", "G", priority=True)
    expect(kiosk.locator('#kiosk-ticket [data-slot="priority"]')).to_have_text("Льготная очередь")
    shot(kiosk, "kiosk-ticket-priority-ru")
    url = kiosk.locator(".pt-url").text_content() or ""
    ticket = url.split("?")[0]

    paper = browser.new_page()
    paper.goto(f"{ticket}?print=1")
    expect(paper.locator(".pt-priority")).to_be_visible()
    expect(paper.locator(".pt-priority")).to_have_text("Льготная очередь")
    # the time as the server writes it (Babel), on the kiosk's screen as on paper
    expect(paper.locator(".pt-time")).to_have_text(RUSSIAN_MOMENT)
    expect(kiosk.locator('#kiosk-ticket [data-slot="time"]')).to_have_text(
        paper.locator(".pt-time").text_content() or "?"
    )
    phone = browser.new_page(viewport={"width": 360, "height": 740})
    phone.goto(f"{ticket}?lang=en")
    expect(phone.locator("#ticket-priority")).to_have_text("Priority")
    expect(phone.locator("#ticket-issued")).to_have_text(ENGLISH_MOMENT)
    shot(phone, "ticket-priority-en")

    # an ordinary ticket has no mark anywhere
    take_ticket(kiosk, f"{hall.url}/kiosk/mpp?lang=en", "G", priority=False)
    expect(kiosk.locator('#kiosk-ticket [data-slot="priority"]')).to_be_hidden()
    ordinary = (kiosk.locator(".pt-url").text_content() or "").split("?")[0]
    paper.goto(f"{ordinary}?print=1")
    expect(paper.locator(".pt-priority")).to_be_hidden()
    phone.goto(ordinary)
    expect(phone.locator("#ticket-priority")).to_be_hidden()


@pytest.mark.parametrize(
    ("site", "roll", "paper"),
    [
        ("mpp", "", 80),  # the default roll
        ("mpp", "&paper=58", 58),  # one kiosk's own printer, in its address
        ("mpp58", "", 58),  # the site's setting, paper_mm = 58
    ],
)
def test_the_paper_ticket_is_one_slip(
    browser: Browser, hall: LoketServer, site: str, roll: str, paper: int
) -> None:
    kiosk = browser.new_page(viewport={"width": 1080, "height": 1920})
    kiosk.add_init_script(RECORD_PRINT)
    kiosk.goto(f"{hall.url}/kiosk/{site}?lang=en{roll}")
    kiosk.get_by_role("link", name="Azərbaycanca").click()  # a visitor's language keeps the roll
    expect(kiosk.locator("html")).to_have_attribute("lang", "az")
    expect(kiosk.locator("#kiosk-ticket")).to_have_class(re.compile(f"paper-{paper}"))
    take_ticket(kiosk, f"{hall.url}/kiosk/{site}?lang=az{roll}", "A", priority=True)
    kiosk.locator("#print-ticket").click()
    assert kiosk.evaluate("window.loketPrinted") == 1
    one_slip(printed(kiosk), paper)

    url = kiosk.locator(".pt-url").text_content() or ""
    view = browser.new_page()
    view.goto(f"{url.split('?')[0]}?print=1&lang=az")
    # Azerbaijani, which Chromium's own date data lacks ("2026 M12 6"), as the server says it
    time = kiosk.locator('#kiosk-ticket [data-slot="time"]')
    expect(time).to_have_text(AZERBAIJANI_MOMENT)
    expect(time).to_have_text(view.locator(".pt-time").text_content() or "?")
    view.goto(f"{url.split('?')[0]}?print=1{roll}&lang=ru")
    expect(view.locator(".print-ticket")).to_have_attribute("data-page", re.compile(f"^{paper}mm"))
    expect(view.locator("#ticket-qr svg")).to_be_visible()
    shot(view, f"print-{site}-{paper}mm-ru")
    one_slip(printed(view), paper)
