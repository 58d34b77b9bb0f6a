"""Waiting in tests, always bounded: until a condition holds, or for a socket's next message.

A test waits for what it expects to happen rather than sleeping for a while and hoping it
did: `wait_until` returns as soon as the condition holds, and fails after `timeout` seconds
with a message that says what never happened.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from websockets.asyncio.client import ClientConnection as AsyncClientConnection
from websockets.sync.client import ClientConnection

RECEIVE_TIMEOUT = 5.0


def _looks(condition: Callable[[], object], timeout: float, what: str) -> Iterator[None]:
    """One step each time `condition()` is false (the caller pauses), until it is true; an
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting until {what}")
        yield


def wait_until(
    condition: Callable[[], object], timeout: float, what: str, poll: float = 0.05
) -> None:
    """Return once `condition()` is true; an AssertionError naming `what` after `timeout` s."""
    for _ in _looks(condition, timeout, what):
        time.sleep(poll)


async def wait_until_async(
    condition: Callable[[], object], timeout: float, what: str, poll: float = 0.01
) -> None:
    """`wait_until` for a coroutine: the event loop runs on between two looks."""
    for _ in _looks(condition, timeout, what):
        await asyncio.sleep(poll)


def _wanted(message: dict[str, Any], skip_control: bool) -> bool:
    # control messages (pong, error) carry no seq: snapshots and events do
    return not skip_control or message.get("seq") is not None


def receive(
    ws: ClientConnection, timeout: float = RECEIVE_TIMEOUT, skip_control: bool = False
) -> dict[str, Any]:
    """The next message on a (sync) socket, decoded; TimeoutError when none comes in time.
    `skip_control`: the next snapshot or event, passing over pongs and errors."""
    while True:
        message = dict(json.loads(ws.recv(timeout=timeout)))
        if _wanted(message, skip_control):
            return message


async def receive_async(
    ws: AsyncClientConnection, timeout: float = RECEIVE_TIMEOUT, skip_control: bool = False
) -> dict[str, Any]:
    """`receive` on an asyncio socket."""
    while True:
        message = dict(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
        if _wanted(message, skip_control):
            return message
