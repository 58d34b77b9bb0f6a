"""The same commands give byte-for-byte the same events, answers and snapshots in every
store: displays cannot tell which store a server uses."""

import itertools
import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loket.server.announce import Announcer
from loket.server.config import load_sites
from loket.server.domain import Status
from loket.server.domain.commands import Destination, StatusChange
from loket.server.domain.counter_state import CounterStatus
from loket.server.protocol import Event
from loket.server.store import Stamp, open_store

SITES = load_sites(None)
ANNOUNCE = Announcer().announcement
START = datetime(2026, 11, 28, 8, 15, 2, 123456, tzinfo=UTC)


async def run_day(url: str) -> dict[str, Any]:
    """A morning at the demo site, at fixed times; everything a client could see."""
    events: list[Event] = []
    store = open_store(url)
    await store.open(SITES, events.append)
    clock = (START + timedelta(seconds=7 * n) for n in itertools.count())
    answers: list[object] = []
    try:
        for service, priority, lang in [("A", False, "id"), ("A", True, None), ("B", False, "en")]:
            answers.append(
                await store.issue("demo", service, Stamp(next(clock)), priority=priority, lang=lang)
            )
        answers.append(
            await store.issue("demo", "C", Stamp(next(clock)), priority=False, lang="az")
        )
        answers.append(await store.call_next("demo", "1", Stamp(next(clock), "clerk"), ANNOUNCE))
        answers.append(
            await store.call_next("demo", "6", Stamp(next(clock), "clerk"), ANNOUNCE, ("u", "k"))
        )
        answers.append(
            await store.call_next("demo", "6", Stamp(next(clock), "clerk"), ANNOUNCE, ("u", "k"))
        )
        answers.append(await store.recall("demo", "1", Stamp(next(clock), "clerk"), ANNOUNCE))
        answers.append(
            await store.transfer("demo", "1", Destination("B"), Stamp(next(clock), "clerk"))
        )
        answers.append(await store.finish("demo", "6", Status.NO_SHOW, Stamp(next(clock), "clerk")))
        answers.append(await store.call_next("demo", "3", Stamp(next(clock), "clerk"), ANNOUNCE))
        answers.append(await store.call_next("demo", "3", Stamp(next(clock), "clerk"), ANNOUNCE))
        answers.append(await store.ticket(answers[2].ticket_id))  # type: ignore[attr-defined]
        # the clerk's line (CONTRACT 6.5): hold, a desk, a line's head, calls by name
        clerk = Stamp(next(clock), "clerk")
        answers.append(await store.call("demo", "6", "A001", clerk, ANNOUNCE))  # the no-show
        answers.append(await store.hold("demo", "6", Stamp(next(clock), "clerk")))
        answers.append(
            await store.transfer("demo", "3", Destination(counter="5"), Stamp(next(clock), "c"))
        )
        answers.append(await store.call_next("demo", "5", Stamp(next(clock), "c"), ANNOUNCE))
        to_head = Destination("A", first=True)
        answers.append(await store.transfer("demo", "5", to_head, Stamp(next(clock), "c")))
        answers.append(await store.line("demo", "1", 10))
        answers.append(await store.call("demo", "6", "A001", Stamp(next(clock), "c"), ANNOUNCE))
        answers.append(await store.line("demo", "6", 10))
        # counters' statuses (CONTRACT 6.2): the events and answers are the same too
        paused = StatusChange(CounterStatus.PAUSED, reason="Rapat")
        answers.append(await store.set_status("demo", "3", paused, Stamp(next(clock), "c")))
        chosen = StatusChange(CounterStatus.OPEN, services=("C", "A"))
        answers.append(await store.set_status("demo", "4", chosen, Stamp(next(clock), "c")))
        closed = StatusChange(CounterStatus.CLOSED)
        answers.append(await store.set_status("demo", "2", closed, Stamp(next(clock), "c")))
        answers.append(await store.line("demo", "4", 10, next(clock)))
        replayed = await store.events_after("demo", 0)
        assert replayed is not None
        return {
            "live": [event.wire("E") for event in events],
            "live_actors": [event.actor for event in events],
            "replayed": [event.wire("E") for event in replayed],
            "actors": [event.actor for event in replayed],
            "answers": answers,
            "snapshot": (await store.snapshot("demo", next(clock))).data,
        }
    finally:
        await store.close()


async def test_sqlite_and_redis_say_the_same(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    for url in (f"sqlite:///{tmp_path / 'loket.db'}", redis_url):
        ids = map("ticket-{}".format, itertools.count(1))
        monkeypatch.setattr(secrets, "token_urlsafe", lambda size, ids=ids: next(ids))
        seen.append(await run_day(url))
    sqlite, redis = seen
    assert len(sqlite["live"]) == 25  # with 4 counters opened by a call, and 3 statuses
    kinds = [json.loads(wire)["type"] for wire in sqlite["live"]]
    assert kinds.count("counter.opened") == 5 and kinds[-3:] == [
        "counter.paused",
        "counter.opened",
        "counter.closed",
    ]
    for part in ("live", "live_actors", "replayed", "actors", "answers", "snapshot"):
        assert redis[part] == sqlite[part], part
    # who did it is kept with every event (nobody issued at the kiosk), never sent
    by_clerk, by_c = ["clerk"] * 13, ["c"] * 8
    assert sqlite["actors"] == sqlite["live_actors"] == [None] * 4 + by_clerk + by_c
    assert all("clerk" not in wire for wire in sqlite["live"] + sqlite["replayed"])
    # nor the holder's secret id (CONTRACT 6.1): the tickets are named by their ref
    for wire in sqlite["live"] + sqlite["replayed"] + [json.dumps(sqlite["snapshot"])]:
        assert "ticket-" not in wire and '"id":' not in wire
