"""The display socket, /ws/display/{site} (CONTRACT section 4).

First a snapshot, then every event of the site as it happens: the hub writes events
straight to the socket; the socket's own task answers what the display sends
(resume, ping).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from loket.server.displays import parse_hello
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import NotFound
from loket.server.hall import site_version
from loket.server.hub import Message
from loket.server.protocol import control, dumps, error_message, replayed, snapshot_message
from loket.server.service import LoketService
from loket.server.store import Snapshot, StoreUnavailable
from loket.server.web import eager
from loket.server.web.body import parse_json
from loket.server.web.close_codes import CloseCode

Refuse = Callable[[ErrorCode, str], Awaitable[None]]


async def incoming(ws: WebSocket, refuse: Refuse) -> AsyncIterator[dict[str, Any]]:
    """The client's messages, each a JSON object with a 'type'; anything else is refused
    with an `error` control message, without closing. Ends when the client goes away."""
    while True:
        raw = await ws.receive()
        if raw["type"] == "websocket.disconnect":
            return
        text = raw.get("text")
        if text is None:
            await refuse(ErrorCode.INVALID_MESSAGE, "Send JSON text messages.")
            continue
        try:
            message = parse_json(text)
        except ValueError:
            await refuse(ErrorCode.INVALID_JSON, "The message is not valid JSON.")
            continue
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await refuse(ErrorCode.INVALID_MESSAGE, "A message is an object with a 'type'.")
            continue
        yield message


def pong(service: LoketService, ping: dict[str, Any]) -> str:
    """The answer to a clock-sync ping: its own time back, and the server's. Only a number
    is a time: anything else comes back as null (a value nested just shallow enough to be
    read would be too deep to be written back)."""
    now = service.clock()
    sent = ping.get("t")
    client = sent if isinstance(sent, int | float) and not isinstance(sent, bool) else None
    data = {"client": client, "server": int(now.timestamp() * 1000)}
    return control("pong", service.epoch, now, data)


def _seen(done: asyncio.Future[None]) -> None:
    """A close that failed because the peer had gone already: nothing is left to do."""
    if not done.cancelled():
        done.exception()


async def refuse_and_close(
    ws: WebSocket, service: LoketService, code: ErrorCode, text: str, close: CloseCode
) -> None:
    """An `error` control message, then the close code; quietly if the client is gone."""
    try:
        await ws.send_text(error_message(service.epoch, service.clock(), code, text))
        await ws.close(close, code)
    except (WebSocketDisconnect, RuntimeError):
        pass  # already gone


STORE_AWAY = "The store cannot be reached; try again."


class Connection:
    """What the display and ticket sockets share: the sink's eager send and overflow close,
    the loop over what the client sends, and refusals. Subclasses give send() and answer()."""

    __slots__ = ("ws", "service", "_closing")
    ws: WebSocket
    service: LoketService
    _closing: asyncio.Future[None] | None

    def send_now(self, message: Message) -> asyncio.Future[None] | None:
        return eager.start(self.send(message))

    async def send(self, message: Message) -> None:
        raise NotImplementedError

    def overflowed(self) -> None:
        closing = asyncio.ensure_future(
            self.ws.close(CloseCode.TRY_AGAIN_LATER, "too slow: reconnect and resync")
        )
        closing.add_done_callback(_seen)
        self._closing = closing

    async def listen(self) -> None:
        async for message in incoming(self.ws, self.refuse):
            await self.answer(message)

    async def answer(self, message: dict[str, Any]) -> None:
        raise NotImplementedError

    async def refuse(self, code: ErrorCode, message: str) -> None:
        await self.ws.send_text(
            error_message(self.service.epoch, self.service.clock(), code, message)
        )


class DisplayConnection(Connection):
    """One display's socket, and the hub's sink for it."""

    def __init__(self, ws: WebSocket, send: Send, service: LoketService, site: str) -> None:
        self.ws = ws
        self._send = send  # the raw ASGI send: events skip Starlette's wrapper
        self.service = service
        self.site = site
        self.snapshot_seq = 0
        self.display_id: str | None = None  # from its hello
        self._closing: asyncio.Future[None] | None = None

    async def send_snapshot(self) -> None:
        snapshot: Snapshot = await self.service.snapshot(self.site)
        self.snapshot_seq = max(self.snapshot_seq, snapshot.seq)
        message = snapshot_message(
            self.service.epoch, snapshot.seq, self.service.clock(), snapshot.data
        )
        await self.ws.send_text(dumps(message))

    # -- the hub's sink --------------------------------------------------------

    async def send(self, message: Message) -> None:
        seq, wire = message
        if seq > self.snapshot_seq:  # older ones are already in the snapshot sent
            await self._send({"type": "websocket.send", "text": wire})

    # -- what the display sends --------------------------------------------------

    async def answer(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if self.display_id is not None:
            self.service.display_seen(self.site, self.display_id)
        if kind == "resume":
            await self.resume(message.get("epoch"), message.get("seq"))
        elif kind == "ping":
            await self.ws.send_text(pong(self.service, message))
        elif kind == "hello":
            try:
                display_id, fields = parse_hello(message)
            except ValueError as wrong:
                await self.refuse(ErrorCode.INVALID_HELLO, str(wrong))
                return
            if self.display_id is not None and self.display_id != display_id:
                # one screen per socket: a socket cycling ids would fill the admin's list
                taken = f"This socket is the screen {self.display_id!r}: one per socket."
                await self.refuse(ErrorCode.INVALID_HELLO, taken)
                return
            address = self.ws.client.host if self.ws.client else None
            if self.service.display_hello(self.site, display_id, fields, id(self), address):
                self.display_id = display_id
            else:
                await self.refuse(ErrorCode.TOO_MANY_SCREENS, "No room for another screen.")
        else:
            await self.refuse(ErrorCode.UNKNOWN_MESSAGE, f"Unknown message type {kind!r}.")

    async def resume(self, epoch: object, seq: object) -> None:
        if not isinstance(epoch, str) or not isinstance(seq, int) or isinstance(seq, bool):
            await self.refuse(
                ErrorCode.INVALID_RESUME, "resume needs 'epoch' (string) and 'seq' (int)."
            )
            return
        missed: list[Message] | None = None
        if epoch == self.service.epoch:
            missed = await self.service.replay(self.site, seq, through=self.snapshot_seq)
        if missed is None:
            await self.send_snapshot()
            return
        # One cut: everything up to the snapshot's seq is replayed here, everything after
        # it comes live through the subscription (which skips what the snapshot covers).
        for missed_seq, wire in missed:
            if missed_seq > self.snapshot_seq:
                break
            await self._send({"type": "websocket.send", "text": replayed(wire)})

    async def tell_site(self, version: str | None) -> None:
        """The page says which version of its site it shows (?site=, server/hall.py): if
        the site changed since (a reload while the page was away), it is told so now."""
        await send_site_if_changed(self.ws, self.service, self.site, version)


async def send_site_if_changed(
    ws: WebSocket, service: LoketService, site_id: str, version: str | None
) -> None:
    site = service.sites.get(site_id)
    if version is not None and site is not None and version != site_version(site):
        await ws.send_text(service.hall.site_message(site))


class DisplaySocket:
    """The ASGI endpoint of /ws/display/{site}."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        service: LoketService = scope["app"].state.service
        await ws.accept()
        try:
            site = service.site(ws.path_params["site"])
        except NotFound as unknown:
            await refuse_and_close(ws, service, unknown.code, unknown.message, CloseCode.UNKNOWN)
            return
        connection = DisplayConnection(ws, send, service, site.id)
        with service.subscribe(site.id, connection) as subscription:
            try:
                await connection.send_snapshot()
                await connection.tell_site(ws.query_params.get("site"))
                subscription.start()  # events that came meanwhile follow the snapshot
                await connection.listen()
            except WebSocketDisconnect:
                return  # the display went away; it will reconnect
            except StoreUnavailable:
                # keeps its board and comes back (with backoff) to resume once it can
                await refuse_and_close(
                    ws, service, ErrorCode.STORE_UNAVAILABLE, STORE_AWAY, CloseCode.TRY_AGAIN_LATER
                )
            finally:
                if connection.display_id is not None:
                    service.display_gone(site.id, connection.display_id, id(connection))
