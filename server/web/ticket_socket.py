"""A visitor's own ticket, live: /ws/ticket/{ticket_id} (an addition to CONTRACT section 4).

The same envelope and order as the display socket — a `snapshot` first, then events with
`seq` rising by one — but the seq counts this ticket's messages, and they carry only this
ticket's view: `{"ticket", "position", "estimate"}` (server/ticketfeed/). Never anything
of other visitors. `resume` is answered with a fresh snapshot unless the one sent on this
connection already covers it; `ping` with `pong`; `hello` is taken and ignored (phones are
not hall screens: they stay out of the screens registry).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import NotFound
from loket.server.errors import RateLimited
from loket.server.hub import Message
from loket.server.service import LoketService
from loket.server.store import StoreUnavailable
from loket.server.ticketfeed import Followed
from loket.server.web.close_codes import CloseCode
from loket.server.web.ratelimit import limit
from loket.server.web.sockets import (
    STORE_AWAY,
    Connection,
    pong,
    refuse_and_close,
    send_site_if_changed,
)
from loket.server.web.tickets import known_id


class TicketConnection(Connection):
    """One phone's socket, and the feed's sink for it."""

    __slots__ = ("_send", "entry", "snapshot_seq")

    def __init__(self, ws: WebSocket, send: Send, service: LoketService) -> None:
        self.ws = ws
        self._send = send  # the raw ASGI send, as for displays
        self.service = service
        self.entry: Followed | None = None
        self.snapshot_seq = 0
        self._closing: asyncio.Future[None] | None = None

    async def send_snapshot(self) -> None:
        assert self.entry is not None
        self.snapshot_seq, text = self.service.tickets.snapshot(self.entry)
        await self._send({"type": "websocket.send", "text": text})

    # -- the feed's sink ---------------------------------------------------------

    async def send(self, message: Message) -> None:
        await self._send({"type": "websocket.send", "text": message[1]})

    # -- what the phone sends ------------------------------------------------------

    async def answer(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "ping":
            await self.ws.send_text(pong(self.service, message))
        elif kind == "resume":
            epoch, seq = message.get("epoch"), message.get("seq")
            covered = isinstance(seq, int) and seq <= self.snapshot_seq
            if epoch != self.service.epoch or not covered:
                await self.send_snapshot()
        elif kind != "hello":
            await self.refuse(ErrorCode.UNKNOWN_MESSAGE, f"Unknown message type {kind!r}.")


class TicketSocket:
    """The ASGI endpoint of /ws/ticket/{ticket_id}."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        service: LoketService = scope["app"].state.service
        await ws.accept()
        connection = TicketConnection(ws, send, service)
        try:
            limit(ws)
            ticket_id = known_id(ws.path_params["ticket_id"])
            async with service.follow_ticket(ticket_id, connection) as (phone, entry):
                connection.entry = entry
                await connection.send_snapshot()
                await send_site_if_changed(ws, service, entry.site, ws.query_params.get("site"))
                phone.start()  # what changed meanwhile follows the snapshot
                await connection.listen()
        except WebSocketDisconnect:
            return  # the phone went away (locked, out of range); it reconnects
        except RateLimited as refused:
            await refuse_and_close(
                ws, service, refused.code, refused.message, CloseCode.RATE_LIMITED
            )
        except NotFound as unknown:
            await refuse_and_close(ws, service, unknown.code, unknown.message, CloseCode.UNKNOWN)
        except StoreUnavailable:
            await refuse_and_close(
                ws, service, ErrorCode.STORE_UNAVAILABLE, STORE_AWAY, CloseCode.TRY_AGAIN_LATER
            )
