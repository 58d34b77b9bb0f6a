"""Passwords hashes one password at a time, whatever the number of threads asking."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher

from loket.server.passwords import Passwords


class CountingHasher(PasswordHasher):
    """A hasher that notes how many hashes run at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def _enter(self) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.01)  # long enough for the other threads to come in meanwhile
        with self._lock:
            self.running -= 1

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._enter()
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._enter()
        return super().verify(hash, password)


def test_a_burst_of_logins_hashes_one_password_at_a_time() -> None:
    hasher = CountingHasher()
    passwords = Passwords(hasher)
    stored = passwords.hash("a long enough secret")
    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(lambda n: passwords.verify(stored, f"guess {n}"), range(16)))
    assert verdicts == [False] * 16
    assert passwords.verify(stored, "a long enough secret")
    assert hasher.most == 1
