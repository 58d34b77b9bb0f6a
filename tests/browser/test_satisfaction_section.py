"""The reports page's Satisfaction section (issue 18) against a real server: visitors served
and rated over the rating API (CONTRACT 6.4), then a supervisor reads the day in Indonesian,
English, Azerbaijani and Russian: the IKM big with its grade in words, the nine elements as
bars with the lowest marked, the comments, the rating column, the SKM export; and prints it.

Screenshots land in $LOKET_SHOTS (default /tmp/loket-shots) for a person to look at."""

import io
import os
from pathlib import Path

import httpx
import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.browser.pages import Site, log_in
from tests.browser.test_reports_page import SUPERVISOR, add_user
from tests.support.server import LoketServer

SHOTS = Path(os.environ.get("LOKET_SHOTS", "/tmp/loket-shots"))
ALL_FOURS = {f"U{n}": 4 for n in range(1, 10)}
# what each language writes: the survey's IKM (91.67), its grade's words, the first element
WORDS = {
    "id": ("91,67", "Sangat Baik", "U1 Persyaratan", "Kepuasan", "3,00 · 75,00 C"),
    "en": ("91.67", "Very good", "U1 Requirements", "Satisfaction", "3.00 · 75.00 C"),
    "az": ("91,67", "Çox yaxşı", "U1 Tələblər", "Məmnunluq", "3,00 · 75,00 C"),
    "ru": ("91,67", "Очень хорошо", "U1 Требования", "Удовлетворённость", "3,00 · 75,00 C"),
}


def served(site: Site, counter: str, service: str) -> dict:
    ticket = site.issue(service)
    site.counter("call-next", counter)
    site.counter("done", counter)
    return ticket


def a_rated_morning(site: Site, server: LoketServer) -> None:
    """Three visitors (the figures of tests/inprocess/test_satisfaction_api.py): at counter 1
    a phone's 4 with every element 4 but U3 2; at counter 3 the desk's 2; at counter 1 a
    phone's 3 with U1 3 and U3 1. Every rating 3.00 → 75.00 C; the survey 91.67 A."""
    first = served(site, "1", "A")
    body = {"score": 4, "answers": {**ALL_FOURS, "U3": 2}, "comment": "Cepat dan ramah"}
    httpx.post(f"{server.url}/api/v1/tickets/{first['id']}/rating", json=body).raise_for_status()
    second = served(site, "3", "B")
    httpx.post(
        f"{site.base}/counters/3/rating",
        json={"ref": second["ref"], "score": 2},
        headers=site.auth,
    ).raise_for_status()
    third = served(site, "1", "A")
    body = {"score": 3, "answers": {"U1": 3, "U3": 1}, "comment": "Antrean agak lama"}
    httpx.post(f"{server.url}/api/v1/tickets/{third['id']}/rating", json=body).raise_for_status()


def section(page: Page, lang: str) -> None:
    ikm, words, first_element, title, _ = WORDS[lang]
    part = page.locator("#satisfaction")
    expect(part.locator("#satisfaction-title")).to_have_text(title)
    figures = part.locator(".ikm-figure")
    expect(figures).to_have_count(2)  # the survey's index, the scores'
    expect(figures.first.locator(".ikm-value")).to_have_text(ikm)
    expect(figures.first.locator(".ikm-grade")).to_have_text(f"A {words}")
    expect(figures.nth(1).locator(".ikm-grade b")).to_have_text("C")
    chart = part.locator("#elements-chart svg[role=img]")
    expect(chart.locator("rect.bar")).to_have_count(9)
    expect(chart.locator("rect.bar.low")).to_have_count(2)  # U1 3.5 and U3 1.5
    expect(chart.locator("text.value.low")).to_have_count(2)
    expect(chart.locator("text.tick").first).to_have_text(first_element)
    assert "1" in (chart.locator("desc").text_content() or "")  # the text alternative
    comments = part.locator("#comments-list li")
    expect(comments).to_have_count(2)
    expect(comments.first.locator(".comment-text")).to_have_text("Antrean agak lama")
    expect(comments.nth(1).locator(".comment-text")).to_have_text("Cepat dan ramah")


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}])
def test_a_day_of_ratings_in_four_languages(
    browser: Browser, live_server: LoketServer, viewport: dict
) -> None:
    site = Site(live_server)
    add_user(site, live_server, SUPERVISOR, "supervisor")
    a_rated_morning(site, live_server)
    page = browser.new_page(viewport=viewport)
    page.goto(f"{live_server.url}/reports/demo?lang=en")
    log_in(page, *SUPERVISOR)
    expect(page.locator("#report")).to_be_visible()  # the session's cookie is set
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang in ("id", "en", "az", "ru"):
        page.goto(f"{live_server.url}/reports/demo?lang={lang}")
        section(page, lang)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.locator("#satisfaction").screenshot(path=SHOTS / f"satisfaction-{lang}.png")
        # the rating column (CONTRACT 6.3's Row.rating): the total's last cell
        expect(page.locator("#report-total td").last).to_have_text(WORDS[lang][4])
    page.screenshot(path=SHOTS / "reports-ru-full.png", full_page=True)

    # the SKM export is the session's: the yearly report's workbook
    href = page.locator("#download-skm").get_attribute("href")
    assert href is not None and href.startswith("/api/v1/sites/demo/satisfaction?")
    assert href.endswith("format=xlsx")
    xlsx = page.request.get(f"{live_server.url}{href}")
    assert xlsx.status == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.body()))
    labelled = {row[0]: row[1] for row in book["Pengolahan SKM"].iter_rows(values_only=True)}
    assert labelled["IKM (Σ NRR tertimbang × 25)"] == 91.67

    # printed, the section is a page of its own, without its button
    page.goto(f"{live_server.url}/reports/demo?lang=en")
    section(page, "en")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Satisfaction" in text and "91.67" in text and "Very good" in text
    assert "Cepat dan ramah" in text
    assert "Download the SKM report" not in text
    last = pdf.pages[-1].extract_text()
    assert "Satisfaction" in last and "Total" not in last  # its own page
