"""One site as the ticket feed keeps it: its pace, its followed tickets, and how an event
moves them in their lines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic

from loket.server.domain.estimate import Estimate, Forecast, WaitEstimator
from loket.server.domain.events import CounterChanged
from loket.server.domain.site import Site
from loket.server.protocol import Event
from loket.server.ticketfeed.entry import Followed, P
from loket.server.ticketfeed.facts import Facts, facts


class SiteState(Generic[P]):
    __slots__ = ("site", "estimator", "followed", "last_seq", "day")

    def __init__(self, site: Site) -> None:
        self.site = site
        self.estimator = WaitEstimator({c.id: c.services for c in site.counters})
        self.followed: dict[str, Followed[P]] = {}  # by ref: as events name tickets
        self.last_seq = 0
        self.day: date | None = None

    def take(self, event: Event) -> None:
        """Any event of the site: a counter's new status, or what a ticket's move says."""
        payload = event.payload
        if isinstance(payload, CounterChanged):
            self._turn_day(event.ts)
            state = payload.state
            self.estimator.counter_state(state.counter, state.is_open, state.services)
        else:
            self.observe(event.ts, facts(event))

    def _turn_day(self, ts: datetime) -> None:
        day = self.site.local_day(ts)
        if day != self.day:
            if self.day is not None:
                self.estimator.start_day()
            self.day = day

    def observe(self, ts: datetime, seen: Facts) -> None:
        """Teach the estimator what the event says about the counters' pace."""
        self._turn_day(ts)
        if seen.counter is not None:
            if seen.first_call:
                self.estimator.called(seen.counter, ts)
            elif seen.closing:
                self.estimator.closed(seen.counter, ts)
        if seen.waiting:  # events of releases before calls carried the counts have none
            self.estimator.waiting(seen.waiting, ts)

    def paces(self, now: datetime) -> Paces[P]:
        return Paces(self.estimator, now)


class Paces(Generic[P]):
    """The services' pace at one moment, made once per service: one event (or refresh)
    asks it for many followed tickets."""

    __slots__ = ("_estimator", "_now", "_made")

    def __init__(self, estimator: WaitEstimator, now: datetime) -> None:
        self._estimator = estimator
        self._now = now
        self._made: dict[str, Forecast | None] = {}

    def _forecast(self, entry: Followed[P]) -> Forecast | None:
        service = entry.ticket.service
        if service not in self._made:
            self._made[service] = self._estimator.forecast(service, self._now)
        return self._made[service]

    def basis(self, entry: Followed[P]) -> tuple[Any, ...]:
        """What the entry's estimate comes from: equal bases, equal estimates."""
        forecast = self._forecast(entry)
        return (None if forecast is None else forecast.basis, entry.position)

    def estimate(self, entry: Followed[P]) -> Estimate | None:
        if not entry.waiting:
            return None
        forecast = self._forecast(entry)
        assert entry.position is not None
        return None if forecast is None else forecast.estimate(entry.position)


def shift(seen: Facts, entry: Followed[P]) -> int | None:
    """How far the event moves `entry` in its line: -1, 0, +1, or None when it cannot tell."""
    moved = seen.ticket
    if not entry.waiting:
        return 0
    line = entry.ticket.line
    if seen.first_call:
        # a call takes a ticket out of its line: the head for a call-next, anyone for a
        # call by name (CONTRACT 6.5), so compare; a ticket held or not come was in none
        return -int(seen.left == line and moved.order < entry.ticket.order)
    if moved.line != line:
        return 0
    if seen.issued:
        # the domain's call order; a tie (the serial decides, which the feed lacks): later
        return 1 if moved.order < entry.ticket.order else 0
    if seen.transferred:
        ahead, mine = moved.order, entry.ticket.order
        return None if ahead == mine else int(ahead < mine)
    return 0
