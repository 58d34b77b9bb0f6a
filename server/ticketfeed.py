"""Each visitor's own ticket, live: the feed behind /ws/ticket/{ticket_id}.

A hall may have thousands of phones open, so nothing here runs per phone per event. There
is one entry per followed ticket, however many phones show it. Per event of a site:

1. the site's wait estimator learns from it, once;
2. the positions of the followed tickets move by what the event did to their line: a
   first call takes the head of its service away (everyone waiting there moves up), an
   issue or a transfer puts a ticket into a line, ahead of those it precedes;
3. every followed ticket whose view (its ticket, place, estimate) changed gets one small
   message, encoded once for all its phones.

A position starts from the store (one read when a ticket is first followed) and moves
with events from then on. A read and an event can cross (the store answered with the
event's effect already in it, the event arrives just after): a read is taken again when
an event of the site came while it was under way, and a move that arrives within
SETTLE_S of a read makes the entry read again instead of moving it, once. A gap in the
site's events or a new store epoch also makes every entry read again.

Messages follow the envelope of the display socket: a `snapshot` first, then events, each
`seq` one more than the one before — per ticket, not per site, so that a phone never sees
a gap. Types: `ticket.called`, `ticket.done`, `ticket.no_show`, `ticket.transferred` when
the ticket itself changed; `ticket.moved` when only its place or estimate did.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from server.domain.estimate import Estimate, Forecast, WaitEstimator
from server.domain.events import EventType
from server.domain.site import Site
from server.domain.ticket import Status, Ticket
from server.hub import Sink, Subscription
from server.protocol import VERSION, Event, dumps, iso_ms

CALLED, DONE, ISSUED = EventType.CALLED, EventType.DONE, EventType.ISSUED
NO_SHOW, TRANSFERRED = EventType.NO_SHOW, EventType.TRANSFERRED

MOVED = "ticket.moved"
SNAPSHOT = "snapshot"
SETTLE_S = 0.5
READ_TRIES = 3
REFRESH_S = 30.0  # estimates also change with time alone (a counter going quiet)
PHONE_BACKLOG = 16  # messages a slow phone may owe before it is closed and resyncs

Read = Callable[[str], Awaitable[tuple[Ticket, int | None]]]
OrderKey = tuple[bool, str]


def _order(ticket: dict[str, Any]) -> OrderKey:
    """Call order within a service: priority first, then issue time (ISO 8601 UTC with
    milliseconds sorts as time). Equal keys are told apart only by the store's serial."""
    return (not ticket["priority"], ticket["issued_at"])


class Followed:
    """One followed ticket: its view and the phones that show it."""

    __slots__ = (
        "id",
        "site",
        "ticket",
        "ticket_json",
        "position",
        "sent",
        "basis",
        "seq",
        "phones",
        "read_at",
        "settled",
    )

    def __init__(self, ticket: Ticket, position: int | None, read_at: float) -> None:
        self.id = ticket.id
        self.site = ticket.site
        self.ticket: dict[str, Any] = {}
        self.ticket_json = ""
        self.show(ticket.to_json())
        self.position = position
        self.sent: tuple[Any, ...] | None = None  # what its phones last got
        self.basis: tuple[Any, ...] | None = None  # (pace, position) its estimate came from
        self.seq = 0
        self.phones: set[Subscription] = set()
        self.read_at = read_at
        self.settled = False  # a move after its last read was taken as is

    def show(self, ticket: dict[str, Any]) -> None:
        self.ticket = ticket
        self.ticket_json = dumps(ticket)  # encoded once per change, not once per message

    @property
    def waiting(self) -> bool:
        return self.ticket["status"] == "waiting" and self.position is not None


class _Site:
    __slots__ = ("site", "estimator", "followed", "last_seq", "day")

    def __init__(self, site: Site) -> None:
        self.site = site
        self.estimator = WaitEstimator({c.id: c.services for c in site.counters})
        self.followed: dict[str, Followed] = {}
        self.last_seq = 0
        self.day: object = None

    def observe(self, event: Event) -> None:
        """Teach the estimator what the event says about the counters' pace."""
        day = self.site.local_day(event.ts)
        if day != self.day:
            if self.day is not None:
                self.estimator.start_day()
            self.day = day
        data, counter = event.data, event.data.get("counter")
        if counter is not None:
            if event.type == CALLED and not data.get("recall"):
                self.estimator.called(counter, event.ts)
            elif event.type in (DONE, NO_SHOW, TRANSFERRED):
                self.estimator.closed(counter, event.ts)
        if isinstance(data.get("waiting"), dict):
            self.estimator.waiting(data["waiting"], event.ts)


def _shift(kind: str, data: dict[str, Any], moved: dict[str, Any], entry: Followed) -> int | None:
    """How far the event moves `entry` in its line: -1, 0, +1, or None when it cannot tell."""
    if not entry.waiting or moved["service"] != entry.ticket["service"]:
        return 0
    if kind == CALLED:
        # only a first call takes a ticket out of the line: the head of its service, so
        # every other ticket waiting there was behind it
        return 0 if data.get("recall") else -1
    if kind == ISSUED:
        return 1 if _order(moved) < _order(entry.ticket) else 0  # a tie: the new one is later
    if kind == TRANSFERRED:
        ahead, mine = _order(moved), _order(entry.ticket)
        return None if ahead == mine else int(ahead < mine)
    return 0


class TicketFeed:
    def __init__(
        self,
        sites: Iterable[Site],
        read: Read,
        epoch: Callable[[], str],
        clock: Callable[[], datetime],
    ) -> None:
        self._sites = {site.id: _Site(site) for site in sites}
        self._read = read
        self._epoch = epoch
        self._clock = clock
        self._followed: dict[str, Followed] = {}
        self._due: dict[Followed, None] = {}  # to read again, in order
        self._reader: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._seen_epoch: str | None = None
        self._events = 0  # events of every site: a read during which it changed is taken again

    # -- estimates ------------------------------------------------------------------

    def seed(self, events: Iterable[Event]) -> None:
        """Earlier events (the store's recent history), so that estimates have a basis
        right after a restart."""
        for event in events:
            site = self._sites.get(event.site)
            if site is not None:
                site.observe(event)
                site.last_seq = max(site.last_seq, event.seq)

    def estimate(self, ticket: Ticket, position: int | None) -> Estimate | None:
        site = self._sites.get(ticket.site)
        if site is None or position is None or ticket.status is not Status.WAITING:
            return None
        return site.estimator.estimate(ticket.service, position, self._clock())

    # -- events ---------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        site = self._sites.get(event.site)
        if site is None:
            return
        broke = self._new_epoch() or bool(site.last_seq and event.seq != site.last_seq + 1)
        site.last_seq = event.seq
        self._events += 1
        site.observe(event)
        if not site.followed:
            return
        moved = event.data.get("ticket")
        if not isinstance(moved, dict):
            return
        now = asyncio.get_running_loop().time()
        own = site.followed.get(moved["id"])
        for entry in site.followed.values():
            if entry is own:
                continue
            if broke:
                self._read_again(entry)
                continue
            shift = _shift(event.type, event.data, moved, entry)
            if shift == 0 or entry.position is None:
                continue
            if shift is None or (not entry.settled and now - entry.read_at < SETTLE_S):
                entry.settled = True
                self._read_again(entry)
            else:
                entry.position = max(0, entry.position + shift)
        if own is not None:
            own.show(moved)
            own.position = None  # called, closed, or in another line at a place to read
            if event.type == TRANSFERRED:
                self._read_again(own)
        self._send_changes(site, event.ts, own, event.type)

    def _new_epoch(self) -> bool:
        epoch = self._epoch()
        changed = self._seen_epoch is not None and epoch != self._seen_epoch
        self._seen_epoch = epoch
        return changed

    def _send_changes(
        self, site: _Site, ts: datetime, own: Followed | None = None, kind: str = MOVED
    ) -> None:
        """Every waiting entry whose place or pace changed is estimated again and sent if
        its view changed; `own` (the event's ticket) is sent as the event's `kind`."""
        forecasts: dict[str, Forecast | None] = {}
        for entry in site.followed.values():
            if entry is own:
                entry.basis = None
                self._send(entry, kind, ts, self._estimate(site, entry, forecasts, ts))
            elif entry.waiting:
                forecast = self._forecast(site, entry, forecasts, ts)
                basis = (None if forecast is None else forecast.basis, entry.position)
                if basis == entry.basis:
                    continue  # the same place at the same pace: the same view
                entry.basis = basis
                self._send(entry, MOVED, ts, self._estimate(site, entry, forecasts, ts))

    def _forecast(
        self, site: _Site, entry: Followed, forecasts: dict[str, Forecast | None], ts: datetime
    ) -> Forecast | None:
        """The pace of the entry's service, made once per service and event."""
        service = entry.ticket["service"]
        if service not in forecasts:
            forecasts[service] = site.estimator.forecast(service, ts)
        return forecasts[service]

    def _estimate(
        self, site: _Site, entry: Followed, forecasts: dict[str, Forecast | None], ts: datetime
    ) -> Estimate | None:
        if not entry.waiting:
            return None
        forecast = self._forecast(site, entry, forecasts, ts)
        assert entry.position is not None
        return None if forecast is None else forecast.estimate(entry.position)

    def _send(self, entry: Followed, kind: str, ts: datetime, estimate: Estimate | None) -> None:
        view = (entry.ticket, entry.position, estimate)
        if kind == MOVED and view == entry.sent:
            return  # nothing this phone shows changed
        entry.sent = view
        entry.seq += 1
        message = _encode(kind, self._epoch(), entry.seq, ts, entry, estimate)
        for phone in tuple(entry.phones):
            phone.push((entry.seq, message))

    # -- following ------------------------------------------------------------------

    @asynccontextmanager
    async def follow(
        self, ticket_id: str, sink: Sink
    ) -> AsyncIterator[tuple[Subscription, Followed]]:
        """A phone follows a ticket: yields its subscription (paused: start it once the
        snapshot is sent) and the ticket's entry. NotFound for an unknown ticket."""
        entry = self._followed.get(ticket_id) or await self._first_read(ticket_id)
        phone = Subscription(sink, PHONE_BACKLOG)
        entry.phones.add(phone)
        self._start_ticker()
        try:
            yield phone, entry
        finally:
            phone.close()
            entry.phones.discard(phone)
            if not entry.phones:
                self._unfollow(entry)

    async def _first_read(self, ticket_id: str) -> Followed:
        ticket, position, settled = await self._settled_read(ticket_id)
        entry = self._followed.get(ticket_id)  # another phone may have been quicker
        if entry is None:
            entry = Followed(ticket, position, asyncio.get_running_loop().time())
            self._followed[entry.id] = entry
            if entry.site in self._sites:
                self._sites[entry.site].followed[entry.id] = entry
            if not settled:
                # the events that crossed the last read found no entry to move: the ticket
                # may have been called meanwhile, so read it again now that it is followed
                self._read_again(entry)
        return entry

    def _unfollow(self, entry: Followed) -> None:
        self._followed.pop(entry.id, None)
        self._due.pop(entry, None)
        site = self._sites.get(entry.site)
        if site is not None:
            site.followed.pop(entry.id, None)

    def snapshot(self, entry: Followed) -> tuple[int, str]:
        """(seq, the encoded snapshot) of what the entry's phones show now."""
        now = self._clock()
        estimate = None
        site = self._sites.get(entry.site)
        if site is not None and entry.waiting:
            assert entry.position is not None
            estimate = site.estimator.estimate(entry.ticket["service"], entry.position, now)
        if entry.sent is None:
            entry.sent = (entry.ticket, entry.position, estimate)
        return entry.seq, _encode(SNAPSHOT, self._epoch(), entry.seq, now, entry, estimate)

    # -- reading again ----------------------------------------------------------------

    async def _settled_read(self, ticket_id: str) -> tuple[Ticket, int | None, bool]:
        """The store's answer, taken again (a few times at most) while events came
        during the read: they may or may not be in it. False: events came during every
        try (a busy hall), so the answer may be older than they are."""
        for _ in range(READ_TRIES):
            before = self._events
            ticket, position = await self._read(ticket_id)
            await asyncio.sleep(0)  # events committed with the read are handed over first
            if self._events == before:
                return ticket, position, True
        return ticket, position, False

    def _read_again(self, entry: Followed) -> None:
        self._due[entry] = None
        if self._reader is None or self._reader.done():
            self._reader = asyncio.get_running_loop().create_task(self._read_due())

    async def _read_due(self) -> None:
        """One task for every entry to read again, site by site."""
        while self._due:
            entry = next(iter(self._due))
            del self._due[entry]
            if entry.id not in self._followed:
                continue
            before = self._events
            try:
                ticket, position = await self._read(entry.id)
            except Exception:  # the store is away, or forgot it: keep the view shown
                continue
            await asyncio.sleep(0)  # as in _settled_read
            if entry.id not in self._followed:
                continue
            if self._events != before:
                self._due[entry] = None  # events came meanwhile: read once more
                continue
            entry.show(ticket.to_json())
            entry.position = position
            entry.read_at = asyncio.get_running_loop().time()
            site = self._sites.get(entry.site)
            if site is not None:
                entry.basis = None
                now = self._clock()
                self._send(entry, MOVED, now, self._estimate(site, entry, {}, now))

    def _start_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        """Estimates age: every REFRESH_S, send the followed tickets whose range changed."""
        while self._followed:
            await asyncio.sleep(REFRESH_S)
            now = self._clock()
            for site in self._sites.values():
                if site.followed:
                    self._send_changes(site, now)

    def close(self) -> None:
        for task in (self._reader, self._ticker):
            if task is not None:
                task.cancel()


def _encode(
    kind: str, epoch: str, seq: int, ts: datetime, entry: Followed, estimate: Estimate | None
) -> str:
    """dumps(envelope(kind, epoch, seq, ts, view)) — the same text (a unit test pins it) —
    with the ticket encoded once per change, and the rest once per event, rather than all
    of it once per message."""
    position = "null" if entry.position is None else str(entry.position)
    wait = (
        "null"
        if estimate is None
        else f'{{"low_min":{estimate.low_min},"high_min":{estimate.high_min}}}'
    )
    return (
        f"{_head(kind, epoch)}{seq}{_when(ts)}{entry.ticket_json},"
        f'"position":{position},"estimate":{wait}}}}}'
    )


@functools.lru_cache(maxsize=32)
def _head(kind: str, epoch: str) -> str:
    return f'{{"v":{VERSION},"type":{dumps(kind)},"epoch":{dumps(epoch)},"seq":'


@functools.lru_cache(maxsize=8)
def _when(ts: datetime) -> str:
    return f',"ts":"{iso_ms(ts)}","data":{{"ticket":'
