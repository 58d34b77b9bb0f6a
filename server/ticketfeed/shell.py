"""The ticket feed's I/O: it reads the store, pushes to the phones' subscriptions and
keeps the timers, as the core (core.py) answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import datetime

from loket.server.domain.estimate import Estimate
from loket.server.domain.site import Site
from loket.server.domain.ticket import Ticket
from loket.server.hub import Message, Sink, Subscription
from loket.server.protocol import Event
from loket.server.ticketfeed.core import FeedCore, FirstRead, Send
from loket.server.ticketfeed.entry import Followed

REFRESH_S = 30.0  # estimates also change with time alone (a counter going quiet)
PHONE_BACKLOG = 16  # messages a slow phone may owe before it is closed and resyncs

Read = Callable[[str], Awaitable[tuple[Ticket, int | None]]]


class TicketFeed:
    def __init__(
        self,
        sites: Iterable[Site],
        read: Read,
        epoch: Callable[[], str],
        clock: Callable[[], datetime],
    ) -> None:
        self._core: FeedCore[Subscription] = FeedCore(sites)
        self._read = read
        self._epoch = epoch
        self._clock = clock
        self._reader: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None

    def seed(self, events: Iterable[Event]) -> None:
        self._core.seed(events)

    def estimate(self, ticket: Ticket, position: int | None) -> Estimate | None:
        return self._core.estimate(ticket, position, self._clock())

    def publish(self, event: Event) -> None:
        self._send(self._core.publish(event, self._epoch(), time.monotonic()))

    @asynccontextmanager
    async def follow(
        self, ticket_id: str, sink: Sink
    ) -> AsyncIterator[tuple[Subscription, Followed[Subscription]]]:
        """A phone follows a ticket: yields its subscription (paused: start it once the
        snapshot is sent) and the ticket's entry. NotFound for an unknown ticket."""
        phone = Subscription(sink, PHONE_BACKLOG)
        step = self._core.follow(ticket_id, phone)
        while isinstance(step, FirstRead):
            ticket, position = await self._read(step.ticket_id)
            await asyncio.sleep(0)  # events committed with the read are handed over first
            step = self._core.answer_first(step, ticket, position, phone, time.monotonic())
        self._start_reader()
        self._start_ticker()
        try:
            yield phone, step
        finally:
            phone.close()
            self._core.unfollow(step, phone)

    def snapshot(self, entry: Followed[Subscription]) -> Message:
        """(seq, the encoded snapshot) of what the entry's phones show now."""
        return self._core.snapshot(entry, self._epoch(), self._clock())

    def close(self) -> None:
        for task in (self._reader, self._ticker):
            if task is not None:
                task.cancel()

    def _send(self, sends: list[Send[Subscription]]) -> None:
        for send in sends:
            for phone in send.phones:
                phone.push(send.message)
        self._start_reader()

    def _start_reader(self) -> None:
        if self._core.reads_due and (self._reader is None or self._reader.done()):
            self._reader = asyncio.get_running_loop().create_task(self._read_due())

    async def _read_due(self) -> None:
        """One task for every entry to read again, one read at a time."""
        while (read := self._core.next_read()) is not None:
            try:
                ticket, position = await self._read(read.ticket_id)
            except Exception:  # the store is away, or forgot it: keep the view shown
                continue
            await asyncio.sleep(0)  # as in follow
            now = self._clock()
            answer = self._core.answer(read, ticket, position, self._epoch(), time.monotonic(), now)
            self._send(answer)

    def _start_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        """Estimates age: every REFRESH_S, send the followed tickets whose range changed."""
        while self._core.following:
            await asyncio.sleep(REFRESH_S)
            self._send(self._core.refresh(self._epoch(), self._clock()))

    # -- a reloaded site file (server/hall.py) ------------------------------------------

    def take_sites(self, sites: Iterable[Site]) -> None:
        self._core.take_sites(sites)

    def tell_site(self, site_id: str, wire: str) -> None:
        """A control message (seq null) to every phone following a ticket of the site."""
        for phone in self._core.phones_of(site_id):
            phone.push((0, wire))
