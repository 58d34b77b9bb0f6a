"""One site's live queue: who waits where, who is at which counter, what was called.

The queue is an index over tickets; it changes only through `apply(ticket)`, which
takes the new version of one ticket. The store owns one per site and keeps it in
step with what it has committed.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, replace
from datetime import date, datetime

from loket.server.domain.errors import NoCurrentTicket, QueueEmpty
from loket.server.domain.numbers import format_number, parse_number
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket

RECENT_CALLS = 10

_Entry = tuple[tuple[bool, datetime, int], str]


@dataclass(frozen=True, slots=True)
class Call:
    ticket: Ticket
    counter: str
    recall: int

    def to_json(self) -> dict[str, object]:
        return {"ticket": self.ticket.to_json(), "counter": self.counter, "recall": self.recall}


class SiteQueue:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.seq = 0
        self._live: dict[str, Ticket] = {}
        self._waiting: dict[str, list[_Entry]] = {s.id: [] for s in site.services}
        self._current: dict[str, str] = {}
        self._numbers: dict[str, tuple[date, int]] = {}
        self._recent: deque[Call] = deque(maxlen=RECENT_CALLS)

    # -- reading -------------------------------------------------------------

    def ticket(self, ticket_id: str) -> Ticket | None:
        return self._live.get(ticket_id)

    def current(self, counter_id: str) -> Ticket | None:
        self.site.counter(counter_id)
        ticket_id = self._current.get(counter_id)
        return self._live[ticket_id] if ticket_id else None

    def require_current(self, counter_id: str) -> Ticket:
        ticket = self.current(counter_id)
        if ticket is None:
            raise NoCurrentTicket(f"Counter {counter_id} has no current ticket.")
        return ticket

    def next_for(self, counter_id: str) -> Ticket:
        """The ticket this counter calls next: priority first, then oldest first."""
        heads = [
            self._waiting[service][0]
            for service in self.site.counter(counter_id).services
            if self._waiting.get(service)
        ]
        if not heads:
            raise QueueEmpty(f"Nobody is waiting for counter {counter_id}.")
        return self._live[min(heads)[1]]

    def position(self, ticket: Ticket) -> int | None:
        """People ahead of a waiting ticket in its service; None once it is called."""
        if ticket.status is not Status.WAITING:
            return None
        entries = self._waiting.get(ticket.service, [])
        return bisect.bisect_left(entries, (ticket.order_key, ticket.id))

    def waiting_counts(self) -> dict[str, int]:
        return {service: len(entries) for service, entries in self._waiting.items()}

    def now_serving(self) -> list[Call]:
        serving = []
        for counter in self.site.counters:
            ticket = self.current(counter.id)
            if ticket is not None:
                serving.append(Call(ticket, counter.id, ticket.recalls))
        return serving

    def recent(self) -> list[Call]:
        """Calls, newest first, one entry per ticket."""
        return list(reversed(self._recent))

    def next_number(self, service_id: str, day: date) -> str:
        last_day, last = self._numbers.get(service_id, (day, 0))
        return format_number(service_id, (last if last_day == day else 0) + 1)

    # -- changing -------------------------------------------------------------

    def new_ticket(
        self, ticket_id: str, service_id: str, *, priority: bool, lang: str | None, now: datetime
    ) -> Ticket:
        self.site.service(service_id)
        day = self.site.local_day(now)
        return Ticket(
            id=ticket_id,
            site=self.site.id,
            number=self.next_number(service_id, day),
            service=service_id,
            status=Status.WAITING,
            priority=priority,
            issued_at=now,
            day=day,
            serial=self.seq + 1,
            lang=lang,
        )

    def note_number(self, service_id: str, day: date, number: int) -> None:
        last_day, last = self._numbers.get(service_id, (day, 0))
        if day > last_day or (day == last_day and number > last):
            self._numbers[service_id] = (day, number)

    def apply(self, ticket: Ticket) -> None:
        """Take the new version of one ticket into every index."""
        old = self._live.pop(ticket.id, None)
        if old is None and ticket.status is Status.WAITING:
            count = parse_number(ticket.number, ticket.service)
            if count is not None:  # a transferred ticket keeps its first service's number
                self.note_number(ticket.service, ticket.day, count)
        if old is not None:
            if old.status is Status.WAITING:
                entries = self._waiting[old.service]
                del entries[bisect.bisect_left(entries, (old.order_key, old.id))]
            elif old.counter is not None and self._current.get(old.counter) == old.id:
                del self._current[old.counter]
        if ticket.status is Status.WAITING:
            bisect.insort(
                self._waiting.setdefault(ticket.service, []), (ticket.order_key, ticket.id)
            )
            self._live[ticket.id] = ticket
        elif ticket.status is Status.CALLED:
            assert ticket.counter is not None
            self._current[ticket.counter] = ticket.id
            self._live[ticket.id] = ticket
        self._refresh_recent(ticket)

    def record_call(self, call: Call) -> None:
        for index, earlier in enumerate(self._recent):
            if earlier.ticket.id == call.ticket.id:
                del self._recent[index]
                break
        self._recent.append(call)

    def _refresh_recent(self, ticket: Ticket) -> None:
        for index, call in enumerate(self._recent):
            if call.ticket.id == ticket.id:
                self._recent[index] = replace(call, ticket=ticket)

    # -- a reloaded site file -------------------------------------------------------

    def take_site(self, site: Site) -> None:
        """The site's new version (same id): a new service gets an empty line; a removed
        service's line goes once it is empty (the store refuses to remove one with people
        waiting), a removed counter's current ticket stays until it is closed."""
        self.site = site
        services = {s.id for s in site.services}
        for service in [s for s, entries in self._waiting.items() if not entries]:
            if service not in services:
                del self._waiting[service]
        for service in services:
            self._waiting.setdefault(service, [])
