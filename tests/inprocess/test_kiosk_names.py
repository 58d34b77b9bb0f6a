"""A service named only in the site's first language shows that name on a kiosk in another
language, marked with its own language: the browser hyphenates it by the right rules."""

import re
from pathlib import Path

import pytest

from loket.server.config import parse_sites
from tests.inprocess.running import running_loket

MIXED = """
[[sites]]
id = "mixed"
name = { id = "Kantor", ru = "Офис" }
timezone = "Asia/Jakarta"
languages = ["id", "ru"]

[[sites.services]]
id = "A"
name = { id = "Dinas Kependudukan", ru = "Управление ЗАГС" }

[[sites.services]]
id = "B"
name = { id = "Badan Pertanahan Nasional" }

[[sites.counters]]
id = "1"
name = { id = "Loket 1", ru = "Окно 1" }
services = ["A", "B"]
"""


def service_name(page: str, text: str) -> str:
    found = re.search(r'<span class="service-name"[^>]*>' + re.escape(text) + "</span>", page)
    assert found, text
    return found.group(0)


async def test_a_name_in_another_language_says_which(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = parse_sites(MIXED, "mixed.toml", tmp_path)
    async with running_loket(tmp_path / "run", monkeypatch, sites=sites) as loket:
        page = (await loket.http.get("/kiosk/mixed?lang=ru")).text
        assert '<html lang="ru"' in page
        assert "lang=" not in service_name(page, "Управление ЗАГС")
        assert 'lang="id"' in service_name(page, "Badan Pertanahan Nasional")
