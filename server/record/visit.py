"""One ticket's life as the reports count it (CONTRACT 6.3), folded from its events.

Each store keeps one `Visit` per ticket beside its events (SQLite in the same file, the
PostgreSQL archive for Redis) and updates it with `Visit.apply` as events arrive. The fold
does not depend on the order events arrive in: what is "latest" is decided by `seq`, so an
archive that receives an event late (a claimed batch) ends with the same visit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from loket.server.domain.events import (
    Called,
    Closed,
    Done,
    Held,
    Issued,
    NoShow,
    Payload,
    Transferred,
)


class State(StrEnum):
    """Where the ticket is after its latest event."""

    WAITING = "waiting"  # issued, or transferred to another line
    CALLED = "called"
    DONE = "done"
    NO_SHOW = "no_show"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class Visit:
    site: str
    ref: str
    service: str  # the service it was issued for (its ticket.issued event decides)
    priority: bool
    issued_at: datetime
    day: date  # local issue day, hour and ISO weekday (1 Monday … 7 Sunday)
    hour: int
    weekday: int
    state: State
    state_seq: int  # the seq of the event that set `state`, `counter` and `user`
    counter: str | None  # where its latest call or close was: the one that finished it
    user: str | None
    first_called_at: datetime | None = None
    last_called_at: datetime | None = None
    last_call_seq: int = 0
    finished_at: datetime | None = None  # done or no-show
    transfers: int = 0
    issued_seen: bool = False  # its ticket.issued event was folded (else `service` is a guess)

    @property
    def wait_s(self) -> float | None:
        """First call − issue."""
        if self.first_called_at is None:
            return None
        return (self.first_called_at - self.issued_at).total_seconds()

    @property
    def service_s(self) -> float | None:
        """Done − the last call; only for a ticket served."""
        if self.state is not State.DONE or self.finished_at is None:
            return None
        if self.last_called_at is None:
            return None
        return (self.finished_at - self.last_called_at).total_seconds()

    @classmethod
    def start(cls, site: str, payload: Payload, zone: ZoneInfo) -> Visit:
        """The visit before any of its events is folded in (the first one seen names it)."""
        ticket = payload.ticket
        local = ticket.issued_at.astimezone(zone)
        return cls(
            site=site,
            ref=ticket.ref,
            service=ticket.service,
            priority=ticket.priority,
            issued_at=ticket.issued_at,
            day=local.date(),
            hour=local.hour,
            weekday=local.isoweekday(),
            state=State.WAITING,
            state_seq=0,
            counter=None,
            user=None,
        )

    def apply(self, payload: Payload, seq: int, ts: datetime, actor: str | None) -> Visit:
        """This visit with one more of its events; each event is folded in once."""
        changes: dict[str, Any] = {}  # one replace: the writer folds every event
        if isinstance(payload, Issued):
            changes.update(service=payload.ticket.service, issued_seen=True)
        if isinstance(payload, Called):
            first = self.first_called_at
            changes["first_called_at"] = ts if first is None else min(first, ts)
            if seq > self.last_call_seq:
                changes.update(last_called_at=ts, last_call_seq=seq)
        if isinstance(payload, Transferred):
            changes["transfers"] = self.transfers + 1
        if seq > self.state_seq:  # else a later event set where it is now
            state, finished = _after(payload, ts)
            changes.update(state=state, state_seq=seq, finished_at=finished)
            if isinstance(payload, Called | Closed):
                changes.update(counter=payload.counter, user=actor)
        return replace(self, **changes)


def _after(payload: Payload, ts: datetime) -> tuple[State, datetime | None]:
    """The state an event leaves its ticket in, and when it was finished (done, no-show)."""
    if isinstance(payload, Called):
        return State.CALLED, None
    if isinstance(payload, Done):
        return State.DONE, ts
    if isinstance(payload, NoShow):
        return State.NO_SHOW, ts
    if isinstance(payload, Held):
        return State.HELD, None
    return State.WAITING, None  # issued, or transferred to another line
