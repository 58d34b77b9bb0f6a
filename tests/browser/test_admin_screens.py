"""The admin page's screens: an admin names a screen in its row and removes one after
confirming, with the keyboard alone, while the list goes on updating; a hall with 30
screens and long names fits a laptop and a phone."""

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from websockets.sync.client import ClientConnection, connect

from tests.browser.pages import Site, log_in
from tests.browser.test_staff_pages import SHOTS, STICKING_OUT, shot
from tests.support.server import LoketServer

HALL_B = "Hall B, left of the entrance"
# names as a real office writes them, up to the 80 characters a name may have
LONG_NAMES = [
    "Layar Aula Utama Lantai 2, sebelah kiri pintu masuk Dinas Kependudukan dan Capil",
    "Табло в зале ожидания миграционной службы, у окна № 14, второй этаж (север)",
    "Zal ekranı, Əhalinin Sosial Müdafiəsi şöbəsinin girişinin sağında, 3-cü mərtəbə",
    "Hall display above counters 11–20 (BPJS Kesehatan, Ketenagakerjaan, Imigrasi)",
]


@contextmanager
def screen_socket(server: LoketServer, screen_id: str) -> Iterator[ClientConnection]:
    """A hall TV as the server sees it: its socket and its hello, for the block."""
    with connect(f"{server.ws_url}/ws/display/demo", open_timeout=5) as ws:
        ws.recv(timeout=5)  # the snapshot
        hello = {"id": screen_id, "page": "display", "zone": "lobby", "screen": "1920x1080"}
        ws.send(json.dumps({"type": "hello", "display": hello, "audio": "running"}))
        ws.send(json.dumps({"type": "ping", "t": 1}))  # answered after the hello was read
        while json.loads(ws.recv(timeout=5))["type"] != "pong":
            pass
        yield ws


@contextmanager
def screens(server: LoketServer, ids: list[str]) -> Iterator[list[ClientConnection]]:
    with ExitStack() as stack:
        sockets = []
        for screen_id in ids:
            sockets.append(stack.enter_context(screen_socket(server, screen_id)))
        yield sockets


def seen(page: Page, name: str) -> None:
    """What the screen shows now (not the whole page), into LOKET_SCREENSHOTS."""
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def row_of(admin: Page, screen_id: str):  # noqa: ANN201  (a Locator)
    return admin.locator(f'[data-site="demo"] [data-displays] tr[data-screen="{screen_id}"]')


def wait_for_a_poll(admin: Page) -> None:
    """Until the page has read the list again (every 5 s) and shown it."""
    with admin.expect_response(lambda answer: answer.url.endswith("/displays"), timeout=12000):
        pass
    admin.evaluate("() => new Promise((shown) => setTimeout(shown, 250))")


def test_the_admin_names_and_removes_screens_by_keyboard(
    browser: Browser, live_server: LoketServer
) -> None:
    site = Site(live_server)
    tv = browser.new_page(viewport={"width": 1280, "height": 720})
    tv.goto(f"{live_server.url}/display/demo?zone=lobby")
    with screen_socket(live_server, "stairs-tv-0001"):
        pass  # it reported and went away: an offline TV

    admin = browser.new_page(viewport={"width": 1366, "height": 768})
    admin.goto(f"{live_server.url}/admin?lang=en")
    log_in(admin)
    listed = admin.locator('[data-site="demo"] [data-displays] tr[data-screen]')
    expect(listed).to_have_count(2, timeout=10000)
    (live_id,) = [d["id"] for d in site.displays().json()["displays"] if d["connected"]]
    live = row_of(admin, live_id)
    expect(live.locator(".screen-title")).to_have_text(f"Hall display · {live_id[:8]}")

    # Rename, by keyboard: the button, Enter, type, Enter
    rename = live.get_by_role("button", name="Rename")
    rename.focus()
    admin.keyboard.press("Enter")
    field = live.get_by_role("textbox", name="Name of the screen")
    expect(field).to_be_focused()
    admin.keyboard.type(HALL_B)
    wait_for_a_poll(admin)  # the list is read again meanwhile: the editor stays, and its text
    expect(field).to_be_focused()
    expect(field).to_have_value(HALL_B)
    seen(admin, "admin-screen-rename")
    admin.keyboard.press("Enter")
    expect(live.locator(".screen-title")).to_have_text(HALL_B)
    expect(live.locator(".screen-meta")).to_contain_text(f"Hall display · {live_id[:8]}")
    expect(admin.locator('[data-site="demo"] [data-screens-message]')).to_have_text(
        f"Hall display · {live_id[:8]} is now called {HALL_B}."
    )
    expect(rename).to_be_focused()  # back where the admin was
    wait_for_a_poll(admin)
    expect(rename).to_be_focused()  # a poll does not take the focus away
    assert [d["name"] for d in site.displays().json()["displays"] if d["id"] == live_id] == [HALL_B]

    # Escape leaves the name as it was
    admin.keyboard.press("Enter")
    admin.keyboard.press("Control+A")
    admin.keyboard.type("Not this")
    admin.keyboard.press("Escape")
    expect(live.locator(".screen-title")).to_have_text(HALL_B)
    expect(rename).to_be_focused()

    # Remove the offline TV: asked first; Cancel keeps it
    offline = row_of(admin, "stairs-tv-0001")
    expect(offline).to_contain_text("Offline")
    expect(offline.locator("td").nth(2)).to_have_text("—")  # no sound plays on an offline TV
    offline.get_by_role("button", name="Remove").click()
    confirm = admin.locator('[data-site="demo"] .screen-confirm-row')
    expect(confirm).to_contain_text("Remove Hall display · stairs-t from the list?")
    expect(confirm.get_by_role("button", name="Remove")).to_be_focused()
    wait_for_a_poll(admin)  # the question stays through a poll
    expect(confirm).to_have_count(1)
    seen(admin, "admin-screen-remove")
    admin.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(offline).to_have_count(1)
    offline.get_by_role("button", name="Remove").click()
    admin.keyboard.press("Enter")
    expect(offline).to_have_count(0)
    expect(admin.locator('[data-site="demo"] [data-screens-message]')).to_have_text(
        "Hall display · stairs-t was removed from the list."
    )
    wait_for_a_poll(admin)
    expect(offline).to_have_count(0)  # gone for good
    expect(listed).to_have_count(1)

    # a reload reads the name back from the server; in Russian, the kinds too
    admin.goto(f"{live_server.url}/admin?lang=ru")
    expect(row_of(admin, live_id).locator(".screen-title")).to_have_text(HALL_B, timeout=10000)
    expect(row_of(admin, live_id).locator(".screen-meta")).to_contain_text("Табло")
    expect(row_of(admin, live_id).get_by_role("button", name="Переименовать")).to_be_visible()
    tv.close()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (375, 740)])
def test_thirty_screens_with_long_names_fit(
    browser: Browser, live_server: LoketServer, width: int, height: int
) -> None:
    site = Site(live_server)
    ids = [f"{n:02d}a58cd-hall-tv-{n}" for n in range(30)]
    with screens(live_server, ids[:24]) as sockets:
        for ws in sockets[20:]:
            ws.close()  # a few went offline
        for n, screen_id in enumerate(ids[:24]):
            name = LONG_NAMES[n % len(LONG_NAMES)] if n % 3 else None
            if name is not None:
                answer = httpx.patch(
                    f"{site.base}/displays/{screen_id}",
                    headers=site.auth,
                    json={"name": name},
                )
                assert answer.status_code == 200, answer.text
        with screens(live_server, ids[24:]):
            admin = browser.new_page(viewport={"width": width, "height": height})
            admin.goto(f"{live_server.url}/admin?lang=en")
            log_in(admin)
            rows = admin.locator('[data-site="demo"] [data-displays] tr[data-screen]')
            expect(rows).to_have_count(30, timeout=10000)
            admin.wait_for_function("() => document.fonts.status === 'loaded'")
            shot(admin, f"admin-30-screens-{width}x{height}")
            table = admin.locator('[data-site="demo"] .screens-table')
            table.evaluate("(node) => node.scrollIntoView()")
            seen(admin, f"admin-30-screens-{width}x{height}-seen")
            assert admin.evaluate("document.documentElement.scrollWidth") <= width
            assert admin.evaluate(STICKING_OUT) == []
            offline = row_of(admin, ids[21])
            expect(offline).to_contain_text("Offline")
            expect(offline.locator("td").nth(2)).to_have_text("—")
            expect(row_of(admin, ids[1]).locator(".screen-title")).to_have_text(LONG_NAMES[1])
