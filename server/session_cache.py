"""The sessions a process remembers, so that a busy counter costs no store trip, and
forgets at once when any user changes (here, or in another process that the store hears).

A session is remembered only while the store hears such changes (`users_heard`), and not
when a change was heard while it was being read: what was read may be from before it.
"""

from __future__ import annotations

from loket.server.ttlcache import TtlCache
from loket.server.users import Session


class SessionCache:
    def __init__(self, seconds: float) -> None:
        self._entries: TtlCache[str, Session | None] = TtlCache(seconds)
        self._news = 0  # changes heard so far

    def get(self, token_hash: str) -> tuple[bool, Session | None]:
        return self._entries.get(token_hash)

    def reading(self) -> int:
        """Call before reading a session from the store; hand the answer to `put`."""
        return self._news

    def put(self, token_hash: str, session: Session | None, reading: int) -> None:
        if reading == self._news:
            self._entries.put(token_hash, session)

    def drop(self, token_hash: str) -> None:
        self._entries.drop(token_hash)

    def users_changed(self) -> None:
        self._news += 1
        self._entries.clear()
