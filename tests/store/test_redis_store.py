"""What only a shared store must do: several processes on one Redis act as one, and a
Redis that restarts, fails over, is flushed or goes away is survived.

Each RedisStore here stands for one process (its own connections and subscription)."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from loket.server.announce import Announcer
from loket.server.config import load_sites
from loket.server.domain import QueueEmpty
from loket.server.domain.site import Site
from loket.server.protocol import Event
from loket.server.store import Stamp, StoreUnavailable
from loket.server.store.redis import RedisStore
from tests.support.redis import RedisServer
from tests.support.waiting import wait_until_async

SITES = load_sites(None)
ANNOUNCE = Announcer().announcement


def now() -> datetime:
    return datetime.now(UTC)


class Process:
    """One store, and every event it published."""

    def __init__(self, url: str, sites: tuple[Site, ...] = SITES) -> None:
        self.store = RedisStore(url)
        self.sites = sites
        self.events: list[Event] = []

    async def open(self) -> Process:
        await self.store.open(self.sites, self.events.append)
        return self

    def seqs(self, site: str = "demo") -> list[int]:
        return [event.seq for event in self.events if event.site == site]


@asynccontextmanager
async def processes(
    url: str, count: int, sites: tuple[Site, ...] = SITES
) -> AsyncIterator[list[Process]]:
    opened = [await Process(url, sites).open() for _ in range(count)]
    try:
        yield opened
    finally:
        for process in opened:
            await process.store.close()


async def published(process: Process, seqs: list[int]) -> None:
    """Until `process` has published exactly these seqs of the demo site."""
    try:
        await wait_until_async(lambda: process.seqs() == seqs, 5, f"seqs {seqs} are published")
    except AssertionError as failure:
        raise AssertionError(f"{failure}; published: {process.seqs()}") from None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of the test's own, to restart, stop or crash."""
    with RedisServer(tmp_path / "redis").running() as server:
        yield server


@pytest.fixture
def aof_redis(tmp_path: Path) -> Iterator[RedisServer]:
    with RedisServer(tmp_path / "redis", aof=True).running() as server:
        yield server


def hall(tmp_path: Path, counters: int) -> tuple[Site, ...]:
    """A site whose counters all call from both services: one line, one order."""
    text = (
        '[[sites]]\nid = "hall"\nname = { en = "Hall" }\ntimezone = "UTC"\n'
        'languages = ["en"]\n\n[[sites.services]]\nid = "A"\nname = { en = "A" }\n\n'
        '[[sites.services]]\nid = "B"\nname = { en = "B" }\n'
    )
    for n in range(1, counters + 1):
        text += f'\n[[sites.counters]]\nid = "{n}"\nname = {{ en = "{n}" }}\n'
        text += 'services = ["A", "B"]\n'
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return load_sites(path)


async def test_processes_call_each_ticket_once_in_order(redis_url: str, tmp_path: Path) -> None:
    sites = hall(tmp_path, 12)
    pick = random.Random(6)
    async with processes(redis_url, 6, sites) as running:
        issued = []
        for n in range(150):
            kiosk = running[n % len(running)].store
            result = await kiosk.issue(
                "hall", pick.choice("AB"), Stamp(now()), priority=pick.random() < 0.2, lang=None
            )
            issued.append(result.ticket)
            assert "id" not in result.ticket and result.ticket_id

        async def clerk(process: Process, counter: str) -> list[tuple[int, str]]:
            calls = []
            while True:
                try:
                    result = await process.store.call_next(
                        "hall", counter, Stamp(now(), "clerk"), ANNOUNCE
                    )
                except QueueEmpty:
                    return calls
                calls.append((result.seq, result.ticket["ref"]))

        clerks = [clerk(running[n % len(running)], str(n + 1)) for n in range(12)]
        calls = sorted(call for counter in await asyncio.gather(*clerks) for call in counter)
        called = [ticket_id for _, ticket_id in calls]
        assert sorted(called) == sorted(t["ref"] for t in issued)  # each once
        # in call order: priority first, then oldest first (issued one after the other)
        order = sorted(range(len(issued)), key=lambda n: (not issued[n]["priority"], n))
        assert called == [issued[n]["ref"] for n in order]
        # every process published every event of the site, in seq order, the same bytes
        total = (await running[0].store.snapshot("hall")).seq
        await wait_until_async(
            lambda: all(len(p.events) == total for p in running),
            5,
            "every process published every event",
        )
        wires = [[e.wire("E") for e in process.events] for process in running]
        assert running[0].seqs("hall") == list(range(1, total + 1))
        assert all(wire == wires[0] for wire in wires)


async def test_a_flushed_redis_starts_a_new_epoch(redis_url: str) -> None:
    async with processes(redis_url, 2) as (one, two):
        for _ in range(3):
            await one.store.issue("demo", "A", Stamp(now()))
        old = one.store.epoch
        assert two.store.epoch == old
        redis.Redis.from_url(redis_url).flushall()
        result = await one.store.issue("demo", "B", Stamp(now()))
        assert result.seq == 1 and result.ticket["number"] == "B001"
        assert one.store.epoch != old
        # the other process follows through its subscription, and starts over at seq 1
        await wait_until_async(
            lambda: two.store.epoch == one.store.epoch, 5, "two follows into the new epoch"
        )
        await wait_until_async(
            lambda: two.seqs()[-1:] == [1], 5, "two published seq 1 of the new epoch"
        )
        assert two.seqs() == [1, 2, 3, 1]
        assert await two.store.events_after("demo", 3) is None  # a seq of the old epoch
        replay = await two.store.events_after("demo", 0)
        assert replay is not None and [e.data["ticket"]["number"] for e in replay] == ["B001"]


async def test_a_flushed_redis_is_noticed_by_reads_too(redis_url: str) -> None:
    async with processes(redis_url, 1) as (one,):
        await one.store.issue("demo", "A", Stamp(now()))
        old = one.store.epoch
        redis.Redis.from_url(redis_url).flushall()
        snapshot = await one.store.snapshot("demo")
        assert snapshot.seq == 0 and one.store.epoch != old


async def test_a_restart_without_persistence_starts_a_new_epoch(own_redis: RedisServer) -> None:
    async with processes(own_redis.url(), 2) as (one, two):
        for _ in range(3):
            await one.store.issue("demo", "A", Stamp(now()))
        old = one.store.epoch
        await asyncio.to_thread(own_redis.restart)  # the loop runs on meanwhile
        result = await two.store.issue("demo", "A", Stamp(now()))
        assert result.seq == 1 and result.ticket["number"] == "A001"
        assert two.store.epoch != old
        await wait_until_async(
            lambda: one.store.epoch == two.store.epoch, 5, "one follows into the new epoch"
        )
        await published(one, [1, 2, 3, 1])


async def test_with_aof_a_crash_loses_nothing_acknowledged(aof_redis: RedisServer) -> None:
    async with processes(aof_redis.url(), 2) as (one, two):
        for _ in range(4):
            await one.store.issue("demo", "A", Stamp(now()))
        await one.store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
        before = await one.store.snapshot("demo")
        epoch = one.store.epoch
        await asyncio.to_thread(aof_redis.kill)  # no shutdown: what was fsynced is left
        await asyncio.to_thread(aof_redis.start)
        after = await two.store.snapshot("demo")
        # 4 issued, counter 1 opened (CONTRACT 6.2), A001 called
        assert (after.seq, after.data) == (before.seq, before.data) == (6, before.data)
        result = await two.store.call_next("demo", "2", Stamp(now(), "clerk"), ANNOUNCE)
        assert result.seq == 8 and result.ticket["number"] == "A002"
        assert one.store.epoch == two.store.epoch == epoch
        await published(one, list(range(1, 9)))
        replay = await one.store.events_after("demo", 0)
        assert replay is not None and [e.seq for e in replay] == list(range(1, 9))


async def expect_unavailable(call: Awaitable[object], within: float = 2.5) -> None:
    start = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await call
    assert time.monotonic() - start < within


async def test_every_call_fails_fast_while_redis_is_away_and_works_after(
    aof_redis: RedisServer,
) -> None:
    async with processes(aof_redis.url(), 1) as (one,):
        store = one.store
        first = await store.issue("demo", "A", Stamp(now()))
        await asyncio.to_thread(aof_redis.stop)
        await expect_unavailable(store.issue("demo", "A", Stamp(now())))
        await expect_unavailable(store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE))
        await expect_unavailable(store.recall("demo", "1", Stamp(now(), "clerk"), ANNOUNCE))
        await expect_unavailable(store.snapshot("demo"))
        await expect_unavailable(store.ticket(first.ticket_id))
        await expect_unavailable(store.events_after("demo", 0))
        await expect_unavailable(store.users())
        await expect_unavailable(store.session("nope", now()))
        await expect_unavailable(store.prune(now()))
        await asyncio.to_thread(aof_redis.start)
        called = await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
        assert called.ticket["ref"] == first.ticket["ref"] and called.seq == 3  # opened: 2
        await published(one, [1, 2, 3])


async def test_a_hung_redis_fails_fast_too(own_redis: RedisServer) -> None:
    async with processes(own_redis.url(), 1) as (one,):
        await one.store.issue("demo", "A", Stamp(now()))
        assert own_redis.process is not None
        own_redis.process.send_signal(signal.SIGSTOP)  # connects, never answers
        try:
            await expect_unavailable(one.store.issue("demo", "A", Stamp(now())))
            await expect_unavailable(one.store.snapshot("demo"))
        finally:
            own_redis.process.send_signal(signal.SIGCONT)
        result = await one.store.issue("demo", "A", Stamp(now()))
        assert result.ticket["number"] in ("A002", "A003")  # the timed-out one may have run


async def test_opening_without_redis_fails_fast(tmp_path: Path) -> None:
    dead = RedisServer(tmp_path)  # never started: nothing listens on its port
    await expect_unavailable(RedisStore(dead.url()).open(SITES, lambda event: None))


async def test_a_reconnected_subscription_fills_the_gap_from_history(redis_url: str) -> None:
    async with processes(redis_url, 2) as (one, two):
        await two.store.issue("demo", "A", Stamp(now()))
        await published(one, [1])
        admin = redis.Redis.from_url(redis_url)
        admin.client_kill_filter(_type="pubsub")  # both lose their subscription...
        for _ in range(5):  # ...while these happen
            await two.store.issue("demo", "A", Stamp(now()))
        await published(one, [1, 2, 3, 4, 5, 6])
        await published(two, [1, 2, 3, 4, 5, 6])
        await two.store.issue(
            "demo", "A", Stamp(now()), priority=False, lang=None
        )  # and live again after
        await published(one, [1, 2, 3, 4, 5, 6, 7])


async def test_a_lost_message_is_read_from_history(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with processes(redis_url, 2) as (one, two):
        feed = one.store._feed
        assert feed is not None
        receive = feed._on_message
        dropped: list[str] = []

        async def lossy(site: str, text: str) -> None:
            if not dropped:
                dropped.append(text)  # pub/sub lost this one
                return
            await receive(site, text)

        monkeypatch.setattr(feed, "_on_message", lossy)
        await two.store.issue("demo", "A", Stamp(now()))
        await wait_until_async(lambda: dropped, 5, "the subscription delivers seq 1 (to be lost)")
        assert one.seqs() == []
        await two.store.issue(
            "demo", "A", Stamp(now()), priority=False, lang=None
        )  # seq 2: 1 is missing
        await published(one, [1, 2])


async def test_a_caller_does_not_wait_on_a_lost_subscription(redis_url: str) -> None:
    """The answer comes after the event is published here, even if pub/sub lags."""
    async with processes(redis_url, 1) as (one,):
        feed = one.store._feed
        assert feed is not None
        assert feed._task is not None
        feed._task.cancel()  # nobody reads the subscription any more
        await asyncio.gather(feed._task, return_exceptions=True)
        start = time.monotonic()
        result = await one.store.issue("demo", "A", Stamp(now()))
        assert one.seqs() == [result.seq] and time.monotonic() - start < 1.0


async def test_a_failover_that_lost_published_events_starts_a_new_epoch(
    redis_url: str,
) -> None:
    async with processes(redis_url, 2) as (one, two):
        for _ in range(3):
            await one.store.issue("demo", "A", Stamp(now()))
        await published(two, [1, 2, 3])
        old = one.store.epoch
        # a replica promoted before it got the last event: seq 3 is gone
        admin = redis.Redis.from_url(redis_url, decode_responses=True)
        admin.xdel("loket:site:demo:events", "3-0")
        admin.set("loket:site:demo:seq", 2)
        admin.client_kill_filter(_type="pubsub")
        await wait_until_async(
            lambda: one.store.epoch != old and two.store.epoch != old, 5, "both see the new epoch"
        )
        assert one.store.epoch == two.store.epoch == admin.get("loket:epoch")
        result = await one.store.issue("demo", "A", Stamp(now()))
        assert result.seq == 1  # the new epoch starts the site's history over
        await published(two, [1, 2, 3, 1])


async def test_processes_share_users_and_sessions(redis_url: str) -> None:
    from loket.server.users import Role, User

    async with processes(redis_url, 2) as (one, two):
        clerk = User("clerk", Role.STAFF, None)
        assert await one.store.add_user(clerk, "h", now())
        assert not await two.store.add_user(clerk, "h", now())
        await one.store.add_session("t", "clerk", "c", datetime(2999, 1, 1, tzinfo=UTC))
        session = await two.store.session("t", now())
        assert session is not None and session.user == clerk
        await two.store.drop_session("t")
        assert await one.store.session("t", now()) is None


async def test_with_replicas_asked_an_answer_waits_for_the_replica(tmp_path: Path) -> None:
    """`?replicas=1`: no answer before the replica has the write (Redis WAIT); a replica
    that cannot confirm holds each answer up for at most WAIT_MS, and then Loket goes on."""
    from loket.server.store.redis.scripts import WAIT_MS

    with (
        RedisServer(tmp_path / "master").running() as master,
        RedisServer(tmp_path / "replica", replica_of=master.port).running() as replica,
    ):
        await wait_until_async(
            lambda: b"master_link_status:up" in replica.command("INFO", "replication"),
            10,
            "the replica is in sync",
            poll=0.05,
        )
        async with processes(master.url() + "?replicas=1", 1) as (one,):
            result = await one.store.issue("demo", "A", Stamp(now()))
            key = f"loket:ticket:{result.ticket_id}"
            assert replica.command("EXISTS", key) == b":1\r\n"  # there before the answer
            assert replica.process is not None
            replica.process.send_signal(signal.SIGSTOP)  # a replica that cannot answer
            try:
                start = time.monotonic()
                late = await one.store.issue("demo", "A", Stamp(now()))
                waited = time.monotonic() - start
            finally:
                replica.process.send_signal(signal.SIGCONT)
            assert WAIT_MS / 1000 <= waited < WAIT_MS / 1000 + 1.0
            assert late.ticket["number"] == "A002"  # acknowledged all the same
