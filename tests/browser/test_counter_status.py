"""A counter's status (CONTRACT 6.2) as people see it: the clerk opens with chosen services,
pauses with a reason, calls next and is open again; the hall display says "On break" and
"Closed" instead of a dash, and a real hall of 40 counters still fits the screen."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.pages import log_in
from tests.browser.test_real_hall import GEOMETRY
from tests.support.real_hall import SERVICES, SITE_ID, real_hall_site
from tests.support.server import ADMIN_PASSWORD, LoketServer

SHOTS = os.environ.get("LOKET_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def issue(server: LoketServer, service: str) -> str:
    answer = httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": service})
    answer.raise_for_status()
    return str(answer.json()["ticket"]["number"])


def row(page: Page, counter: str) -> Locator:
    return page.locator(f'.serving-row[data-counter="{counter}"]')


def test_pause_with_a_reason_then_call_next_opens_again(
    browser: Browser, live_server: LoketServer
) -> None:
    a, b = issue(live_server, "A"), issue(live_server, "B")
    tv = browser.new_page(viewport={"width": 1280, "height": 720})
    tv.goto(f"{live_server.url}/display/demo?lang=en")
    closed = row(tv, "6").locator('.serving-status[data-status="closed"]')
    expect(closed).to_be_visible()
    expect(closed).to_contain_text("Closed")
    expect(row(tv, "6").locator(".serving-number")).to_be_hidden()

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/counter/demo/6?lang=en")
    log_in(page)
    status = page.locator("#status-text")
    expect(status).to_have_text("Closed")
    expect(page.locator("#call-next")).to_be_focused()  # logged in
    # counter 6 serves A, B and C: today only B and C
    boxes = page.locator('#open-services input[name="service"]')
    expect(boxes).to_have_count(3)
    page.locator('#open-services input[value="A"]').uncheck()
    page.keyboard.press("KeyO")
    expect(status).to_have_text("Open")
    expect(page.locator("#status-card")).to_have_attribute("data-status", "open")
    expect(page.locator("#counter-message")).to_have_text("The counter is open.")
    expect(row(tv, "6").locator(".serving-number")).to_have_text("—")  # open, nobody yet
    expect(page.locator("#call-next")).to_be_focused()
    expect(page.locator("#call-next")).to_be_enabled()  # a press just made is not doubled

    page.keyboard.press("Space")
    expect(page.locator("#current-ticket")).to_have_text(b)  # not A001: A is not served today
    expect(page.locator("#done")).to_be_enabled()
    page.keyboard.press("KeyD")
    expect(page.locator("#current-ticket")).to_have_text("—")

    expect(page.locator("#pause-counter")).to_be_enabled()
    page.locator("#pause-counter").click()
    dialog = page.locator("#pause-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Prayer").check()
    shot(page, "counter-pause-dialog")
    dialog.locator("#pause-confirm").click()
    expect(status).to_have_text("On break")
    expect(page.locator("#status-reason")).to_have_text("Prayer")
    expect(page.locator("#pause-counter")).to_be_disabled()
    shot(page, "counter-on-break")
    paused = row(tv, "6").locator('.serving-status[data-status="paused"]')
    expect(paused).to_be_visible()
    expect(paused).to_contain_text("On break")
    expect(row(tv, "6")).to_have_class(re.compile(r"\bpaused\b"))
    shot(tv, "display-on-break")

    expect(page.locator("#call-next")).to_be_enabled()
    page.keyboard.press("Space")  # call next at a paused counter: the server opens it
    expect(status).to_have_text("Open")
    expect(page.locator("#status-reason")).to_be_hidden()
    assert page.locator("#current-ticket").inner_text() == "—"  # nobody for B or C
    expect(page.locator("#counter-message")).to_have_text("Nobody is waiting.")
    expect(row(tv, "6").locator(".serving-number")).to_have_text("—")
    assert a == "A001"

    expect(page.locator("#pause-counter")).to_be_enabled()
    page.keyboard.press("KeyP")  # own words this time
    page.locator("#pause-other").fill("Training upstairs")
    page.keyboard.press("Enter")
    expect(page.locator("#status-reason")).to_have_text("Training upstairs")
    expect(page.locator("#close-counter")).to_be_enabled()
    page.keyboard.press("KeyX")  # close: nobody is at the desk
    expect(status).to_have_text("Closed")
    expect(closed).to_be_visible()


def test_closing_while_serving_is_refused_on_the_page(
    browser: Browser, live_server: LoketServer
) -> None:
    issue(live_server, "A")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/counter/demo/1?lang=id")
    log_in(page)
    expect(page.locator("#status-text")).to_have_text("Tutup")
    expect(page.locator("#call-next")).to_be_focused()  # logged in
    page.keyboard.press("Space")
    expect(page.locator("#status-text")).to_have_text("Buka")  # the call opened it
    page.locator("#close-counter").click()
    expect(page.locator("#counter-message")).to_have_text(
        "Selesaikan atau alihkan tiket saat ini sebelum menutup loket."
    )
    expect(page.locator("#status-text")).to_have_text("Buka")


@pytest.fixture(scope="module")
def quiet_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoketServer]:
    """The real hall of 40 counters mid-morning: 16 serving, 8 on a break, the rest closed."""
    folder = tmp_path_factory.mktemp("quiet-hall")
    site = folder / "hall.toml"
    site.write_text(real_hall_site(40, 12), encoding="utf-8")
    server = LoketServer(folder, "--config", str(site)).start()
    base = f"{server.url}/api/v1/sites/{SITE_ID}"
    with httpx.Client(base_url=server.url) as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        for prefix, *_ in SERVICES[:12]:
            for _ in range(5):
                http.post(f"{base}/tickets", json={"service": prefix}).raise_for_status()
        for n in range(1, 17):
            http.post(f"{base}/counters/{n}/call-next", headers=auth).raise_for_status()
        for n in range(17, 25):
            body = {"reason": "Istirahat"}
            http.post(f"{base}/counters/{n}/pause", headers=auth, json=body).raise_for_status()
    yield server
    server.stop()


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1080, 1920)])
def test_a_hall_of_40_with_closed_and_paused_counters_fits(
    browser: Browser, quiet_hall: LoketServer, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{quiet_hall.url}/display/{SITE_ID}?lang=id")
    expect(page.locator("#current-number")).not_to_have_text("—")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    assert page.locator(".serving-row.paused").count() == 8
    assert page.locator(".serving-row.closed").count() == 16
    paused = page.locator('.serving-row[data-counter="17"] .serving-status[data-status="paused"]')
    expect(paused).to_contain_text("Istirahat")
    assert page.evaluate(GEOMETRY) == []
    # the page of "now serving" with the paused and closed counters (rows page every 8 s)
    on_break = page.locator('.serving-row[data-counter="24"]')
    expect(on_break).not_to_have_class(re.compile(r"\boff-page\b"), timeout=20_000)
    expect(on_break.locator('[data-status="paused"]')).to_be_visible()
    assert page.evaluate(GEOMETRY) == []
    shot(page, f"display-40-statuses-{width}x{height}")
    page.close()
