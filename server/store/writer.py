"""One thread owns the SQLite write connection; async callers await its answers.

Jobs that change data run in batches: every job waiting when the thread is free runs
in one transaction, each inside its own savepoint, and one COMMIT (one fsync) makes the
whole batch durable. No caller hears of its job before that commit, so batching changes
throughput, not durability. The event loop never waits on fsync.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

BATCH_LIMIT = 64
_STOP = object()


class KeepAndRaise(Exception):
    """Raised by a job whose changes are kept although its caller is refused."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(slots=True)
class _Job:
    run: Callable[[], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    in_transaction: bool
    outcome: tuple[bool, Any] = (False, None)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    if_rolled_back: list[Callable[[], None]] = field(default_factory=list)


class Writer:
    def __init__(self, name: str = "loket-writer", batch_limit: int = BATCH_LIMIT) -> None:
        self.conn: sqlite3.Connection | None = None  # set by the first job, on this thread
        self._batch_limit = batch_limit
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._current: _Job | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Run `job` inside a transaction (batched with others); resolve after the commit."""
        return self._put(job, in_transaction=True)

    def submit_alone(self, job: Callable[[], T]) -> asyncio.Future[T]:
        """Run `job` by itself, outside any transaction (opening, migrating, closing)."""
        return self._put(job, in_transaction=False)

    def _put(self, job: Callable[[], T], in_transaction: bool) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(job, loop, future, in_transaction))
        return future

    # -- for jobs, on the writer thread -----------------------------------------

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` on the event loop once the current job's changes are committed,
        after its caller has its answer (so a reply does not wait for a fan-out)."""
        assert self._current is not None
        self._current.after_commit.append(action)

    def if_rolled_back(self, action: Callable[[], None]) -> None:
        """Run `action` if the current job's changes are rolled back instead."""
        assert self._current is not None
        self._current.if_rolled_back.append(action)

    def stop(self) -> None:
        self._jobs.put(_STOP)
        self._thread.join()

    # -- the thread -------------------------------------------------------------

    def _run(self) -> None:
        carried: Any = None
        while True:
            item = carried if carried is not None else self._jobs.get()
            carried = None
            if item is _STOP:
                return
            if not item.in_transaction:
                self._run_alone(item)
                continue
            batch = [item]
            while len(batch) < self._batch_limit:
                try:
                    following = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if following is _STOP or not following.in_transaction:
                    carried = following
                    break
                batch.append(following)
            self._run_batch(batch)

    def _run_alone(self, job: _Job) -> None:
        self._current = job
        try:
            job.outcome = (True, job.run())
        except BaseException as error:  # handed back to the caller
            job.outcome = (False, error)
        self._current = None
        _settle([job])

    def _run_batch(self, batch: list[_Job]) -> None:
        conn = self.conn
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                self._run_in_savepoint(conn, job)
            conn.execute("COMMIT")
        except sqlite3.Error as failure:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in batch:
                job.after_commit.clear()
                _run_all(job.if_rolled_back)
                job.outcome = (False, failure)
        _settle(batch)

    def _run_in_savepoint(self, conn: sqlite3.Connection, job: _Job) -> None:
        conn.execute("SAVEPOINT job")
        self._current = job
        try:
            job.outcome = (True, job.run())
        except KeepAndRaise as kept:
            job.outcome = (False, kept.error)
        except BaseException as error:  # handed back to the caller
            job.outcome = (False, error)
            conn.execute("ROLLBACK TO job")
            job.after_commit.clear()
            _run_all(job.if_rolled_back)
        finally:
            self._current = None
        conn.execute("RELEASE job")


def _run_all(actions: list[Callable[[], None]]) -> None:
    for action in actions:
        action()
    actions.clear()


def _settle(jobs: list[_Job]) -> None:
    """Hand the answers over to each job's event loop: one hop per loop and batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
    for job in jobs:
        by_loop.setdefault(job.loop, []).append(job)
    for loop, answered in by_loop.items():
        loop.call_soon_threadsafe(_answer, loop, answered)


def _answer(loop: asyncio.AbstractEventLoop, jobs: list[_Job]) -> None:
    """On the loop: answer every caller, then (in commit order) the after-commit actions."""
    for job in jobs:
        ok, value = job.outcome
        if job.future.done():  # the caller gave up waiting; the work itself is committed
            continue
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
    actions = [action for job in jobs for action in job.after_commit]
    if actions:
        loop.call_soon(_run_all, actions)  # after the callers' tasks have run their step
