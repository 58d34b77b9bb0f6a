"""The hall display's labels in the site's languages, as its `[sites.display] labels`
setting says: rotating through them, a pair side by side, or a single language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loket.server.config import parse_sites
from tests.inprocess.running import running_loket

SITE = """
[[sites]]
id = "hall"
name = {{ en = "Hall", id = "Aula", az = "Zal" }}
timezone = "Asia/Jakarta"
languages = ["en", "id", "az"]
[sites.display]
labels = "{mode}"
[[sites.services]]
id = "A"
name = {{ en = "Permits", id = "Izin", az = "İcazə" }}
[[sites.counters]]
id = "1"
name = {{ en = "Counter 1", id = "Loket 1", az = "Masa 1" }}
services = ["A"]
"""


def title(page: str) -> str:
    found = re.search(r'id="current-title">(.*?)</h2>', page, re.S)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    ("mode", "shown", "hidden"),
    [("rotate", ["en"], ["id", "az"]), ("pair", ["en", "id"], ["az"]), ("single", ["en"], [])],
)
async def test_the_display_labels_follow_the_sites_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, shown: list[str], hidden: list[str]
) -> None:
    sites = parse_sites(SITE.format(mode=mode), "hall.toml")
    async with running_loket(tmp_path, monkeypatch, sites=sites) as loket:
        answer = await loket.http.get("/display/hall?lang=en")
    assert answer.status_code == 200
    label = title(answer.text)
    spans = re.findall(r'<span lang="(\w+)" data-i="\d"( hidden)?>', label)
    if mode == "single":
        assert spans == [] and "<span" not in label and label.strip() == "Now calling"
    else:
        assert [lang for lang, off in spans if not off] == shown
        assert [lang for lang, off in spans if off] == hidden
        assert f"ml-{mode}" in label
