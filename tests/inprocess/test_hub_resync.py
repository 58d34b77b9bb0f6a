"""When what a display was sent can no longer be continued, the hub drops it: the socket
closes with 1013 ("try again later") and the display, reconnecting, resumes and gets every
event it had not seen (server/hub.py, LoketService._publish). Three ways in: the service
is handed a site's events with a seq skipped (a feed that lost one), the store comes back
with a new epoch (its history lost), or the display's own network is too slow (its
backlog fills). Other displays, and other sites, go on unharmed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from loket.server.config import parse_sites
from loket.server.hub import DEFAULT_LIMIT
from loket.server.protocol import Event
from loket.server.store.sqlite import SqliteStore
from tests.inprocess.running import Loket, running_loket
from tests.support.sites import small_site

TOO_SLOW = 1013

TWO_SITES = parse_sites(
    small_site("north", "North office") + small_site("south", "South office"), "two sites"
)


class LossyFeed:
    """Stands between the store and the service (the store's publish callback), as a
    shared store's feed does: it can lose the next events of a site on the way."""

    def __init__(self, store: SqliteStore) -> None:
        self._deliver = store._publish
        store._publish = self.publish
        self.losing = 0
        self.lost: list[Event] = []

    def publish(self, event: Event) -> None:
        if self.losing > 0:
            self.losing -= 1
            self.lost.append(event)
            return
        self._deliver(event)


@pytest.fixture
async def offices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    async with running_loket(tmp_path, monkeypatch, sites=TWO_SITES) as loket:
        yield loket


def store_of(loket: Loket) -> SqliteStore:
    store = loket.service.store
    assert isinstance(store, SqliteStore)
    return store


async def resumed(loket: Loket, site: str, epoch: str, seq: int) -> list[dict[str, Any]]:
    """A display that reconnects and resumes from (epoch, seq): the events it is replayed
    up to its snapshot's seq, or the fresh snapshot when the server cannot continue."""
    async with loket.display(site) as ws:
        snapshot = await ws.receive()
        await ws.send({"type": "resume", "epoch": epoch, "seq": seq})
        got = [await ws.event()]
        while got[-1]["type"] != "snapshot" and got[-1]["seq"] < snapshot["seq"]:
            got.append(await ws.event())
        return got


async def test_a_lost_event_makes_the_sites_displays_resync_and_replays_it(
    offices: Loket,
) -> None:
    loket = offices
    feed = LossyFeed(store_of(loket))
    async with loket.display("north") as north, loket.display("south") as south:
        epoch = (await north.receive())["epoch"]
        await south.receive()
        await loket.issue(site="north")
        seen = (await north.event())["seq"]
        feed.losing = 1
        lost = await loket.issue(site="north")  # committed, never handed to the service
        after = await loket.issue(site="north")  # comes with a seq one too far
        got, closed = await north.closing()
        assert got == [] and closed.code == TOO_SLOW
        # the other site's display goes on as before
        await loket.issue(site="south")
        assert (await south.event())["data"]["waiting"] == {"A": 1}
        assert await south.quiet() == []
    assert [e.seq for e in feed.lost] == [seen + 1]
    replayed = await resumed(loket, "north", epoch, seen)
    assert [m["seq"] for m in replayed] == [seen + 1, seen + 2]
    assert all(m.get("replayed") for m in replayed)
    numbers = [m["data"]["ticket"]["number"] for m in replayed]
    assert numbers == [lost["ticket"]["number"], after["ticket"]["number"]]


async def test_after_a_gap_the_displays_that_come_back_get_live_events_again(
    offices: Loket,
) -> None:
    loket = offices
    feed = LossyFeed(store_of(loket))
    feed.losing = 2
    await loket.issue(site="north")
    await loket.issue(site="north")
    await loket.issue(site="north")  # seq 3 after 0: a gap, with nobody watching
    async with loket.display("north") as ws:
        snapshot = await ws.receive()
        assert snapshot["seq"] == 3 and snapshot["data"]["waiting"] == {"A": 3}
        await loket.call("1", site="north")
        opened, called = await ws.event(), await ws.event()  # the counter opens to call
        assert (opened["type"], opened["seq"]) == ("counter.opened", 4)
        assert (called["type"], called["seq"]) == ("ticket.called", 5)


async def test_a_new_store_epoch_makes_every_display_start_over(offices: Loket) -> None:
    loket = offices
    async with loket.display("north") as north, loket.display("south") as south:
        old = (await north.receive())["epoch"]
        await south.receive()
        await loket.issue(site="north")
        await north.event()
        # the store lost its history (a shared store flushed) and made a new epoch
        store_of(loket).epoch = "epoch-after-the-loss"
        await loket.issue(site="north")
        for ws in (north, south):
            got, closed = await ws.closing()
            assert got == [] and closed.code == TOO_SLOW
    async with loket.display("south") as ws:
        snapshot = await ws.receive()
        assert snapshot["epoch"] == "epoch-after-the-loss"
        await ws.send({"type": "resume", "epoch": old, "seq": 0})
        again = await ws.receive()
        assert again["type"] == "snapshot" and again["epoch"] == "epoch-after-the-loss"
    # a resume in the new epoch is answered from the store (the hub forgot everything)
    replayed = await resumed(loket, "north", "epoch-after-the-loss", 0)
    assert [m["seq"] for m in replayed] == [1, 2]
    assert all(m["epoch"] == "epoch-after-the-loss" and m.get("replayed") for m in replayed)


async def test_a_resume_notices_a_new_epoch_before_any_event_does(offices: Loket) -> None:
    loket = offices
    await loket.issue(site="south")
    async with loket.display("south") as watching:
        assert (await watching.receive())["seq"] == 1
        store_of(loket).epoch = "renewed"
        # no event since: a display resuming in the new epoch is what reveals it, and
        # the displays that were sent the old epoch's events start over
        async with loket.display("north") as ws:
            snapshot = await ws.receive()
            assert snapshot["epoch"] == "renewed"
            await ws.send({"type": "resume", "epoch": "renewed", "seq": 0})
            got, closed = await watching.closing()
        assert got == [] and closed.code == TOO_SLOW
    replayed = await resumed(loket, "south", "renewed", 0)
    assert [(m["seq"], m["epoch"], m.get("replayed")) for m in replayed] == [(1, "renewed", True)]


async def test_a_display_too_slow_to_take_its_events_is_dropped_and_catches_up(
    loket: Loket,
) -> None:
    """A display whose network stalls is closed once DEFAULT_LIMIT events wait for it;
    the display next to it gets every event at once all along."""
    async with loket.display() as slow, loket.display() as fast:
        epoch = (await slow.receive())["epoch"]
        await fast.receive()
        slow.stall()
        count = DEFAULT_LIMIT + 8
        await asyncio.gather(*(loket.service.issue("demo", "A") for _ in range(count)))
        got = await fast.until(count)
        assert [m["seq"] for m in got] == list(range(1, count + 1))
        slow.unstall()
        sent, closed = await slow.closing()
        assert closed.code == TOO_SLOW
        # the send under way may come first, or be overtaken by the close and dropped
        assert [m["seq"] for m in sent] in ([], [1])
    last = sent[-1]["seq"] if sent else 0
    replayed = await resumed(loket, "demo", epoch, last)
    assert [m["seq"] for m in replayed] == list(range(last + 1, count + 1))
    assert all(m.get("replayed") for m in replayed)


async def test_a_display_a_little_behind_gets_every_event_in_order(loket: Loket) -> None:
    """Below the limit nothing is dropped: what waited is sent in order once the network
    moves again, and events sent meanwhile follow."""
    async with loket.display() as ws:
        await ws.receive()
        ws.stall()
        for _ in range(5):
            await loket.issue()
        await asyncio.sleep(0.05)
        ws.unstall()
        await loket.issue("B")
        got = await ws.until(6)
    assert [m["seq"] for m in got] == [1, 2, 3, 4, 5, 6]
    assert got[-1]["data"]["waiting"] == {"A": 5, "B": 1, "C": 0}


async def test_a_phone_whose_place_moved_in_a_lost_event_is_told_at_the_next(
    offices: Loket,
) -> None:
    """The visitors' feed notices the gap as well: it reads the followed tickets again."""
    loket = offices
    feed = LossyFeed(store_of(loket))
    opened = await loket.act("1", "open", site="north")  # a call then makes one event
    assert opened.status_code == 200, opened.text
    await loket.issue(site="north")
    mine = (await loket.issue(site="north"))["ticket"]
    async with loket.phone(mine["id"]) as phone:
        first = await phone.receive()
        assert first["type"] == "snapshot" and first["data"]["position"] == 1
        feed.losing = 1
        await loket.call("1", site="north")  # moves mine to the head: lost on the way
        assert await phone.quiet() == []
        await loket.issue(site="north")  # behind mine, and one seq too far
        moved = await phone.receive()
    assert moved["type"] == "ticket.moved"
    assert (moved["seq"], moved["data"]["position"]) == (1, 0)
