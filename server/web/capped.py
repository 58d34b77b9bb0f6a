"""At most so many sockets of one kind per client address (issue 14).

Counted by the address the app sees — the one X-Forwarded-For names behind a trusted
proxy — in this process. A socket over the cap is accepted, told why (`error`
too_many_sockets) and closed with 4429; the page reconnects later, with backoff.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from loket.server.domain.error_codes import ErrorCode
from loket.server.transport.addresses import AddressCounts
from loket.server.web.close_codes import CloseCode
from loket.server.web.sockets import refuse_and_close


class Capped:
    """An ASGI WebSocket endpoint, run only for a client under its cap."""

    def __init__(self, endpoint: ASGIApp, counts: AddressCounts, kind: str) -> None:
        self.endpoint = endpoint
        self.counts = counts
        self.kind = kind  # for the message: "display", "ticket"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        key = self.counts.take(client[0] if client else "")
        if key is None:
            ws = WebSocket(scope, receive, send)
            await ws.accept()
            limit = self.counts.limit
            message = f"Too many {self.kind} sockets from this address (at most {limit})."
            service = scope["app"].state.service
            await refuse_and_close(
                ws, service, ErrorCode.TOO_MANY_SOCKETS, message, CloseCode.RATE_LIMITED
            )
            return
        try:
            await self.endpoint(scope, receive, send)
        finally:
            self.counts.give_back(key)
