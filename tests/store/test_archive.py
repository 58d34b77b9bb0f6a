"""The PostgreSQL archive of a Redis store: events made by commands reach PostgreSQL once
each, whatever the number of archiving processes, a process dying mid-way or PostgreSQL
being down for a while. A real redis-server and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from redis.asyncio import Redis

from loket.server.announce import Announcer
from loket.server.archive.archiver import Archiver, ArchiveUnavailable
from loket.server.archive.stream import GROUP, Streams
from loket.server.config import load_sites
from loket.server.store import Stamp
from loket.server.store.base import KEEP_EVENTS
from loket.server.store.redis import RedisStore, keys
from loket.server.store.redis.connection import Address, connect
from tests.support.postgres import PostgresServer

SITES = load_sites(None)
ANNOUNCE = Announcer().announcement


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def store(url: str) -> AsyncIterator[RedisStore]:
    opened = RedisStore(url)
    await opened.open(SITES, lambda event: None)
    try:
        yield opened
    finally:
        await opened.close()


@asynccontextmanager
async def archiver(
    redis_url: str, archive_url: str, claim_idle_s: float = 60.0
) -> AsyncIterator[Archiver]:
    client = connect(Address.parse(redis_url))
    running = Archiver(client, archive_url, lambda: SITES, claim_idle_s=claim_idle_s)
    await running.open()
    running.start()
    try:
        yield running
    finally:
        await running.stop()
        await client.aclose()


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "not archived in time"
        await asyncio.sleep(0.05)


async def make_events(opened: RedisStore, tickets: int) -> None:
    """`tickets` issued, and all but one called: events by a visitor and by a clerk."""
    for _ in range(tickets):
        await opened.issue("demo", "A", Stamp(now()))
    for _ in range(tickets - 1):
        await opened.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)


def archived(archive_url: str) -> list[tuple[str, int]]:
    with psycopg.connect(archive_url) as conn:
        rows = conn.execute("SELECT epoch, seq FROM events WHERE site = 'demo' ORDER BY seq")
        return [(str(epoch), int(seq)) for epoch, seq in rows.fetchall()]


async def last_seq(redis_url: str) -> tuple[str, int]:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        epoch = await client.get(keys.site("demo", "epoch"))
        seq = await client.get(keys.site("demo", "seq"))
        return str(epoch), int(seq or 0)
    finally:
        await client.aclose()


async def pending(redis_url: str) -> int:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        return int((await client.xpending(keys.events("demo"), GROUP))["pending"])
    finally:
        await client.aclose()


async def all_archived(redis_url: str, archive_url: str) -> None:
    """Every event the stream has had is in PostgreSQL, once, and Redis knows it."""
    epoch, seq = await last_seq(redis_url)
    assert seq > 0

    async def done() -> bool:
        return len(archived(archive_url)) >= seq and await pending(redis_url) == 0

    await eventually(done)
    assert archived(archive_url) == [(epoch, n) for n in range(1, seq + 1)]


async def test_two_archivers_archive_each_event_once(redis_url: str, postgres_url: str) -> None:
    async with (
        store(redis_url) as opened,
        archiver(redis_url, postgres_url),
        archiver(redis_url, postgres_url),
    ):
        await make_events(opened, 40)
        await all_archived(redis_url, postgres_url)
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(
            "SELECT type, actor, data FROM events WHERE site = 'demo' ORDER BY seq"
        ).fetchall()
    assert rows[0][0] == "ticket.issued" and rows[0][1] is None  # a visitor's, no actor
    assert rows[-1][0] == "ticket.called" and rows[-1][1] == "clerk"
    assert isinstance(rows[-1][2], dict) and rows[-1][2]["counter"] == "1"


async def test_what_a_dead_archiver_read_is_claimed_and_archived(
    redis_url: str, postgres_url: str
) -> None:
    async with store(redis_url) as opened:
        await make_events(opened, 10)
        # a process that read the entries and died before archiving them
        client = Redis.from_url(redis_url, decode_responses=True)
        await client.xgroup_create(keys.events("demo"), GROUP, id="0", mkstream=True)
        read = await client.xreadgroup(GROUP, "dead", {keys.events("demo"): ">"}, count=12)
        await client.aclose()
        assert read
        async with archiver(redis_url, postgres_url, claim_idle_s=0.5):
            await make_events(opened, 3)
            await all_archived(redis_url, postgres_url)


async def test_postgres_down_for_a_while_loses_and_doubles_nothing(
    redis_url: str, postgres_url: str, postgres_server: PostgresServer
) -> None:
    async with store(redis_url) as opened, archiver(redis_url, postgres_url):
        await make_events(opened, 5)
        await all_archived(redis_url, postgres_url)
        postgres_server.stop()
        try:
            await make_events(opened, 8)
            await asyncio.sleep(2)  # meanwhile, the archiver fails, waits, tries again
        finally:
            postgres_server.start()
        await all_archived(redis_url, postgres_url)


async def test_a_new_epoch_is_archived_beside_the_old(redis_url: str, postgres_url: str) -> None:
    async with archiver(redis_url, postgres_url):
        async with store(redis_url) as opened:
            await make_events(opened, 3)
            await all_archived(redis_url, postgres_url)
        old = archived(postgres_url)
        client = Redis.from_url(redis_url)
        await client.flushall()  # Redis lost its data: a new epoch, seqs from 1 again
        await client.aclose()
        async with store(redis_url) as opened:
            await make_events(opened, 2)
            epoch, seq = await last_seq(redis_url)

            async def done() -> bool:
                return len(archived(postgres_url)) >= len(old) + seq

            await eventually(done)
    assert epoch != old[0][0]
    assert sorted(archived(postgres_url)) == sorted(old + [(epoch, n) for n in range(1, seq + 1)])


async def test_an_archive_that_cannot_be_opened_is_a_clear_error(redis_url: str) -> None:
    client = connect(Address.parse(redis_url))
    try:
        broken = Archiver(client, "postgresql://loket:secret@127.0.0.1:1/none", lambda: SITES)
        with pytest.raises(ArchiveUnavailable) as raised:
            await broken.open()
    finally:
        await client.aclose()
    assert "postgresql://loket@127.0.0.1:1/none cannot be opened" in str(raised.value)
    assert "secret" not in str(raised.value)


async def test_an_archiver_killed_holding_a_batch_loses_nothing(
    redis_url: str, postgres_url: str, postgres_server: PostgresServer
) -> None:
    async with store(redis_url) as opened:
        await make_events(opened, 4)
        async with archiver(redis_url, postgres_url):
            await all_archived(redis_url, postgres_url)
            postgres_server.stop()
            try:
                await make_events(opened, 6)

                async def holding() -> bool:  # read, and stuck on PostgreSQL
                    return await pending(redis_url) > 0

                await eventually(holding)
            except BaseException:
                postgres_server.start()
                raise
        # the process is gone (stopped without a word to Redis), its batch still pending
        assert await pending(redis_url) > 0
        postgres_server.start()
        async with archiver(redis_url, postgres_url, claim_idle_s=0.5):
            await all_archived(redis_url, postgres_url)


async def test_consumers_of_processes_gone_are_forgotten(redis_url: str) -> None:
    client = connect(Address.parse(redis_url))
    try:
        mine, other = Streams(client, "mine"), Streams(client, "gone")
        await mine.join("demo")
        await client.xadd(keys.events("demo"), {"type": "t", "ts": "x", "data": "{}"}, id="1-0")
        await other.read(["demo"], 10)  # holds an entry: kept until claimed
        for name in ("idle", "mine"):  # one that did nothing, and this process's own
            await client.xgroup_createconsumer(keys.events("demo"), GROUP, name)
        assert await mine.forget_idle("demo", idle_s=0) == 1
        names = {c["name"] for c in await client.xinfo_consumers(keys.events("demo"), GROUP)}
    finally:
        await client.aclose()
    assert names == {"mine", "gone"}


async def test_events_trimmed_before_the_archive_read_them_are_reported(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = connect(Address.parse(redis_url))
    try:
        streams = Streams(client, "mine")
        await streams.join("demo")
        for seq in range(1, 6):
            fields = {"type": "t", "ts": "x", "data": "{}"}
            await client.xadd(keys.events("demo"), fields, id=f"{seq}-0")
        assert not await streams.check_gap("demo")  # nothing read yet, nothing lost
        await client.xtrim(keys.events("demo"), minid="4-0", approximate=False)  # as prune does
        with caplog.at_level("ERROR", "loket.archive"):
            assert await streams.check_gap("demo")
        assert "events 1 to 3 were trimmed from Redis unarchived" in caplog.text
    finally:
        await client.aclose()


async def test_prune_keeps_what_the_archive_has_not_taken(
    redis_url: str, postgres_url: str
) -> None:
    long_ago = now() - timedelta(days=3)
    async with store(redis_url) as opened:
        client = connect(Address.parse(redis_url))
        await Streams(client, "archive").join("demo")  # an archive that reads nothing yet
        await client.aclose()
        for _ in range(KEEP_EVENTS + 5):
            await opened.issue("demo", "C", Stamp(long_ago))
        await opened.prune(now())
        kept = await opened.events_after("demo", 0)
        assert kept is not None and len(kept) == KEEP_EVENTS + 5  # nothing is archived yet
        async with archiver(redis_url, postgres_url):
            await all_archived(redis_url, postgres_url)
        await opened.prune(now())
        assert await opened.events_after("demo", 0) is None  # archived: trimmed as ever
        kept = await opened.events_after("demo", 5)
        assert kept is not None and len(kept) == KEEP_EVENTS
