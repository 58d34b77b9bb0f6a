"""Password hashing with Argon2id (argon2-cffi): memory-hard, salted, self-describing."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes one password at a time: an Argon2 hash takes 64 MB and every core for tens of
    ms, so a burst of logins (a guessing attack, a hall's clerks at opening time) queues
    here instead of taking the machine from the hall's calls and the memory with it."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._one = threading.Lock()  # callers run in threads (asyncio.to_thread)

    def hash(self, password: str) -> str:
        with self._one:
            return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        with self._one:
            try:
                return self._hasher.verify(stored_hash, password)
            except (VerificationError, InvalidHashError):
                return False
