"""Two processes sharing Redis call the same ticket by name at the same moment: one wins,
every other is refused, never both; and a ticket held past its day is closed as held
(CONTRACT 6.5)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from loket.server.config import load_sites
from loket.server.domain import Status
from loket.server.domain.errors import NotCallable
from loket.server.store import Stamp, open_store
from tests.store.test_store_contract import ANNOUNCE, store_url  # noqa: F401  (fixture)

SITES = load_sites(None)
COUNTERS = ["1", "2", "6", "1"]  # one per process; two processes act for counter 1


async def test_one_of_many_clerks_calling_one_ticket_wins(redis_url: str) -> None:
    stores = [open_store(redis_url) for _ in range(4)]
    for store in stores:
        await store.open(SITES, lambda event: None)
    try:
        for _ in range(3):
            await stores[0].issue("demo", "A", Stamp(datetime.now(UTC)))
        for round_ in range(5):  # each round a new ticket named by every counter at once
            name = f"A{round_ + 4:03d}"
            await stores[0].issue("demo", "A", Stamp(datetime.now(UTC)))

            async def call(index: int, name: str = name) -> str:
                stamp = Stamp(datetime.now(UTC), f"clerk{index}")
                try:
                    result = await stores[index].call(
                        "demo", COUNTERS[index], name, stamp, ANNOUNCE
                    )
                except NotCallable:
                    return "refused"
                return str(result.ticket["counter"])

            outcomes = await asyncio.gather(*(call(i) for i in range(4)))
            winners = [o for o in outcomes if o != "refused"]
            assert len(winners) == 1, outcomes
            serving = (await stores[0].snapshot("demo")).data["now_serving"]
            assert [s["ticket"]["number"] for s in serving].count(name) == 1
    finally:
        for store in stores:
            await store.close()


async def test_a_ticket_still_held_when_its_day_is_over_is_closed_as_held(
    store_url: str,  # noqa: F811
) -> None:
    yesterday = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    today = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    store = open_store(store_url)
    await store.open(SITES, lambda event: None)
    try:
        issued = await store.issue("demo", "A", Stamp(yesterday))
        await store.call_next("demo", "1", Stamp(yesterday, "clerk"), ANNOUNCE)
        await store.hold("demo", "1", Stamp(yesterday, "clerk"))
        await store.prune(yesterday)  # the same day: it stays held
        assert [t.number for t in (await store.line("demo", "1", 10)).held] == ["A001"]
        await store.prune(today)
        assert (await store.line("demo", "1", 10)).held == []
        assert (await store.snapshot("demo")).data["held"] == {}
        ticket, _ = await store.ticket(issued.ticket_id)
        assert (ticket.status, ticket.finished_at) == (Status.HELD, today)
        with pytest.raises(NotCallable):
            await store.call("demo", "1", issued.ticket["ref"], Stamp(today, "c"), ANNOUNCE)
    finally:
        await store.close()
