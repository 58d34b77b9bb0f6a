"""A display that resumes hears every event up to its snapshot, even one the hub has not
been handed yet (issue 12: the snapshot is read from the store, which can be ahead of the
hub by a committed event; that event was neither replayed nor sent live).

The race is made deterministic: a real uvicorn serves the app in this process, and the
hub is held back, so the store has committed the last call while the hub has not got it.
On both stores.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from loket.server.app import create_app
from loket.server.domain.commands import StatusChange
from loket.server.domain.counter_state import CounterStatus
from loket.server.hub import Hub, Message
from loket.server.service import LoketService
from loket.server.settings import Settings
from loket.server.users import Role, User
from tests.support.processes import free_port
from tests.support.redis import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.support.waiting import receive_async, wait_until_async

ADMIN = User("admin", Role.ADMIN)


class HeldHub:
    """Wraps a hub's publish: while held, messages wait (as when the writer's hand-over to
    the event loop, or a Redis subscription, is a moment behind the store)."""

    def __init__(self, hub: Hub) -> None:
        self._publish: Callable[[str, Message], None] = hub.publish
        self.held: list[tuple[str, Message]] = []
        self.holding = False
        hub.publish = self.publish  # type: ignore[method-assign]

    def publish(self, topic: str, message: Message) -> None:
        if self.holding:
            self.held.append((topic, message))
        else:
            self._publish(topic, message)

    def release(self) -> None:
        self.holding = False
        for topic, message in self.held:
            self._publish(topic, message)
        self.held.clear()


@asynccontextmanager
async def serving(store: str, workdir: Path) -> AsyncIterator[tuple[str, LoketService]]:
    settings = Settings(
        store=store, admin_password="admin-test-pass", audio_cache=workdir / "audio"
    )
    app = create_app(settings, on_generated_password=lambda _: None)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_until_async(lambda: server.started or task.done(), 10, "uvicorn is serving")
    assert server.started, "the server did not start"
    try:
        yield f"ws://127.0.0.1:{port}/ws/display/demo", app.state.service
    finally:
        server.should_exit = True
        await task


async def until(ws: ClientConnection, seq: int) -> list[dict[str, Any]]:
    """Every event message until the one with `seq` (included)."""
    got = []
    while not got or got[-1]["seq"] < seq:
        got.append(await receive_async(ws, skip_control=True))
    return got


async def resumed_hears_every_call(url: str, service: LoketService) -> None:
    held = HeldHub(service.hub)
    for counter in ("1", "2"):  # open already: each call below is one event (CONTRACT 6.2)
        await service.set_status(ADMIN, "demo", counter, StatusChange(CounterStatus.OPEN))
    for _ in range(3):
        await service.issue("demo", "A")
    async with connect(url) as first:
        snapshot = await receive_async(first, skip_control=True)
        epoch, seen = snapshot["epoch"], snapshot["seq"]
        await service.call_next(ADMIN, "demo", "1")  # seen + 1: replayed from memory
        await until(first, seen + 1)
    # the display is away; the next call is committed, but the hub has not got it yet
    held.holding = True
    last = await service.call_next(ADMIN, "demo", "2")
    # the hand-over to the hub (SQLite: right after the answer)
    await wait_until_async(lambda: held.held, 5, "the hub is holding the call")
    async with connect(url) as again:
        snapshot = await receive_async(again, skip_control=True)
        assert snapshot["type"] == "snapshot"
        covered = snapshot["seq"]
        assert covered == seen + 2, "the snapshot holds the call the hub has not got"
        await again.send(json.dumps({"type": "resume", "epoch": epoch, "seq": seen}))
        replayed = await until(again, covered)
        held.release()  # the hub catches up: the socket must not send the call again
        after = await service.call_next(ADMIN, "demo", "1")
        live = await until(again, after.seq)
    assert [m["seq"] for m in replayed] == [seen + 1, seen + 2]
    assert all(m.get("replayed") for m in replayed)
    assert replayed[-1]["data"]["ticket"]["number"] == last.ticket["number"]
    assert [m["seq"] for m in live] == list(range(covered + 1, after.seq + 1)), "nothing twice"
    assert not any(m.get("replayed") for m in live)


async def test_resume_hears_the_call_the_hub_has_not_got_sqlite(tmp_path: Path) -> None:
    async with serving(f"sqlite:///{tmp_path / 'loket.db'}", tmp_path) as (url, service):
        await resumed_hears_every_call(url, service)


async def test_resume_hears_the_call_the_hub_has_not_got_redis(
    tmp_path: Path,
    redis_url: str,  # noqa: F811  (fixture)
) -> None:
    async with serving(redis_url, tmp_path) as (url, service):
        await resumed_hears_every_call(url, service)
