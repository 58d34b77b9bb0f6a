"""A hall TV survives a server restart: it reconnects by itself and never reloads."""

import re
import signal
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect

from tests.support.server import LoketServer, free_port

OFFLINE = re.compile(r"\boffline\b")


def test_display_reconnects_after_a_restart_without_reloading(
    browser: Browser, tmp_path: Path
) -> None:
    server = LoketServer(tmp_path, port=free_port()).start()
    try:
        display = browser.new_page(viewport={"width": 1280, "height": 720})
        display.goto(f"{server.url}/display/demo")
        expect(display.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=5000)
        display.evaluate("window.loketMarker = 'still the same page'")

        assert server.process is not None
        stopping = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(15) == 0
        assert time.monotonic() - stopping < 5  # a connected TV does not hold up shutdown
        expect(display.locator("#conn-status")).to_have_class(OFFLINE, timeout=5000)

        server.start()

        httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": "B"})
        expect(display.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=15000)
        expect(display.locator('[data-waiting="B"]')).to_contain_text("1", timeout=5000)
        assert display.evaluate("window.loketMarker") == "still the same page"
    finally:
        server.stop()
