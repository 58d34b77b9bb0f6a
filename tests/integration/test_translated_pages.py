"""Every page in Indonesian, Azerbaijani and Russian shows no English UI text: neither in
the HTML nor in the strings handed to its script."""

import json
import re
from html.parser import HTMLParser

import httpx
import pytest

from loket.server.i18n.check import catalog_paths, read_catalog
from tests.support.server import LoketServer


class VisibleText(HTMLParser):
    """The text nodes of a page in its own language, outside <script> and <style>, and its
    attribute texts that people see (title, aria-label, placeholder, alt). Text marked as
    another language (the display's labels in every site language, the language switcher)
    is that language's, not an untranslated leftover."""

    SEEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, whether its text is not ours)

    def _skipping(self) -> bool:
        return any(skip for _, skip in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other = values.get("lang") not in (None, self.lang)
        if tag not in self.VOID:
            self._open.append((tag, tag in ("script", "style") or other))
        if not self._skipping() and not other:
            self.texts += [v.strip() for k, v in attrs if k in self.SEEN_ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.texts.append(" ".join(data.split()))


def english_texts(lang: str) -> set[str]:
    """The English UI texts whose translation into `lang` differs from them."""
    catalog = read_catalog(catalog_paths()[lang])
    return {
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.id and m.string and m.string != m.id and len(m.id) > 2
    }


def page_config(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="loket-config">(.*?)</script>', page)
    return json.loads(match.group(1)) if match else {}


@pytest.fixture(scope="module")
def ticket_path(server: LoketServer) -> str:
    with httpx.Client(base_url=server.url) as client:
        answer = client.post("/api/v1/sites/demo/tickets", json={"service": "A"})
        return f"/t/{answer.json()['ticket']['id']}"


@pytest.mark.parametrize("lang", ["id", "az", "ru"])
def test_no_page_shows_english_ui_text(http: httpx.Client, ticket_path: str, lang: str) -> None:
    english = english_texts(lang)
    assert len(english) >= 80  # a translated catalog, or this test would prove nothing
    for path in ["/", "/display/demo", "/kiosk/demo", "/counter/demo/1", "/admin", ticket_path]:
        page = http.get(path, params={"lang": lang})
        assert page.status_code == 200, path
        parser = VisibleText(lang)
        parser.feed(page.text)
        assert [t for t in parser.texts if t in english] == [], (path, lang)
        strings = page_config(page.text).get("strings", {})
        assert isinstance(strings, dict)
        assert [v for v in strings.values() if v in english] == [], (path, lang)
