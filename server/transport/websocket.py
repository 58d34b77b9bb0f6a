"""WebSocket connections that cannot outstay their welcome (issue 14).

uvicorn's sans-I/O protocol closes a socket by queueing a close frame and waiting for its
buffer to drain — which never happens when the peer does not read: its keepalive close,
the overflow close and the close after a handshake timeout all waited behind the queued
data for good (sockets still open after 90 s, megabytes each in the kernel). Here:

- a peer that has not answered a ping within `ws_ping_timeout` is cut off at once (abort:
  what is queued for it is dropped);
- sends are bounded in time: a socket whose buffer stays over the high-water mark for
  `ws_send_timeout` is cut off, and every send waiting on it fails;
- a socket that has been sent a close frame (by the app, or for a message too big) is
  given `close_timeout` to take it, then cut off;
- a message over `ws_max_size` (64 KB) closes the socket with 1009, and what the app sends
  afterwards fails as a disconnect would (it raised a RuntimeError, logged with its
  traceback, when the app had not sent its first message yet).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from loket.server.transport.bounds import bounds_of


class BoundedWebSocket(WebSocketsSansIOProtocol):
    cutting: asyncio.TimerHandle | None = None  # armed once a close frame is sent

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

    def cut_off(self) -> None:
        """Drop the connection and what is queued for it, without a closing handshake;
        what the app sends from now on fails as to a peer gone."""
        self.disconnected = True
        self.transport.abort()

    # -- backed-up sends ---------------------------------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.send_timeout is not None and self.stalled is None:
            self.stalled = self.loop.call_later(self.send_timeout, self.cut_off)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.stalled is not None:
            self.stalled.cancel()
            self.stalled = None

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self.stalled, self.cutting):
            if timer is not None:
                timer.cancel()
        super().connection_lost(exc)

    # -- closes ------------------------------------------------------------------------

    @property
    def close_sent(self) -> bool:
        return self._close_sent

    @close_sent.setter
    def close_sent(self, sent: bool) -> None:
        """However a close frame went out (the app's close, a message too big, a refused
        handshake), the peer has close_timeout to take it and answer; then it is cut off
        (uvicorn's own timer close()s, which waits for a buffer that may never drain).
        Hooked here, not in send(): a wrapper there cost every message of the fan-out."""
        self._close_sent = sent
        if sent and self.cutting is None:
            self.cutting = self.loop.call_later(self.close_timeout + 1, self.cut_off)

    def keepalive_timeout(self) -> None:
        self.pong_timer = None
        self.pending_ping_payload = None
        self.cut_off()

    def handle_parser_exception(self) -> None:
        """A message too big (1009) or a broken frame: the close frame is on its way; the
        app's sends now fail as to a peer gone (they raised a RuntimeError when the app
        had not sent its first message yet)."""
        super().handle_parser_exception()
        self.disconnected = True
