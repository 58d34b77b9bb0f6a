"""The kiosk prints on the roll its site's TOML names (`paper_mm`), unless the kiosk's own
address says otherwise (?paper=80 or ?paper=58); so does the visitor's print view."""

import re
from pathlib import Path

import pytest

from loket.server.config import parse_sites
from tests.inprocess.running import running_loket

NARROW = """
[[sites]]
id = "narrow"
name = { id = "Kantor" }
timezone = "Asia/Jakarta"
languages = ["id"]
paper_mm = 58

[[sites.services]]
id = "A"
name = { id = "Izin" }

[[sites.counters]]
id = "1"
name = { id = "Loket 1" }
services = ["A"]
"""


def roll(page: str) -> str:
    found = re.findall(r'class="[^"]*print-root[^"]*paper-(\d+)', page)
    assert len(found) == 1, found
    return str(found[0])


async def test_the_sites_roll_and_a_kiosks_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = parse_sites(NARROW, "narrow.toml", tmp_path)
    async with running_loket(tmp_path / "run", monkeypatch, sites=sites) as loket:
        assert roll((await loket.http.get("/kiosk/narrow")).text) == "58"
        assert roll((await loket.http.get("/kiosk/narrow?paper=80")).text) == "80"
        assert roll((await loket.http.get("/kiosk/narrow?paper=110")).text) == "58"
        ticket = (await loket.issue("A", site="narrow"))["ticket"]
        assert roll((await loket.http.get(f"/t/{ticket['id']}?print=1")).text) == "58"
        assert roll((await loket.http.get(f"/t/{ticket['id']}?print=1&paper=80")).text) == "80"
