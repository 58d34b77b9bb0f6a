"""One thread owns the SQLite write connection; async callers await its answers.

Running a whole command (reads, state change, event, seq) on this thread as one
transaction keeps the event loop free while SQLite waits on fsync.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_STOP = object()


class Writer:
    def __init__(self, name: str = "loket-writer") -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Run `job` on the writer thread; the future resolves on the caller's loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((job, loop, future))
        return future

    def call(self, job: Callable[[], T]) -> T:
        """Run `job` on the writer thread and wait for it, from a plain thread."""
        done = threading.Event()
        box: list[Any] = []

        def wrapped() -> None:
            try:
                box.append((True, job()))
            except BaseException as error:  # handed back to the caller
                box.append((False, error))
            done.set()

        self._jobs.put((wrapped, None, None))
        done.wait()
        ok, value = box[0]
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def stop(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            job, loop, future = item
            if future is None:
                job()
                continue
            try:
                result = job()
            except BaseException as error:  # handed back to the awaiting coroutine
                loop.call_soon_threadsafe(_settle, future, None, error)
            else:
                loop.call_soon_threadsafe(_settle, future, result, None)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the caller gave up waiting; the work itself is committed
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
