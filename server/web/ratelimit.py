"""A token bucket per client address, for the visitors' ticket endpoints.

Ticket ids are unguessable, so this is not what keeps tickets private; it keeps one
address from making the server read the store for id after id, or from opening sockets
by the thousand. Every address may make `burst` requests at once and `rate` per second
after that. Behind one NAT (a hall's guest Wi-Fi seen from a server elsewhere) all phones
share one address: raise the limits there (LOKET_TICKET_RATE, LOKET_TICKET_BURST), or let
a reverse proxy pass the real address (uvicorn trusts X-Forwarded-For from 127.0.0.1).

The machine itself (a loopback address) is not limited: tools and checks run there, and a
reverse proxy on the same host names the phones by X-Forwarded-For.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable

from starlette.requests import HTTPConnection

from loket.server.errors import RateLimited

MAX_ADDRESSES = 10_000  # buckets kept; full ones are forgotten first


class TokenBuckets:
    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.rate = rate  # tokens per second; 0: no limit at all
        self.burst = max(1, burst)
        self._clock = clock
        self._max = max_addresses
        self._buckets: dict[str, tuple[float, float]] = {}  # address: (tokens, at)

    def take(self, address: str, spend: bool = True) -> float:
        """Takes a token: 0.0 when there was one, else the seconds until there is.
        `spend=False`: only whether there is one (what a request costs only if it fails)."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        tokens, at = self._buckets.get(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1.0:
            self._buckets[address] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if not spend:
            return 0.0
        if address not in self._buckets and len(self._buckets) >= self._max:
            self._forget_full(now)
        self._buckets[address] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """A bucket that has refilled since is the same as no bucket."""
        refill = self.burst / self.rate
        self._buckets = {a: b for a, b in self._buckets.items() if now - b[1] < refill}
        if len(self._buckets) >= self._max:  # a flood of addresses: forget the oldest half
            oldest = sorted(self._buckets.items(), key=lambda item: item[1][1])
            self._buckets = dict(oldest[len(oldest) // 2 :])


def client_address(conn: HTTPConnection) -> str:
    """The caller's address as uvicorn gives it (behind a proxy it trusts: the real one)."""
    return conn.client.host if conn.client else "unknown"


def limit(conn: HTTPConnection, spend: bool = True) -> None:
    """Raises RateLimited when the caller's address has no token left."""
    address = client_address(conn)
    if is_loopback(address):
        return
    buckets: TokenBuckets = conn.app.state.ticket_limits
    wait = buckets.take(address, spend)
    if wait > 0:
        raise RateLimited(max(1, math.ceil(wait)))


def from_this_machine(conn: HTTPConnection) -> bool:
    """Whether the caller is on the server's own machine (a loopback address)."""
    return is_loopback(conn.client.host if conn.client else "")


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False  # not an IP address (a test client, a unix socket): limited
