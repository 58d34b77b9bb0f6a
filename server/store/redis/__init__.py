"""The Redis store: several processes (and hosts) serving the same sites as one."""

from __future__ import annotations

from loket.server.store.redis.store import RedisStore

__all__ = ["RedisStore"]
