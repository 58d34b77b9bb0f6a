"""The hall changed without a restart (issue 16), as the admin and the screens see it: the
running text edited on the admin page, the site file reloaded from its button; the hall
display, a counter page and the kiosk take the new names without reloading."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import log_in
from tests.support.server import LoketServer
from tests.support.sitefiles import DEMO

NEW_COUNTER = """
[[sites.counters]]
id = "7"
name = { id = "Loket 7", en = "Tax desk", az = "Masa 7" }
services = ["A"]
"""


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[LoketServer]:
    (tmp_path / "site.toml").write_text(DEMO, encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(tmp_path / "site.toml")).running() as running:
        yield running


def mark(page: Page) -> None:
    """A mark that a reload of the page would wipe."""
    page.evaluate("() => { window.notReloaded = true; }")


def expect_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.notReloaded === true")


def admin_page(browser: Browser, server: LoketServer) -> Page:
    admin = browser.new_page(viewport={"width": 1280, "height": 1000})
    admin.goto(f"{server.url}/admin?lang=en")
    log_in(admin)
    return admin


def test_the_admin_edits_the_running_text_and_the_display_shows_it_at_once(
    browser: Browser, hall: LoketServer
) -> None:
    display = browser.new_page(viewport={"width": 1280, "height": 720})
    display.goto(f"{hall.url}/display/demo?lang=en")
    ticker = display.locator("#ticker-text")
    expect(ticker).to_contain_text("Welcome to the Public Service Mall")
    mark(display)

    admin = admin_page(browser, hall)
    form = admin.locator('form[data-ticker-site="demo"]')
    english = form.locator('textarea[name="en"]')
    expect(english).to_have_value(
        "Welcome to the Public Service Mall. Please have your documents ready before your "
        "number is called."
    )
    english.fill("Passports are issued until 14:00 today.")
    form.get_by_role("button", name="Save running text").click()
    expect(form.locator("[data-ticker-message]")).to_have_text("Saved: the displays show it now.")

    expect(ticker).to_have_text("Passports are issued until 14:00 today.", timeout=10000)
    expect_not_reloaded(display)

    form.get_by_role("button", name="Use the site file's text").click()
    expect(ticker).to_contain_text("Welcome to the Public Service Mall", timeout=10000)
    expect(english).to_have_value(
        "Welcome to the Public Service Mall. Please have your documents ready before your "
        "number is called."
    )
    expect_not_reloaded(display)


def test_a_reloaded_site_file_reaches_the_screens_and_a_bad_one_is_shown(
    browser: Browser, hall: LoketServer
) -> None:
    display = browser.new_page(viewport={"width": 1280, "height": 720})
    display.goto(f"{hall.url}/display/demo?lang=en")
    counter = browser.new_page(viewport={"width": 1280, "height": 800})
    counter.goto(f"{hall.url}/counter/demo/1?lang=en")
    log_in(counter)
    kiosk = browser.new_page(viewport={"width": 1280, "height": 800})
    kiosk.goto(f"{hall.url}/kiosk/demo?lang=en")
    expect(display.locator(".serving-row")).to_have_count(6)
    for page in (display, counter, kiosk):
        mark(page)

    site_file = hall.workdir / "site.toml"
    admin = admin_page(browser, hall)
    message = admin.locator("#reload-message")
    site_file.write_text(DEMO.replace('timezone = "Asia/Jakarta"', "timezone = Jakarta"), "utf-8")
    admin.get_by_role("button", name="Reload the site file").click()
    expect(message).to_contain_text("The site file was not taken")
    expect(message).to_contain_text("not valid TOML")
    expect(message).to_have_class("message error")

    site_file.write_text(
        DEMO.replace('en = "Counter 1"', 'en = "Front desk"').replace(
            'en = "Passport"', 'en = "Passports and visas"'
        )
        + NEW_COUNTER,
        "utf-8",
    )
    admin.get_by_role("button", name="Reload the site file").click()
    expect(message).to_contain_text("demo: counter 7 added")
    expect(message).to_contain_text("demo: counter 1 renamed")

    rows = display.locator(".serving-row")
    expect(rows).to_have_count(7, timeout=10000)
    expect(display.locator('.serving-row[data-counter="7"]')).to_contain_text("Tax desk")
    expect(display.locator('.serving-row[data-counter="1"]')).to_contain_text("Front desk")
    expect(display.locator(".waiting-list")).to_contain_text("Passports and visas")
    expect(counter.locator("#counter-app h1")).to_have_text("Front desk", timeout=10000)
    expect(kiosk.locator('.service-btn[data-service="B"]')).to_contain_text(
        "Passports and visas", timeout=10000
    )
    for page in (display, counter, kiosk):
        expect_not_reloaded(page)

    # the kiosk's new buttons work
    kiosk.locator('.service-btn[data-service="A"]').click()
    expect(kiosk.locator("#kiosk-ticket")).to_be_visible()
