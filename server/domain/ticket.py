"""A ticket and its state machine: waiting → called → done | no_show, and (CONTRACT
6.5) called → held → called, called → waiting again (a transfer, to a line or to a
desk), no_show → called (a late visitor, the same day).

Every move returns a new Ticket; a move the state does not allow raises
IllegalTransition, so no caller can corrupt a ticket by accident.

A ticket has two names (CONTRACT 6.1): its `id`, the holder's secret, which opens the
visitor's page; and its `ref`, a public handle for staff and feeds, made of its local day
and its number of the day (unique within the site, stable, and saying nothing of the id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from loket.server.domain.errors import IllegalTransition


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    DONE = "done"
    NO_SHOW = "no_show"
    HELD = "held"  # set aside by its counter, which calls it back later


def iso_z(moment: datetime) -> str:
    """UTC with milliseconds and a Z: 2026-11-28T08:15:02.123Z (CONTRACT section 3)."""
    if moment.tzinfo is not UTC:  # the service's clock is UTC already: no conversion
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)  # Python 3.11 reads the Z itself


def _to_ms(moment: datetime) -> datetime:
    extra = moment.microsecond % 1000
    return moment if not extra else moment.replace(microsecond=moment.microsecond - extra)


def make_ref(day: date, number: str) -> str:
    """A ticket's public handle: 20261206-A015 (numbers restart each local day). The
    number comes last: the Redis script, which numbers a new ticket, appends it to
    make_ref(day, "")."""
    return f"{day:%Y%m%d}-{number}"


def parse_ref(ref: str) -> tuple[date, str] | None:
    """A ref's day and number; None for text that is no ref."""
    day, dash, number = ref.partition("-")
    if not dash or len(day) != 8 or not day.isdigit():
        return None
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:])), number
    except ValueError:
        return None


DayOf = Callable[[datetime], date]  # a moment's calendar day at the ticket's site


# A ticket sent to the head of a line sorts as a priority ticket issued this long before
# it was sent there: ahead of every ticket of the day, the first sent there first. The
# order key keeps its shape, and so do the Redis members older releases wrote.
HEAD_OF_LINE = timedelta(days=365 * 50)


def call_order(
    priority: bool, issued_at: datetime, ahead_at: datetime | None = None
) -> tuple[bool, datetime]:
    """Who is called first within a line: those sent to its head (in the order they were
    sent), then priority, then oldest first."""
    if ahead_at is not None:
        return (False, ahead_at - HEAD_OF_LINE)
    return (not priority, issued_at)


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    site: str
    number: str
    service: str
    status: Status
    priority: bool
    issued_at: datetime
    day: date
    serial: int  # site-wide issue order; breaks ties between equal issue times
    lang: str | None = None
    called_at: datetime | None = None
    counter: str | None = None
    recalls: int = 0
    finished_at: datetime | None = None
    called_by: str | None = None  # the user who called it: for staff, never on public feeds
    # where it last waited (kept once it is called: the feed compares call orders):
    desk: str | None = None  # for this counter only (a transfer to a desk)
    ahead_at: datetime | None = None  # at the head of its line, sent there then

    @property
    def ref(self) -> str:
        return make_ref(self.day, self.number)

    @property
    def order_key(self) -> tuple[bool, datetime, int]:
        """Call order (call_order), ties broken by the site-wide issue order."""
        return (*call_order(self.priority, self.issued_at, self.ahead_at), self.serial)

    @property
    def line(self) -> str:
        """The line a waiting ticket is in: its service's, or a desk's (desk_line)."""
        return line_of(self.service, self.desk)

    def _require(self, *allowed: Status, move: str) -> None:
        if self.status not in allowed:
            raise IllegalTransition(f"Ticket {self.number} is {self.status.value}: cannot {move}.")

    def call(self, counter: str, now: datetime, by: str | None = None) -> Ticket:
        """From its line; or back from being held, or late after a no-show (the store
        checks it is the holder calling, or the same day)."""
        self._require(Status.WAITING, Status.HELD, Status.NO_SHOW, move="call it")
        return replace(
            self,
            status=Status.CALLED,
            counter=counter,
            called_at=now,
            recalls=0,
            called_by=by,
            finished_at=None,
        )

    def hold(self) -> Ticket:
        """Set aside by its counter (which it stays with) until that counter calls it."""
        self._require(Status.CALLED, move="hold it")
        return replace(self, status=Status.HELD)

    def close_held(self, now: datetime) -> Ticket:
        """Still held when its day is over: closed, held being its final state."""
        self._require(Status.HELD, move="close it as held")
        return replace(self, finished_at=now)

    def recall(self) -> Ticket:
        self._require(Status.CALLED, move="recall it")
        return replace(self, recalls=self.recalls + 1)

    def finish(self, status: Status, now: datetime) -> Ticket:
        if status not in (Status.DONE, Status.NO_SHOW):
            raise IllegalTransition(f"A ticket cannot be finished as {status.value}.")
        self._require(Status.CALLED, move="close it")
        return replace(self, status=status, finished_at=now)

    def transfer(self, service: str, *, first_at: datetime | None = None) -> Ticket:
        """Back to waiting, in another service, keeping its number and issue time; with
        `first_at`, at the head of that line (its own service's too)."""
        self._require(Status.CALLED, move="transfer it")
        if service == self.service and first_at is None:
            raise IllegalTransition(f"Ticket {self.number} is already in service {service}.")
        return replace(self, service=service, ahead_at=first_at, desk=None, **_WAITING_AGAIN)

    def send_to_desk(self, counter: str) -> Ticket:
        """Back to waiting, for one counter, which calls it before its services' lines."""
        self._require(Status.CALLED, move="transfer it")
        if counter == self.counter:
            raise IllegalTransition(f"Ticket {self.number} is at counter {counter} already.")
        return replace(self, desk=counter, ahead_at=None, **_WAITING_AGAIN)

    def to_json(self) -> dict[str, Any]:
        """What the feeds and staff see of it (CONTRACT `Ticket`), as PublicTicket.of(self)
        would: no `id`."""
        return _public_json(self)

    def holder_json(self) -> dict[str, Any]:
        """What its holder sees: the public fields and the secret `id` (CONTRACT 6.1)."""
        return {"id": self.id, **_public_json(self)}


_WAITING_AGAIN: dict[str, Any] = {
    "status": Status.WAITING,
    "counter": None,
    "called_at": None,
    "recalls": 0,
    "called_by": None,
}


def desk_line(counter: str) -> str:
    """The name of a counter's own line (no service id has an @)."""
    return f"@{counter}"


def is_desk_line(line: str) -> bool:
    return line.startswith("@")


def line_of(service: str, desk: str | None) -> str:
    """The line a ticket of `service` waits in: the desk's when it was sent to one."""
    return service if desk is None else desk_line(desk)


@dataclass(frozen=True, slots=True)
class PublicTicket:
    """A ticket as the display feed shows it (CONTRACT `Ticket`): no internal fields, and
    no secret `id`: its `ref` names it."""

    ref: str
    number: str
    service: str
    status: Status
    priority: bool
    issued_at: datetime
    called_at: datetime | None
    counter: str | None
    recalls: int
    lang: str | None
    desk: str | None = None
    ahead_at: datetime | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> PublicTicket:
        """At the wire's precision (ms), so that it equals what a reader parses back."""
        return cls(
            ticket.ref,
            ticket.number,
            ticket.service,
            ticket.status,
            ticket.priority,
            _to_ms(ticket.issued_at),
            None if ticket.called_at is None else _to_ms(ticket.called_at),
            ticket.counter,
            ticket.recalls,
            ticket.lang,
            ticket.desk,
            None if ticket.ahead_at is None else _to_ms(ticket.ahead_at),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any], day_of: DayOf) -> PublicTicket:
        """`day_of` gives the ref of a ticket kept before refs existed (it had an `id`)."""
        called = data.get("called_at")
        ahead = data.get("ahead_at")
        issued_at = parse_time(data["issued_at"])
        ref = data.get("ref")
        return cls(
            ref=str(ref) if ref is not None else make_ref(day_of(issued_at), str(data["number"])),
            number=str(data["number"]),
            service=str(data["service"]),
            status=Status(data["status"]),
            priority=bool(data.get("priority", False)),
            issued_at=issued_at,
            called_at=None if called is None else parse_time(called),
            counter=data.get("counter"),
            recalls=int(data.get("recalls", 0)),
            lang=data.get("lang"),
            desk=data.get("for_counter"),
            ahead_at=None if ahead is None else parse_time(ahead),
        )

    def to_json(self) -> dict[str, Any]:
        return _public_json(self)

    @property
    def order(self) -> tuple[bool, datetime]:
        """Its call order in its line, short of the tie-break the feed does not carry."""
        return call_order(self.priority, self.issued_at, self.ahead_at)

    @property
    def line(self) -> str:
        return line_of(self.service, self.desk)


def _public_json(ticket: Ticket | PublicTicket) -> dict[str, Any]:
    """The public fields of either, read straight from it: a ticket's JSON is made for
    every event and answer, so without building a PublicTicket first. A ticket waiting
    for one counter has `for_counter`, one sent to the head of its line `ahead_at`
    (CONTRACT 6.5 adds them, only then)."""
    data = {
        "ref": ticket.ref,
        "number": ticket.number,
        "service": ticket.service,
        "status": ticket.status.value,
        "priority": ticket.priority,
        "issued_at": iso_z(ticket.issued_at),
        "called_at": None if ticket.called_at is None else iso_z(ticket.called_at),
        "counter": ticket.counter,
        "recalls": ticket.recalls,
        "lang": ticket.lang,
    }
    if ticket.desk is not None and ticket.status is Status.WAITING:
        data["for_counter"] = ticket.desk
    if ticket.ahead_at is not None:  # also once called: the feed compares call orders
        data["ahead_at"] = iso_z(ticket.ahead_at)
    return data
