"""Staff users, their roles and the counters they may act at."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MIN_PASSWORD = 8


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: Role
    counters: tuple[str, ...] | None = None  # "site/counter"; None: every counter

    def may_act(self, site: str, counter: str) -> bool:
        if self.role is Role.ADMIN or self.counters is None:
            return True
        return f"{site}/{counter}" in self.counters

    def to_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role.value,
            "counters": None if self.counters is None else list(self.counters),
        }


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str
