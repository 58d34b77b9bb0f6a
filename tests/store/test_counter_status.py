"""A counter's status (CONTRACT 6.2) on both stores: kept across a reopen, closed by a
new local day, opened by a call in the same command, refused closing while serving, and
read from data of the release before statuses."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import redis

from loket.server.domain import Status
from loket.server.domain.commands import StatusChange
from loket.server.domain.counter_state import CounterStatus
from loket.server.domain.errors import CurrentTicket
from loket.server.store import Stamp
from loket.server.store.redis import keys
from tests.store.test_store_contract import (
    ANNOUNCE,
    SITES,
    Opened,
    settle,
    store_url,  # noqa: F401  (fixture)
)
from tests.store.test_store_contract import opened as opened  # noqa: F401  (fixture)

NOON = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta
OPEN = StatusChange(CounterStatus.OPEN)
CLOSE = StatusChange(CounterStatus.CLOSED)


def states(snapshot_data: dict[str, object]) -> dict[str, tuple[str, list[str]]]:
    counters = snapshot_data["counters"]
    assert isinstance(counters, list)
    return {c["counter"]: (c["status"], c["services"]) for c in counters}


async def test_a_status_is_kept_across_a_reopen_and_a_new_day_closes_it(opened: Opened) -> None:
    store = opened.store
    chosen = StatusChange(CounterStatus.OPEN, services=("C", "A"))
    answer = await store.set_status("demo", "1", chosen, Stamp(NOON, "siti"))
    assert answer.counter is not None and answer.seq == 1
    assert answer.to_json()["counter"] == {
        "counter": "1",
        "status": "open",
        "services": ["C", "A"],
        "since": "2026-11-28T05:00:00.000Z",
        "user": "siti",
        "reason": None,
    }
    pause = StatusChange(CounterStatus.PAUSED, reason="Prayer")
    paused = await store.set_status("demo", "3", pause, Stamp(NOON, "ani"))
    assert paused.seq == 2 and paused.counter is not None and paused.counter.reason == "Prayer"
    store = await opened.reopen()
    data = (await store.snapshot("demo", NOON + timedelta(hours=1))).data
    assert states(data)["1"] == ("open", ["C", "A"])
    assert states(data)["3"] == ("paused", ["B"])
    assert states(data)["6"] == ("closed", ["A", "B", "C"])
    assert all("user" not in c and "reason" not in c for c in data["counters"])  # public
    line = await store.line("demo", "3", 10, NOON)
    assert line.state is not None and (line.state.user, line.state.reason) == ("ani", "Prayer")
    tomorrow = NOON + timedelta(days=1)
    data = (await store.snapshot("demo", tomorrow)).data
    assert {status for status, _ in states(data).values()} == {"closed"}
    assert states(data)["1"] == ("closed", ["A"])  # its configured services again


async def test_call_next_at_a_paused_counter_opens_it_in_the_same_command(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "A", Stamp(NOON))
    await store.issue("demo", "C", Stamp(NOON))
    await store.set_status(
        "demo", "6", StatusChange(CounterStatus.OPEN, services=("C",)), Stamp(NOON, "budi")
    )
    await store.set_status(
        "demo", "6", StatusChange(CounterStatus.PAUSED, reason="Break"), Stamp(NOON, "budi")
    )
    called = await store.call_next("demo", "6", Stamp(NOON, "budi"), ANNOUNCE)
    assert called.ticket["number"] == "C001"  # from the service chosen today, not A001
    assert called.seq == 6
    await settle()
    assert [(e.seq, e.type.value) for e in opened.events[-2:]] == [
        (5, "counter.opened"),
        (6, "ticket.called"),
    ]
    assert opened.events[-2].data["counter"]["services"] == ["C"]
    assert "user" not in opened.events[-2].data["counter"]
    replayed = await store.events_after("demo", 4)
    assert replayed is not None and [e.type.value for e in replayed] == [
        "counter.opened",
        "ticket.called",
    ]
    data = (await store.snapshot("demo", NOON)).data
    assert states(data)["6"] == ("open", ["C"])
    # open again, now: nothing more to open
    await store.issue("demo", "C", Stamp(NOON))
    again = await store.call_next("demo", "6", Stamp(NOON, "budi"), ANNOUNCE)
    assert again.seq == 9  # ticket.done, ticket.called: no counter.opened
    assert [e.type.value for e in (await store.events_after("demo", 7)) or []] == [
        "ticket.done",
        "ticket.called",
    ]


async def test_closing_a_counter_that_serves_someone_is_refused(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "B", Stamp(NOON))
    await store.call_next("demo", "3", Stamp(NOON, "ani"), ANNOUNCE)
    with pytest.raises(CurrentTicket) as refused:
        await store.set_status("demo", "3", CLOSE, Stamp(NOON, "ani"))
    assert refused.value.code == "current_ticket"
    assert states((await store.snapshot("demo", NOON)).data)["3"] == ("open", ["B"])
    await store.finish("demo", "3", Status.DONE, Stamp(NOON, "ani"))
    closed = await store.set_status("demo", "3", CLOSE, Stamp(NOON, "ani"))
    assert closed.counter is not None and closed.counter.status is CounterStatus.CLOSED


async def test_redis_data_without_statuses_reads_closed_or_open_while_serving(
    redis_url: str,
) -> None:
    """What the release before statuses left in Redis: no counters hash. A counter with
    a current ticket reads as open (its clerk is mid-service), the others as closed."""
    old = Opened(redis_url)
    await old.store.open(SITES, old.events.append)
    try:
        await old.store.issue("demo", "A", Stamp(NOON))
        await old.store.call_next("demo", "1", Stamp(NOON, "siti"), ANNOUNCE)
    finally:
        await old.store.close()
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.delete(keys.site("demo", "counters"))  # as the previous release left it
    store = await old.reopen()
    try:
        data = (await store.snapshot("demo", NOON + timedelta(minutes=5))).data
        assert states(data)["1"] == ("open", ["A"])
        assert states(data)["2"] == ("closed", ["A"])
        since = {c["counter"]: c["since"] for c in data["counters"]}
        assert since["1"] == "2026-11-28T05:00:00.000Z"  # since its call
        # a kept status of a later release that this one does not know: as none kept
        client.hset(keys.site("demo", "counters"), "2", json.dumps({"status": "away"}))
        line = await store.line("demo", "2", 10, NOON + timedelta(minutes=6))
        assert line.state is not None and line.state.status is CounterStatus.CLOSED
        # and calling still works, opening it
        await store.issue("demo", "A", Stamp(NOON))
        called = await store.call_next("demo", "2", Stamp(NOON, "siti"), ANNOUNCE)
        assert called.ticket["number"] == "A002"
    finally:
        await store.close()


async def test_the_live_view_reads_the_board_and_the_statuses_once_per_event(
    redis_url: str,
) -> None:
    """A supervisor's live view reads the snapshot and every counter's status with its
    clerk after each event: on Redis that is one script run, not one for each."""
    box = Opened(redis_url)
    store = box.store
    await store.open(SITES, box.events.append)
    stats = redis.Redis.from_url(redis_url)

    def scripts_run() -> int:
        calls = stats.info("commandstats").get("cmdstat_evalsha", {"calls": 0})
        return int(calls["calls"])

    try:
        await store.snapshot("demo", NOON)  # the script loaded (a first EVALSHA fails)
        for change, status in ((OPEN, CounterStatus.OPEN), (CLOSE, CounterStatus.CLOSED)):
            await store.set_status("demo", "1", change, Stamp(NOON, "siti"))  # an event
            await settle()
            before = scripts_run()
            snapshot = await store.snapshot("demo", NOON)
            read = await store.counter_states("demo", NOON)
            assert scripts_run() - before == 1
            assert states(snapshot.data)["1"][0] == status.value
            assert (read[0].counter, read[0].status) == ("1", status)
            assert read[0].user == ("siti" if status is CounterStatus.OPEN else None)
    finally:
        stats.close()
        await store.close()
