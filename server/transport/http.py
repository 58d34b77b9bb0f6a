"""HTTP connections, bounded before the app sees them (issue 14):

- at most `connections` per client address, counted from the accept (a connection over it
  gets a 429 and is closed at once: nothing of it is parsed);
- a whole request, head and body, within `request_timeout` of its first byte (of the
  connection, for the first): slowloris connections are closed with a 408;
- a request head of at most MAX_HEAD bytes (431).

An idle keep-alive connection is closed by uvicorn after `timeout_keep_alive`. A connection
that upgrades to a WebSocket leaves the count here: the sockets are counted by kind, by the
address X-Forwarded-For names (server/web/capped.py).
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from loket.server.domain.error_codes import ErrorCode
from loket.server.transport.bounds import MAX_HEAD, bounds_of, error_response


class BoundedHttp(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.bounds = bounds_of(config)
        self.counted: str | None = None  # the key taken in bounds.connections
        self.deadline: asyncio.TimerHandle | None = None
        self.in_head = True  # between a request's first byte and its headers' end
        self.head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self.bounds is None:
            return
        self.counted = self.bounds.connections.take(self.client[0] if self.client else "")
        if self.counted is None:
            message = "Too many connections from this address."
            self.refuse(HTTPStatus.TOO_MANY_REQUESTS, ErrorCode.TOO_MANY_CONNECTIONS, message)
            return
        self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        self.give_back()
        super().connection_lost(exc)

    def give_back(self) -> None:
        if self.bounds is not None and self.counted is not None:
            self.bounds.connections.give_back(self.counted)
        self.counted = None

    # -- the request deadline ---------------------------------------------------------

    def arm(self) -> None:
        if self.bounds is not None and self.deadline is None:
            self.deadline = self.loop.call_later(self.bounds.request_timeout, self.too_slow)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def too_slow(self) -> None:
        self.deadline = None
        message = "The request did not arrive in time."
        self.refuse(HTTPStatus.REQUEST_TIMEOUT, ErrorCode.REQUEST_TIMEOUT, message)

    def refuse(self, status: HTTPStatus, code: ErrorCode, message: str) -> None:
        """Answer with the error, unless an answer is under way, and close."""
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(error_response(status, code, message))
        self.transport.close()

    # -- parsing -----------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.in_head and self.bounds is not None:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD:
                message = f"The request's line and headers are over {MAX_HEAD} bytes."
                status = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                self.refuse(status, ErrorCode.HEADERS_TOO_LARGE, message)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.head_bytes = 0
        self.arm()  # for a keep-alive connection's next request

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self.disarm()
        self.give_back()
        super().handle_websocket_upgrade()
        # the parser and this protocol refer to each other: without this, what was the
        # HTTP side of every socket (about 2 KB) waited for the garbage collector
        self.parser = None  # type: ignore[assignment]
