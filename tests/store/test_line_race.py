"""Two processes sharing Redis call the same ticket by name at the same moment: one wins,
every other is refused, never both (CONTRACT 6.5)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from loket.server.config import load_sites
from loket.server.domain.errors import NotCallable
from loket.server.store import Stamp, open_store
from tests.store.test_store_contract import ANNOUNCE

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
