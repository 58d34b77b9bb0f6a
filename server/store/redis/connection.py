"""The Redis client, and Redis failures turned into StoreUnavailable.

Short timeouts and no retries: a command that cannot reach Redis fails within about a
second (the API answers 503) rather than hang; a retry of a command whose answer was
lost could run it twice. A pooled connection that died while idle is replaced when it
is next taken from the pool, so Loket works again as soon as Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.store.base import StoreUnavailable

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.5

log = logging.getLogger("loket.store.redis")


def connect(url: str) -> Redis:
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=READ_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
        # RESP2: redis-py's RESP3 reads a PING answer on a subscription wrongly
        protocol=2,
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
