"""In-process fan-out: every subscriber of a site gets every message, through its own
bounded queue. A subscriber that falls behind is dropped (its display resyncs on
reconnect) so that it never slows the others."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_LIMIT = 512

Message = tuple[int, str]  # (seq, the encoded message)


class Subscription:
    def __init__(self, limit: int) -> None:
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue(limit + 1)
        self._limit = limit
        self.dropped = False

    def push(self, message: Message) -> None:
        if self.dropped:
            return
        if self._queue.qsize() >= self._limit:
            self.dropped = True
            self._queue.put_nowait(None)  # wakes the reader, which then gives up
            return
        self._queue.put_nowait(message)

    async def next(self) -> Message | None:
        """The next message, or None once this subscriber has been dropped."""
        message = await self._queue.get()
        return None if self.dropped and message is None else message

    def pending(self) -> int:
        return self._queue.qsize()


class Hub:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._topics: dict[str, set[Subscription]] = {}

    @contextmanager
    def subscribe(self, topic: str) -> Iterator[Subscription]:
        subscription = Subscription(self._limit)
        subscribers = self._topics.setdefault(topic, set())
        subscribers.add(subscription)
        try:
            yield subscription
        finally:
            subscribers.discard(subscription)
            if not subscribers:
                self._topics.pop(topic, None)

    def publish(self, topic: str, message: Message) -> None:
        # a plain loop over a copy: no task per subscriber, no await, no one waits on a laggard
        for subscription in tuple(self._topics.get(topic, ())):
            subscription.push(message)

    def count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))
