"""The ticket feed's bookkeeping, without I/O: no asyncio, store, sockets or clock.

The shell (shell.py) hands it what happened — an event, a store's answer, time passing —
with the time and the store's epoch, and does what it answers: a `Send` is one message
for every phone of one ticket; a `Read` asks for one ticket as the store has it now, to
be answered with `answer` (a `FirstRead`, with `answer_first`). Reads of followed tickets
wait in the core (`reads_due`) and are taken one at a time with `next_read`, so that a
gap in a site's events costs a read after another, not a burst. `at` is a monotonic time
in seconds (when a read was answered, when a move came), `now` the wall clock (estimates
and `ts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic

from loket.server.domain.estimate import Estimate
from loket.server.domain.events import CounterChanged
from loket.server.domain.site import Site
from loket.server.domain.ticket import PublicTicket, Status, Ticket
from loket.server.hub import Message
from loket.server.protocol import SNAPSHOT, Event
from loket.server.ticketfeed.encode import encode
from loket.server.ticketfeed.entry import Followed, P
from loket.server.ticketfeed.facts import facts
from loket.server.ticketfeed.site import SiteState, shift

MOVED = "ticket.moved"
SETTLE_S = 0.5  # a move this soon after a read may be in it already: read again instead
READ_TRIES = 3  # a first read crossed by events is taken again, this many times at most


@dataclass(frozen=True, slots=True)
class Send(Generic[P]):
    phones: tuple[P, ...]
    message: Message  # (the ticket's own seq, the encoded message)


@dataclass(frozen=True, slots=True)
class Read:
    """Read the ticket from the store now, and hand the answer back."""

    ticket_id: str
    events: int  # how many events the core had taken as the read began


@dataclass(frozen=True, slots=True)
class FirstRead(Read):
    """The read before a ticket is followed; its answer goes to `answer_first`."""

    tries: int = 1


class FeedCore(Generic[P]):
    def __init__(self, sites: Iterable[Site]) -> None:
        self._sites: dict[str, SiteState[P]] = {site.id: SiteState(site) for site in sites}
        self._followed: dict[str, Followed[P]] = {}
        self._due: dict[Followed[P], None] = {}  # to read again, in order
        self._seen_epoch: str | None = None
        self._events = 0  # events of every site: a read during which it changed is taken again

    @property
    def following(self) -> bool:
        return bool(self._followed)

    @property
    def reads_due(self) -> bool:
        return bool(self._due)

    # -- estimates ------------------------------------------------------------------

    def seed(self, events: Iterable[Event]) -> None:
        """Earlier events (the store's recent history), so that estimates have a basis
        right after a restart."""
        for event in events:
            site = self._sites.get(event.site)
            if site is not None:
                site.take(event)
                site.last_seq = max(site.last_seq, event.seq)

    def estimate(self, ticket: Ticket, position: int | None, now: datetime) -> Estimate | None:
        site = self._sites.get(ticket.site)
        if site is None or position is None or ticket.status is not Status.WAITING:
            return None
        return site.estimator.estimate(ticket.service, position, now)

    # -- what happens -----------------------------------------------------------------

    def publish(self, event: Event, epoch: str, at: float) -> list[Send[P]]:
        """An event of a site, as the store hands it over."""
        site = self._sites.get(event.site)
        if site is None:
            return []
        broke = self._new_epoch(epoch) or bool(site.last_seq and event.seq != site.last_seq + 1)
        site.last_seq = event.seq
        self._events += 1
        if isinstance(event.payload, CounterChanged):
            # moves nobody, but a counter opening or stopping changes the services' pace
            site.take(event)
            if broke:
                self._due.update(dict.fromkeys(site.followed.values()))
            return self._changes(site, event.ts, epoch) if site.followed else []
        seen = facts(event)
        site.observe(event.ts, seen)
        if not site.followed:
            return []
        own = site.followed.get(seen.ticket.ref)
        for entry in site.followed.values():
            if entry is own:
                continue
            if broke:
                self._due[entry] = None
                continue
            moves = shift(seen, entry)
            if moves == 0 or entry.position is None:
                continue
            if moves is None or (not entry.settled and at - entry.read_at < SETTLE_S):
                entry.settled = True
                self._due[entry] = None
            else:
                entry.position = max(0, entry.position + moves)
        if own is not None:
            own.show(seen.ticket)
            own.position = None  # called, closed, or in another line at a place to read
            if seen.transferred:
                self._due[own] = None
        return self._changes(site, event.ts, epoch, own, seen.kind)

    def refresh(self, epoch: str, now: datetime) -> list[Send[P]]:
        """Estimates age with time alone (a counter going quiet): what changed since."""
        sends: list[Send[P]] = []
        for site in self._sites.values():
            if site.followed:
                sends += self._changes(site, now, epoch)
        return sends

    def _new_epoch(self, epoch: str) -> bool:
        changed = self._seen_epoch is not None and epoch != self._seen_epoch
        self._seen_epoch = epoch
        return changed

    # -- following --------------------------------------------------------------------

    def follow(self, ticket_id: str, phone: P) -> Followed[P] | FirstRead:
        """The ticket's entry, now with `phone`; a FirstRead when it is not followed yet."""
        entry = self._followed.get(ticket_id)
        if entry is None:
            return FirstRead(ticket_id, self._events)
        entry.phones.add(phone)
        return entry

    def answer_first(
        self, read: FirstRead, ticket: Ticket, position: int | None, phone: P, at: float
    ) -> Followed[P] | FirstRead:
        """The store's answer to a first read: the entry, with `phone`, or the read to take
        again when events came during it (they may or may not be in the answer)."""
        settled = self._events == read.events
        if not settled and read.tries < READ_TRIES:
            return FirstRead(read.ticket_id, self._events, read.tries + 1)
        entry = self._followed.get(read.ticket_id)  # another phone may have been quicker
        if entry is None:
            entry = Followed(ticket, position, at)
            self._followed[entry.id] = entry
            if entry.site in self._sites:
                self._sites[entry.site].followed[entry.ref] = entry
            if not settled:
                # events crossed every try (a busy hall) and found no entry to move: the
                # ticket may have been called meanwhile, so read it again now it is followed
                self._due[entry] = None
        entry.phones.add(phone)
        return entry

    def unfollow(self, entry: Followed[P], phone: P) -> None:
        entry.phones.discard(phone)
        if entry.phones:
            return
        self._followed.pop(entry.id, None)
        self._due.pop(entry, None)
        site = self._sites.get(entry.site)
        if site is not None:
            site.followed.pop(entry.ref, None)

    def snapshot(self, entry: Followed[P], epoch: str, now: datetime) -> Message:
        """What the entry's phones show now, for a phone that starts."""
        site = self._sites.get(entry.site)
        estimate = None if site is None else site.paces(now).estimate(entry)
        if entry.sent is None:
            entry.sent = (entry.ticket, entry.position, estimate)
        return entry.seq, self._encode(entry, SNAPSHOT, epoch, now, estimate)

    # -- reading again ----------------------------------------------------------------

    def next_read(self) -> Read | None:
        """The next followed ticket to read again, in the order they became due; None when
        none is. One at a time: a gap in a site's events costs a read after another."""
        if not self._due:
            return None
        entry = next(iter(self._due))
        del self._due[entry]  # an unfollowed entry is no longer due
        return Read(entry.id, self._events)

    def answer(
        self,
        read: Read,
        ticket: Ticket,
        position: int | None,
        epoch: str,
        at: float,
        now: datetime,
    ) -> list[Send[P]]:
        """The store's answer to `next_read`'s read. Not answering (the store is away)
        keeps what the phones show."""
        entry = self._followed.get(read.ticket_id)
        if entry is None:
            return []
        if self._events != read.events:
            self._due[entry] = None  # events came meanwhile: read once more
            return []
        entry.show(PublicTicket.of(ticket))
        entry.position = position
        entry.read_at = at
        site = self._sites.get(entry.site)
        if site is None:
            return []
        entry.basis = None
        return self._send(entry, MOVED, now, epoch, site.paces(now).estimate(entry))

    # -- messages ---------------------------------------------------------------------

    def _changes(
        self,
        site: SiteState[P],
        ts: datetime,
        epoch: str,
        own: Followed[P] | None = None,
        kind: str = MOVED,
    ) -> list[Send[P]]:
        """Every waiting entry whose place or pace changed is estimated again and sent if
        its view changed; `own` (the event's ticket) is sent as the event's `kind`."""
        paces = site.paces(ts)
        sends: list[Send[P]] = []
        for entry in site.followed.values():
            if entry is own:
                entry.basis = None
                sends += self._send(entry, kind, ts, epoch, paces.estimate(entry))
            elif entry.waiting:
                basis = paces.basis(entry)
                if basis == entry.basis:
                    continue  # the same place at the same pace: the same view
                entry.basis = basis
                sends += self._send(entry, MOVED, ts, epoch, paces.estimate(entry))
        return sends

    def _send(
        self, entry: Followed[P], kind: str, ts: datetime, epoch: str, estimate: Estimate | None
    ) -> list[Send[P]]:
        """The message for the entry's phones; none when they show this view already."""
        view = (entry.ticket, entry.position, estimate)
        if kind == MOVED and view == entry.sent:
            return []
        entry.sent = view
        entry.seq += 1
        message = (entry.seq, self._encode(entry, kind, epoch, ts, estimate))
        return [Send(tuple(entry.phones), message)]

    @staticmethod
    def _encode(
        entry: Followed[P], kind: str, epoch: str, ts: datetime, estimate: Estimate | None
    ) -> str:
        return encode(kind, epoch, entry.seq, ts, entry.ticket_json, entry.position, estimate)

    # -- a reloaded site file (server/hall.py) ------------------------------------------

    def take_sites(self, sites: Iterable[Site]) -> None:
        """The sites' new version: their counters may serve other services now."""
        for site in sites:
            state = self._sites.get(site.id)
            if state is not None:
                state.site = site
                state.estimator.take_counters({c.id: c.services for c in site.counters})

    def phones_of(self, site_id: str) -> list[P]:
        """Every phone following a ticket of the site."""
        state = self._sites.get(site_id)
        if state is None:
            return []
        return [phone for entry in state.followed.values() for phone in entry.phones]
