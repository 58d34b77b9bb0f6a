"""The Redis client, and Redis failures turned into StoreUnavailable.

Short timeouts and no retries: a command that cannot reach Redis fails within about a
second (the API answers 503) rather than hang; a retry of a command whose answer was
lost could run it twice. A pooled connection that died while idle is replaced when it
is next taken from the pool, so Loket works again as soon as Redis is back.

Two kinds of address:

    redis://[:password@]host:port/db[?replicas=N]          one Redis (or a proxy, a VIP)
    redis+sentinel://[:password@]host:port[,host:port…]/service[/db][?replicas=N]

With Sentinel every new connection asks the sentinels where the master is, so after a
failover Loket follows the promoted replica by itself. `replicas=N`: a command is
acknowledged only once N replicas have it too (Redis `WAIT`), so a failover to one of
them loses nothing acknowledged; without it replication is asynchronous and a failover
may lose the last writes (which Loket notices: a new epoch, every display resyncs).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from loket.server.store.base import StoreUnavailable

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5
SENTINEL_PORT = 26379

log = logging.getLogger("loket.store.redis")


@dataclass(frozen=True)
class Sentinels:
    """Where the sentinels are, and the master they watch."""

    hosts: tuple[tuple[str, int], ...]
    service: str
    db: int
    password: str | None

    @classmethod
    def parse(cls, url: str) -> Sentinels:
        parts = urlsplit(url)
        auth, _, netloc = parts.netloc.rpartition("@")
        password = unquote(auth.partition(":")[2]) if auth else ""
        hosts = []
        for host in netloc.split(","):
            name, colon, port = host.rpartition(":")
            if not colon:
                name, port = host, str(SENTINEL_PORT)
            if not name or not port.isdigit():
                raise ValueError(f"a sentinel is HOST:PORT, not {host!r}")
            hosts.append((name, int(port)))
        path = [part for part in parts.path.split("/") if part]
        if not 1 <= len(path) <= 2 or (len(path) == 2 and not path[1].isdigit()):
            raise ValueError("redis+sentinel:// needs /SERVICE or /SERVICE/DB after the sentinels")
        return cls(tuple(hosts), path[0], int(path[1]) if len(path) == 2 else 0, password or None)


@dataclass(frozen=True)
class Address:
    """A store URL taken apart: the Redis to use and how many replicas must have a write."""

    url: str  # without Loket's own query options
    replicas: int = 0
    sentinels: Sentinels | None = None

    @classmethod
    def parse(cls, url: str) -> Address:
        parts = urlsplit(url)
        replicas, rest = 0, []
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name != "replicas":
                rest.append((name, value))
            elif value.isdigit():
                replicas = int(value)
            else:
                raise ValueError(f"replicas= takes a whole number, not {value!r}")
        plain = urlunsplit(parts._replace(query=urlencode(rest)))
        sentinels = Sentinels.parse(plain) if url.startswith("redis+sentinel://") else None
        return cls(plain, replicas, sentinels)


def _options() -> dict[str, Any]:
    return {
        "decode_responses": True,
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": READ_TIMEOUT,
        "retry": Retry(NoBackoff(), 0),
        # RESP2: redis-py's RESP3 reads a PING answer on a subscription wrongly
        "protocol": 2,
    }


def connect(address: Address) -> Redis:
    found = address.sentinels
    if found is None:
        return Redis.from_url(address.url, **_options())
    timeouts = {"socket_connect_timeout": CONNECT_TIMEOUT, "socket_timeout": READ_TIMEOUT}
    sentinel = Sentinel(list(found.hosts), sentinel_kwargs=timeouts)
    return sentinel.master_for(
        found.service, redis_class=Redis, db=found.db, password=found.password, **_options()
    )


def lost(error: BaseException) -> bool:
    """Whether `error` means Redis cannot be reached (rather than a refused command)."""
    return isinstance(error, RedisConnectionError | RedisTimeoutError | ReadOnlyError | OSError)


@contextmanager
def reachable() -> Iterator[None]:
    """Run Redis commands; any Redis failure becomes StoreUnavailable."""
    try:
        yield
    except (RedisError, OSError) as error:
        if not lost(error):  # a script or command refused: worth a look
            log.error("Redis refused a command: %s", error)
        raise StoreUnavailable(f"Redis: {error}") from error
