"""An admin's word on the screens of server/displays.py (hall TVs and counter pages): a name
for each, and the screens removed from the list. Both are kept in the store, so that they
outlast a restart and every process sharing the store (Redis) lists alike.

The registry itself is each process's own (its screens report over its sockets). A removal
is therefore kept as its time: a screen is listed again only once it reports after it (its
next `hello`, within 20 s while it is connected), so a removed offline TV stays gone, from
the lists of other processes that still remember it too. Removals older than FORGET_AFTER
are dropped: by then every registry has forgotten the screen anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from loket.server.displays import FORGET_AFTER, MAX_PER_SITE, Display, DisplayRegistry
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import NotFound
from loket.server.errors import Conflict
from loket.server.naming import one_line

if TYPE_CHECKING:
    from loket.server.store import Store

MAX_NAME = 80
MAX_ID = 64  # as a `hello` allows (displays.parse_hello)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def to_ms(at: datetime) -> int:
    """A removal's time as the stores keep it: ms since 1970, rounded up (a report made
    in the same ms as the removal is taken to be before it)."""
    return -((_EPOCH - at) // _MS)


def from_ms(ms: int) -> datetime:
    return _EPOCH + ms * _MS


@dataclass(frozen=True, slots=True)
class ScreenNotes:
    """A site's screens as the admin left them: names by screen id, and when each screen
    removed was removed."""

    names: dict[str, str] = field(default_factory=dict)
    removed: dict[str, datetime] = field(default_factory=dict)

    def hides(self, display: Display) -> bool:
        """Whether the screen was removed after its last report."""
        at = self.removed.get(display.id)
        return at is not None and (display.reported or display.last_seen) <= at


def screen_name(value: str | None) -> str | None:
    """The name to keep; None (or nothing but spaces) forgets it."""
    if value is None or not value.strip():
        return None
    return one_line(value, MAX_NAME, "A screen's name")


class Screens:
    def __init__(
        self,
        store: Store,
        registry: DisplayRegistry,
        clock: Callable[[], datetime],
        epoch: Callable[[], str],
    ) -> None:
        self._store = store
        self._registry = registry
        self._clock = clock
        self._epoch = epoch

    async def listing(self, site: str) -> list[dict[str, Any]]:
        """The site's screens this process knows, with their names; removed ones left out."""
        notes = await self._store.screen_notes(site)
        now, epoch = self._clock(), self._epoch()
        return [
            display.to_json(now, epoch, notes.names.get(display.id))
            for display in self._listed(site, notes)
        ]

    async def rename(self, site: str, screen_id: str, name: str | None) -> str | None:
        """Names the screen (None: forgets its name); the name kept."""
        name = screen_name(name)
        await self._find(site, screen_id)
        if not await self._store.name_screen(site, screen_id, name, MAX_PER_SITE):
            raise Conflict(
                f"The site has {MAX_PER_SITE} named screens already: remove some first.",
                ErrorCode.TOO_MANY_SCREENS,
            )
        return name

    async def remove(self, site: str, screen_id: str) -> None:
        """Drops the screen from the list and forgets its name; one still connected is
        listed again at its next report."""
        await self._find(site, screen_id)
        now = self._clock()
        if not await self._store.remove_screen(
            site, screen_id, now, now - FORGET_AFTER, MAX_PER_SITE
        ):
            raise Conflict(
                f"{MAX_PER_SITE} screens of the site were removed in the last days: "
                "try again later.",
                ErrorCode.TOO_MANY_SCREENS,
            )
        self._registry.forget(site, screen_id)

    def _listed(self, site: str, notes: ScreenNotes) -> list[Display]:
        known = self._registry.known(site, self._clock())
        return [display for display in known if not notes.hides(display)]

    async def _find(self, site: str, screen_id: str) -> None:
        """NotFound unless the screen is listed here or has a name (given on any process)."""
        notes = await self._store.screen_notes(site)
        listed = any(display.id == screen_id for display in self._listed(site, notes))
        if not listed and screen_id not in notes.names:
            raise NotFound("display", screen_id[:MAX_ID])
