"""The processes reports are counted in: spawned on the first report, at a lower priority,
two at a time. A report of a year makes hundreds of thousands of objects; in the server's
process that would stop its event loop (calls, displays) for seconds while they are made
and collected. Only the result comes back.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from loket.server.store.base import StoreUnavailable

T = TypeVar("T")
AT_ONCE = 2
NICENESS = 10  # a report yields the CPU to the server (calls come first)


def lower_priority() -> None:
    os.nice(NICENESS)


class ReportProcesses:
    def __init__(self, at_once: int = AT_ONCE) -> None:
        self._at_once = at_once
        self._turns = asyncio.Semaphore(at_once)  # more wait their turn
        self._pool: ProcessPoolExecutor | None = None

    async def run(self, job: Callable[[], T]) -> T:
        """`job`'s result (it and its result are pickled); StoreUnavailable if the
        process died."""
        async with self._turns:
            if self._pool is None:
                spawn = multiprocessing.get_context("spawn")  # not a fork of threads
                self._pool = ProcessPoolExecutor(
                    self._at_once, mp_context=spawn, initializer=lower_priority
                )
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, job)
            except BrokenProcessPool as error:
                self._pool = None  # a new one next time
                raise StoreUnavailable("the report's process died") from error

    async def close(self) -> None:
        """The processes end (a report asked later starts them again)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, cancel_futures=True)
