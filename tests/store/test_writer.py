"""The batching writer: one commit for many jobs, each job alone in its savepoint."""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from loket.server.store.writer import KeepAndRaise, Writer


@pytest.fixture
async def writer(tmp_path: Path) -> AsyncIterator[Writer]:
    running = Writer()

    def connect() -> None:
        conn = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        running.conn = conn

    await running.submit_alone(connect)
    yield running
    running.stop()


def insert(writer: Writer, x: int) -> int:
    assert writer.conn is not None
    writer.conn.execute("INSERT INTO t (x) VALUES (?)", (x,))
    return x


def rows(writer: Writer) -> list[int]:
    assert writer.conn is not None
    return [r[0] for r in writer.conn.execute("SELECT x FROM t ORDER BY x")]


async def test_a_failing_job_is_undone_alone(writer: Writer) -> None:
    undone: list[int] = []

    def failing() -> None:
        insert(writer, 2)
        writer.if_rolled_back(lambda: undone.append(2))
        raise ValueError("refused")

    results = await asyncio.gather(
        writer.submit(lambda: insert(writer, 1)),
        writer.submit(failing),
        writer.submit(lambda: insert(writer, 3)),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == 3 and isinstance(results[1], ValueError)
    assert undone == [2]
    assert await writer.submit(lambda: rows(writer)) == [1, 3]


async def test_keep_and_raise_keeps_the_changes_and_refuses(writer: Writer) -> None:
    committed: list[str] = []

    def kept() -> None:
        insert(writer, 7)
        writer.after_commit(lambda: committed.append("seven"))
        raise KeepAndRaise(LookupError("nobody waits"))

    with pytest.raises(LookupError):
        await writer.submit(kept)
    assert committed == []  # the caller is answered first; the action follows at once
    await asyncio.sleep(0)
    assert committed == ["seven"]
    assert await writer.submit(lambda: rows(writer)) == [7]


async def test_a_failed_commit_undoes_the_whole_batch(writer: Writer) -> None:
    undone: list[int] = []

    def job(x: int) -> int:
        insert(writer, x)
        writer.if_rolled_back(lambda: undone.append(x))
        writer.after_commit(lambda: undone.append(-x))  # never runs
        return x

    def breaks_the_commit() -> None:
        assert writer.conn is not None
        # a deferred foreign-key violation fails only at COMMIT
        writer.conn.execute("PRAGMA defer_foreign_keys = ON")
        writer.conn.execute("CREATE TABLE IF NOT EXISTS p (id INTEGER PRIMARY KEY)")
        writer.conn.execute(
            "CREATE TABLE IF NOT EXISTS c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY "
            "DEFERRED)"
        )
        writer.conn.execute("INSERT INTO c (p) VALUES (99)")

    await writer.submit_alone(lambda: writer.conn.execute("PRAGMA foreign_keys = ON"))
    # the three must be one batch: the writer is held busy until all three are queued (on
    # a loaded machine it took the first alone, and the third made a batch of its own)
    gate = threading.Event()
    held = writer.submit_alone(lambda: gate.wait(10))
    queued = [
        writer.submit(lambda: job(1)),
        writer.submit(breaks_the_commit),
        writer.submit(lambda: job(2)),
    ]
    gate.set()
    await held
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert all(isinstance(r, sqlite3.Error) for r in results), results
    assert sorted(undone) == [1, 2]
    assert await writer.submit(lambda: rows(writer)) == []


async def test_many_jobs_share_commits(writer: Writer) -> None:
    commits = 0

    def trace(statement: str) -> None:
        nonlocal commits
        commits += statement == "COMMIT"

    await writer.submit_alone(lambda: writer.conn.set_trace_callback(trace))
    await asyncio.gather(*(writer.submit(lambda x=x: insert(writer, x)) for x in range(200)))
    assert len(await writer.submit(lambda: rows(writer))) == 200
    assert commits < 200  # jobs that waited together were committed together
