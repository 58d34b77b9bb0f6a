"""A display's `resume` (CONTRACT section 4) as the display sees it: the events it missed,
each with its own seq and `"replayed": true`, when the server can still tell them (from
memory, or from the store's history after a restart); a fresh snapshot when it cannot
(another epoch, a seq the server never had or no longer has)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.inprocess.running import Loket, running_loket
from tests.inprocess.wsclient import WsClient


async def resume(ws: WsClient, epoch: str, seq: int) -> None:
    await ws.send({"type": "resume", "epoch": epoch, "seq": seq})


async def watched(loket: Loket, events: int) -> tuple[str, int]:
    """A display watches `events` tickets being issued; (its epoch, the last seq it saw)."""
    async with loket.display() as ws:
        snapshot = await ws.receive()
        for _ in range(events):
            await loket.issue()
        last = await ws.until(snapshot["seq"] + events)
    return snapshot["epoch"], last[-1]["seq"]


async def open_counter(loket: Loket, counter: str) -> None:
    """Opened beforehand, a counter's call is one event (CONTRACT 6.2)."""
    answer = await loket.act(counter, "open")
    assert answer.status_code == 200, answer.text


async def test_a_resume_from_memory_replays_what_was_missed_in_order(loket: Loket) -> None:
    await open_counter(loket, "1")
    epoch, seen = await watched(loket, 2)
    await loket.issue("B")
    await loket.call("1")
    async with loket.display() as ws:
        snapshot = await ws.receive()
        assert snapshot["seq"] == seen + 2
        await resume(ws, epoch, seen)
        replayed = await ws.until(seen + 2)
        assert [m["seq"] for m in replayed] == [seen + 1, seen + 2]
        assert [m["type"] for m in replayed] == ["ticket.issued", "ticket.called"]
        assert all(m["replayed"] is True and m["epoch"] == epoch for m in replayed)
        assert await ws.quiet() == [], "nothing more, nothing twice"
        # and live events go on above the snapshot, not replayed
        await loket.issue()
        live = await ws.event()
        assert live["seq"] == seen + 3 and "replayed" not in live


async def test_a_late_resume_replays_up_to_the_snapshot_and_nothing_twice(
    loket: Loket,
) -> None:
    """Events that came live after the snapshot are not replayed again when the display's
    resume arrives only then (memory holds them too, but the cut is the snapshot's seq)."""
    await open_counter(loket, "5")
    epoch, seen = await watched(loket, 1)
    await loket.issue("B")  # missed
    async with loket.display() as ws:
        snapshot = await ws.receive()
        await loket.issue("C")
        await loket.call("5")
        live = await ws.until(snapshot["seq"] + 2)
        await resume(ws, epoch, seen)
        replayed = await ws.until(snapshot["seq"])
        assert await ws.quiet() == []
    assert [m["seq"] for m in live] == [seen + 2, seen + 3]
    assert [(m["seq"], m.get("replayed")) for m in replayed] == [(seen + 1, True)]


async def test_a_resume_at_the_snapshot_seq_is_answered_with_nothing(loket: Loket) -> None:
    await loket.issue()
    async with loket.display() as ws:
        snapshot = await ws.receive()
        await resume(ws, snapshot["epoch"], snapshot["seq"])
        assert await ws.quiet() == []
        await ws.send({"type": "ping", "t": 1})  # the socket is still answering
        assert (await ws.receive())["type"] == "pong"


@pytest.mark.parametrize("where", ["ahead", "negative", "other_epoch"])
async def test_a_resume_the_server_cannot_continue_gets_a_fresh_snapshot(
    loket: Loket, where: str
) -> None:
    await loket.issue()
    await loket.issue("C")
    async with loket.display() as ws:
        snapshot = await ws.receive()
        epoch, seq = snapshot["epoch"], snapshot["seq"]
        asked = {
            "ahead": (epoch, seq + 5),  # a seq this server never had (another server's)
            "negative": (epoch, -1),
            "other_epoch": ("an-epoch-of-another-store", seq - 1),
        }[where]
        await resume(ws, *asked)
        again = await ws.receive()
        assert again["type"] == "snapshot"
        assert (again["epoch"], again["seq"]) == (epoch, seq)
        assert again["data"] == snapshot["data"]
        assert "replayed" not in again
        assert await ws.quiet() == []


async def test_after_a_restart_a_resume_is_answered_from_the_stores_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_loket(tmp_path, monkeypatch) as loket:
        await open_counter(loket, "3")
        epoch, seen = await watched(loket, 1)
        await loket.issue("B")  # missed by the display, then the server restarts
    async with running_loket(tmp_path, monkeypatch) as loket:
        await loket.call("3")  # in the new process's memory; seen + 1 is not
        async with loket.display() as ws:
            snapshot = await ws.receive()
            assert (snapshot["epoch"], snapshot["seq"]) == (epoch, seen + 2)
            await resume(ws, epoch, seen)
            replayed = await ws.until(seen + 2)
    assert [(m["seq"], m["type"]) for m in replayed] == [
        (seen + 1, "ticket.issued"),
        (seen + 2, "ticket.called"),
    ]
    assert all(m.get("replayed") for m in replayed)
    assert replayed[1]["data"]["ticket"]["number"] == replayed[0]["data"]["ticket"]["number"]


async def test_a_resume_from_before_the_kept_history_gets_a_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loket.server.store.sqlite.KEEP_EVENTS", 2)  # else 1,000 events
    async with running_loket(tmp_path, monkeypatch) as loket:
        epoch, seen = await watched(loket, 5)
        # two days on, what is beyond the last KEEP_EVENTS events and a day old goes
        await loket.service.store.prune(datetime.now(UTC) + timedelta(days=2))
    async with running_loket(tmp_path, monkeypatch) as loket:
        async with loket.display() as ws:
            snapshot = await ws.receive()
            await resume(ws, epoch, seen - 4)  # pruned: neither memory nor store has it
            again = await ws.receive()
            assert again["type"] == "snapshot" and again["seq"] == seen
            await resume(ws, epoch, seen - 2)  # still kept
            replayed = await ws.until(seen)
            assert [m["seq"] for m in replayed] == [seen - 1, seen]
            assert all(m.get("replayed") for m in replayed)
    assert snapshot["seq"] == seen


async def test_a_display_of_a_replaced_store_gets_the_new_epochs_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server came back on another database (a new store, a new epoch): whatever seq
    the display has means nothing here, even one this store also has."""
    async with running_loket(tmp_path / "old", monkeypatch) as loket:
        epoch, seen = await watched(loket, 3)
    async with running_loket(tmp_path / "new", monkeypatch) as loket:
        for _ in range(4):
            await loket.issue("C")
        async with loket.display() as ws:
            snapshot = await ws.receive()
            await resume(ws, epoch, seen)
            again = await ws.receive()
    assert snapshot["epoch"] != epoch
    assert again["type"] == "snapshot" and again["epoch"] == snapshot["epoch"]
    assert again["seq"] == 4 and again["data"]["waiting"]["C"] == 4


@pytest.mark.parametrize(
    "message",
    [
        {"type": "resume"},
        {"type": "resume", "epoch": 1, "seq": 1},
        {"type": "resume", "epoch": "e", "seq": "1"},
        {"type": "resume", "epoch": "e", "seq": True},
        {"type": "resume", "epoch": "e", "seq": 1.5},
    ],
)
async def test_a_malformed_resume_is_refused_and_the_socket_stays(
    loket: Loket, message: dict[str, Any]
) -> None:
    async with loket.display() as ws:
        await ws.receive()
        await ws.send(message)
        error = await ws.receive()
        assert error["type"] == "error" and error["seq"] is None
        assert error["data"]["code"] == "invalid_resume"
        await loket.issue()
        assert (await ws.event())["type"] == "ticket.issued"


async def test_a_resume_from_further_back_than_memory_holds_gets_a_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay is bounded (issue 14, attack 2): a resume from the start of a long day is
    answered with a snapshot, not with the day read from the store; a recent one after a
    restart is still replayed from the store."""
    monkeypatch.setattr("loket.server.service.MAX_REPLAY", 20)
    async with running_loket(tmp_path, monkeypatch) as loket:
        epoch, seen = await watched(loket, 1)
        for _ in range(30):
            await loket.issue()
    async with running_loket(tmp_path, monkeypatch) as loket:
        async with loket.display() as ws:
            snapshot = await ws.receive()
            await resume(ws, epoch, seen)
            fresh = await ws.receive()
            assert fresh["type"] == "snapshot" and fresh["seq"] == snapshot["seq"] == seen + 30
            await resume(ws, epoch, seen + 25)
            replayed = await ws.until(seen + 30)
    assert [m["seq"] for m in replayed] == list(range(seen + 26, seen + 31))
