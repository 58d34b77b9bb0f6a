"""WebSocket connections that cannot outstay their welcome (issue 14).

uvicorn's sans-I/O protocol closes a socket by queueing a close frame and waiting for its
buffer to drain — which never happens when the peer does not read: its keepalive close,
the overflow close and the close after a handshake timeout all waited behind the queued
data for good (sockets still open after 90 s, megabytes each in the kernel). Here:

- a peer that has not answered a ping within `ws_ping_timeout` is cut off at once (abort:
  what is queued for it is dropped);
- sends are bounded in time: a socket whose buffer stays over the high-water mark for
  `ws_send_timeout` is cut off, and every send waiting on it fails;
- a close the app started is given `close_timeout`, then the socket is cut off;
- a message over `ws_max_size` (64 KB) closes the socket with 1009, and what the app sends
  afterwards fails as a disconnect would (it raised a RuntimeError, logged with its
  traceback, when the app had not sent its first message yet).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.config import Config
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from loket.server.transport.bounds import bounds_of


class BoundedWebSocket(WebSocketsSansIOProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        bounds = bounds_of(config)
        self.send_timeout = bounds.ws_send_timeout if bounds is not None else None
        self.stalled: asyncio.TimerHandle | None = None
        self.ended = False  # closed by this side, not by the app: the app's sends fail

    def cut_off(self) -> None:
        """Drop the connection and what is queued for it, without a closing handshake."""
        self.ended = True
        self.transport.abort()

    # -- backed-up sends ---------------------------------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.send_timeout is not None and self.stalled is None:
            self.stalled = self.loop.call_later(self.send_timeout, self.cut_off)

    def resume_writing(self) -> None:
        super().resume_writing()
        self.unstall()

    def unstall(self) -> None:
        if self.stalled is not None:
            self.stalled.cancel()
            self.stalled = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.unstall()
        super().connection_lost(exc)

    # -- closes ------------------------------------------------------------------------

    def keepalive_timeout(self) -> None:
        self.pong_timer = None
        self.pending_ping_payload = None
        self.cut_off()

    def handle_parser_exception(self) -> None:
        """A message too big (1009) or a broken frame: the close frame is sent, and the
        socket cut off if the peer does not take it within close_timeout."""
        super().handle_parser_exception()
        self.ended = True
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.abort)

    async def send(self, message: ASGISendEvent) -> None:
        if self.ended:
            raise ClientDisconnected()  # the app sees it as the peer gone
        await super().send(message)
        if message["type"] == "websocket.close" and self.close_timer is not None:
            # uvicorn's timer would close() — and wait for a buffer that may never drain
            self.close_timer.cancel()
            self.close_timer = self.loop.call_later(self.close_timeout, self.transport.abort)
