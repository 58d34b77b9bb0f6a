"""server/web/eager.py: an event's send to a display starts at once, in the publisher's
turn, and only what has to wait becomes a task; a send that fails (the peer is gone)
raises nowhere. First as displays see it, then `start` itself, branch by branch."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator

import pytest

from loket.server.hub import DEFAULT_LIMIT
from loket.server.web import eager
from tests.inprocess.running import Loket
from tests.inprocess.wsclient import WsClient

# -- as displays see it ----------------------------------------------------------------


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[str]]:
    """What the event loop would log: exceptions nobody retrieved, failed callbacks."""
    errors: list[str] = []
    loop = asyncio.get_running_loop()
    before = loop.get_exception_handler()

    def record(_: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        errors.append(
            f"{context.get('message')}: {context.get('exception')!r} in {context.get('future')}"
        )

    loop.set_exception_handler(record)
    yield errors
    loop.set_exception_handler(before)


async def test_a_display_whose_connection_is_lost_holds_nobody_up(
    loket: Loket, loop_errors: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    async with loket.display() as gone, loket.display() as fine:
        await gone.receive()
        await fine.receive()
        gone.fail()  # every send to it raises now, as to a vanished peer
        for _ in range(3):
            await loket.issue()
        assert [m["seq"] for m in await fine.until(3)] == [1, 2, 3]
        # its own reading side is what ends it: the next thing it "sends" is a disconnect
    assert gone.task is not None and gone.task.exception() is None
    gc.collect()
    await asyncio.sleep(0)
    assert loop_errors == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_connection_lost_while_a_send_waits_ends_quietly(
    loket: Loket, loop_errors: list[str]
) -> None:
    async with loket.display() as ws, loket.display() as fine:
        await ws.receive()
        await fine.receive()
        ws.stall()
        await loket.issue()  # its send starts and waits on the stalled network
        await fine.event()
        ws.fail()  # ... and then the connection is lost
        await loket.issue()
        await loket.issue()
        assert [m["seq"] for m in await fine.until(3)] == [2, 3]
    gc.collect()
    await asyncio.sleep(0)
    assert loop_errors == []


async def test_a_connection_lost_with_events_waiting_in_its_backlog(
    loket: Loket, loop_errors: list[str]
) -> None:
    """Events that came while a send waited wait in the display's backlog, sent by a task
    of the subscription's own; the connection is then lost."""
    async with loket.display() as ws, loket.display() as fine:
        await ws.receive()
        await fine.receive()
        ws.stall()
        for _ in range(3):  # the first send waits, the two others wait behind it
            await loket.issue()
        await fine.until(3)
        ws.fail()
        await asyncio.sleep(0.05)
        await loket.issue()
        assert (await fine.event())["seq"] == 4
    gc.collect()
    await asyncio.sleep(0)
    assert loop_errors == []


async def test_a_socket_that_ends_while_its_send_waits_cancels_the_send(
    loket: Loket, loop_errors: list[str]
) -> None:
    ws = WsClient(loket.app, "/ws/display/demo")
    await ws.__aenter__()
    await ws.receive()
    ws.stall()
    await loket.issue()
    await asyncio.sleep(0.01)
    # the handler returns on the disconnect; the send still waiting is cancelled with
    # the subscription, and nothing is sent after the end
    await ws.disconnect(release=False)
    assert ws.abandoned == 1
    ws.unstall()
    await asyncio.sleep(0.01)
    assert ws.backlog == 0
    async with loket.display() as again:
        assert (await again.receive())["seq"] == 1
    gc.collect()
    await asyncio.sleep(0)
    assert loop_errors == []


# -- eager.start, branch by branch ---------------------------------------------------------


async def test_a_send_that_needs_no_wait_is_done_inline() -> None:
    sent: list[str] = []

    async def send() -> None:
        sent.append("x")

    assert eager.start(send()) is None
    assert sent == ["x"], "done before start() returned, without a task"


async def test_a_send_that_fails_at_once_is_swallowed() -> None:
    async def send() -> None:
        raise OSError("the peer is gone")

    assert eager.start(send()) is None


async def test_a_send_that_waits_is_carried_on_by_a_task() -> None:
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    steps: list[str] = []

    async def send() -> None:
        steps.append("started")
        await ready
        steps.append("resumed")
        await asyncio.sleep(0)  # a bare yield: one turn of the loop
        steps.append("done")

    rest = eager.start(send())
    assert rest is not None and steps == ["started"]
    await asyncio.sleep(0)
    assert not rest.done()
    ready.set_result(None)
    await asyncio.wait_for(rest, 1)
    assert steps == ["started", "resumed", "done"]
    assert rest.exception() is None


async def test_the_awaited_outcome_reaches_the_send() -> None:
    """What the send waited on failed: the send sees the exception where it awaited."""
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: list[BaseException] = []

    async def send() -> None:
        try:
            await ready
        except ConnectionResetError as error:
            seen.append(error)

    rest = eager.start(send())
    assert rest is not None
    ready.set_exception(ConnectionResetError("reset"))
    await asyncio.wait_for(rest, 1)
    assert len(seen) == 1 and rest.exception() is None


async def test_a_send_that_fails_after_waiting_is_swallowed() -> None:
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def send() -> None:
        await ready
        raise OSError("the peer went away meanwhile")

    rest = eager.start(send())
    assert rest is not None
    ready.set_result(None)
    await asyncio.wait_for(rest, 1)
    assert rest.exception() is None


async def test_cancelling_the_rest_closes_the_send() -> None:
    ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    cleaned: list[str] = []

    async def send() -> None:
        try:
            await ready
        finally:
            cleaned.append("closed")

    rest = eager.start(send())
    assert rest is not None
    await asyncio.sleep(0)
    rest.cancel()
    with pytest.raises(asyncio.CancelledError):
        await rest
    assert cleaned == ["closed"]


async def test_a_display_dropped_as_too_slow_that_then_vanishes(
    loket: Loket, loop_errors: list[str]
) -> None:
    """Its close (1013) waits on the stalled network like its sends; then the connection
    is lost for good, and that close fails too."""
    async with loket.display() as ws:
        await ws.receive()
        ws.stall()
        await asyncio.gather(*(loket.service.issue("demo", "A") for _ in range(DEFAULT_LIMIT + 8)))
        await asyncio.sleep(0.05)
        ws.fail()
        await asyncio.sleep(0.05)
    gc.collect()
    await asyncio.sleep(0)
    assert loop_errors == []
