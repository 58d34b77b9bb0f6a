"""The clerk's line (CONTRACT 6.5) under random mixes of every counter command, on both
stores: each store answers every command as the pure domain does, every ticket ends in
one state, nobody is at two counters, and call order holds."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from loket.server.config import load_sites
from loket.server.domain import commands
from loket.server.domain.commands import Change, Destination, Outcome, StatusChange
from loket.server.domain.counter_state import CounterStatus
from loket.server.domain.errors import DomainError
from loket.server.domain.queue import SiteQueue
from loket.server.domain.ticket import Status, Ticket
from loket.server.store import Stamp, Store, open_store
from tests.store.test_store_contract import ANNOUNCE

SITES = load_sites(None)
SITE = SITES[0]  # demo: counters 1, 2 (A), 3, 4 (B), 5 (C), 6 (A, B, C)
START = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
COUNTERS = [c.id for c in SITE.counters]
SERVICES = [s.id for s in SITE.services]

# three counters sharing lines (1: A, 3: B, 6: A, B and C): enough to cross, few enough
# to be busy. A move that needs a current ticket goes to a counter that has one, when
# any has (Model.resolve): most moves then do something rather than being refused.
counter = st.sampled_from(["1", "3", "6"])
service = st.sampled_from(SERVICES)
COMMAND = st.one_of(
    st.tuples(st.just("issue"), service, st.booleans()),
    st.tuples(st.just("issue"), service, st.just(False)),
    st.tuples(st.just("issue"), st.just("A"), st.just(False)),
    st.tuples(st.just("call_next"), counter),
    st.tuples(st.just("call_next"), counter),
    st.tuples(st.just("call"), counter, st.integers(0, 30)),
    st.tuples(st.just("hold"), counter),
    st.tuples(st.just("done"), counter),
    st.tuples(st.just("no_show"), counter),
    st.tuples(st.just("transfer"), counter, service, st.booleans()),
    st.tuples(st.just("to_desk"), counter, st.integers(0, 1)),
    # a counter's status (CONTRACT 6.2): open with chosen services (None: its own)
    st.tuples(st.just("open"), counter, st.none() | st.sets(service, min_size=1)),
    st.tuples(st.just("pause"), counter),
    st.tuples(st.just("close"), counter),
)
NEEDS_CURRENT = ("hold", "done", "no_show", "transfer", "to_desk")
STATUSES = ("open", "pause", "close")


class Model:
    """The pure domain on its own: what every store must answer."""

    def __init__(self) -> None:
        self.queue = SiteQueue(SITE)
        self.tickets: dict[str, Ticket] = {}  # by number: every version kept
        self.ids = map("t{}".format, itertools.count(1))

    def run(self, command: tuple[Any, ...], now: datetime) -> tuple[str, str]:
        try:
            outcome = self._move(command, now)
        except DomainError as refused:
            return ("refused", refused.code)
        for change in outcome.changes:
            if isinstance(change, Change):
                self.tickets[change.ticket.number] = change.ticket
        if outcome.error is not None:
            return ("refused", outcome.error.code)
        if not outcome.moved_ticket:
            assert outcome.state is not None
            return (outcome.state.status.value, ",".join(outcome.state.services))
        return (outcome.ticket.number, outcome.ticket.status.value)

    def _move(self, command: tuple[Any, ...], now: datetime) -> Outcome:
        kind, where, *rest = command
        q = self.queue
        if kind == "issue":
            return commands.issue(q, next(self.ids), where, priority=rest[0], lang=None, now=now)
        if kind == "call_next":
            return commands.call_next(q, where, now, by="c")
        if kind == "call":
            name = self.name(rest[0])
            return commands.call(q, where, self.tickets.get(name), name, now, by="c")
        if kind == "hold":
            return commands.hold(q, where)
        if kind in ("done", "no_show"):
            return commands.finish(q, where, Status(kind), now)
        if kind == "transfer":
            return commands.transfer(q, where, Destination(rest[0], first=rest[1]), now)
        if kind in STATUSES:
            return commands.set_status(q, where, status_change(command), now, by="c")
        return commands.transfer(q, where, Destination(counter=rest[0]), now)

    def resolve(self, command: tuple[Any, ...]) -> tuple[Any, ...]:
        """The command, sent to a counter with a current ticket if it needs one."""
        kind, where, *rest = command
        busy = [c for c in ("1", "3", "6") if self.queue.current(c) is not None]
        if kind in NEEDS_CURRENT and busy and where not in busy:
            where = busy[int(where) % len(busy)]
        if kind == "to_desk":  # another counter
            rest = [[c for c in ("1", "3", "6") if c != where][rest[0]]]
        return (kind, where, *rest)

    def name(self, pick: int) -> str:
        numbers = sorted(self.tickets)
        return numbers[pick % len(numbers)] if numbers else "A999"


async def on_store(store: Store, command: tuple[Any, ...], name: str, now: datetime) -> Any:
    kind, where, *rest = command
    stamp = Stamp(now, "c")
    if kind == "issue":
        return await store.issue("demo", where, Stamp(now), priority=rest[0])
    if kind == "call_next":
        return await store.call_next("demo", where, stamp, ANNOUNCE)
    if kind == "call":
        return await store.call("demo", where, name, stamp, ANNOUNCE)
    if kind == "hold":
        return await store.hold("demo", where, stamp)
    if kind in ("done", "no_show"):
        return await store.finish("demo", where, Status(kind), stamp)
    if kind == "transfer":
        return await store.transfer("demo", where, Destination(rest[0], first=rest[1]), stamp)
    if kind in STATUSES:
        return await store.set_status("demo", where, status_change(command), stamp)
    return await store.transfer("demo", where, Destination(counter=rest[0]), stamp)


def status_change(command: tuple[Any, ...]) -> StatusChange:
    kind, _, *rest = command
    if kind == "open":
        services = None if rest[0] is None else tuple(sorted(rest[0]))
        return StatusChange(CounterStatus.OPEN, services=services)
    if kind == "pause":
        return StatusChange(CounterStatus.PAUSED, reason="Break")
    return StatusChange(CounterStatus.CLOSED)


async def play(url: str, script: list[tuple[Any, ...]]) -> None:
    store = open_store(url)
    await store.open(SITES, lambda event: None)
    model = Model()
    clock = (START + timedelta(seconds=n) for n in itertools.count())
    try:
        for command in map(model.resolve, script):
            now = next(clock)
            name = model.name(command[2]) if command[0] == "call" else ""
            expected = model.run(command, now)
            try:
                result = await on_store(store, command, name, now)
                if result.ticket:
                    got = (result.ticket["number"], result.ticket["status"])
                else:
                    assert result.counter is not None
                    got = (result.counter.status.value, ",".join(result.counter.services))
            except DomainError as refused:
                got = ("refused", refused.code)
            assert got == expected, (command, model.tickets)
        await check_the_end(store, model, next(clock))
    finally:
        await store.close()


async def check_the_end(store: Store, model: Model, now: datetime) -> None:
    board = (await store.snapshot("demo", now)).data
    assert board["counters"] == [state.to_json() for state in model.queue.counter_states(now)]
    serving = [(call["counter"], call["ticket"]["number"]) for call in board["now_serving"]]
    assert len({number for _, number in serving}) == len(serving), "nobody at two counters"
    assert serving == [(call.counter, call.ticket.number) for call in model.queue.now_serving()]
    assert board["waiting"] == model.queue.waiting_counts()
    assert board["held"] == model.queue.held_counts()
    for counter_id in COUNTERS:  # each counter's line, in the order it would call
        line = await store.line("demo", counter_id, 200)
        expected = model.queue.line_for(counter_id, 200)
        assert [t.number for t in line.waiting] == [t.number for t in expected]
        assert [t.number for t in line.held] == [t.number for t in model.queue.held_at(counter_id)]
    # every ticket is in exactly one place: a line, a counter, held, or closed
    placed = [t.number for c in COUNTERS for t in model.queue.held_at(c)]
    placed += [number for _, number in serving]
    placed += [t.number for line in model.queue.lines() for t in line]
    closed = [n for n, t in model.tickets.items() if t.status in (Status.DONE, Status.NO_SHOW)]
    assert sorted(placed + closed) == sorted(model.tickets)


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_random_mixes_of_commands_agree_with_the_domain(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "redis":
        base = str(request.getfixturevalue("redis_url"))
        client = redis.Redis.from_url(base)

        def url() -> str:
            client.flushdb()
            return base

    else:
        files = itertools.count()

        def url() -> str:
            return f"sqlite:///{tmp_path / f'loket-{next(files)}.db'}"

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(COMMAND, min_size=10, max_size=60))
    def check(script: list[tuple[Any, ...]]) -> None:
        note(f"the commands: {script!r}")
        asyncio.run(play(url(), script))

    check()
