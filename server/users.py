"""Staff users, their roles and the counters they may act at."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"  # every site's live view and reports, every counter (6.3)
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: Role
    counters: tuple[str, ...] | None = None  # "site/counter"; None: every counter
    disabled: bool = False  # may not log in; has no session

    def may_act(self, site: str, counter: str) -> bool:
        if self.role is not Role.STAFF or self.counters is None:
            return True
        return f"{site}/{counter}" in self.counters

    @property
    def supervises(self) -> bool:
        """Sees the live view and reports of every site (CONTRACT 6.3)."""
        return self.role in (Role.ADMIN, Role.SUPERVISOR)

    @property
    def enabled_admin(self) -> bool:
        return self.role is Role.ADMIN and not self.disabled

    def to_json(self) -> dict[str, object]:
        return {
            "username": self.username,
            "role": self.role.value,
            "counters": None if self.counters is None else list(self.counters),
            "disabled": self.disabled,
        }


@dataclass(frozen=True, slots=True)
class UserChange:
    """What an admin (or `loket user`) changes about a user; None: left as it is."""

    password_hash: str | None = None
    role: Role | None = None
    set_counters: bool = False  # counters below replace the user's (None: every counter)
    counters: tuple[str, ...] | None = None
    disabled: bool | None = None

    def apply(self, user: User) -> User:
        return replace(
            user,
            role=user.role if self.role is None else self.role,
            counters=self.counters if self.set_counters else user.counters,
            disabled=user.disabled if self.disabled is None else self.disabled,
        )

    @property
    def ends_sessions(self) -> bool:
        """A new password or disabling ends every session of the user at once."""
        return self.password_hash is not None or self.disabled is True


class NoAdminLeft(Exception):
    """The change would leave no enabled admin: nobody could manage users any more."""


def keep_an_admin(users: Iterable[User], before: User, after: User | None) -> None:
    """Refuse (NoAdminLeft) a change of `before` into `after` (None: deleted) that takes
    away the last enabled admin; the stores call it inside the change's transaction."""
    if not before.enabled_admin or (after is not None and after.enabled_admin):
        return
    if not any(u.enabled_admin for u in users if u.username != before.username):
        raise NoAdminLeft(f"{before.username!r} is the last enabled admin.")


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str
