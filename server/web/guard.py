"""What a browser may ask of the server from another site's page: nothing.

A page elsewhere can make a visitor's (or a clerk's) browser send a form — urlencoded,
multipart or text/plain, all without a CORS preflight — or open a WebSocket here, and the
browser says where it came from in `Origin`. So:

- a POST, PUT, PATCH or DELETE whose `Origin` is not the server's own: `403 bad_origin`;
- one with a body that is not `application/json`: `415 unsupported_media_type` (the API
  speaks JSON only, and no form can send that type across sites without a preflight);
- a WebSocket handshake whose `Origin` is not the server's own: closed before it is
  accepted (uvicorn answers `403`), so no other site can read a display's feed through a
  visitor's browser.

Requests without `Origin` pass: browsers always send it on those requests, and curl,
scripts or a kiosk's native client send none. The server's own origin is the `Host` the
request came to (its host and port; behind a proxy that keeps `Host`) or LOKET_PUBLIC_URL.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from loket.server.domain.error_codes import ErrorCode
from loket.server.web.close_codes import CloseCode
from loket.server.web.errors import error_response

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPE = "application/json"
DEFAULT_PORTS = {"http": ":80", "https": ":443"}
WATCHED = frozenset({b"origin", b"host", b"content-type", b"content-length", b"transfer-encoding"})


def public_origin(public_url: str | None) -> str | None:
    """LOKET_PUBLIC_URL as a browser writes it in `Origin`: scheme://host[:port], lower case,
    without a default port."""
    if not public_url:
        return None
    parts = urlsplit(public_url.lower())
    return f"{parts.scheme}://{parts.netloc.removesuffix(DEFAULT_PORTS.get(parts.scheme, ''))}"


def is_own_origin(origin: str, host: str, public: str | None) -> bool:
    """Whether `origin` is this server: LOKET_PUBLIC_URL's origin (`public`, from
    public_origin()), or the same host and port as the `Host` header."""
    origin = origin.lower()
    if origin == public:
        return True
    scheme, separator, authority = origin.partition("://")
    default_port = DEFAULT_PORTS.get(scheme)
    if not separator or default_port is None or not host:
        return False  # "null" (a sandboxed frame, a file), or no Host to compare with
    return authority == host.lower().removesuffix(default_port)


def _is_json(content_type: str) -> bool:
    return content_type.partition(";")[0].strip().lower() == JSON_TYPE


def _watched(scope: Scope) -> dict[bytes, str]:
    """The request headers the guard reads, by name."""
    return {name: value.decode("latin-1") for name, value in scope["headers"] if name in WATCHED}


class RequestGuard:
    """Pure ASGI, before routing: the refusals above; everything else passes untouched."""

    def __init__(self, app: ASGIApp, public_url: str | None) -> None:
        self.app = app
        self.public = public_origin(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http" and scope["method"] in STATE_CHANGING:
            refusal = self._refusal(_watched(scope))
            if refusal is not None:
                status, code, message = refusal
                await error_response(status, code, message)(scope, receive, send)
                return
        elif kind == "websocket" and self._foreign(_watched(scope)):
            await receive()  # the handshake's websocket.connect
            await send({"type": "websocket.close", "code": CloseCode.FORBIDDEN})
            return
        await self.app(scope, receive, send)

    def _foreign(self, headers: dict[bytes, str]) -> bool:
        """Whether the request comes from another site's page."""
        origin = headers.get(b"origin")
        return origin is not None and not is_own_origin(
            origin, headers.get(b"host", ""), self.public
        )

    def _refusal(self, headers: dict[bytes, str]) -> tuple[int, ErrorCode, str] | None:
        if self._foreign(headers):
            return 403, ErrorCode.BAD_ORIGIN, "Requests from another site's page are refused."
        has_body = b"transfer-encoding" in headers or headers.get(
            b"content-length", ""
        ).strip() not in ("", "0")
        if has_body and not _is_json(headers.get(b"content-type", "")):
            return 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "The body must be application/json."
        return None
