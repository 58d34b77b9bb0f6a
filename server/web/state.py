"""What a request handler reaches through the app: the service the lifespan made."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from loket.server.service import LoketService


def service_of(conn: HTTPConnection) -> LoketService:
    service: LoketService = conn.app.state.service
    return service
