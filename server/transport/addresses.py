"""Open connections counted per client address, against a cap.

One counter per kind (HTTP connections, display sockets, ticket sockets) and per process.
An IPv6 client is counted by its /64: one device on a hall's network can take a new
address of its /64 for every connection. A trusted proxy's own address (LOKET_TRUSTED_PROXIES)
is not counted: every client behind it shares it, and the proxy names them by
X-Forwarded-For, which the sockets' counts use.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Iterable

ANY = "*"
WARN_EVERY = 60.0  # seconds between two warnings about one address at its cap

log = logging.getLogger("loket")


class Trusted:
    """The peers trusted to name their clients (LOKET_TRUSTED_PROXIES: addresses and
    networks; `*` is every peer)."""

    def __init__(self, given: Iterable[str]) -> None:
        items = [item.strip() for item in given if item.strip()]
        self.everyone = ANY in items
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.names = set(items)  # as written: 127.0.0.1 is found without parsing it
        for item in items:
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                pass  # not an IP address (a unix socket's peer): matched as written

    def __contains__(self, host: str) -> bool:
        if self.everyone or host in self.names:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def address_key(host: str) -> str:
    """What a client is counted by: its IPv4 address, or its IPv6 /64."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an IP address: counted as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class AddressCounts:
    """At most `limit` open at once per client address (0: no limit). An address at its
    cap is logged (a hall behind one NAT needs a higher one), at most once a minute."""

    def __init__(
        self,
        limit: int,
        trusted: Trusted,
        what: str = "connections",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.trusted = trusted
        self.what = what  # for the warning: "HTTP connections (LOKET_…)"
        self._clock = clock
        self._open: dict[str, int] = {}  # only addresses with something open
        self._warned: dict[str, float] = {}  # only addresses with something open

    def take(self, host: str) -> str | None:
        """Counts one more for `host`: the key to give back, "" when `host` is not counted
        (no limit, a trusted proxy); None when it is at its limit (nothing counted)."""
        if self.limit <= 0 or host in self.trusted:
            return ""
        key = address_key(host)
        held = self._open.get(key, 0)
        if held >= self.limit:
            self._warn(key)
            return None
        self._open[key] = held + 1
        return key

    def give_back(self, key: str) -> None:
        if not key:
            return
        held = self._open.get(key, 0) - 1
        if held > 0:
            self._open[key] = held
        else:
            self._open.pop(key, None)
            self._warned.pop(key, None)

    def _warn(self, key: str) -> None:
        now = self._clock()
        if now - self._warned.get(key, -WARN_EVERY) >= WARN_EVERY:
            self._warned[key] = now
            log.warning(
                "%s holds %d %s, the most allowed: refusing more", key, self.limit, self.what
            )

    def open(self, host: str) -> int:
        return self._open.get(address_key(host), 0)
