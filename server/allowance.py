"""Allowances: at most `limit` uses of something per `window`, counted per key (a client
address), over a sliding window. This is the one-process form (the SQLite store's); the
Redis store counts in Redis so that every process shares the count (lua/allowance.lua).

Memory is bounded: at most MAX_KEYS keys, each with at most `limit` times. When a new key
comes with the table full, the key used least recently is forgotten (it may then start
over: a flood of addresses costs the oldest ones their count, never the server its memory).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_KEYS = 10_000


@dataclass(slots=True)
class Allowances:
    max_keys: int = MAX_KEYS
    _uses: OrderedDict[str, deque[datetime]] = field(default_factory=OrderedDict)

    def take(self, key: str, limit: int, window: timedelta, now: datetime) -> float:
        """Takes one use: 0.0 when there was one left, else the seconds until there is."""
        uses = self._uses.pop(key, None) or deque()
        while uses and now - uses[0] >= window:
            uses.popleft()
        self._uses[key] = uses  # the most recent last: the oldest go first
        if len(uses) >= limit:
            return max((uses[0] + window - now).total_seconds(), 0.001)
        uses.append(now)
        while len(self._uses) > self.max_keys:
            self._uses.popitem(last=False)
        return 0.0

    def give_back(self, key: str) -> None:
        """Undoes the last take of `key` (what it was for did not happen)."""
        uses = self._uses.get(key)
        if uses:
            uses.pop()

    def __len__(self) -> int:
        return len(self._uses)
