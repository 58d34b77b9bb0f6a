"""A WebSocket client that speaks ASGI to the app directly, in this event loop.

httpx's ASGITransport has no WebSockets, and Starlette's TestClient runs the app in a
thread of its own (another event loop than the service's). This one runs the app's socket
endpoint as a task beside the test, through two queues:

    async with WsClient(app, "/ws/display/demo") as ws:
        snapshot = await ws.receive()
        await ws.send({"type": "resume", "epoch": e, "seq": s})

What the server sends is read as it arrives; a close from the server is raised as
`Closed(code, reason)` by `receive()`. `stall()` makes the client's side of the transport
stop taking messages (a display on a bad network), `fail()` makes it raise on every send
(a peer gone, as uvicorn raises when the connection is lost).
"""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp, Message

TIMEOUT = 5.0  # s: nothing here should take long; a hang fails the test instead


class Closed(Exception):
    """The server closed the socket (or refused it before accepting)."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"closed {code} {reason!r}")
        self.code = code
        self.reason = reason


class PeerGone(OSError):
    """What the transport raises on a send once the connection is lost."""


class WsClient:
    def __init__(
        self,
        app: ASGIApp,
        path: str,
        client: tuple[str, int] = ("127.0.0.1", 50000),
        query: str = "",
        lose_after: int | None = None,
        origin: str | None = "http://testserver",
    ) -> None:
        """`lose_after`: the connection is lost once the server has sent this many
        messages (the accept counts): every later send raises. `origin`: the page the
        browser opened it from (None: not a browser)."""
        self.app = app
        self._lose_after = lose_after
        self.scope: dict[str, Any] = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("testserver", 80),
            "client": client,
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": [(b"host", b"testserver")]
            + ([] if origin is None else [(b"origin", origin.encode())]),
            "subprotocols": [],
            "extensions": {},
        }
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._open = asyncio.Event()
        self._open.set()
        self._failing = False
        self._close_sent = False
        self.abandoned = 0  # sends the app cancelled while they waited on a stall
        self.task: asyncio.Task[None] | None = None
        self.closed: Closed | None = None  # the server's close, once received

    # -- the app's side of the transport ------------------------------------------------

    async def _receive(self) -> Message:
        return await self._to_app.get()

    async def _send(self, message: Message) -> None:
        # as uvicorn's websockets-sansio protocol does: wait while the transport is paused,
        # raise an OSError once the peer is gone, refuse anything after the close, and
        # answer the app's own close with a disconnect on its receive side
        if not self._open.is_set():
            try:
                await self._open.wait()  # the network is stalled: the send waits
            except (asyncio.CancelledError, GeneratorExit):  # a task's or a coroutine's end
                self.abandoned += 1
                raise
        if self._failing:
            raise PeerGone("the connection is lost")
        if self._close_sent:
            raise RuntimeError(f"Unexpected ASGI message {message['type']!r} after the close")
        if message["type"] == "websocket.close":
            self._close_sent = True
            await self._to_app.put(
                {"type": "websocket.disconnect", "code": message.get("code", 1000)}
            )
        await self._from_app.put(message)
        if self._lose_after is not None:
            self._lose_after -= 1
            if self._lose_after <= 0:
                self._failing = True

    # -- the test's side ---------------------------------------------------------------

    async def __aenter__(self) -> WsClient:
        self.task = asyncio.ensure_future(self.app(self.scope, self._receive, self._send))
        await self._to_app.put({"type": "websocket.connect"})
        first = await self._next()
        if first["type"] == "websocket.close":
            self.closed = Closed(first.get("code", 1000), first.get("reason") or "")
            raise self.closed
        assert first["type"] == "websocket.accept", first
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.disconnect()

    async def disconnect(self, code: int = 1000, release: bool = True) -> None:
        """The client goes away; waits until the server's handler has returned. As with
        uvicorn, a send that waits on a stalled network then fails (an OSError); with
        release=False it keeps waiting, for whoever cancels it."""
        self._failing = True  # nothing more can reach this client
        if release:
            self._open.set()
        await self._to_app.put({"type": "websocket.disconnect", "code": code})
        if self.task is not None:
            await asyncio.wait_for(self.task, TIMEOUT)

    async def _next(self, timeout: float = TIMEOUT) -> Message:
        if self.task is None:
            raise RuntimeError("not connected")
        getting = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait(
            {getting, self.task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getting in done:
            return getting.result()
        getting.cancel()
        if self.task in done:  # the handler ended without a close message
            self.task.result()  # raises what the handler raised, if anything
            raise AssertionError("the server's handler ended without closing the socket")
        raise TimeoutError(f"nothing from the server within {timeout} s")

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message from the server, decoded; raises Closed when it closed."""
        message = await self._next(timeout)
        if message["type"] == "websocket.close":
            self.closed = Closed(message.get("code", 1000), message.get("reason") or "")
            raise self.closed
        assert message["type"] == "websocket.send", message
        text = message.get("text")
        assert text is not None, "the server sends text messages"
        decoded: dict[str, Any] = json.loads(text)
        return decoded

    async def event(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message with a seq (events and snapshots), skipping control messages."""
        while True:
            message = await self.receive(timeout)
            if message["seq"] is not None:
                return message

    async def until(self, seq: int) -> list[dict[str, Any]]:
        """Every message with a seq until the one with `seq` (included)."""
        got: list[dict[str, Any]] = []
        while not got or got[-1]["seq"] < seq:
            got.append(await self.event())
        return got

    async def closing(self, timeout: float = TIMEOUT) -> tuple[list[dict[str, Any]], Closed]:
        """What the server still sends, up to its close."""
        got: list[dict[str, Any]] = []
        while True:
            try:
                got.append(await self.receive(timeout))
            except Closed as closed:
                return got, closed

    async def quiet(self, seconds: float = 0.1) -> list[dict[str, Any]]:
        """What arrives within `seconds` (expected: nothing)."""
        got: list[dict[str, Any]] = []
        try:
            while True:
                got.append(await self.receive(seconds))
        except TimeoutError:
            return got

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        if isinstance(message, bytes):
            await self._to_app.put({"type": "websocket.receive", "bytes": message})
        else:
            text = message if isinstance(message, str) else json.dumps(message)
            await self._to_app.put({"type": "websocket.receive", "text": text})

    # -- the network ---------------------------------------------------------------------

    def stall(self) -> None:
        """Sends from the server wait (a display whose network stopped moving)."""
        self._open.clear()

    def unstall(self) -> None:
        self._open.set()

    def fail(self) -> None:
        """Every send from the server raises, as on a connection that is lost."""
        self._failing = True
        self._open.set()

    @property
    def backlog(self) -> int:
        """Messages received and not yet read."""
        return self._from_app.qsize()
