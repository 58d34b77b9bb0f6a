"""Dates and times on the staff pages in the page's language, as CLDR writes them: the
server's patterns and month names (server/i18n/calendar.py) filled in the browser
(static/js/calendar.js), the same text as the server's own. Checked on the admin page's
kiosks and its queues' "updated at", and the counter page's "called at"."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_datetime
from playwright.sync_api import Browser, expect

from loket.server.i18n.calendar import locale_for, moment_text, time_format
from tests.browser.pages import Site, log_in
from tests.support.server import LoketServer

DEMO_ZONE = "Asia/Jakarta"  # server/demo.toml
SEPARATED = {"en": r"\d\d:\d\d", "id": r"\d\d\.\d\d"}  # "07:38", "07.38"


def time_text(moment: datetime, lang: str, zone: str = DEMO_ZONE) -> str:
    """A time of day as the server's pattern for the language writes it: "07.38", "07:38"."""
    local = moment.astimezone(ZoneInfo(zone))
    return format_datetime(local, time_format(lang)["pattern"], locale=locale_for(lang))


def around_now(lang: str, zone: str) -> re.Pattern[str]:
    """This minute or the one before, in the language's writing (a poll may straddle one)."""
    now = datetime.now(UTC)
    times = {time_text(now, lang, zone), time_text(now - timedelta(minutes=1), lang, zone)}
    return re.compile("|".join(rf"\b{re.escape(t)}\b" for t in times))


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_the_admin_page_writes_dates_and_times_in_its_language(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    answer = httpx.post(f"{site.base}/kiosks", json={"name": "Entrance"}, headers=site.auth)
    answer.raise_for_status()
    enrolled = parse(answer.json()["kiosk"]["created_at"])
    written = {lang: moment_text(enrolled, lang, DEMO_ZONE) for lang in ("en", "id", "az")}
    # e.g. "Dec 6, 2026, 07:38", "6 Des 2026 07.38", "6 dek 2026 07:38": never "12/06/2026"
    assert len(set(written.values())) == 3, written

    # the admin's own clock says when the queues were last fetched; the kiosks' dates are
    # at their site's clock, as on the kiosks' tickets
    admins_zone = "Asia/Baku"
    page = browser.new_page(viewport={"width": 1280, "height": 900}, timezone_id=admins_zone)
    for lang, text in written.items():
        page.goto(f"{live_server.url}/admin?lang={lang}")
        if lang == "en":
            log_in(page)
        row = page.locator('[data-kiosk-site="demo"] [data-kiosk-list] tr', has_text="Entrance")
        expect(row.locator("td").nth(2)).to_have_text(text)
        updated = page.locator('[data-site="demo"] [data-updated]')
        expect(updated).to_have_text(around_now(lang, admins_zone))
    page.close()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_counter_page_writes_the_call_time_in_its_language(
    browser: Browser, live_server: LoketServer, lang: str
) -> None:
    site = Site(live_server)
    site.issue("A")
    answer = httpx.post(f"{site.base}/counters/1/call-next", headers=site.auth)
    answer.raise_for_status()
    called = time_text(parse(answer.json()["ticket"]["called_at"]), lang)
    assert re.fullmatch(SEPARATED[lang], called), called

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/counter/demo/1?lang={lang}")
    log_in(page)
    expect(page.locator("#current-ticket")).to_have_text(answer.json()["ticket"]["number"])
    expect(page.locator("#current-details")).to_contain_text(called)
    page.close()
