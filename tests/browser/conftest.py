from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.browser.pages import Display
from tests.support.server import LoketServer

CHROMIUM = "/usr/bin/chromium"
# A hall TV's browser starts with this (scripts/hall-tv): sound plays without a key press.
AUTOPLAY = "--autoplay-policy=no-user-gesture-required"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    AUTOPLAY,
]


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Debian's Chromium: Playwright's own browser download cannot work offline
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def browser_without_autoplay(playwright: Playwright) -> Iterator[Browser]:
    """Chromium as most browsers start: sound stays locked until a key press or a tap.

    Careful: Playwright's page.evaluate() counts as a user gesture, but it fires no key or
    pointer event, so it does not unlock the display's sound by itself.
    """
    flags = [flag for flag in CHROMIUM_FLAGS if flag != AUTOPLAY]
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
    yield launched
    launched.close()


@pytest.fixture
def display(browser: Browser, live_server: LoketServer) -> Iterator[Display]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        yield Display(context, live_server)
    finally:
        context.close()
