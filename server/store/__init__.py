"""Stores: where tickets, events and users live. Chosen by URL scheme."""

from __future__ import annotations

from loket.server.store.base import Result, Snapshot, Stamp, Store, StoreUnavailable

REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://")
USAGE = "use sqlite:///PATH, redis://HOST:PORT/DB or redis+sentinel://HOST:PORT/SERVICE"


def is_shared(url: str) -> bool:
    """Whether the store at `url` can be shared by several processes (Redis), or is the
    embedded one (SQLite). A URL that is neither, or a malformed Redis one, is refused
    here, before anything starts: ValueError."""
    if url.startswith("sqlite:///"):
        return False
    if url.startswith(REDIS_SCHEMES):
        from loket.server.store.redis.connection import Address

        Address.parse(url)
        return True
    raise ValueError(f"unsupported store URL {url!r}: {USAGE}")


def open_store(url: str, archive: str | None = None) -> Store:
    """`archive`: with a Redis store, the PostgreSQL archive its reports read (--archive);
    a SQLite store is its own record."""
    if not is_shared(url):
        from loket.server.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    from loket.server.store.redis import RedisStore

    return RedisStore(url, archive)


__all__ = ["Result", "Snapshot", "Stamp", "Store", "StoreUnavailable", "is_shared", "open_store"]
