"""Upgrade in place (issue 13): a site stopped mid-day on the previous release carries on
when this checkout starts on the same SQLite file, or the same Redis.

The fixtures (tests/upgrade/release-*/, README there) were recorded by really running
that release: tickets waiting in several services (one priority, one transferred),
counters serving (one called, one recalled), two hall displays, then SIGTERM. Here this
checkout starts on a copy of the file / a fresh redis-server loaded with every key, in
this process under a real uvicorn, its clock a few minutes after the recorded stop (the
numbers of a day run in the site's time zone), and is driven over HTTP and the display
socket like real clients (tests/upgrade/scenario.py):

- the board (snapshot over HTTP and on the socket: now serving, recent, waiting) is the
  one the old release showed, in the same epoch at the same seq;
- each display resumes from the seq it saw and gets exactly the events after it, as the
  old release sent them, with no new snapshot or epoch, then every new event live;
- every ticket reads as before (its holder's page); users, their sessions and an
  idempotent call answered before the stop carry over;
- numbering goes on (the next ticket of a service gets the next number, not 001);
- every counter calls next in the order priority first, then oldest — and exactly as
  the old release itself did when restarted on the same store (expected.json).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from loket.server.announce import Announcer
from loket.server.app import create_app
from loket.server.config import load_sites
from loket.server.settings import Settings
from loket.server.store import Stamp, open_store
from loket.server.store.schema import MIGRATIONS
from tests.support.redis import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.upgrade import scenario
from tests.upgrade.stores import load_redis, read_dump, schema_version

FIXTURES = Path(__file__).resolve().parents[1] / "upgrade"
RELEASES = sorted(p for p in FIXTURES.glob("release-*") if (p / "expected.json").is_file())
AFTER_STOP = timedelta(minutes=5)  # the new release starts this long after the old stopped
TEXT_ONLY = Announcer().announcement


class Clock:
    """The service's clock: from `start` on, at the real pace."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(
    store: str, workdir: Path, clock: Clock, generated: Callable[[str], None]
) -> AsyncIterator[tuple[str, str]]:
    """This checkout's app under uvicorn on a free port: its http and ws base URLs."""
    settings = Settings(store=store, audio_cache=workdir / "audio")
    app = create_app(settings, on_generated_password=generated, clock=clock)
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the new release did not start on the old store"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _expected(release: Path, store: str) -> dict[str, Any]:
    return dict(json.loads((release / "expected.json").read_text())[store])


async def carry_on(store: str, workdir: Path, expected: dict[str, Any]) -> None:
    record = expected["before"]
    assert expected["next_numbers"] == scenario.next_numbers(record), "a damaged fixture"
    stopped = datetime.fromisoformat(record["stopped_at"])
    generated: list[str] = []
    async with serving(store, workdir, Clock(stopped + AFTER_STOP), generated.append) as urls:
        observed = await scenario.after(*urls, record)
    assert not generated, "the new release made a new admin: it did not see the old users"
    problems = scenario.check(scenario.in_v11(record), observed)
    assert not problems, "the site did not carry on:\n- " + "\n- ".join(problems)
    done = scenario.summary(observed)
    old = expected["after"]  # what the previous release did after its own restart
    # CONTRACT 6.2: the previous release kept no statuses. A counter serving someone at the
    # stop reads as open (its clerk carries on) and stays open; the others read as closed
    # and open (a counter.opened event, one seq) when they call
    at_desks = {item["counter"] for item in record["state"]["now_serving"]}
    assert at_desks, "a damaged fixture: nobody was being served at the stop"
    start = {c["counter"]: c["status"] for c in observed["state"]["data"]["counters"]}
    assert {c for c, status in start.items() if status == "open"} == at_desks
    end = {c["counter"]: c["status"] for c in observed["end"]["data"]["counters"]}
    assert all(end[c] == "open" for c in at_desks), "closed once its visitor was done"
    for name, heard in done["heard"].items():
        opened = [m["counter"]["counter"] for m in heard if m["type"] == "counter.opened"]
        assert sorted(opened) == sorted(start), f"{name}: each counter's status kept once"
        seqs = [m["seq"] for m in heard]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"{name}: seqs with a gap"
    done, old = without_counter_events(done), without_counter_events(old)
    assert [i["ticket"] for i in done["issued"]] == [i["ticket"] for i in old["issued"]]
    assert done["calls"] == old["calls"], "not the call order of the previous release"
    assert done["heard"] == old["heard"], "the displays heard other events"
    assert done == old


def without_counter_events(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary without counters' statuses and the seqs they shift (CONTRACT 6.2): what the
    previous release did and this one must do the same."""
    return {
        **summary,
        "calls": [{k: v for k, v in c.items() if k != "seq"} for c in summary["calls"]],
        "heard": {
            name: [
                {k: v for k, v in m.items() if k != "seq"}
                for m in heard
                if not m["type"].startswith("counter.")
            ]
            for name, heard in summary["heard"].items()
        },
        "end": {k: v for k, v in summary["end"].items() if k != "seq"},
    }


def test_there_are_fixtures() -> None:
    assert RELEASES, f"no recorded release in {FIXTURES} (see its README)"


@pytest.mark.parametrize("release", RELEASES, ids=lambda path: path.name)
async def test_upgrade_in_place_sqlite(release: Path, tmp_path: Path) -> None:
    expected = _expected(release, "sqlite")
    db = tmp_path / "loket.db"
    shutil.copyfile(release / expected["file"], db)  # never the committed file itself
    assert schema_version(db) == expected["schema_version"]
    await carry_on(f"sqlite:///{db}", tmp_path, expected)
    assert schema_version(db) == len(MIGRATIONS), "the migrations did not run at start"


@pytest.mark.parametrize("release", RELEASES, ids=lambda path: path.name)
async def test_upgrade_in_place_redis(
    release: Path,
    tmp_path: Path,
    redis_url: str,  # noqa: F811  (fixture)
) -> None:
    expected = _expected(release, "redis")
    load_redis(redis_url, read_dump(release / expected["file"]))
    await carry_on(redis_url, tmp_path, expected)


@pytest.mark.parametrize("store", ["sqlite", "redis"])
@pytest.mark.parametrize("release", RELEASES, ids=lambda path: path.name)
async def test_tickets_of_the_previous_release_are_called_by_name(
    release: Path, store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """CONTRACT 6.5 on data the previous release wrote: every ticket waiting there is in
    the counters' lines, and a clerk calls one by its number (Redis indexes the refs of
    tickets it had before refs were indexed)."""
    expected = _expected(release, store)
    if store == "redis":
        url = str(request.getfixturevalue("redis_url"))
        load_redis(url, read_dump(release / expected["file"]))
    else:
        shutil.copyfile(release / expected["file"], tmp_path / "loket.db")
        url = f"sqlite:///{tmp_path / 'loket.db'}"
    at = datetime.fromisoformat(expected["before"]["stopped_at"]) + AFTER_STOP
    opened = open_store(url)
    await opened.open(load_sites(None), lambda event: None)
    try:
        waiting = (await opened.snapshot("demo")).data["waiting"]
        lines = [await opened.line("demo", counter, 200) for counter in ("1", "3", "5")]
        assert sum(len(line.waiting) for line in lines) == sum(waiting.values()) > 0
        last = lines[0].waiting[-1]  # the last of counter 1's line: called out of turn
        called = await opened.call("demo", "1", last.number, Stamp(at, "admin"), TEXT_ONLY)
        assert (called.ticket["ref"], called.ticket["status"]) == (last.ref, "called")
    finally:
        await opened.close()
