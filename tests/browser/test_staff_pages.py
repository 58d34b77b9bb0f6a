"""The staff pages (index, counter, admin): a language switcher with the site's languages,
and an admin page that fits a phone and a laptop with its screens listed plainly."""

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import Site, log_in
from tests.support.server import LoketServer

SHOTS = os.environ.get("LOKET_SCREENSHOTS")
DEMO_LANGUAGES = ["Bahasa Indonesia", "English", "Azərbaycanca"]  # server/demo.toml

# Elements wider than the page, or than the card they are in.
STICKING_OUT = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("[hidden]")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width) continue;
    const card = el.parentElement && el.parentElement.closest(".card");
    const outer = card ? card.getBoundingClientRect() : { left: 0, right: innerWidth };
    if (box.left < outer.left - 1 || box.right > outer.right + 1) {
      out.push(`${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
    }
  }
  return out;
}"""


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def switcher(page: Page, where: str) -> list[str]:
    return page.locator(f"{where} .lang-switch a").all_inner_texts()


def test_the_staff_pages_switch_between_the_sites_languages(
    browser: Browser, live_server: LoketServer
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/")
    assert switcher(page, ".app-header") == DEMO_LANGUAGES  # not Russian: no names in it
    page.get_by_role("link", name="Azərbaycanca").click()
    expect(page.locator("html")).to_have_attribute("lang", "az")
    expect(page.get_by_role("link", name="Azərbaycanca")).to_have_attribute("aria-current", "true")
    shot(page, "index-az")
    page.get_by_role("link", name="Masa 2", exact=True).click()  # the choice goes on
    expect(page.locator("html")).to_have_attribute("lang", "az")

    page.goto(f"{live_server.url}/counter/demo/1?lang=id")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert switcher(page, "#login-view") == DEMO_LANGUAGES  # before logging in, too
    page.locator("#login-view").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#login-form [type=submit]")).to_have_text("Log in")
    shot(page, "counter-login-en")
    log_in(page)
    header = page.locator("#counter-app .app-header")
    expect(header.locator(".lang-switch a")).to_have_count(3)
    header.get_by_role("link", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#call-next")).to_contain_text("Panggil", timeout=5000)  # still in

    page.goto(f"{live_server.url}/admin")
    assert switcher(page, "#login-view") == DEMO_LANGUAGES
    expect(page.locator("#admin-app .app-header .lang-switch a")).to_have_count(3)


@pytest.mark.parametrize(("width", "height"), [(375, 740), (1366, 768)])
def test_the_admin_page_fits_and_shows_offline_screens_plainly(
    browser: Browser, live_server: LoketServer, width: int, height: int
) -> None:
    site = Site(live_server)
    counters = [f"demo/{n}" for n in range(1, 7)]
    answer = httpx.post(
        f"{live_server.url}/api/v1/users",
        headers=site.auth,
        json={"username": "siti.rahmawati", "password": "front-desk-tea", "counters": counters},
    )
    answer.raise_for_status()
    display = browser.new_page(viewport={"width": 1280, "height": 720})
    display.goto(f"{live_server.url}/display/demo?zone=lobby-north")

    admin = browser.new_page(viewport={"width": width, "height": height})
    admin.goto(f"{live_server.url}/admin?lang=en")
    log_in(admin)
    screen = admin.locator('[data-site="demo"] [data-displays] tr').first
    expect(screen).to_contain_text("Hall display", timeout=10000)
    expect(screen).to_contain_text("Up to date")
    expect(admin.locator('#users tr[data-user="siti.rahmawati"]')).to_have_count(1)
    admin.wait_for_function("() => document.fonts.status === 'loaded'")
    shot(admin, f"admin-{width}x{height}")
    assert admin.evaluate("document.documentElement.scrollWidth") <= width
    assert admin.evaluate(STICKING_OUT) == []

    sound = screen.locator("td").nth(2)
    expect(sound).not_to_have_text("—")  # the TV reported its sound
    display.close()  # the TV goes away: no sound plays there, whatever it last said
    expect(screen).to_contain_text("Offline", timeout=10000)
    expect(sound).to_have_text("—")
    admin.goto(f"{live_server.url}/admin?lang=ru")
    expect(screen).to_contain_text("Табло", timeout=10000)  # the kind of screen, translated
    shot(admin, f"admin-offline-ru-{width}x{height}")
    assert admin.evaluate("document.documentElement.scrollWidth") <= width
