"""Both stores take a reloaded site file and keep the running text (issue 16)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from loket.server.domain.commands import Destination
from loket.server.domain.site import Counter, Service
from loket.server.domain.site_change import InUse
from loket.server.domain.ticket import Status
from loket.server.store import Stamp, open_store
from tests.store.test_store_contract import ANNOUNCE, SITES, Opened, now, opened, store_url

__all__ = ["opened", "store_url"]  # fixtures

DEMO = SITES[0]
WITH_D = replace(
    DEMO,
    services=(*DEMO.services, Service("D", {"en": "Taxes"})),
    counters=(*DEMO.counters, Counter("7", {"en": "Tax desk"}, ("D",))),
)
WITHOUT_C = replace(
    DEMO,
    services=DEMO.services[:2],
    counters=tuple(replace(c, services=("A",)) if "C" in c.services else c for c in DEMO.counters),
)


async def test_a_new_service_and_counter_work_at_once(opened: Opened) -> None:
    store = opened.store
    await store.reconfigure((WITH_D,))
    issued = await store.issue("demo", "D", Stamp(now()))
    assert issued.ticket["number"] == "D001"
    assert (await store.snapshot("demo")).data["waiting"]["D"] == 1
    called = await store.call_next("demo", "7", Stamp(now(), "clerk"), ANNOUNCE)
    assert called.ticket["number"] == "D001"
    serving = (await store.snapshot("demo")).data["now_serving"]
    assert [(s["counter"], s["ticket"]["number"]) for s in serving] == [("7", "D001")]


async def test_a_service_people_wait_for_is_not_removed(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "C", Stamp(now()))
    with pytest.raises(InUse, match="Service C of site demo has 1 waiting"):
        await store.reconfigure((WITHOUT_C,))
    # nothing changed: counter 5 still calls C
    called = await store.call_next("demo", "5", Stamp(now(), "clerk"), ANNOUNCE)
    assert called.ticket["service"] == "C"
    with pytest.raises(InUse, match="Service C of site demo has 1 waiting"):  # at counter 5
        await store.reconfigure((WITHOUT_C,))
    await store.finish("demo", "5", Status.DONE, Stamp(now(), "clerk"))
    await store.reconfigure((WITHOUT_C,))
    assert "C" not in (await store.snapshot("demo")).data["waiting"]


async def test_held_and_sent_tickets_keep_their_service_and_counter(opened: Opened) -> None:
    """CONTRACT 6.5: a held ticket is called back as its service's, by its counter; a
    ticket sent to a counter waits for it."""
    store = opened.store
    without_5 = replace(DEMO, counters=DEMO.counters[:4] + DEMO.counters[5:])
    await store.issue("demo", "C", Stamp(now()))
    await store.call_next("demo", "5", Stamp(now(), "clerk"), ANNOUNCE)
    await store.hold("demo", "5", Stamp(now(), "clerk"))
    with pytest.raises(InUse, match="Service C of site demo has 1 waiting"):
        await store.reconfigure((WITHOUT_C,))
    with pytest.raises(InUse, match="Counter 5 of site demo is serving, holding"):
        await store.reconfigure((without_5,))
    await store.call("demo", "5", "C001", Stamp(now(), "clerk"), ANNOUNCE)
    await store.finish("demo", "5", Status.DONE, Stamp(now(), "clerk"))
    await store.issue("demo", "A", Stamp(now()))
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    await store.transfer("demo", "1", Destination(counter="5"), Stamp(now(), "clerk"))
    with pytest.raises(InUse, match="Counter 5 of site demo is serving, holding"):
        await store.reconfigure((without_5,))
    await store.call_next("demo", "5", Stamp(now(), "clerk"), ANNOUNCE)
    await store.finish("demo", "5", Status.DONE, Stamp(now(), "clerk"))
    await store.reconfigure((without_5,))


async def test_the_running_text_is_kept_per_language_until_cleared(opened: Opened) -> None:
    store = opened.store
    assert await store.tickers() == {}
    await store.set_ticker("demo", {"en": "Closed at noon.", "id": "Tutup siang."})
    await store.set_ticker("demo", {"id": None})
    assert await store.tickers() == {"demo": {"en": "Closed at noon."}}
    reopened = await opened.reopen()
    assert await reopened.tickers() == {"demo": {"en": "Closed at noon."}}
    await reopened.set_ticker("demo", {"en": None})
    assert await reopened.tickers() == {}


async def test_a_shared_site_file_reaches_every_process_on_redis(
    opened: Opened, store_url: str
) -> None:
    """On Redis the process that reloads shares the file's text and the others hear of it
    (server/hall.py); an SQLite file serves one process, which has nobody to tell."""
    other = open_store(store_url) if store_url.startswith("redis://") else None
    if other is None:
        await opened.store.share_sites("[[sites]]")
        assert await opened.store.shared_sites() is None
        return
    heard = asyncio.Event()
    await other.open(SITES, lambda event: None)
    try:
        other.watch_sites(heard.set)
        assert await other.shared_sites() is None
        await opened.store.share_sites("# the new file\n")
        await asyncio.wait_for(heard.wait(), 5)
        assert await other.shared_sites() == "# the new file\n"
        heard.clear()
        await opened.store.set_ticker("demo", {"en": "Closed at noon."})
        await asyncio.wait_for(heard.wait(), 5)
        assert await other.tickers() == {"demo": {"en": "Closed at noon."}}
    finally:
        await other.close()
