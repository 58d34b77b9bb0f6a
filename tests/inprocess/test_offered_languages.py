"""Which languages a page offers: a site's own (the ones its names are written in), the
union of every site's on the index and admin pages; never one the names are not in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loket.server.config import parse_sites
from tests.inprocess.running import running_loket
from tests.support.sites import small_site

HALL = """
[[sites]]
id = "hall"
name = { id = "Aula", az = "Zal" }
timezone = "Asia/Jakarta"
languages = ["id", "az"]
[[sites.services]]
id = "A"
name = { id = "Izin", az = "İcazə" }
[[sites.counters]]
id = "1"
name = { id = "Loket 1", az = "Masa 1" }
services = ["A"]
"""


def switcher(page: str) -> list[str]:
    """The languages of the page's language switchers, in order (once each)."""
    return list(dict.fromkeys(re.findall(r'hreflang="([\w-]+)"', page)))


def html_lang(page: str) -> str:
    found = re.search(r'<html[^>]*\blang="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_pages_offer_only_the_languages_of_their_sites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = parse_sites(small_site("office") + HALL, "sites.toml")
    async with running_loket(tmp_path, monkeypatch, sites=sites) as loket:
        office = await loket.http.get("/counter/office/1", headers={"Accept-Language": "ru"})
        hall = await loket.http.get("/counter/hall/1", headers={"Accept-Language": "ru, az"})
        kiosk = await loket.http.get("/kiosk/hall")
        admin = await loket.http.get("/admin")
        index = await loket.http.get("/")
        asked = await loket.http.get("/counter/office/1?lang=ru")
    # a site in English alone: no switcher, and a Russian browser gets English, not
    # Russian labels over English names
    assert html_lang(office.text) == "en" and switcher(office.text) == []
    assert html_lang(hall.text) == "az" and switcher(hall.text) == ["id", "az"]
    assert switcher(kiosk.text) == ["id", "az"]
    assert switcher(admin.text) == switcher(index.text) == ["en", "id", "az"]
    # an explicit ?lang= is still obeyed (a shared link), and the switcher shows it
    assert html_lang(asked.text) == "ru" and switcher(asked.text) == ["en", "ru"]
