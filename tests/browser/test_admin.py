"""The admin page: an admin sees the queues and which screens are up to date."""

from playwright.sync_api import Browser, expect

from tests.browser.pages import log_in
from tests.support.server import LoketServer


def test_the_admin_sees_the_hall_screens(browser: Browser, live_server: LoketServer) -> None:
    display = browser.new_page(viewport={"width": 1280, "height": 720})
    display.goto(f"{live_server.url}/display/demo?zone=lobby")
    live_server_state = display.request.get(f"{live_server.url}/api/v1/sites/demo/state").json()

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(f"{live_server.url}/admin?lang=en")
    log_in(admin)
    screens = admin.locator('[data-site="demo"] [data-displays] tr')
    expect(screens).to_have_count(1, timeout=10000)
    expect(screens.first).to_contain_text("display")
    expect(screens.first).to_contain_text("lobby")
    expect(screens.first).to_contain_text("Up to date")
    expect(screens.first).to_contain_text(str(live_server_state["seq"]))

    display.close()  # the TV goes away: the admin sees it offline at the next poll
    expect(screens.first).to_contain_text("Offline", timeout=10000)
