"""Counts requests and open sockets into the app's metrics (server/metrics.py).

Pure ASGI around the app. A request is labelled by its route's template, found by the
router (`scope["route"]`) once it has answered — never by the raw path, which would make
a label per ticket id. A WebSocket is counted while it is open, by its route's kind
(/ws/display/... → display), found before it runs; what a socket sends and receives is
not touched, so the fan-out to displays costs nothing more.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from starlette.routing import BaseRoute, Match, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loket.server.metrics import UNMATCHED, Metrics


class Instrument:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.sockets = [route for route in routes if isinstance(route, WebSocketRoute)]
        for route in self.sockets:  # shown from the start, at 0
            metrics.socket_gauge(_kind(route))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            # counted here, not in a coroutine of its own: one frame less per open socket
            gauge = self.metrics.socket_gauge(self._kind(scope))
            gauge.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                gauge.dec()
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        status = 500  # if the app raises, the error handler outside answers 500

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.request(template, scope["method"], status, time.perf_counter() - start)

    def _kind(self, scope: Scope) -> str:
        """The socket route's first word after /ws/ ("display", "ticket")."""
        for route in self.sockets:
            if route.matches(scope)[0] is Match.FULL:
                return _kind(route)
        return UNMATCHED


def _kind(route: WebSocketRoute) -> str:
    return route.path.strip("/").split("/")[1]
