"""Settings, read once from flags and the environment into a frozen object."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_STORE = "sqlite:///loket.db"
DEFAULT_PING_INTERVAL = 20.0
DEFAULT_PING_TIMEOUT = 30.0
DEFAULT_AUDIO_CACHE_MB = 256
DEFAULT_TICKET_RATE = 5.0  # requests per second per address on the visitors' ticket endpoints
DEFAULT_TICKET_BURST = 100
# whose X-Forwarded-Proto and X-Forwarded-For are believed: a proxy on this machine
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"
# per client address and process (server/transport/): room for a hall behind one NAT
DEFAULT_CONNECTIONS_PER_ADDRESS = 1000  # HTTP connections, keep-alive ones included
DEFAULT_DISPLAY_SOCKETS_PER_ADDRESS = 200
DEFAULT_TICKET_SOCKETS_PER_ADDRESS = 500
DEFAULT_REQUEST_TIMEOUT = 10.0  # seconds to send a whole request (head and body)
DEFAULT_KEEPALIVE_TIMEOUT = 5  # seconds an idle keep-alive connection stays open
DEFAULT_WS_SEND_TIMEOUT = 30.0  # seconds a socket's backed-up sends may wait


def default_audio_cache(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "loket" / "audio"


@dataclass(frozen=True, slots=True)
class Settings:
    config: Path | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    store: str = DEFAULT_STORE
    archive: str | None = None  # postgresql://…: the record of a Redis store (CONTRACT 6.3)
    # an archived event another process read but did not acknowledge this long is taken over
    archive_claim_s: float = 60.0
    admin_password: str | None = None
    # the server pings every display this often and drops one silent for ws_ping_timeout
    ws_ping_interval: float = DEFAULT_PING_INTERVAL
    ws_ping_timeout: float = DEFAULT_PING_TIMEOUT
    # rendered announcements (a few hundred KB each), kept across restarts
    audio_cache: Path | None = None  # None: default_audio_cache()
    audio_cache_mb: int = DEFAULT_AUDIO_CACHE_MB
    workers: int = 1  # server processes (more than one only on a redis:// store)
    pseudo_locale: bool = False  # offer ?lang=xx, stretched texts for layout tests
    # what the QR code on a ticket links to; None: the address the page was served from
    public_url: str | None = None
    ticket_rate: float = DEFAULT_TICKET_RATE  # 0: no limit
    ticket_burst: int = DEFAULT_TICKET_BURST
    # addresses or networks of the proxies in front (empty: none; "*": any, never on a hall
    # network): only theirs set the scheme (Secure cookies) and the client's address
    trusted_proxies: tuple[str, ...] = tuple(DEFAULT_TRUSTED_PROXIES.split(","))
    # bounds on what one client address can hold open, and for how long (0: no cap)
    connections_per_address: int = DEFAULT_CONNECTIONS_PER_ADDRESS
    display_sockets_per_address: int = DEFAULT_DISPLAY_SOCKETS_PER_ADDRESS
    ticket_sockets_per_address: int = DEFAULT_TICKET_SOCKETS_PER_ADDRESS
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    keepalive_timeout: int = DEFAULT_KEEPALIVE_TIMEOUT
    ws_send_timeout: float = DEFAULT_WS_SEND_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **flags: object) -> Settings:
        """Flags win over the environment, which wins over the defaults (CONTRACT section 1)."""
        given = {key: value for key, value in flags.items() if value is not None}
        config = given.get("config", env.get("LOKET_CONFIG"))
        proxies = given.get(
            "trusted_proxies", env.get("LOKET_TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES)
        )
        return cls(
            config=None if config in (None, "") else Path(str(config)),
            host=str(given.get("host", env.get("LOKET_HOST", DEFAULT_HOST))),
            port=int(str(given.get("port", env.get("PORT", DEFAULT_PORT)))),
            store=str(given.get("store", env.get("LOKET_STORE", DEFAULT_STORE))),
            archive=str(given.get("archive", env.get("LOKET_ARCHIVE", ""))) or None,
            archive_claim_s=float(env.get("LOKET_ARCHIVE_CLAIM_S", 60.0)),
            admin_password=env.get("LOKET_ADMIN_PASSWORD") or None,
            ws_ping_interval=float(env.get("LOKET_WS_PING_INTERVAL", DEFAULT_PING_INTERVAL)),
            ws_ping_timeout=float(env.get("LOKET_WS_PING_TIMEOUT", DEFAULT_PING_TIMEOUT)),
            audio_cache=Path(env.get("LOKET_AUDIO_CACHE") or default_audio_cache(env)),
            audio_cache_mb=int(env.get("LOKET_AUDIO_CACHE_MB", DEFAULT_AUDIO_CACHE_MB)),
            pseudo_locale=env.get("LOKET_PSEUDO_LOCALE") == "1",
            public_url=public_url(env.get("LOKET_PUBLIC_URL", "")),
            ticket_rate=float(env.get("LOKET_TICKET_RATE", DEFAULT_TICKET_RATE)),
            ticket_burst=int(env.get("LOKET_TICKET_BURST", DEFAULT_TICKET_BURST)),
            workers=int(str(given.get("workers", env.get("LOKET_WORKERS", 1)))),
            trusted_proxies=trusted_proxies(str(proxies)),
            **_transport(env),
        )


def _transport(env: Mapping[str, str]) -> dict[str, Any]:
    """The bounds of server/transport/ and server/web/capped.py (README: On an open network)."""
    return {
        "connections_per_address": int(
            env.get("LOKET_CONNECTIONS_PER_ADDRESS", DEFAULT_CONNECTIONS_PER_ADDRESS)
        ),
        "display_sockets_per_address": int(
            env.get("LOKET_DISPLAY_SOCKETS_PER_ADDRESS", DEFAULT_DISPLAY_SOCKETS_PER_ADDRESS)
        ),
        "ticket_sockets_per_address": int(
            env.get("LOKET_TICKET_SOCKETS_PER_ADDRESS", DEFAULT_TICKET_SOCKETS_PER_ADDRESS)
        ),
        "request_timeout": _positive(env, "LOKET_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT),
        "keepalive_timeout": int(env.get("LOKET_KEEPALIVE_TIMEOUT", DEFAULT_KEEPALIVE_TIMEOUT)),
        "ws_send_timeout": _positive(env, "LOKET_WS_SEND_TIMEOUT", DEFAULT_WS_SEND_TIMEOUT),
    }


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    """A time bound: a number of seconds over 0 (no bound is not an option on an open network)."""
    value = float(env.get(name, default))
    if not value > 0:
        raise ValueError(f"{name} must be a number of seconds over 0, not {env.get(name)!r}")
    return value


def public_url(value: str) -> str | None:
    """LOKET_PUBLIC_URL, checked: an http(s) URL, kept without a trailing slash."""
    value = value.strip().rstrip("/")
    if not value:
        return None
    if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
        raise ValueError(f"LOKET_PUBLIC_URL must be an http:// or https:// address, not {value!r}")
    return value


def trusted_proxies(value: str) -> tuple[str, ...]:
    """LOKET_TRUSTED_PROXIES, checked: comma-separated addresses or networks (10.0.0.0/8),
    or "*". A typo must stop start-up, not leave a proxy untrusted (or a client trusted)."""
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    if items == ("*",):
        return items
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)  # an address is a network of one
        except ValueError:
            raise ValueError(
                f"LOKET_TRUSTED_PROXIES: {item!r} is not an IP address or network"
            ) from None
    return items
