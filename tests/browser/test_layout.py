"""The hall display fits the common TV sizes without scrolling, with a full board."""

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.server import ADMIN_PASSWORD, LoketServer

SIZES = [(1920, 1080), (1280, 720), (1080, 1920)]


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory):

    server = LoketServer(tmp_path_factory.mktemp("layout")).start()
    with httpx.Client(base_url=server.url) as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["token"]
        for service in "AABBCCAABBCCAABBCC":
            http.post("/api/v1/sites/demo/tickets", json={"service": service})
        for counter in "123456":
            http.post(
                f"/api/v1/sites/demo/counters/{counter}/call-next",
                headers={"Authorization": f"Bearer {token}"},
            )
    yield server
    server.stop()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_display_fits_without_scrolling(
    browser: Browser, busy_server: LoketServer, width: int, height: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{busy_server.url}/display/demo")
    expect(page.locator(".serving-row[data-counter='6'] .serving-number")).not_to_have_text("—")
    sizes = page.evaluate(
        "() => ({w: document.documentElement.scrollWidth,"
        " h: document.documentElement.scrollHeight})"
    )
    assert sizes["w"] <= width and sizes["h"] <= height
    for selector in ["#current-number", "#current-counter", ".serving-row[data-counter='6']"]:
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert 0 <= box["x"] and box["x"] + box["width"] <= width + 1
        assert 0 <= box["y"] and box["y"] + box["height"] <= height + 1
    number_height = page.locator("#current-number").bounding_box()["height"]
    assert number_height >= height * 0.12  # readable from across the hall
    page.screenshot(path=str(busy_server.workdir / f"display-{width}x{height}.png"))
    page.close()
