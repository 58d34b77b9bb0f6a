"""A test display: the page's socket module (static/js/socket.js) in Python, with bookkeeping.

It connects to /ws/display/{site}, applies the snapshot and then the events in seq order,
drops duplicates, reconnects with a short jittered backoff after any close, error or
silence (a dead link), and after each new connection's snapshot asks to `resume` from the
last seq up to which it has seen every event. The server then replays what was missed
(`"replayed": true`, seqs up to the snapshot's): those events are already part of the
snapshot, so they are not applied again, only recorded — every `ticket.called` the
display saw, live or replayed, goes into `calls_seen`, once per seq.

`problems` lists whatever breaks the contract as seen from here: a gap or a repeated seq
on one connection, a resume answered with a fresh snapshot in the same epoch (history
lost: calls missed for good), another epoch, a seq going back, a call seq that names two
different calls. A test asserts it stays empty.

The client runs on its own event loop in a thread of its own, so synchronous tests can
use it; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

RECENT_CALLS = 10  # as the server keeps (server/domain/queue.py)


@dataclass(frozen=True)
class Receipt:
    """One event or snapshot as it arrived."""

    connection: int
    seq: int
    type: str
    replayed: bool


def view(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot message (from the socket or GET .../state) in the shape of `state()`."""
    return _State.of(snapshot).view()


def full_view(snapshot: dict[str, Any]) -> dict[str, Any]:
    """`view` plus the whole tickets being served and the recent calls."""
    state = _State.of(snapshot)
    return {**state.view(), "serving": state.serving, "recent": state.recent}


@dataclass
class _State:
    epoch: str | None = None
    seq: int = -1  # the last seq applied
    serving: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)
    recent: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)  # CONTRACT 6.2

    @classmethod
    def of(cls, snapshot: dict[str, Any]) -> _State:
        state = cls()
        state.reset(snapshot)
        return state

    def reset(self, snapshot: dict[str, Any]) -> None:
        data = snapshot["data"]
        self.epoch = snapshot["epoch"]
        self.seq = snapshot["seq"]
        self.serving = {e["counter"]: e["ticket"] for e in data["now_serving"]}
        self.waiting = dict(data["waiting"])
        self.recent = [
            {"ticket": c["ticket"], "counter": c["counter"], "recall": c["recall"]}
            for c in data["recent"]
        ]
        self.counters = {c["counter"]: c for c in data.get("counters", [])}

    def view(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "seq": self.seq,
            "now_serving": {c: t["ref"] for c, t in self.serving.items()},
            "waiting": dict(self.waiting),
            "counters": {c: (s["status"], s["since"]) for c, s in self.counters.items()},
        }

    def apply(self, event: dict[str, Any]) -> None:
        data = event["data"]
        if event["type"].startswith("counter."):  # a counter opened, paused or closed
            self.counters[data["counter"]["counter"]] = data["counter"]
            self.seq = event["seq"]
            return
        ticket = data["ticket"]
        counter = data.get("counter")
        if "waiting" in data:
            self.waiting = dict(data["waiting"])
        if event["type"] == "ticket.called":
            self.serving[counter] = ticket
            self.recent = [c for c in self.recent if c["ticket"]["ref"] != ticket["ref"]]
            self.recent.insert(0, {"ticket": ticket, "counter": counter, "recall": data["recall"]})
            del self.recent[RECENT_CALLS:]
        elif event["type"] != "ticket.issued":
            if counter is not None and self.serving.get(counter, {}).get("ref") == ticket["ref"]:
                del self.serving[counter]
            for call in self.recent:  # a recent call shows its ticket as it is now
                if call["ticket"]["ref"] == ticket["ref"]:
                    call["ticket"] = ticket
        self.seq = event["seq"]


class DisplayClient:
    def __init__(
        self,
        ws_base: str,
        site: str = "demo",
        name: str = "display",
        silence: float = 3.0,
        ping_every: float = 1.0,
        backoff: tuple[float, float] = (0.05, 0.5),
        seed: int | None = None,
    ) -> None:
        self.url = f"{ws_base}/ws/display/{site}"
        self.name = name
        self.silence = silence
        self.ping_every = ping_every
        self.backoff = backoff
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._state = _State()
        self.base_seq: int | None = None  # the first snapshot's seq: calls after it count
        self.complete_to = -1  # every event up to here has been seen (or was before base)
        self._seen: set[int] = set()  # event seqs seen in this epoch above complete_to
        self.calls_seen: dict[int, tuple[str, int]] = {}
        self.receipts: list[Receipt] = []
        self.problems: list[str] = []
        self.connections = 0  # connections that got their snapshot
        self.attempts = 0
        self.dead_links = 0  # silences that ended a connection
        self._stopped = False
        self._ws: ClientConnection | None = None
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._main, name=f"display-{name}", daemon=True)

    # -- life ---------------------------------------------------------------------

    def start(self) -> DisplayClient:
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._loop.call_soon_threadsafe(self._stop)
        self._thread.join(5)

    def _stop(self) -> None:
        self._stopped = True
        if self._task is not None:
            self._task.cancel()

    def __enter__(self) -> DisplayClient:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(self._run())
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._task)
        self._loop.close()

    def drop(self) -> None:
        """Abort the current connection from this side (the display then reconnects)."""
        self._loop.call_soon_threadsafe(self._abort)

    def _abort(self) -> None:
        if self._ws is not None:
            self._ws.transport.abort()

    # -- what a test reads ----------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What the board shows, in the shape of `view()`."""
        with self._lock:
            return self._state.view()

    def full_state(self) -> dict[str, Any]:
        """`state()` plus (copies of) the tickets being served and the recent calls, as
        `full_view()`."""
        with self._lock:
            s = self._state
            return {
                **s.view(),
                "serving": json.loads(json.dumps(s.serving)),
                "recent": json.loads(json.dumps(s.recent)),
            }

    def calls(self) -> dict[int, tuple[str, int]]:
        with self._lock:
            return dict(self.calls_seen)

    def caught_up(self, seq: int) -> bool:
        """Applied everything up to `seq` and has seen every event up to it."""
        with self._lock:
            return self._state.seq == seq and self.complete_to == seq

    def raw_call_receipts(self) -> dict[int, int]:
        """seq → how many times a ticket.called with it arrived, across all connections."""
        with self._lock:
            counts: dict[int, int] = {}
            for r in self.receipts:
                if r.type == "ticket.called":
                    counts[r.seq] = counts.get(r.seq, 0) + 1
            return counts

    # -- the connection loop -----------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        for number in itertools.count(1):
            if self._stopped:
                return
            self.attempts += 1
            healthy = await self._connection(number)
            failures = 0 if healthy else failures + 1
            low, high = self.backoff
            ceiling = min(high, low * 2**failures)
            await asyncio.sleep(low / 2 + self._random.random() * ceiling)

    async def _connection(self, number: int) -> bool:
        """One connection, until it ends; True when it got as far as its snapshot."""
        connection = _Connection(number)
        try:
            async with connect(
                self.url,
                compression=None,
                open_timeout=self.silence,
                close_timeout=0.2,
                ping_interval=None,  # JSON pings and a silence limit, as the page does
                max_queue=None,
            ) as ws:
                self._ws = ws
                pinger = asyncio.ensure_future(self._ping(ws))
                try:
                    await self._listen(ws, connection)
                finally:
                    pinger.cancel()
                    self._ws = None
        except (OSError, TimeoutError, WebSocketException, EOFError, _Restart):
            pass
        except Exception as error:  # a bug here: say so, and keep the display running
            with self._lock:
                self.problems.append(f"{self.name}: {error!r}")
        return connection.snapshots > 0

    async def _ping(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            while True:
                await ws.send(json.dumps({"type": "ping", "t": int(time.time() * 1000)}))
                await asyncio.sleep(self.ping_every)

    async def _listen(self, ws: ClientConnection, connection: _Connection) -> None:
        while True:
            try:
                text = await asyncio.wait_for(ws.recv(), self.silence)
            except TimeoutError:
                self.dead_links += 1
                ws.transport.abort()  # a dead link: no close handshake to wait for
                raise _Restart from None
            message = json.loads(text)
            if not isinstance(message.get("seq"), int):
                continue  # control: pong, error
            with self._lock:
                restart = self._receive(message, connection)
            if restart:
                ws.transport.abort()
                raise _Restart
            if connection.resume_from is not None and not connection.resume_sent:
                connection.resume_sent = True
                resume = {"type": "resume", "epoch": self._state.epoch}
                await ws.send(json.dumps({**resume, "seq": connection.resume_from}))

    def _receive(self, message: dict[str, Any], connection: _Connection) -> bool:
        """Take one message in (under the lock); True when the connection must be dropped."""
        seq, kind, epoch = message["seq"], message["type"], message["epoch"]
        replayed = bool(message.get("replayed"))
        self.receipts.append(Receipt(connection.number, seq, kind, replayed))
        if kind == "snapshot":
            return self._snapshot(message, connection)
        if connection.snapshots == 0:
            self.problems.append(f"{self.name}: {kind} {seq} before the snapshot")
            return True
        if seq in connection.received:  # live or replayed: once per connection
            self.problems.append(
                f"{self.name}: seq {seq} ({kind}, replayed={replayed}) twice "
                f"on connection {connection.number}"
            )
        connection.received.add(seq)
        if epoch != self._state.epoch:
            self.problems.append(f"{self.name}: {kind} {seq} of epoch {epoch}, not ours")
            return True
        state = self._state
        if seq > state.seq + 1:
            self.problems.append(
                f"{self.name}: gap on connection {connection.number}: "
                f"{kind} {seq} after {state.seq}"
            )
            return True  # a new connection starts from a snapshot
        if replayed and seq > connection.snapshot_seq:
            self.problems.append(
                f"{self.name}: replayed {seq} above the snapshot's {connection.snapshot_seq}"
            )
        if seq == state.seq + 1:
            state.apply(message)
        self._record(seq, message)
        return False

    def _record(self, seq: int, message: dict[str, Any]) -> None:
        if seq <= self.complete_to:
            return  # seen before (a replay overlapping what this display had)
        if message["type"] == "ticket.called":
            call = (message["data"]["ticket"]["ref"], message["data"]["recall"])
            known = self.calls_seen.get(seq)
            if known is not None and known != call:
                self.problems.append(f"{self.name}: seq {seq} was {known}, now {call}")
            self.calls_seen[seq] = call
        self._seen.add(seq)
        while self.complete_to + 1 in self._seen:
            self.complete_to += 1
            self._seen.discard(self.complete_to)

    def _snapshot(self, message: dict[str, Any], connection: _Connection) -> bool:
        seq, epoch = message["seq"], message["epoch"]
        state = self._state
        connection.snapshots += 1
        forget_before = False  # nothing before this snapshot can be asked for any more
        if state.epoch is None:  # the very first one
            self.base_seq = seq
            forget_before = True
        elif connection.snapshots > 1:
            # only a resume is answered with a snapshot, and only when it cannot replay
            asked = connection.resume_from
            if asked is None:
                self.problems.append(f"{self.name}: an unasked snapshot at {seq}")
            elif epoch == state.epoch and asked < seq:
                self.problems.append(
                    f"{self.name}: resume from {asked} answered with a snapshot at {seq} "
                    f"in the same epoch: events {asked + 1}..{seq} lost"
                )
            forget_before = True
        elif epoch != state.epoch:
            self.problems.append(f"{self.name}: epoch changed from {state.epoch} to {epoch}")
            forget_before = True
        elif seq < state.seq:
            self.problems.append(
                f"{self.name}: snapshot at {seq} behind the {state.seq} applied, same epoch"
            )
        if forget_before and self.complete_to < seq:
            self.complete_to = seq
            self._seen = {s for s in self._seen if s > seq}
        connection.snapshot_seq = max(connection.snapshot_seq, seq)
        state.reset(message)
        if connection.snapshots == 1:
            self.connections += 1
            if self.complete_to < seq:
                connection.resume_from = self.complete_to
        return False


@dataclass
class _Connection:
    number: int
    snapshots: int = 0
    snapshot_seq: int = -1
    resume_from: int | None = None
    resume_sent: bool = False
    received: set[int] = field(default_factory=set)  # event seqs


class _Restart(Exception):
    """This connection is done with: drop it and connect again."""
