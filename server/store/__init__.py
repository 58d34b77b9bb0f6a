"""Stores: where tickets, events and users live. Chosen by URL scheme."""

from __future__ import annotations

from server.store.base import Result, Snapshot, Store, StoreUnavailable


def open_store(url: str) -> Store:
    """`sqlite:///path` (embedded default) or `redis://host:port/db` (scale-out)."""
    if url.startswith("sqlite:///"):
        from server.store.sqlite import SqliteStore

        return SqliteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        from server.store.redis import RedisStore

        return RedisStore(url)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///PATH or redis://HOST:PORT/DB")


__all__ = ["Result", "Snapshot", "Store", "StoreUnavailable", "open_store"]
