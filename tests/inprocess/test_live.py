"""The supervisors' live view (CONTRACT 6.3): `GET .../live` and the page, who may see them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from loket.server.config import parse_sites
from tests.inprocess.running import Loket, running_loket
from tests.inprocess.test_http import code
from tests.support.sitefiles import demo_with
from tests.support.sites import small_site

TARGETED = demo_with(
    ('name = { id = "KTP Elektronik"', 'target_wait_min = 15\nname = { id = "KTP Elektronik"')
)


async def test_only_supervisors_and_admins_see_the_live_view(loket: Loket) -> None:
    assert code(await loket.http.get("/api/v1/sites/demo/live"), 401) == "login_required"
    clerk = await loket.user_headers("clerk", "staff")
    lead = await loket.user_headers("lead", "supervisor")
    refused = await loket.http.get("/api/v1/sites/demo/live", headers=clerk)
    assert code(refused, 403) == "supervisor_only"
    assert (await loket.http.get("/api/v1/sites/demo/live", headers=lead)).status_code == 200
    admin = await loket.auth()
    assert (await loket.http.get("/api/v1/sites/demo/live", headers=admin)).status_code == 200
    missing = await loket.http.get("/api/v1/sites/nowhere/live", headers=lead)
    assert code(missing, 404) == "unknown_site"


@pytest.fixture
async def targeted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    sites = parse_sites(TARGETED, "targeted.toml")
    async with running_loket(tmp_path, monkeypatch, sites=sites) as running:
        yield running


async def test_lines_against_their_target_and_who_is_served_where(targeted: Loket) -> None:
    loket = targeted
    loket.pin_morning()  # 20 minutes on must not cross the site's midnight
    for _ in range(3):
        await loket.issue("A")
    await loket.issue("B")
    called = await loket.call("1")
    issued_at = datetime.fromisoformat(called["ticket"]["issued_at"])
    # 20 minutes on: the two still waiting for A are over its 15-minute target
    later = issued_at + timedelta(minutes=20)
    loket.service.clock = lambda: later
    answer = await loket.http.get("/api/v1/sites/demo/live", headers=await loket.auth())
    assert answer.status_code == 200, answer.text
    live = answer.json()
    lines = {line["service"]: line for line in live["services"]}
    assert lines["A"]["waiting"] == 2 and lines["A"]["over_target"] == 2
    assert lines["A"]["target_wait_s"] == 900
    assert 1199 <= lines["A"]["longest_wait_s"] <= 1201
    assert lines["B"]["waiting"] == 1 and lines["B"]["target_wait_s"] is None
    assert lines["B"]["over_target"] == 0
    assert lines["C"] == {
        "service": "C",
        "waiting": 0,
        "longest_wait_s": None,
        "target_wait_s": None,
        "over_target": 0,
    }
    counters = {counter["counter"]: counter for counter in live["counters"]}
    assert list(counters) == [c.id for c in loket.service.site("demo").counters]
    assert counters["1"]["current"]["number"] == called["ticket"]["number"]
    assert "id" not in counters["1"]["current"]  # staff answers name tickets by ref
    assert 1199 <= counters["1"]["serving_s"] <= 1201
    assert counters["2"]["current"] is None and counters["2"]["serving_s"] is None
    # CONTRACT 6.2: the call opened counter 1, by its user; the others are closed
    assert (counters["1"]["status"], counters["1"]["user"]) == ("open", "admin")
    assert counters["2"]["status"] == "closed"


async def test_a_pause_shows_with_its_reason_and_its_clerk(loket: Loket) -> None:
    paused = await loket.act("2", "pause", json={"reason": "Sholat"})
    assert paused.status_code == 200, paused.text
    answer = await loket.http.get("/api/v1/sites/demo/live", headers=await loket.auth())
    counter = next(c for c in answer.json()["counters"] if c["counter"] == "2")
    assert (counter["status"], counter["reason"], counter["user"]) == ("paused", "Sholat", "admin")


@pytest.fixture
async def two_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    sites = parse_sites(small_site("north", "North office") + small_site("south"), "two.toml")
    async with running_loket(tmp_path, monkeypatch, sites=sites) as running:
        yield running


async def test_the_live_pages_show_one_site_or_every_site(two_sites: Loket) -> None:
    """A supervisor of several offices sees them all on /live, each with its own socket."""
    loket = two_sites
    one = await loket.http.get("/live/north")
    assert one.status_code == 200 and 'data-site="north"' in one.text
    assert 'data-site="south"' not in one.text
    every = await loket.http.get("/live")
    assert every.status_code == 200
    for site in ("north", "south"):
        assert f'data-site="{site}"' in every.text
        assert f"/ws/display/{site}?site=" in every.text  # the page follows each site
    assert (await loket.http.get("/live/nowhere")).status_code == 404
    await loket.issue("A", site="south")
    lead = await loket.user_headers("lead", "supervisor")
    south = await loket.http.get("/api/v1/sites/south/live", headers=lead)
    assert south.json()["services"][0]["waiting"] == 1


async def test_todays_figures_and_what_each_counter_served(loket: Loket) -> None:
    for service in "AAB":
        await loket.issue(service)
    await loket.call("1")
    assert (await loket.act("1", "done")).status_code == 200
    await loket.call("1")
    answer = await loket.http.get("/api/v1/sites/demo/live", headers=await loket.auth())
    live = answer.json()
    served = {counter["counter"]: counter["served_today"] for counter in live["counters"]}
    assert served["1"] == 1 and sum(served.values()) == 1
    today = live["today"]
    assert (today["issued"], today["called"], today["served"]) == (3, 2, 1)
    assert today["wait_s"]["max"] >= 0 and today["service_s"] is not None
