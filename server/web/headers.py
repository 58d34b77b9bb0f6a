"""Security headers on every HTTP answer: a Content-Security-Policy without inline script or
style, no framing, no MIME sniffing, no Referer (a visitor's /t/{id} URL is their secret),
and `Cache-Control: no-store` on every dynamic answer that does not set its own.

The header lines are built once, when the app is made; per request the layer only appends
them to the answer's start message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = (b"cache-control", b"no-store")
# shipped files carry their own validators (ETag) and a ?v= that changes with them
CACHEABLE_PREFIX = "/static/"
# features no page uses: a script smuggled in cannot ask for them either
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def websocket_origin(public_url: str | None) -> str:
    """The ws(s) origin of LOKET_PUBLIC_URL, or "" without one. Browsers before Safari 16
    do not count same-origin ws:/wss: as 'self'; naming the public address covers them."""
    if not public_url:
        return ""
    parts = urlsplit(public_url)
    return f"{parts.scheme.replace('http', 'ws', 1)}://{parts.netloc}"


def content_security_policy(script_hashes: tuple[str, ...], public_url: str | None) -> str:
    """`script_hashes`: base64 sha256 digests of the pages' inline non-JSON scripts (the
    import map, which browsers cannot load from a file)."""
    scripts = " ".join(["'self'", *(f"'sha256-{digest}'" for digest in script_hashes)])
    connect = " ".join(filter(None, ["'self'", websocket_origin(public_url)]))
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self'",
        "img-src 'self' data:",  # data: for the blank favicon of base.html
        "media-src 'self'",
        f"connect-src {connect}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def security_headers(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers without CSP 2
        (b"permissions-policy", PERMISSIONS.encode()),
    )


class SecurityHeaders:
    """Pure ASGI: adds `headers` to every HTTP answer, and no-store where none is set."""

    def __init__(self, app: ASGIApp, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith(CACHEABLE_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *self.headers]
                if not cacheable and not any(name == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
