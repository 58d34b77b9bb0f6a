"""The speech jobs waiting for the speech process, and which one goes next.

Order: jobs for calls being made (or segments a display is waiting for) before speculative
ones; among those, the newest call first — under overload the hall hears its latest calls,
and older ones are the ones shed. A job past its deadline (its call is older than any TV
would still play) is dropped, and so is the lowest job when the backlog is full; whoever
awaits a dropped job gets the reason at once, never a hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loket.server.announce.speech_errors import SpeechBusy, SpeechLate, SpeechUnavailable

BACKLOG = 300  # segments: 100 calls in three languages, well over a second of work


@dataclass(slots=True)
class Job:
    key: str
    payload: dict[str, Any]  # what the speech process needs (server.announce.speaker)
    urgent: bool  # a call being made, or a display asking: before speculation
    moment: float  # when the call starts (s since the epoch): the newest goes first
    deadline: float  # s since the epoch: dropped after this
    future: asyncio.Future[bytes]

    def rank(self) -> tuple[bool, float]:
        return (self.urgent, self.moment)


def _retrieved(future: asyncio.Future[bytes]) -> None:
    """Nobody may be awaiting a dropped job (a speculative render): not worth a warning."""
    if not future.cancelled():
        future.exception()


class Backlog:
    def __init__(self, limit: int = BACKLOG, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.clock = clock
        self._jobs: dict[str, Job] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    def add(
        self, key: str, payload: dict[str, Any], urgent: bool, moment: float, deadline: float
    ) -> asyncio.Future[bytes]:
        """The future of the job for `key`; a job already waiting is raised to the stronger
        of both asks (urgent, newer, later deadline) instead of being queued twice."""
        job = self._jobs.get(key)
        if job is not None:
            job.urgent = job.urgent or urgent
            job.moment = max(job.moment, moment)
            job.deadline = max(job.deadline, deadline)
            return job.future
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_retrieved)
        self._jobs[key] = Job(key, payload, urgent, moment, deadline, future)
        self.shed()
        while len(self._jobs) > self.limit:
            lowest = min(self._jobs.values(), key=Job.rank)
            self._drop(lowest, SpeechBusy("too many announcements waiting for speech"))
        return future

    def take(self) -> Job | None:
        """The job to render next (removed from the backlog), or None when there is none."""
        self.shed()
        if not self._jobs:
            return None
        job = max(self._jobs.values(), key=Job.rank)
        del self._jobs[job.key]
        return job

    def shed(self) -> None:
        """Drops every job past its deadline."""
        now = self.clock()
        for job in [job for job in self._jobs.values() if job.deadline < now]:
            self._drop(job, SpeechLate("the call is older than a display would still play"))

    def fail_all(self, error: SpeechUnavailable) -> None:
        for job in list(self._jobs.values()):
            self._drop(job, error)

    def _drop(self, job: Job, error: SpeechUnavailable) -> None:
        del self._jobs[job.key]
        if not job.future.done():
            job.future.set_exception(error)
