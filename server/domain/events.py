"""A site's events, one frozen type each (CONTRACT section 4).

A command's moves (domain.commands) become these; the stores keep them as the JSON of
`to_json()` and read them back with `payload_from_json`, which takes what it knows and
ignores what it does not, so history written by an older or newer release still reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from loket.server.domain.counter_state import CounterState
from loket.server.domain.speech import Announcement
from loket.server.domain.ticket import DayOf, PublicTicket

Waiting = dict[str, int]  # people waiting, per service of the site


class EventType(StrEnum):
    ISSUED = "ticket.issued"
    CALLED = "ticket.called"
    DONE = "ticket.done"
    NO_SHOW = "ticket.no_show"
    TRANSFERRED = "ticket.transferred"
    HELD = "ticket.held"
    COUNTER_OPENED = "counter.opened"
    COUNTER_PAUSED = "counter.paused"
    COUNTER_CLOSED = "counter.closed"


@dataclass(frozen=True, slots=True)
class Issued:
    type: ClassVar[EventType] = EventType.ISSUED
    ticket: PublicTicket
    waiting: Waiting

    def to_json(self) -> dict[str, Any]:
        return {"ticket": self.ticket.to_json(), "waiting": self.waiting}


@dataclass(frozen=True, slots=True)
class Called:
    type: ClassVar[EventType] = EventType.CALLED
    ticket: PublicTicket
    counter: str
    recall: int  # 0 for a first call
    announcement: Announcement | None
    waiting: Waiting
    # where a first call took it from: a line ("A", or "@3" for counter 3's own), "held"
    # or "no_show"; sent as "from" only when it is not its service's line (the v1 case)
    came_from: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "ticket": self.ticket.to_json(),
            "counter": self.counter,
            "recall": self.recall,
            "announcement": None if self.announcement is None else self.announcement.to_json(),
            "waiting": self.waiting,
        }
        if self.came_from is not None and self.came_from != self.ticket.service:
            data["from"] = self.came_from
        return data

    @property
    def left(self) -> str | None:
        """The line a first call took the ticket out of; None for a recall, or a ticket
        called back from being held or from a no-show."""
        if self.recall:
            return None
        source = self.came_from or self.ticket.service
        return None if source in ("held", "no_show") else source


@dataclass(frozen=True, slots=True)
class Closed:
    """A counter is done with its ticket: served, not come, or sent to another line."""

    type: ClassVar[EventType]
    ticket: PublicTicket
    counter: str
    waiting: Waiting

    def to_json(self) -> dict[str, Any]:
        return {"ticket": self.ticket.to_json(), "counter": self.counter, "waiting": self.waiting}


@dataclass(frozen=True, slots=True)
class Done(Closed):
    type: ClassVar[EventType] = EventType.DONE


@dataclass(frozen=True, slots=True)
class NoShow(Closed):
    type: ClassVar[EventType] = EventType.NO_SHOW


@dataclass(frozen=True, slots=True)
class Transferred(Closed):
    """To another line: its ticket says which (its service, or `for_counter`). Spoken
    where the site announces transfers (`announcement`, only then in its JSON)."""

    type: ClassVar[EventType] = EventType.TRANSFERRED
    announcement: Announcement | None = None

    def to_json(self) -> dict[str, Any]:
        data = Closed.to_json(self)
        if self.announcement is not None:
            data["announcement"] = self.announcement.to_json()
        return data


@dataclass(frozen=True, slots=True)
class Held(Closed):
    """Set aside by its counter, to be called back by it (CONTRACT 6.5)."""

    type: ClassVar[EventType] = EventType.HELD


@dataclass(frozen=True, slots=True)
class CounterChanged:
    """A counter opened, paused or closed (CONTRACT 6.2); moves no ticket. Its JSON is
    public: the state without who set it."""

    type: ClassVar[EventType]
    state: CounterState

    def to_json(self) -> dict[str, Any]:
        return {"counter": self.state.to_json()}


@dataclass(frozen=True, slots=True)
class CounterOpened(CounterChanged):
    type: ClassVar[EventType] = EventType.COUNTER_OPENED


@dataclass(frozen=True, slots=True)
class CounterPaused(CounterChanged):
    type: ClassVar[EventType] = EventType.COUNTER_PAUSED


@dataclass(frozen=True, slots=True)
class CounterClosed(CounterChanged):
    type: ClassVar[EventType] = EventType.COUNTER_CLOSED


Payload = Issued | Called | Closed  # a ticket's; Closed: Done, NoShow, Transferred or Held
EventPayload = Payload | CounterChanged
CLOSED: dict[EventType, type[Closed]] = {
    kind.type: kind for kind in (Done, NoShow, Transferred, Held)
}
COUNTER_CHANGED: dict[EventType, type[CounterChanged]] = {
    kind.type: kind for kind in (CounterOpened, CounterPaused, CounterClosed)
}


def payload_from_json(kind: str, data: Mapping[str, Any], day_of: DayOf) -> EventPayload:
    """An event's payload as stored; ValueError (or KeyError) for one that is not.
    `day_of`: the site's calendar day of a moment (for tickets kept before refs)."""
    event_type = EventType(kind)
    if event_type in COUNTER_CHANGED:
        return COUNTER_CHANGED[event_type](CounterState.from_json(data["counter"]))
    ticket = PublicTicket.from_json(data["ticket"], day_of)
    waiting = {str(service): int(n) for service, n in dict(data.get("waiting") or {}).items()}
    if event_type is EventType.ISSUED:
        return Issued(ticket, waiting)
    counter = str(data["counter"])
    if event_type is EventType.CALLED:
        announcement = data.get("announcement")
        return Called(
            ticket,
            counter,
            int(data.get("recall", 0)),
            None if announcement is None else Announcement.from_json(announcement),
            waiting,
            data.get("from"),
        )
    if event_type is EventType.TRANSFERRED:
        announcement = data.get("announcement")
        spoken = None if announcement is None else Announcement.from_json(announcement)
        return Transferred(ticket, counter, waiting, spoken)
    return CLOSED[event_type](ticket, counter, waiting)
