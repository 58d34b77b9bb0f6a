"""One site's live queue: who waits in which line, who is at which counter, who is held
where, what was called.

A line is a service's, or a counter's own (a desk's, named by desk_line): tickets
transferred to that counter wait there, and it calls them before its services' lines.

The queue is an index over tickets; it changes only through `apply(ticket)`, which
takes the new version of one ticket. The store owns one per site and keeps it in
step with what it has committed.
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import islice

from loket.server.domain.counter_state import (
    CounterState,
    CounterStatus,
    as_of,
    open_while_serving,
)
from loket.server.domain.errors import NoCurrentTicket, QueueEmpty
from loket.server.domain.numbers import format_number, parse_number
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket, desk_line, is_desk_line, parse_ref

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
        self._waiting: dict[str, list[_Entry]] = {s.id: [] for s in site.services}  # by line
        self._current: dict[str, str] = {}
        self._held: dict[str, list[str]] = {}  # by counter, in the order they were held
        self._numbers: dict[str, tuple[date, int]] = {}
        self._recent: deque[Call] = deque(maxlen=RECENT_CALLS)
        self._counters: dict[str, CounterState] = {}  # as kept: read them with counter_state

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

    def counter_state(self, counter_id: str, now: datetime) -> CounterState:
        """The counter's status at `now`."""
        kept = self._counters.get(counter_id)
        return as_of(self.site, counter_id, kept, self.current(counter_id), now)

    def unkept_open(self, counter_id: str) -> CounterState | None:
        """A counter open only because it serves someone, with no status kept (data of
        the release before statuses); None for any other."""
        if counter_id in self._counters:
            return None
        return open_while_serving(self.site, counter_id, self.current(counter_id))

    def services_for(self, counter_id: str, now: datetime | None = None) -> tuple[str, ...]:
        """The services a counter calls from: today's choice (CONTRACT 6.2); None for
        `now`: as its status was last set."""
        if now is not None:
            return self.counter_state(counter_id, now).services
        kept = self._counters.get(counter_id)
        if kept is None or kept.status is CounterStatus.CLOSED:
            return self.site.counter(counter_id).services
        return kept.services

    def counter_states(self, now: datetime) -> list[CounterState]:
        """Every counter's status at `now`, in the site's order."""
        return [self.counter_state(counter.id, now) for counter in self.site.counters]

    def next_for(self, counter_id: str, now: datetime | None = None) -> Ticket:
        """The ticket this counter calls next: its own line's first, else the first of its
        services' lines by call order (call_order)."""
        for ticket in self.line_for(counter_id, 1, now):
            return ticket
        raise QueueEmpty(f"Nobody is waiting for counter {counter_id}.")

    def line_for(self, counter_id: str, limit: int, now: datetime | None = None) -> list[Ticket]:
        """The first `limit` tickets this counter would call, in the order it would: from
        the services it serves today (CONTRACT 6.2)."""
        services = self.services_for(counter_id, now)
        own = self._waiting.get(desk_line(counter_id), [])
        merged = heapq.merge(*(self._waiting.get(service, []) for service in services))
        entries = islice([*own, *islice(merged, limit)], limit)
        return [self._live[ticket_id] for _, ticket_id in entries]

    def lines(self) -> list[list[Ticket]]:
        """Every line's tickets, each in call order."""
        return [[self._live[i] for _, i in entries] for entries in self._waiting.values()]

    def held_at(self, counter_id: str) -> list[Ticket]:
        self.site.counter(counter_id)
        return [self._live[ticket_id] for ticket_id in self._held.get(counter_id, [])]

    def usage(self) -> tuple[dict[str, int], set[str]]:
        """The live tickets of each service, and the counters with a ticket: at it, held
        by it, or in its own line (what a new site file may not remove)."""
        services: dict[str, int] = {}
        for ticket in self._live.values():
            services[ticket.service] = services.get(ticket.service, 0) + 1
        counters = set(self._current) | {c for c, held in self._held.items() if held}
        counters |= {
            line[1:] for line, entries in self._waiting.items() if is_desk_line(line) and entries
        }
        return services, counters

    def held_before(self, day: date) -> list[Ticket]:
        """Tickets still held from before `day` (their day is over)."""
        held = [self._live[i] for ids in self._held.values() for i in ids]
        return [ticket for ticket in held if ticket.day < day]

    def held_counts(self) -> dict[str, int]:
        """Tickets held, per counter holding some."""
        return {counter: len(held) for counter, held in self._held.items() if held}

    def named(self, name: str, today: date) -> Ticket | None:
        """A live ticket by its ref, or by its number of `today`."""
        parsed = parse_ref(name)
        day, number = parsed if parsed is not None else (today, name)
        for ticket in self._live.values():
            if ticket.number == number and ticket.day == day:
                return ticket
        return None

    def position(self, ticket: Ticket) -> int | None:
        """People ahead of a waiting ticket in its line; None once it is called."""
        if ticket.status is not Status.WAITING:
            return None
        entries = self._waiting.get(ticket.line, [])
        return bisect.bisect_left(entries, (ticket.order_key, ticket.id))

    def waiting_counts(self) -> dict[str, int]:
        """People waiting in each service's line (not those waiting for one counter)."""
        lines = self._waiting.items()
        return {line: len(entries) for line, entries in lines if not is_desk_line(line)}

    def waiting_since(self) -> dict[str, list[datetime]]:
        """When each ticket waiting in a service's line was issued (the live view's waits)."""
        return {
            line: [self._live[ticket_id].issued_at for _, ticket_id in entries]
            for line, entries in self._waiting.items()
            if not is_desk_line(line)
        }

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
                entries = self._waiting[old.line]
                del entries[bisect.bisect_left(entries, (old.order_key, old.id))]
            elif old.status is Status.HELD and old.counter is not None:
                self._held[old.counter].remove(old.id)
            elif old.counter is not None and self._current.get(old.counter) == old.id:
                del self._current[old.counter]
        if ticket.status is Status.WAITING:
            bisect.insort(self._waiting.setdefault(ticket.line, []), (ticket.order_key, ticket.id))
            self._live[ticket.id] = ticket
        elif ticket.status is Status.CALLED:
            assert ticket.counter is not None
            self._current[ticket.counter] = ticket.id
            self._live[ticket.id] = ticket
        elif ticket.status is Status.HELD and ticket.finished_at is None:
            assert ticket.counter is not None
            self._held.setdefault(ticket.counter, []).append(ticket.id)
            self._live[ticket.id] = ticket
        self._refresh_recent(ticket)

    def set_counter(self, state: CounterState) -> None:
        self.site.counter(state.counter)
        self._counters[state.counter] = state

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
