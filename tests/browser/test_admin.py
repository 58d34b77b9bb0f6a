"""The admin page: an admin sees the queues and which screens are up to date."""

from playwright.sync_api import Browser, expect

from tests.browser.pages import log_in
from tests.support.server import ADMIN_PASSWORD, LoketServer


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


def test_the_admin_manages_users(browser: Browser, live_server: LoketServer) -> None:
    """Create a clerk, give a new password (the clerk's page logs out), disable and enable,
    delete after confirming; a refusal is shown; the admin's own password, asked with the
    current one, keeps the admin's page working."""
    clerk = browser.new_page(viewport={"width": 1280, "height": 800})
    admin = browser.new_page(viewport={"width": 1280, "height": 1000})
    admin.goto(f"{live_server.url}/admin?lang=en")
    log_in(admin)
    form = admin.locator("#user-form")
    form.locator('[name="username"]').fill("siti")
    form.locator('[name="password"]').fill("front-desk-tea")
    form.locator('[name="all_counters"]').check()
    form.locator('[type="submit"]').click()
    row = admin.locator('#users tr[data-user="siti"]')
    expect(row).to_contain_text("Active")

    clerk.goto(f"{live_server.url}/counter/demo/1?lang=en")
    log_in(clerk, "siti", "front-desk-tea")
    expect(clerk.locator("#login-view")).to_be_hidden()

    message = admin.locator("#users-message")
    row.get_by_role("button", name="New password").click()
    editor = admin.locator('form.user-password[data-for="siti"]')
    editor.locator('[name="new"]').fill("siti2024")  # too short: refused, and said so
    editor.get_by_role("button", name="Save").click()
    expect(message).to_contain_text("at least 10 characters")
    expect(message).to_have_class("message error")
    editor.locator('[name="new"]').fill("quiet-river-lamp")
    editor.get_by_role("button", name="Save").click()
    expect(message).to_contain_text("The password of siti was changed")
    expect(editor).to_have_count(0)

    clerk.locator("#call-next").click()  # the clerk's session has ended: back to the login
    expect(clerk.locator("#login-view")).to_be_visible(timeout=5000)
    log_in(clerk, "siti", "quiet-river-lamp")
    expect(clerk.locator("#login-view")).to_be_hidden()

    row.get_by_role("button", name="Disable").click()
    expect(row.locator("[data-state]")).to_have_text("Disabled")
    expect(message).to_contain_text("siti is disabled")
    clerk.reload()
    expect(clerk.locator("#login-view")).to_be_visible()
    row.get_by_role("button", name="Enable").click()
    expect(row.locator("[data-state]")).to_have_text("Active")

    row.get_by_role("button", name="Delete").click()
    confirm = admin.locator("#users .user-confirm")
    expect(confirm).to_contain_text("Delete the user siti?")
    confirm.get_by_role("button", name="Cancel").click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete").click()
    confirm.get_by_role("button", name="Delete").click()
    expect(message).to_contain_text("The user siti was deleted")
    expect(row).to_have_count(0)

    own = admin.locator('#users tr[data-user="admin"]')
    expect(own).to_contain_text("(you)")
    expect(own.get_by_role("button", name="Disable")).to_have_count(0)
    own.get_by_role("button", name="New password").click()
    editor = admin.locator('form.user-password[data-for="admin"]')
    editor.locator('[name="old"]').fill("not-my-password")
    editor.locator('[name="new"]').fill("hall-secret-2027")
    editor.get_by_role("button", name="Save").click()
    expect(message).to_contain_text("current password is wrong")
    editor.locator('[name="old"]').fill(ADMIN_PASSWORD)
    editor.get_by_role("button", name="Save").click()
    expect(message).to_contain_text("Your password was changed")
    # the page goes on with the new session: a change still works
    admin.reload()
    expect(admin.locator("#admin-app")).to_be_visible()
    expect(admin.locator('#users tr[data-user="admin"]')).to_have_count(1)
