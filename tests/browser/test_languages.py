"""Pages in every language: the pseudo-locale (every text 40% longer) overflows nothing at
1280×720, and the hall display rotates its labels through the site's languages."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.server import LoketServer

# Elements with their own text that stick out of the screen or out of their panel.
OVERFLOWING = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("[hidden], .sr-only, .ticker, script, style")) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect();
    if (!box.width) continue;
    const frame = el.parentElement.closest(".panel, section, header, footer, form, li, button")
      || document.documentElement;
    const outer = frame.getBoundingClientRect();
    const escapes = box.left < outer.left - 1 || box.right > outer.right + 1
      || box.left < 0 || box.right > innerWidth + 1;
    const clipped = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;
    if (escapes || clipped) out.push(`${el.tagName}.${el.className}: ${el.textContent.trim()}`);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def pseudo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoketServer]:
    server = LoketServer(tmp_path_factory.mktemp("pseudo"), env={"LOKET_PSEUDO_LOCALE": "1"})
    with server.running() as running:
        yield running


def open_page(browser: Browser, url: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    return page


@pytest.mark.parametrize("path", ["/display/demo", "/kiosk/demo"])
def test_longer_texts_overflow_nothing(
    browser: Browser, pseudo_server: LoketServer, path: str
) -> None:
    page = open_page(browser, f"{pseudo_server.url}{path}?lang=xx")
    expect(page.locator("html")).to_have_attribute("lang", "xx")
    expect(page.locator("h2").first).to_contain_text("·")  # the stretched texts are there
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    page.screenshot(path=str(pseudo_server.workdir / f"pseudo{path.replace('/', '-')}.png"))
    assert page.evaluate(OVERFLOWING) == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    page.close()


@pytest.fixture(scope="module")
def rotating_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoketServer]:
    folder = tmp_path_factory.mktemp("rotating")
    demo = (Path(__file__).parents[2] / "server" / "demo.toml").read_text(encoding="utf-8")
    site = folder / "site.toml"
    site.write_text(
        demo.replace(
            'languages = ["id", "en", "az"]\n',
            'languages = ["id", "en", "az"]\ndisplay = { labels = "rotate", rotate_seconds = 2 }\n',
            1,
        ),
        encoding="utf-8",
    )
    with LoketServer(folder, "--config", str(site)).running() as running:
        yield running


def test_the_display_rotates_its_labels_through_the_site_languages(
    browser: Browser, rotating_server: LoketServer
) -> None:
    page = open_page(browser, f"{rotating_server.url}/display/demo?lang=id")
    title = page.locator("#current-title [data-i]:not([hidden])")
    counter = page.locator(".serving-row[data-counter='1'] .serving-name [data-i]:not([hidden])")
    seen = []
    for _ in range(3):
        expect(title).to_have_count(1)
        lang = title.get_attribute("lang")
        seen.append((lang, title.inner_text(), counter.inner_text()))
        expect(title).not_to_have_attribute("lang", lang or "", timeout=5000)  # its turn ends
    assert [lang for lang, _, _ in seen] == ["id", "en", "az"]  # the page's language first
    assert {name for _, _, name in seen} == {"Loket 1", "Counter 1", "Masa 1"}
    assert len({text for _, text, _ in seen}) == 3  # each language in its own words
    page.close()
