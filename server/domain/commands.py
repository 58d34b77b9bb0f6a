"""The counter and kiosk commands as pure moves on a SiteQueue.

Each command applies its moves to the queue as it goes (a later move depends on an
earlier one) and returns them as Changes; the store turns each Change into one event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from server.domain.errors import DomainError, QueueEmpty
from server.domain.queue import Call, SiteQueue
from server.domain.ticket import Status, Ticket

ISSUED = "ticket.issued"
CALLED = "ticket.called"
DONE = "ticket.done"
NO_SHOW = "ticket.no_show"
TRANSFERRED = "ticket.transferred"


@dataclass(frozen=True, slots=True)
class Change:
    ticket: Ticket
    event: str
    counter: str | None
    recall: int
    waiting: dict[str, int]


@dataclass(slots=True)
class Outcome:
    """What a command did. `error`, when set, is answered after the changes are kept."""

    changes: list[Change] = field(default_factory=list)
    error: DomainError | None = None

    @property
    def ticket(self) -> Ticket:
        return self.changes[-1].ticket

    def move(
        self, queue: SiteQueue, ticket: Ticket, event: str, counter: str | None, recall: int = 0
    ) -> None:
        queue.apply(ticket)
        if event == CALLED:
            assert counter is not None
            queue.record_call(Call(ticket, counter, recall))
        self.changes.append(Change(ticket, event, counter, recall, queue.waiting_counts()))


def issue(
    queue: SiteQueue,
    ticket_id: str,
    service: str,
    priority: bool,
    lang: str | None,
    now: datetime,
) -> Outcome:
    outcome = Outcome()
    outcome.move(queue, queue.new_ticket(ticket_id, service, priority, lang, now), ISSUED, None)
    return outcome


def call_next(queue: SiteQueue, counter: str, now: datetime) -> Outcome:
    """Close the counter's current ticket as done, then call the next one."""
    outcome = Outcome()
    current = queue.current(counter)
    if current is not None:
        outcome.move(queue, current.finish(Status.DONE, now), DONE, counter)
    try:
        ticket = queue.next_for(counter)
    except QueueEmpty as empty:
        outcome.error = empty
        return outcome
    outcome.move(queue, ticket.call(counter, now), CALLED, counter)
    return outcome


def recall(queue: SiteQueue, counter: str) -> Outcome:
    outcome = Outcome()
    ticket = queue.require_current(counter).recall()
    outcome.move(queue, ticket, CALLED, counter, ticket.recalls)
    return outcome


def finish(queue: SiteQueue, counter: str, status: Status, now: datetime) -> Outcome:
    outcome = Outcome()
    event = DONE if status is Status.DONE else NO_SHOW
    outcome.move(queue, queue.require_current(counter).finish(status, now), event, counter)
    return outcome


def transfer(queue: SiteQueue, counter: str, service: str) -> Outcome:
    outcome = Outcome()
    queue.site.service(service)
    outcome.move(queue, queue.require_current(counter).transfer(service), TRANSFERRED, counter)
    return outcome
