"""What a person does on a page, shared by the browser tests."""

from playwright.sync_api import Page

from tests.support.server import ADMIN_PASSWORD


def log_in(page: Page, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    form = page.locator("#login-form")
    form.locator('[name="username"]').fill(username)
    form.locator('[name="password"]').fill(password)
    form.locator('[type="submit"]').click()
