"""The admin's names for screens and their removals (server/screens.py), on both stores:
kept across a restart, seen by every process sharing the store, per site, capped
atomically; old removals dropped; an old SQLite file without the tables upgraded, and a
Redis record that is not what this release writes skipped."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from loket.server.screens import ScreenNotes
from loket.server.store import open_store
from loket.server.store.schema import MIGRATIONS
from tests.store import test_store_contract as contract
from tests.store.test_store_contract import SITES, Opened

# the contract suite's fixtures: each test runs on SQLite and on Redis
store_url = contract.store_url
opened = contract.opened

T0 = datetime(2026, 12, 6, 8, 0, 0, 123456, tzinfo=UTC)
LONG_AGO = T0 - timedelta(days=30)
HALL_B = "Hall B, left of the entrance — Зал Б, слева от входа"


async def test_a_name_is_kept_changed_and_forgotten(opened: Opened) -> None:
    store = opened.store
    assert await store.screen_notes("demo") == ScreenNotes()
    assert await store.name_screen("demo", "469a58cd-tv", HALL_B, 10)
    assert await store.name_screen("demo", "counter-3", "Loket 3", 10)
    assert await store.name_screen("demo", "counter-3", "Loket 3 (kiri)", 10)  # renamed
    expected = {"469a58cd-tv": HALL_B, "counter-3": "Loket 3 (kiri)"}
    assert (await store.screen_notes("demo")).names == expected
    assert (await store.screen_notes("other-site")).names == {}  # per site

    store = await opened.reopen()  # a restart keeps them
    assert (await store.screen_notes("demo")).names == expected
    assert await store.name_screen("demo", "counter-3", None, 10)
    assert await store.name_screen("demo", "never-named", None, 10)  # nothing to forget
    assert (await store.screen_notes("demo")).names == {"469a58cd-tv": HALL_B}


async def test_names_are_capped_per_site(opened: Opened) -> None:
    store = opened.store
    for n in range(3):
        assert await store.name_screen("demo", f"tv-{n}", f"TV {n}", 3)
    assert not await store.name_screen("demo", "tv-3", "one too many", 3)
    assert await store.name_screen("demo", "tv-1", "renamed: not a new one", 3)
    assert await store.name_screen("another", "tv-3", "another site has room", 3)
    assert await store.name_screen("demo", "tv-0", None, 3)
    assert await store.name_screen("demo", "tv-3", "room again", 3)
    names = (await store.screen_notes("demo")).names
    assert names == {"tv-1": "renamed: not a new one", "tv-2": "TV 2", "tv-3": "room again"}


async def test_two_admins_naming_at_once_never_pass_the_cap(opened: Opened) -> None:
    store = opened.store
    results = await asyncio.gather(
        *(store.name_screen("demo", f"tv-{n}", f"TV {n}", 5) for n in range(12))
    )
    assert results.count(True) == 5
    assert len((await store.screen_notes("demo")).names) == 5


async def test_a_removal_forgets_the_name_and_is_noted(opened: Opened) -> None:
    store = opened.store
    await store.name_screen("demo", "tv-1", "Hall B", 10)
    await store.name_screen("demo", "tv-2", "Hall C", 10)
    assert await store.remove_screen("demo", "tv-1", T0, T0 - timedelta(days=7), 10)
    notes = await store.screen_notes("demo")
    assert notes.names == {"tv-2": "Hall C"}
    # kept to the ms, rounded up: a report in the same ms counts as before the removal
    assert notes.removed == {"tv-1": datetime(2026, 12, 6, 8, 0, 0, 124000, tzinfo=UTC)}
    store = await opened.reopen()
    assert (await store.screen_notes("demo")).removed == notes.removed


async def test_old_removals_are_dropped_and_removals_are_capped(opened: Opened) -> None:
    store = opened.store
    week = timedelta(days=7)
    assert await store.remove_screen("demo", "old", LONG_AGO, LONG_AGO - week, 2)
    assert await store.remove_screen("demo", "recent", T0 - timedelta(days=1), LONG_AGO, 2)
    # full; the old one goes as the next removal drops what is older than a week
    assert not await store.remove_screen("demo", "tv", T0, LONG_AGO - week, 2)
    assert await store.remove_screen("demo", "tv", T0, T0 - week, 2)
    assert set((await store.screen_notes("demo")).removed) == {"recent", "tv"}
    assert await store.remove_screen("demo", "tv", T0 + week / 7, T0 - week, 2)  # again: no new
    assert not await store.remove_screen("demo", "another", T0, T0 - week, 2)


async def test_another_process_sees_names_and_removals(store_url: str) -> None:
    first, second = open_store(store_url), open_store(store_url)
    for store in (first, second):
        await store.open(SITES, lambda event: None)
    try:
        await first.name_screen("demo", "tv-1", "Hall B", 10)
        await first.remove_screen("demo", "tv-2", T0, T0 - timedelta(days=7), 10)
        notes = await second.screen_notes("demo")
        assert notes.names == {"tv-1": "Hall B"} and set(notes.removed) == {"tv-2"}
    finally:
        for store in (first, second):
            await store.close()


async def test_an_sqlite_file_of_the_previous_schema_gets_the_tables(tmp_path: Path) -> None:
    """A file the previous release wrote (schema 5: no screens tables) is upgraded as it
    opens, and what it held stays."""
    path = tmp_path / "loket.db"
    with closing(sqlite3.connect(path)) as conn:
        for number, script in enumerate(MIGRATIONS[:5], start=1):
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("INSERT INTO meta VALUES ('epoch', 'e')")
        conn.execute(
            "INSERT INTO kiosks VALUES ('demo', 'aaaaaaaaaaaa', 'Kiosk 1', 'h', ?, NULL)",
            (T0.isoformat(),),
        )
        conn.commit()
    box = Opened(f"sqlite:///{path}")
    store = await box.reopen()
    try:
        assert await store.screen_notes("demo") == ScreenNotes()
        assert await store.name_screen("demo", "tv-1", "Hall B", 10)
        assert [k.name for k in await store.kiosks("demo")] == ["Kiosk 1"]
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT * FROM screen_names").fetchall() == [("demo", "tv-1", "Hall B")]


async def test_redis_records_of_another_shape_are_skipped(redis_url: str) -> None:
    """A removal time that is not whole ms (a later release's, a hand edit) is skipped by
    the reader and dropped by the next removal, never an error."""
    raw = redis.Redis.from_url(redis_url)
    raw.hset("loket:site:demo:screens:removed", mapping={"odd": "2026-12-06T08:00", "x": "-1"})
    raw.hset("loket:site:demo:screens", "tv-1", "Hall B")
    store = open_store(redis_url)
    await store.open(SITES, lambda event: None)
    try:
        notes = await store.screen_notes("demo")
        assert notes == ScreenNotes({"tv-1": "Hall B"}, {})
        assert await store.remove_screen("demo", "tv-2", T0, T0 - timedelta(days=7), 2)
        assert raw.hkeys("loket:site:demo:screens:removed") == [b"tv-2"]
    finally:
        await store.close()
