"""A counter's status for the day (CONTRACT 6.2): open with the services it serves today,
paused (with a reason), or closed.

A state is kept as it was set; it is read as of a moment (`as_of`): one set on an earlier
local day reads as closed, so every day starts with all counters closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from loket.server.domain.site import Site
from loket.server.domain.ticket import Ticket, iso_z, parse_time

MAX_REASON = 200  # characters of a pause's reason


class CounterStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CounterState:
    counter: str
    status: CounterStatus
    services: tuple[str, ...]  # what it calls from while open (today's choice)
    since: datetime
    user: str | None = None  # who set it: for staff, never on public feeds
    reason: str | None = None  # a pause's, as the clerk gave it: for staff too

    @property
    def is_open(self) -> bool:
        return self.status is CounterStatus.OPEN

    def to_json(self, staff: bool = False) -> dict[str, Any]:
        """Public by default (displays, state): no user, no reason."""
        data: dict[str, Any] = {
            "counter": self.counter,
            "status": self.status.value,
            "services": list(self.services),
            "since": iso_z(self.since),
        }
        if staff:
            data["user"] = self.user
            data["reason"] = self.reason
        return data

    def record(self) -> dict[str, Any]:
        """What a store keeps: everything, to the microsecond (as the other store does)."""
        return {**self.to_json(staff=True), "since": self.since.isoformat()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CounterState:
        """As kept or sent; ValueError (or KeyError) for one that is not. Fields it does
        not know are ignored, missing optional ones are None."""
        services = data.get("services") or []
        user, reason = data.get("user"), data.get("reason")
        return cls(
            counter=str(data["counter"]),
            status=CounterStatus(data["status"]),
            services=tuple(str(service) for service in services),
            since=parse_time(str(data["since"])),
            user=None if user is None else str(user),
            reason=None if reason is None else str(reason),
        )


def kept(data: Mapping[str, Any]) -> CounterState | None:
    """A status as a store kept it; None for one that does not read (written by a later
    release with a status this one does not know): read as if none were kept."""
    try:
        return CounterState.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def day_start(site: Site, now: datetime) -> datetime:
    """The site's last local midnight before `now`."""
    zone = ZoneInfo(site.timezone)
    return datetime.combine(site.local_day(now), time(), zone)


def as_of(
    site: Site,
    counter_id: str,
    kept: CounterState | None,
    current: Ticket | None,
    now: datetime,
) -> CounterState:
    """The counter's state at `now` from the one kept (None: none kept).

    A state of an earlier day reads as closed since midnight. With none kept (a new
    counter, or data of the release before statuses), a counter serving someone reads
    as open since that call: the clerk is mid-service after an upgrade and expects to
    go on (and a closed counter never has a current ticket); any other as closed.
    A closed counter serves its configured services, should it open without a choice.
    """
    configured = site.counter(counter_id).services
    today = site.local_day(now)
    if kept is not None and site.local_day(kept.since) == today:
        if kept.status is CounterStatus.CLOSED:
            return replace(kept, services=configured)
        return kept
    serving = open_while_serving(site, counter_id, current) if kept is None else None
    if serving is not None:
        return serving
    return CounterState(counter_id, CounterStatus.CLOSED, configured, day_start(site, now))


def open_while_serving(site: Site, counter_id: str, current: Ticket | None) -> CounterState | None:
    """With no status kept, a counter serving someone is open since that call (None: it
    serves nobody). The first move at it keeps that status (commands.Outcome.move), so
    that it stays open once the visitor is done."""
    if current is None or current.called_at is None:
        return None
    configured = site.counter(counter_id).services
    return CounterState(
        counter_id, CounterStatus.OPEN, configured, current.called_at, current.called_by
    )
