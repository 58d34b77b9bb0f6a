"""What the protocols of server/transport/ are bounded by, carried to them on uvicorn's
Config (uvicorn makes a protocol per connection from the config alone)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import uvicorn

from loket.server.domain.error_codes import ErrorCode
from loket.server.transport.addresses import AddressCounts

MAX_HEAD = 32 * 1024  # a request's line and headers (nginx's default allows 4 × 8 KB)


@dataclass(frozen=True, slots=True)
class Bounds:
    connections: AddressCounts  # HTTP connections per client address, this process's
    request_timeout: float  # to send a whole request, head and body
    ws_send_timeout: float  # for a socket's backed-up sends to drain


class BoundedConfig(uvicorn.Config):
    def __init__(self, app: Any, bounds: Bounds, **options: Any) -> None:
        super().__init__(app, **options)
        self.bounds = bounds


def bounds_of(config: uvicorn.Config) -> Bounds | None:
    """None for a plain uvicorn Config (the protocols then bound nothing of their own)."""
    return config.bounds if isinstance(config, BoundedConfig) else None


def error_response(status: HTTPStatus, code: ErrorCode, message: str) -> bytes:
    """A whole HTTP response with the JSON error, after which the connection closes."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return (
        f"HTTP/1.1 {status.value} {status.phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body
