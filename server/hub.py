"""In-process fan-out: every subscriber of a site gets every message, in order.

A message goes straight to the subscriber's socket when the socket can take it at
once (no task switch per display, as `websockets.broadcast()` does); otherwise it
waits in the subscriber's bounded backlog, drained by a task of its own. A subscriber
whose backlog fills up is dropped — its display resyncs when it reconnects — so a
laggard never slows the others.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

DEFAULT_LIMIT = 512
RECENT = 1000  # messages kept per topic, so most resumes are answered from memory

Message = tuple[int, str]  # (seq, the encoded message)
CONTROL = sys.maxsize  # the seq a control message travels with in the hub (hub.tell)


class Sink(Protocol):
    def send_now(self, message: Message) -> asyncio.Future[None] | None:
        """Start sending; None when it is already written, else a future of the rest."""
        ...

    async def send(self, message: Message) -> None: ...

    def overflowed(self) -> None:
        """The backlog is full: close, so that the display reconnects and resyncs."""
        ...


class Subscription:
    """Starts paused: what comes before `start()` (while the snapshot is being sent)
    waits in the backlog."""

    def __init__(self, sink: Sink, limit: int) -> None:
        self._sink = sink
        self._limit = limit
        # made only when needed: thousands of idle displays should cost little
        self._backlog: deque[Message] | None = None
        self._in_flight: asyncio.Future[None] | None = None
        self._drainer: asyncio.Task[None] | None = None
        self._started = False
        self.dropped = False

    def start(self) -> None:
        self._started = True
        if self._backlog and self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    def push(self, message: Message) -> None:
        if self.dropped:
            return
        if (
            self._started
            and self._drainer is None
            and (self._in_flight is None or self._in_flight.done())
        ):
            self._in_flight = self._sink.send_now(message)
            return
        if self._backlog is None:
            self._backlog = deque()
        if len(self._backlog) >= self._limit:
            self.dropped = True
            self._backlog = None
            self._sink.overflowed()
            return
        self._backlog.append(message)
        if self._started and self._drainer is None:
            self._drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while True:
                if self._in_flight is not None:
                    await asyncio.wait([self._in_flight])
                    self._in_flight = None
                if not self._backlog:
                    self._backlog = None
                    return
                try:
                    await self._sink.send(self._backlog.popleft())
                except Exception:  # the peer is gone; the socket's reading side ends it
                    self.dropped = True
                    self._backlog = None
                    return
        finally:
            self._drainer = None

    def pending(self) -> int:
        return len(self._backlog or ())

    def resync(self) -> None:
        """What this subscriber was sent no longer continues: close, so that the
        display reconnects and starts from a snapshot."""
        if not self.dropped:
            self.close()
            self._sink.overflowed()

    def close(self) -> None:
        self.dropped = True
        self._backlog = None
        for running in (self._drainer, self._in_flight):
            if running is not None:
                running.cancel()


class Hub:
    def __init__(self, limit: int = DEFAULT_LIMIT, recent: int = RECENT) -> None:
        self._limit = limit
        self._topics: dict[str, set[Subscription]] = {}
        self._recent_size = recent
        self._recent: dict[str, deque[Message]] = {}

    @contextmanager
    def subscribe(self, topic: str, sink: Sink) -> Iterator[Subscription]:
        subscription = Subscription(sink, self._limit)
        subscribers = self._topics.setdefault(topic, set())
        subscribers.add(subscription)
        try:
            yield subscription
        finally:
            subscription.close()
            subscribers.discard(subscription)
            if not subscribers:
                self._topics.pop(topic, None)

    def publish(self, topic: str, message: Message) -> None:
        recent = self._recent.get(topic)
        if recent is None:
            recent = self._recent[topic] = deque(maxlen=self._recent_size)
        recent.append(message)
        # a plain loop over a copy: no task per subscriber, and no one waits on a laggard
        for subscription in tuple(self._topics.get(topic, ())):
            subscription.push(message)

    def reset(self, topic: str | None = None) -> None:
        """The history of `topic` (None: of every topic) broke off: forget it, and make
        its subscribers resync."""
        for name in [topic] if topic is not None else list(self._topics):
            self._recent.pop(name, None)
            for subscription in tuple(self._topics.get(name, ())):
                subscription.resync()
        if topic is None:
            self._recent.clear()

    def since(self, topic: str, seq: int) -> list[Message] | None:
        """The messages after `seq`, in order, if memory still reaches back that far."""
        recent = self._recent.get(topic)
        if not recent or recent[0][0] > seq + 1 or seq > recent[-1][0]:
            return None
        if seq == recent[-1][0]:
            return []
        start = seq + 1 - recent[0][0]  # messages are published with consecutive seqs
        return [recent[i] for i in range(start, len(recent))]

    # -- control messages (seq null), e.g. a site's new description ----------------------

    def tell(self, topic: str, wire: str) -> None:
        """A control message to every subscriber of `topic` now; not kept for replay (it is
        no event). Its seq is CONTROL, above any snapshot's, so no sink skips it."""
        for subscription in tuple(self._topics.get(topic, ())):
            subscription.push((CONTROL, wire))
