"""Settings, read once from flags and the environment into a frozen object."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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


def default_audio_cache(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "loket" / "audio"


@dataclass(frozen=True, slots=True)
class Settings:
    config: Path | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    store: str = DEFAULT_STORE
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
        )


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
