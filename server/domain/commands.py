"""The counter and kiosk commands as pure moves on a SiteQueue.

Each command applies its moves to the queue as it goes (a later move depends on an
earlier one) and returns them as Changes; the store turns each Change into one event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from loket.server.domain.errors import DomainError, QueueEmpty, QueueFull
from loket.server.domain.events import CLOSED, Called, EventType, Issued, Payload
from loket.server.domain.queue import Call, SiteQueue
from loket.server.domain.speech import Announcement
from loket.server.domain.ticket import PublicTicket, Status, Ticket


@dataclass(frozen=True, slots=True)
class Change:
    ticket: Ticket
    event: EventType
    counter: str | None
    recall: int
    waiting: dict[str, int]

    def payload(self, announcement: Announcement | None = None) -> Payload:
        """The change as its event; a call carries the announcement only Python can make."""
        ticket = PublicTicket.of(self.ticket)
        if self.event is EventType.ISSUED:
            return Issued(ticket, self.waiting)
        assert self.counter is not None
        if self.event is EventType.CALLED:
            return Called(ticket, self.counter, self.recall, announcement, self.waiting)
        return CLOSED[self.event](ticket, self.counter, self.waiting)


@dataclass(slots=True)
class Outcome:
    """What a command did. `error`, when set, is answered after the changes are kept."""

    changes: list[Change] = field(default_factory=list)
    error: DomainError | None = None

    @property
    def ticket(self) -> Ticket:
        return self.changes[-1].ticket

    def move(
        self,
        queue: SiteQueue,
        ticket: Ticket,
        event: EventType,
        counter: str | None,
        recall: int = 0,
    ) -> None:
        queue.apply(ticket)
        if event is EventType.CALLED:
            assert counter is not None
            queue.record_call(Call(ticket, counter, recall))
        self.changes.append(Change(ticket, event, counter, recall, queue.waiting_counts()))


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
    current = queue.current(counter)
    if current is not None:
        outcome.move(queue, current.finish(Status.DONE, now), EventType.DONE, counter)
    try:
        ticket = queue.next_for(counter)
    except QueueEmpty as empty:
        outcome.error = empty
        return outcome
    outcome.move(queue, ticket.call(counter, now, by), EventType.CALLED, counter)
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


def transfer(queue: SiteQueue, counter: str, service: str) -> Outcome:
    outcome = Outcome()
    queue.site.service(service)
    ticket = queue.require_current(counter).transfer(service)
    outcome.move(queue, ticket, EventType.TRANSFERRED, counter)
    return outcome
