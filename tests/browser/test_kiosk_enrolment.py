"""Enrolling a kiosk, end to end in headless Chromium (CONTRACT 6.7): at a site that takes
tickets from enrolled kiosks only, a kiosk out in the hall cannot issue until an admin
enrols it; the admin's enrolment link, opened on the kiosk, keeps the key there (and out
of the address bar); the kiosk then issues past the per-address limit; revoked, it says so.

The kiosk reaches the server as from the hall's network: through a proxy on the server's
machine that names it by X-Forwarded-For (the machine's own browser is never limited)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import log_in
from tests.support.server import LoketServer
from tests.support.sites import small_site

HALL_ADDRESS = {"X-Forwarded-For": "203.0.113.40"}


@pytest.fixture
def kiosks_only(tmp_path: Path) -> Iterator[LoketServer]:
    config = tmp_path / "hall.toml"
    config.write_text(small_site("hall", "Hall", "remote_tickets = false"), encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(config)).running() as server:
        yield server


def take_ticket(kiosk: Page, number: str) -> None:
    kiosk.locator('[data-service="A"]').click()
    expect(kiosk.locator("#ticket-number")).to_have_text(number)
    kiosk.locator("#kiosk-back").click()


def test_an_admin_enrols_a_kiosk_which_then_issues_and_is_revoked(
    browser: Browser, kiosks_only: LoketServer
) -> None:
    base = kiosks_only.url
    hall = browser.new_context(viewport={"width": 1280, "height": 720})
    hall.set_extra_http_headers(HALL_ADDRESS)
    kiosk = hall.new_page()
    kiosk.goto(f"{base}/kiosk/hall?lang=en")
    status = kiosk.locator("#kiosk-enrolment")
    expect(status).to_have_text("This kiosk is not enrolled.")
    expect(kiosk.locator("#kiosk-setup")).to_be_visible()  # the enrolment step, offered
    kiosk.locator('[data-service="A"]').click()
    expect(kiosk.locator("#kiosk-error")).to_contain_text("not enrolled, so it cannot issue")

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(f"{base}/admin?lang=en")
    log_in(admin)
    section = admin.locator('[data-kiosk-site="hall"]')
    expect(section.locator("[data-kiosk-list]")).to_contain_text("No kiosk is enrolled.")
    section.locator('input[name="name"]').fill("Entrance")
    section.locator('button[type="submit"]').click()
    link = section.locator("[data-kiosk-link]")
    expect(link).to_be_visible()
    expect(section.locator("[data-kiosk-new-text]")).to_contain_text("shown only now")
    expect(section.locator("[data-kiosk-list]")).to_contain_text("Entrance")
    enrolment = link.get_attribute("href")
    assert enrolment is not None and "#key=" in enrolment

    kiosk.goto(enrolment)
    expect(status).to_have_text("Enrolled kiosk: Entrance")
    assert "#" not in kiosk.url and "key" not in kiosk.url  # gone from the address bar
    for n in range(1, 6):  # more than an address without a key may take
        take_ticket(kiosk, f"A{n:03d}")
    kiosk.reload()
    expect(status).to_have_text("Enrolled kiosk: Entrance")  # kept across reloads

    admin.reload()
    admin.on("dialog", lambda dialog: dialog.accept())
    row = admin.locator('[data-kiosk-site="hall"] [data-kiosk-list] tr', has_text="Entrance")
    expect(row).not_to_contain_text("not yet")  # last used: just now
    row.get_by_role("button", name="Revoke").click()
    expect(admin.locator('[data-kiosk-site="hall"] [data-kiosk-message]')).to_have_text(
        "The kiosk Entrance is revoked."
    )

    kiosk.locator('[data-service="A"]').click()
    expect(kiosk.locator("#kiosk-error")).to_have_text(
        "This kiosk cannot issue tickets now. Please ask at the information desk."
    )
    expect(status).to_contain_text("enrol this kiosk again")
    hall.close()
