"""What-if prototypes of the fixes proposed in bench/README.md, to measure them.

NOT part of Loket and never loaded by default. Python imports `sitecustomize` at start-up
from sys.path, so a benchmark can load this into the `loket serve` subprocess with

    --server-env PYTHONPATH=bench/whatif --server-env BENCH_WHATIF=batch,session,words

and it monkeypatches the server in that process only. Each switch is a sketch of one fix,
good enough to measure the happy path the benchmarks drive, not production code:

  batch    group commit: the writer thread drains every job waiting in its queue and runs
           them in ONE transaction (a SAVEPOINT per command, so a refused command rolls
           back alone), one COMMIT/fsync for the lot, then hands all events and answers
           to the loop in one call_soon_threadsafe.
  session  staff sessions cached in memory (5 s) instead of a writer-thread read per
           request.
  words    num2words results cached (lru_cache) — they are pure.
  direct   fan-out without a task wake-up per display: the hub drives each display's ASGI
           send coroutine to completion synchronously (it finishes in one step whenever
           the transport is not paused, which is the websockets.broadcast() shape); only a
           display that is mid-send or paused goes through its queue and task as today.
  gclog    log every garbage collection slower than 1 ms to $BENCH_GCLOG (a file).
  uvloop   asyncio.run() on uvloop's event loop (cli.py calls asyncio.run itself, so
           uvicorn's loop="auto" never gets to choose uvloop). Needs uvloop importable,
           e.g. `pip install --target DIR uvloop httptools` and that DIR on PYTHONPATH
           (httptools alone is picked up by uvicorn's http="auto" without any patch).
  freeze   gc.collect() then gc.freeze() once uvicorn has started: the ~100k objects of the
           imported modules leave the collector's view, so a full collection only walks
           what the running server allocated since.
  gctune   gc.set_threshold($BENCH_GC_THRESHOLD, default "50000,20,10"): a young
           generation big enough that one fan-out's short-lived objects die young instead
           of being promoted and piling up into full (gen2) collections.
"""

from __future__ import annotations

import os

_SWITCHES = {s.strip() for s in os.environ.get("BENCH_WHATIF", "").split(",") if s.strip()}


def _patch_words() -> None:
    import functools

    from server.announce import announcer, words

    announcer.ticket_words = functools.lru_cache(maxsize=8192)(words.ticket_words)  # type: ignore[assignment]
    announcer.counter_words = functools.lru_cache(maxsize=1024)(words.counter_words)  # type: ignore[assignment]


def _patch_session() -> None:
    import time

    from server import service

    original = service.LoketService.session
    original_logout = service.LoketService.logout
    cache: dict[str, tuple[object, float]] = {}

    async def session(self, token):  # type: ignore[no-untyped-def]
        now = time.monotonic()
        hit = cache.get(token)
        if hit is not None and hit[1] > now:
            return hit[0]
        found = await original(self, token)
        if found is not None:
            cache[token] = (found, now + 5.0)
        return found

    async def logout(self, token):  # type: ignore[no-untyped-def]
        cache.pop(token, None)
        await original_logout(self, token)

    service.LoketService.session = session  # type: ignore[method-assign]
    service.LoketService.logout = logout  # type: ignore[method-assign]


def _patch_batch() -> None:
    import json
    import queue

    from server.domain.commands import Outcome
    from server.domain.errors import DomainError
    from server.protocol import dumps
    from server.store import sqlite, writer
    from server.store.base import Result

    class Batch:
        active = False
        closing = False
        store: sqlite.SqliteStore | None = None
        deliveries: list = []

    original_open = sqlite.SqliteStore._open
    original_close = sqlite.SqliteStore.close
    original_command = sqlite.SqliteStore._command

    def _open(self, sites):  # type: ignore[no-untyped-def]
        original_open(self, sites)
        Batch.store = self

    async def close(self):  # type: ignore[no-untyped-def]
        Batch.closing = True
        await original_close(self)

    def _command(self, site_id, move, now, announce=None, idempotency=None):  # type: ignore[no-untyped-def]
        if not Batch.active:
            return original_command(self, site_id, move, now, announce, idempotency)
        queue_ = self._queue(site_id)
        conn = self._db
        conn.execute("SAVEPOINT command")
        try:
            if idempotency is not None:
                row = conn.execute(
                    "SELECT body FROM idempotency WHERE username = ? AND key = ?", idempotency
                ).fetchone()
                if row is not None:
                    conn.execute("RELEASE command")
                    return sqlite._replay(json.loads(row[0]))
            try:
                outcome = move(queue_)
            except DomainError as refusal:
                if idempotency is None:
                    raise
                outcome = Outcome(error=refusal)
            events = self._write(conn, queue_, outcome, now, announce)
            result = (
                None
                if not outcome.changes
                else Result(
                    outcome.ticket.to_json(), events[-1].seq, queue_.position(outcome.ticket)
                )
            )
            if idempotency is not None:
                conn.execute(
                    "INSERT INTO idempotency (username, key, body, created_at) VALUES (?, ?, ?, ?)",
                    (*idempotency, dumps(sqlite._answer(result, outcome.error)), now.isoformat()),
                )
            conn.execute("RELEASE command")
        except BaseException:
            conn.execute("ROLLBACK TO command")
            conn.execute("RELEASE command")
            self._queues[site_id] = self._load(queue_.site)
            raise
        queue_.seq += len(events)
        if events:
            self._snapshots.pop(site_id, None)
            Batch.deliveries.append((self, events))
        if outcome.error is not None:
            raise outcome.error
        return result

    def _finish(store, deliveries, settles):  # type: ignore[no-untyped-def]
        for owner, events in deliveries:  # events first, as the original does
            sqlite._deliver(owner._publish, events)
        for future, value, error in settles:
            writer._settle(future, value, error)

    def _run(self):  # type: ignore[no-untyped-def]
        while True:
            batch = [self._jobs.get()]
            while len(batch) < 64:
                try:
                    batch.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is writer._STOP for item in batch)
            jobs = [item for item in batch if item is not writer._STOP]
            store = Batch.store
            if store is None or store._conn is None or Batch.closing or len(jobs) < 2:
                for job, loop, future in jobs:  # as the original
                    if future is None:
                        job()
                        continue
                    try:
                        value = job()
                    except BaseException as error:
                        loop.call_soon_threadsafe(writer._settle, future, None, error)
                    else:
                        loop.call_soon_threadsafe(writer._settle, future, value, None)
            else:
                conn = store._conn
                conn.execute("BEGIN IMMEDIATE")
                Batch.active = True
                outcomes = []
                for job, _loop, _future in jobs:
                    try:
                        outcomes.append((job(), None))
                    except BaseException as error:
                        outcomes.append((None, error))
                Batch.active = False
                deliveries, Batch.deliveries = Batch.deliveries, []
                try:
                    conn.execute("COMMIT")
                except BaseException as error:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    for site in list(store._queues):
                        store._queues[site] = store._load(store._queues[site].site)
                    outcomes = [(None, error)] * len(jobs)
                    deliveries = []
                settles = [
                    (future, value, error)
                    for (_job, _loop, future), (value, error) in zip(jobs, outcomes, strict=True)
                    if future is not None
                ]
                loops = [lp for _j, lp, _f in jobs if lp is not None]
                if loops:
                    loops[0].call_soon_threadsafe(_finish, store, deliveries, settles)
            if stop:
                return

    sqlite.SqliteStore._open = _open  # type: ignore[method-assign]
    sqlite.SqliteStore.close = close  # type: ignore[method-assign]
    sqlite.SqliteStore._command = _command  # type: ignore[method-assign]
    writer.Writer._run = _run  # type: ignore[method-assign]


def _patch_direct() -> None:
    from server import hub
    from server.web import sockets

    original_push = hub.Subscription.push

    def push(self, message):  # type: ignore[no-untyped-def]
        direct = getattr(self, "direct", None)
        if (
            direct is not None
            and not self.dropped
            and self._queue.qsize() == 0
            and getattr(self, "busy", 0) == 0
            and direct(message)
        ):
            return
        original_push(self, message)

    def sender(connection):  # type: ignore[no-untyped-def]
        send = connection.ws._send  # the ASGI send, under Starlette's wrappers
        subscription = connection.subscription

        def direct(message):  # type: ignore[no-untyped-def]
            seq, wire = message
            if seq <= connection.snapshot_seq:
                return True
            coroutine = send({"type": "websocket.send", "text": wire})
            try:
                waiting = coroutine.send(None)
            except StopIteration:
                return True  # written to the transport in one step
            except BaseException:  # gone; the listen task will see it
                return True
            subscription.busy = getattr(subscription, "busy", 0) + 1

            def step(_future=None):  # type: ignore[no-untyped-def]
                try:
                    following = coroutine.send(None)
                except BaseException:  # StopIteration or gone
                    subscription.busy -= 1
                    return
                following.add_done_callback(step)

            waiting.add_done_callback(step)
            return True

        return direct

    original_snapshot = sockets.DisplayConnection.send_snapshot

    async def send_snapshot(self):  # type: ignore[no-untyped-def]
        await original_snapshot(self)
        if getattr(self.subscription, "direct", None) is None:
            self.subscription.direct = sender(self)

    async def forward(self):  # type: ignore[no-untyped-def]
        while True:
            message = await self.subscription.next()
            if message is None:
                await self.ws.close(sockets.CLOSE_TOO_SLOW, "too slow: reconnect and resync")
                return
            seq, wire = message
            if seq > self.snapshot_seq:
                self.subscription.busy = getattr(self.subscription, "busy", 0) + 1
                try:
                    await self.ws.send_text(wire)
                finally:
                    self.subscription.busy -= 1

    hub.Subscription.push = push  # type: ignore[method-assign]
    sockets.DisplayConnection.send_snapshot = send_snapshot  # type: ignore[method-assign]
    sockets.DisplayConnection.forward = forward  # type: ignore[method-assign]


def _patch_gclog() -> None:
    import gc
    import time

    path = os.environ.get("BENCH_GCLOG", "/tmp/loket-gc.log")
    started: dict[str, float] = {}

    def callback(phase, info):  # type: ignore[no-untyped-def]
        if phase == "start":
            started["t"] = time.perf_counter()
            return
        took = (time.perf_counter() - started.get("t", time.perf_counter())) * 1000
        if took > 1.0:
            with open(path, "a") as log:
                log.write(
                    f"{time.monotonic():.3f} gen{info['generation']} {took:.1f} ms "
                    f"collected={info['collected']}\n"
                )

    gc.callbacks.append(callback)


def _patch_gctune() -> None:
    import gc

    gc.set_threshold(
        *(int(x) for x in os.environ.get("BENCH_GC_THRESHOLD", "50000,20,10").split(","))
    )


def _patch_uvloop() -> None:
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _patch_freeze() -> None:
    import gc

    import uvicorn

    original = uvicorn.Server.startup

    async def startup(self, sockets=None):  # type: ignore[no-untyped-def]
        await original(self, sockets)
        gc.collect()
        gc.freeze()

    uvicorn.Server.startup = startup  # type: ignore[method-assign]


_PATCHES = {
    "freeze": _patch_freeze,
    "uvloop": _patch_uvloop,
    "gctune": _patch_gctune,
    "words": _patch_words,
    "session": _patch_session,
    "batch": _patch_batch,
    "direct": _patch_direct,
    "gclog": _patch_gclog,
}

for _name in sorted(_SWITCHES):
    if _name not in _PATCHES:
        raise SystemExit(f"BENCH_WHATIF: unknown switch {_name!r}")
    _PATCHES[_name]()
