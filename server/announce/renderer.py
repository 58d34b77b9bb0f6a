"""Feeds the speech process one job at a time, the best one at that moment (backlog.py),
and hands each job's WAV to whoever awaits it.

The order is decided when the speech process is free, not when a job arrives: a call made
a moment ago overtakes everything still waiting. A job whose speech process dies fails with
SpeechUnavailable (the next job starts a new process after a short pause), so nobody waits
forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from loket.server.announce.backlog import BACKLOG, Backlog, Job
from loket.server.announce.speaker_link import SpeakerGone, SpeakerLink
from loket.server.announce.speech_errors import SpeechUnavailable

log = logging.getLogger("loket")

RESTART_PAUSE = 0.5  # s after a speech process died: a crash loop must not eat the CPU


class Renderer:
    def __init__(
        self,
        link: SpeakerLink,
        read: Callable[[str], bytes | None],
        limit: int = BACKLOG,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.link = link
        self.read = read  # the rendered file, from the disk cache (a worker thread runs it)
        self.backlog = Backlog(limit, clock)
        self._current: tuple[str, asyncio.Future[bytes]] | None = None
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self.rendered = 0  # segments rendered, and failed: for /metrics
        self.failed = 0

    def submit(
        self, key: str, payload: dict[str, Any], urgent: bool, moment: float, deadline: float
    ) -> asyncio.Future[bytes]:
        """The WAV of `key` once rendered; see Backlog.add for the arguments."""
        if self._current is not None and self._current[0] == key:
            return self._current[1]
        future = self.backlog.add(key, payload, urgent, moment, deadline)
        if self._closed:  # a call published while the server stops: no new speech process
            self.backlog.fail_all(SpeechUnavailable("the server is stopping"))
            return future
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="loket-speech")
        return future

    async def close(self) -> None:
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        self.backlog.fail_all(SpeechUnavailable("the server is stopping"))
        await self.link.close()

    async def _run(self) -> None:
        while True:
            job = self.backlog.take()
            if job is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._current = (job.key, job.future)
            try:
                await self._render(job)
            finally:
                self._current = None

    async def _render(self, job: Job) -> None:
        try:
            error = await self.link.render(job.payload)
            if error is not None:
                raise SpeechUnavailable(error)
            data = await asyncio.get_running_loop().run_in_executor(None, self.read, job.key)
            if data is None:
                raise SpeechUnavailable("the rendered file is gone from the disk cache")
        except SpeakerGone as gone:
            log.error("speech for %s failed: %s; starting a new speech process", job.key, gone)
            self._settle(job, error=SpeechUnavailable(str(gone)))
            await asyncio.sleep(RESTART_PAUSE)
        except SpeechUnavailable as failed:
            log.error("speech for %s failed: %s", job.key, failed)
            self._settle(job, error=failed)
        except Exception as error:  # a bug must fail this job, not stop all speech
            log.exception("speech for %s failed", job.key)
            self._settle(job, error=SpeechUnavailable(repr(error)))
        except BaseException:
            self._settle(job, error=SpeechUnavailable("the server is stopping"))
            raise
        else:
            self._settle(job, data=data)

    def _settle(
        self, job: Job, data: bytes | None = None, error: SpeechUnavailable | None = None
    ) -> None:
        if error is not None:
            self.failed += 1
        else:
            self.rendered += 1
        if job.future.done():
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            assert data is not None
            job.future.set_result(data)
