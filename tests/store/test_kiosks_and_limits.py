"""What CONTRACT 6.7 asks of every store: enrolled kiosks (kept across restarts, capped per
site atomically), a service's max_waiting held however many issue at once, and the
per-address allowance — shared by every process on Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from loket.server.config import parse_sites
from loket.server.domain import QueueFull
from loket.server.kiosks import Kiosk
from loket.server.store import Stamp, Store, open_store
from tests.store.test_store_contract import ANNOUNCE, store_url  # noqa: F401  (fixture)
from tests.support.sites import small_site, two_line_site

SITES = parse_sites(two_line_site("hall", 3) + small_site("annex", "Annex"), "test sites")
WINDOW = timedelta(minutes=15)


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[list[Store]]:  # noqa: F811
    """The store, and on Redis a second process's store beside it (SQLite has one)."""
    count = 2 if store_url.startswith("redis://") else 1
    opened = [open_store(store_url) for _ in range(count)]
    for store in opened:
        await store.open(SITES, lambda event: None)
    yield opened
    for store in opened:
        await store.close()


def kiosk(n: int, site: str = "hall") -> Kiosk:
    return Kiosk(f"{n:012x}", site, f"Kiosk {n}", datetime(2026, 12, 1, 8, n, tzinfo=UTC))


async def test_kiosks_are_kept_used_and_dropped(stores: list[Store], store_url: str) -> None:  # noqa: F811
    store = stores[-1]
    assert await store.add_kiosk(kiosk(2), "hash-2", 10)
    assert await store.add_kiosk(kiosk(1), "hash-1", 10)
    assert await store.add_kiosk(kiosk(1, "annex"), "hash-annex", 10)
    desk = replace(kiosk(3), counter="2")  # a desk's rating device (CONTRACT 6.4)
    assert await store.add_kiosk(desk, "hash-3", 10)
    assert (await stores[0].use_kiosk("hall", desk.id, now()))[0].counter == "2"  # type: ignore[index]
    assert await store.drop_kiosk("hall", desk.id)
    assert [k.name for k in await store.kiosks("hall")] == ["Kiosk 1", "Kiosk 2"]  # oldest first
    assert await store.use_kiosk("hall", "nope", now()) is None
    used_at = now()
    used = await stores[0].use_kiosk("hall", kiosk(1).id, used_at)
    assert used == (replace(kiosk(1), last_used_at=used_at), "hash-1")
    assert [k.last_used_at for k in await store.kiosks("hall")] == [used_at, None]

    # a restart keeps them
    await store.close()
    stores[-1] = store = open_store(store_url)
    await store.open(SITES, lambda event: None)
    assert [k.id for k in await store.kiosks("hall")] == [kiosk(1).id, kiosk(2).id]

    assert await store.drop_kiosk("hall", kiosk(1).id)
    assert not await store.drop_kiosk("hall", kiosk(1).id)
    assert not await store.drop_kiosk("hall", kiosk(1, "annex").id + "x")
    assert await stores[0].use_kiosk("hall", kiosk(1).id, now()) is None
    assert [k.id for k in await store.kiosks("hall")] == [kiosk(2).id]
    assert [k.site for k in await store.kiosks("annex")] == ["annex"]


async def test_the_cap_on_kiosks_holds_when_many_enrol_at_once(stores: list[Store]) -> None:
    added = await asyncio.gather(
        *(stores[n % len(stores)].add_kiosk(kiosk(n), f"hash-{n}", 5) for n in range(20))
    )
    assert added.count(True) == 5
    assert len(await stores[0].kiosks("hall")) == 5
    assert await stores[0].add_kiosk(kiosk(1, "annex"), "other site", 5)  # a cap per site


async def test_max_waiting_holds_when_many_issue_at_once(stores: list[Store]) -> None:
    async def issue(n: int) -> str:
        try:
            await stores[n % len(stores)].issue("hall", "A", Stamp(now()))
        except QueueFull as full:
            return full.code
        return "issued"

    answers = await asyncio.gather(*(issue(n) for n in range(30)))
    assert answers.count("issued") == 3
    assert set(answers) == {"issued", "queue_full"}
    snapshot = await stores[0].snapshot("hall")
    assert snapshot.data["waiting"] == {"A": 3, "B": 0}
    assert snapshot.seq == 3  # a refusal writes no event
    # another service has no limit; once one is called there is room again
    for _ in range(5):
        await stores[0].issue("hall", "B", Stamp(now()))
    await stores[0].call_next("hall", "1", Stamp(now(), "clerk"), ANNOUNCE)
    assert (await stores[-1].issue("hall", "A", Stamp(now()))).ticket["number"] == "A004"
    with pytest.raises(QueueFull):
        await stores[0].issue("hall", "A", Stamp(now()))


async def test_an_allowance_is_counted_over_a_sliding_window(stores: list[Store]) -> None:
    start = now()
    first, other = stores[0], stores[-1]  # on Redis: two processes, one count
    for n in range(3):
        at = start + timedelta(minutes=n)
        assert await (first if n % 2 else other).take_allowance("tickets:a", 3, WINDOW, at) == 0
    wait = await first.take_allowance("tickets:a", 3, WINDOW, start + timedelta(minutes=2))
    assert wait == pytest.approx((WINDOW - timedelta(minutes=2)).total_seconds())
    assert await other.take_allowance("tickets:b", 3, WINDOW, start) == 0  # another address
    # a use given back (its ticket was refused) can be taken again
    await other.give_back_allowance("tickets:a")
    assert await first.take_allowance("tickets:a", 3, WINDOW, start + timedelta(minutes=3)) == 0
    assert await other.take_allowance("tickets:a", 3, WINDOW, start + timedelta(minutes=3)) > 0
    # the first use leaves the window
    assert await first.take_allowance("tickets:a", 3, WINDOW, start + WINDOW) == 0
    assert await first.take_allowance("tickets:a", 3, WINDOW, start + WINDOW) > 0


async def test_an_allowance_holds_when_many_take_at_once(stores: list[Store]) -> None:
    at = now()
    waits = await asyncio.gather(
        *(stores[n % len(stores)].take_allowance("tickets:c", 3, WINDOW, at) for n in range(40))
    )
    assert sum(1 for wait in waits if wait == 0) == 3
