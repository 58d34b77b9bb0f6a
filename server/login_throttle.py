"""Failed logins, counted so that guessing passwords stops (CONTRACT 6.6): after 5
failures for one user from one address, or 20 from one address, within 15 minutes, that
address waits. Counted per address, so nobody can lock a user out of every address by
guessing from one. In this process: with --workers, each worker counts its own share.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
PER_USER = 5  # failures for one username from one address
PER_ADDRESS = 20  # failures from one address, whatever the usernames
TRACKED = 10_000  # keys kept at most: the oldest are forgotten first


@dataclass(slots=True)
class LoginThrottle:
    _failures: OrderedDict[tuple[str, str | None], deque[datetime]] = field(
        default_factory=OrderedDict
    )

    def wait(self, address: str, username: str, now: datetime) -> int:
        """Seconds this address must wait before trying `username` again (0: go ahead)."""
        waits = [
            self._wait((address, username), PER_USER, now),
            self._wait((address, None), PER_ADDRESS, now),
        ]
        return max(waits)

    def failed(self, address: str, username: str, now: datetime) -> None:
        for key in ((address, username), (address, None)):
            times = self._failures.pop(key, None) or deque()
            times.append(now)
            self._failures[key] = times  # the newest last, so eviction takes the oldest
        while len(self._failures) > TRACKED:
            self._failures.popitem(last=False)

    def succeeded(self, address: str, username: str) -> None:
        self._failures.pop((address, username), None)

    def _wait(self, key: tuple[str, str | None], limit: int, now: datetime) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        if len(times) < limit:
            return 0
        return max(1, int((times[0] + WINDOW - now).total_seconds() + 0.999))
