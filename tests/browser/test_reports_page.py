"""The reports page (CONTRACT 6.3) against the real reports API: a supervisor sees today's
tickets counted in the table and the charts, downloads the CSV, moves between reports with
the address (Back works), and prints one document; a staff user is told it is not theirs.
"""

import io
import re

import httpx
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.browser.pages import Site, log_in
from tests.support.server import LoketServer

SUPERVISOR = ("sari", "supervisor-pass-2026")
CLERK = ("budi", "clerk-pass-2026-x")


def add_user(site: Site, server: LoketServer, user: tuple[str, str], role: str) -> None:
    body = {"username": user[0], "password": user[1], "role": role}
    if role == "staff":
        body["counters"] = ["demo/1"]
    answer = httpx.post(f"{server.url}/api/v1/users", headers=site.auth, json=body)
    answer.raise_for_status()


def a_morning(site: Site) -> None:
    """Four tickets: two served and one waiting at Electronic ID card, one no-show at
    Passport (issued 4, called 3, served 2, no-show 1)."""
    for service in ("A", "A", "A", "B"):
        site.issue(service)
    site.counter("call-next", "1")  # A001
    site.counter("call-next", "1")  # A002; A001 done
    site.counter("done", "1")
    site.counter("call-next", "3")  # B001
    site.counter("no-show", "3")


def total_cells(page: Page) -> list[str]:
    return page.locator("#report-total td").all_inner_texts()


def test_a_supervisor_reads_prints_and_downloads_todays_report(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    add_user(site, live_server, SUPERVISOR, "supervisor")
    a_morning(site)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/reports/demo?lang=en")
    log_in(page, *SUPERVISOR)

    expect(page.locator("#report-rows tr")).to_have_count(3)  # the demo's three services
    expect(page.locator("#report-rows th").first).to_have_text("Electronic ID card")
    expect(page.locator("#report-total td").first).to_have_text("4")
    assert total_cells(page)[:4] == ["4", "3", "2", "1"]
    id_card = page.locator("#report-rows tr").first.locator("td").all_inner_texts()
    assert id_card[:4] == ["3", "2", "2", "0"]
    expect(page.locator("select[name=preset]")).to_have_value("today")

    # charts drawn from the same API, each with its title; the day chart needs targets,
    # which the demo site has none of
    for chart in ("hour", "counter", "user"):
        svg = page.locator(f"[data-chart={chart}] svg[role=img]")
        expect(svg).to_have_count(1)
        assert svg.locator("title").first.text_content()
    expect(page.locator("[data-chart=user] svg")).to_contain_text("admin")
    expect(page.locator("[data-chart=day]")).to_contain_text("Nothing in this period.")

    # the CSV link is the same report, with the session
    href = page.locator("#download-csv").get_attribute("href")
    assert href is not None and "by=service" in href and href.endswith("format=csv")
    csv = page.request.get(f"{live_server.url}{href}")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text().strip().splitlines()) == 1 + 3 + 1  # header, rows, total
    xlsx_href = page.locator("#download-xlsx").get_attribute("href")
    assert xlsx_href == href.replace("format=csv", "format=xlsx")
    xlsx = page.request.get(f"{live_server.url}{xlsx_href}")
    assert xlsx.status == 200 and xlsx.body().startswith(b"PK")  # a zip: an Excel workbook

    # another report goes into the address; Back shows the one before
    page.locator("select[name=by]").select_option("counter")
    expect(page).to_have_url(re.compile(r"\?lang=en&.*by=counter"))
    expect(page.locator("#report-rows tr")).to_have_count(6)
    expect(page.locator("#key-head")).to_have_text("Counter")
    page.go_back()
    expect(page.locator("select[name=by]")).to_have_value("service")
    expect(page.locator("#report-rows tr")).to_have_count(3)

    # printed: one document with the site, the period and the totals, no buttons
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert 1 <= len(pdf.pages) <= 3
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Public Service Mall" in text
    assert "Total" in text and "Arrivals and average wait per hour" in text
    assert "Download CSV" not in text and "Log out" not in text


def test_a_staff_user_is_told_reports_are_for_supervisors(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    add_user(site, live_server, CLERK, "staff")
    page = browser.new_page(viewport={"width": 768, "height": 1024})
    page.goto(f"{live_server.url}/reports/demo?lang=en")
    log_in(page, *CLERK)
    expect(page.locator("#supervisors-only")).to_be_visible()
    expect(page.locator("#supervisors-only")).to_contain_text("Only supervisors and administrators")
    expect(page.locator("#report")).to_be_hidden()
