"""The counter and kiosk commands as pure moves on a SiteQueue.

Each command applies its moves to the queue as it goes (a later move depends on an
earlier one) and returns them as Changes; the store turns each Change into one event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from loket.server.domain.counter_state import CounterState, CounterStatus
from loket.server.domain.errors import (
    CurrentTicket,
    DomainError,
    NotCallable,
    QueueEmpty,
    QueueFull,
)
from loket.server.domain.events import (
    CLOSED,
    COUNTER_CHANGED,
    Called,
    CounterChanged,
    EventType,
    Issued,
    Payload,
    Transferred,
)
from loket.server.domain.queue import Call, SiteQueue
from loket.server.domain.site import Site
from loket.server.domain.speech import Announcement
from loket.server.domain.ticket import PublicTicket, Status, Ticket

# how a store has a move announced: (site, ticket, counter, now) → the announcement
Speak = Callable[[Site, Ticket, str, datetime], Announcement]


@dataclass(frozen=True, slots=True)
class Change:
    ticket: Ticket
    event: EventType
    counter: str | None
    recall: int
    waiting: dict[str, int]
    came_from: str | None = None  # a call's: the line it left, or "held" or "no_show"

    def announcement(
        self, site: Site, announce: Speak | None, now: datetime
    ) -> Announcement | None:
        """What is said of it: a call, or a transfer when the store was given how to
        announce one (the site announces transfers)."""
        if announce is None or self.event not in (EventType.CALLED, EventType.TRANSFERRED):
            return None
        assert self.counter is not None
        return announce(site, self.ticket, self.counter, now)

    def payload(self, announcement: Announcement | None = None) -> Payload:
        """The change as its event; a call carries the announcement only Python can make."""
        ticket = PublicTicket.of(self.ticket)
        if self.event is EventType.ISSUED:
            return Issued(ticket, self.waiting)
        assert self.counter is not None
        if self.event is EventType.CALLED:
            return Called(
                ticket, self.counter, self.recall, announcement, self.waiting, self.came_from
            )
        if self.event is EventType.TRANSFERRED:
            return Transferred(ticket, self.counter, self.waiting, announcement)
        return CLOSED[self.event](ticket, self.counter, self.waiting)


@dataclass(frozen=True, slots=True)
class CounterChange:
    """A counter's new status (CONTRACT 6.2): one `counter.*` event."""

    state: CounterState
    event: EventType

    def payload(self) -> CounterChanged:
        return COUNTER_CHANGED[self.event](self.state)


_EVENT_OF = {
    CounterStatus.OPEN: EventType.COUNTER_OPENED,
    CounterStatus.PAUSED: EventType.COUNTER_PAUSED,
    CounterStatus.CLOSED: EventType.COUNTER_CLOSED,
}


@dataclass(slots=True)
class Outcome:
    """What a command did. `error`, when set, is answered after the changes are kept."""

    changes: list[Change | CounterChange] = field(default_factory=list)
    error: DomainError | None = None

    @property
    def ticket(self) -> Ticket:
        """The ticket acted on: the last one moved."""
        return [c for c in self.changes if isinstance(c, Change)][-1].ticket

    @property
    def moved_ticket(self) -> bool:
        return any(isinstance(change, Change) for change in self.changes)

    @property
    def state(self) -> CounterState | None:
        """The counter's new status, when the command set one."""
        states = [c.state for c in self.changes if isinstance(c, CounterChange)]
        return states[-1] if states else None

    def set_counter(self, queue: SiteQueue, state: CounterState) -> None:
        queue.set_counter(state)
        self.changes.append(CounterChange(state, _EVENT_OF[state.status]))

    def open_to_call(self, queue: SiteQueue, counter: str, now: datetime, by: str | None) -> None:
        """A paused or closed counter that calls opens first (CONTRACT 6.2): a paused one
        with the services chosen today, a closed one with its configured ones."""
        state = queue.counter_state(counter, now)
        if not state.is_open:
            self.set_counter(
                queue, CounterState(counter, CounterStatus.OPEN, state.services, now, by)
            )

    def move(
        self,
        queue: SiteQueue,
        ticket: Ticket,
        event: EventType,
        counter: str | None,
        recall: int = 0,
        came_from: str | None = None,
    ) -> None:
        if counter is not None:
            # a counter serving someone since before statuses were kept: its status is
            # kept now (counter.opened, as it was), so that it stays open after this visitor
            unkept = queue.unkept_open(counter)
            if unkept is not None:
                self.set_counter(queue, unkept)
        queue.apply(ticket)
        if event is EventType.CALLED:
            assert counter is not None
            queue.record_call(Call(ticket, counter, recall))
        waiting = queue.waiting_counts()
        self.changes.append(Change(ticket, event, counter, recall, waiting, came_from))

    def close_current(self, queue: SiteQueue, counter: str, now: datetime) -> None:
        """A counter calling someone first closes its current ticket as done."""
        current = queue.current(counter)
        if current is not None:
            self.move(queue, current.finish(Status.DONE, now), EventType.DONE, counter)

    def call(
        self, queue: SiteQueue, ticket: Ticket, counter: str, now: datetime, by: str | None
    ) -> None:
        came_from = ticket.line if ticket.status is Status.WAITING else ticket.status.value
        called = ticket.call(counter, now, by)
        self.move(queue, called, EventType.CALLED, counter, came_from=came_from)


def issue(
    queue: SiteQueue,
    ticket_id: str,
    service: str,
    *,
    priority: bool,
    lang: str | None,
    now: datetime,
) -> Outcome:
    outcome = Outcome()
    limit = queue.site.service(service).max_waiting
    if limit is not None and queue.waiting_counts().get(service, 0) >= limit:
        raise QueueFull(service, limit)  # transfers are not limited: a clerk's move stands
    ticket = queue.new_ticket(ticket_id, service, priority=priority, lang=lang, now=now)
    outcome.move(queue, ticket, EventType.ISSUED, None)
    return outcome


def call_next(queue: SiteQueue, counter: str, now: datetime, *, by: str | None = None) -> Outcome:
    """Close the counter's current ticket as done, then call the next one."""
    outcome = Outcome()
    outcome.open_to_call(queue, counter, now, by)
    outcome.close_current(queue, counter, now)
    try:
        ticket = queue.next_for(counter, now)
    except QueueEmpty as empty:
        outcome.error = empty
        return outcome
    outcome.call(queue, ticket, counter, now, by)
    return outcome


def callable_by(ticket: Ticket | None, counter: str, today: date) -> bool:
    """Whom a counter may call by name (CONTRACT 6.5): anyone waiting, a ticket it holds
    itself, or a no-show of the day (late visitors are common)."""
    if ticket is None:
        return False
    if ticket.status is Status.HELD:
        return ticket.counter == counter and ticket.finished_at is None
    if ticket.status is Status.NO_SHOW:
        return ticket.day == today
    return ticket.status is Status.WAITING


def call(
    queue: SiteQueue,
    counter: str,
    ticket: Ticket | None,
    name: str,
    now: datetime,
    *,
    by: str | None = None,
) -> Outcome:
    """Call one ticket by name (`ticket`: the store found it by `name`, or None): close
    the counter's current ticket as done first, like call_next."""
    queue.site.counter(counter)
    if not callable_by(ticket, counter, queue.site.local_day(now)):
        raise NotCallable(name, counter)
    assert ticket is not None
    outcome = Outcome()
    outcome.open_to_call(queue, counter, now, by)
    outcome.close_current(queue, counter, now)
    outcome.call(queue, ticket, counter, now, by)
    return outcome


def hold(queue: SiteQueue, counter: str) -> Outcome:
    outcome = Outcome()
    outcome.move(queue, queue.require_current(counter).hold(), EventType.HELD, counter)
    return outcome


def recall(queue: SiteQueue, counter: str) -> Outcome:
    outcome = Outcome()
    ticket = queue.require_current(counter).recall()
    outcome.move(queue, ticket, EventType.CALLED, counter, ticket.recalls)
    return outcome


def finish(queue: SiteQueue, counter: str, status: Status, now: datetime) -> Outcome:
    outcome = Outcome()
    event = EventType.DONE if status is Status.DONE else EventType.NO_SHOW
    outcome.move(queue, queue.require_current(counter).finish(status, now), event, counter)
    return outcome


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a transfer sends a ticket: a service's line (at its head when `first`), or
    one counter's own line (`counter`)."""

    service: str | None = None
    first: bool = False
    counter: str | None = None


def transfer(queue: SiteQueue, counter: str, to: Destination, now: datetime) -> Outcome:
    outcome = Outcome()
    current = queue.require_current(counter)
    if to.counter is not None:
        queue.site.counter(to.counter)
        ticket = current.send_to_desk(to.counter)
    else:
        assert to.service is not None
        queue.site.service(to.service)
        ticket = current.transfer(to.service, first_at=now if to.first else None)
    outcome.move(queue, ticket, EventType.TRANSFERRED, counter)
    return outcome


# -- a counter's status (CONTRACT 6.2) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusChange:
    """What a clerk asks of the counter: open (with services, None: its configured
    ones), pause (with a reason) or close."""

    status: CounterStatus
    services: tuple[str, ...] | None = None
    reason: str | None = None


def set_status(
    queue: SiteQueue, counter: str, change: StatusChange, now: datetime, *, by: str | None
) -> Outcome:
    if change.status is CounterStatus.OPEN:
        return open_counter(queue, counter, now, by=by, services=change.services)
    if change.status is CounterStatus.PAUSED:
        return pause_counter(queue, counter, now, by=by, reason=change.reason)
    return close_counter(queue, counter, now)


def open_counter(
    queue: SiteQueue,
    counter: str,
    now: datetime,
    *,
    by: str | None,
    services: Sequence[str] | None = None,
) -> Outcome:
    """Open (or open again, with other services): `services` are any of the site's
    (checked by the caller), by default the counter's configured ones."""
    configured = queue.site.counter(counter).services
    chosen = configured if services is None else tuple(services)
    for service in chosen:
        queue.site.service(service)
    outcome = Outcome()
    outcome.set_counter(queue, CounterState(counter, CounterStatus.OPEN, chosen, now, by))
    return outcome


def pause_counter(
    queue: SiteQueue, counter: str, now: datetime, *, by: str | None, reason: str | None = None
) -> Outcome:
    """Nobody is called to it until it calls again; it keeps today's services, and the
    clerk who opened it."""
    state = queue.counter_state(counter, now)
    user = state.user if state.status is not CounterStatus.CLOSED and state.user else by
    paused = CounterState(counter, CounterStatus.PAUSED, state.services, now, user, reason)
    outcome = Outcome()
    outcome.set_counter(queue, paused)
    return outcome


def close_counter(queue: SiteQueue, counter: str, now: datetime) -> Outcome:
    """Refused while it serves someone: the clerk finishes (or transfers) first."""
    if queue.current(counter) is not None:
        raise CurrentTicket(counter)
    configured = queue.site.counter(counter).services
    outcome = Outcome()
    outcome.set_counter(queue, CounterState(counter, CounterStatus.CLOSED, configured, now))
    return outcome
