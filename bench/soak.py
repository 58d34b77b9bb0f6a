"""Soak: a busy day in a city's service hall against one real `loket serve`, and a week.

One site (written to a temporary TOML: 30 counters over services A–D, some counters sharing
lines; languages id, en, az). For `--minutes` (10) the bench drives:

- clerks: every counter calls every 1–3 s (≈ 15 calls/s for 30), finishing its current
  ticket as done first (`POST …/done`, then `…/call-next` with an Idempotency-Key);
- a kiosk that issues tickets so that every service always has `--line` people waiting;
- `--displays` hall displays (300) on /ws/display/{site} and `--phones` visitors' phones
  (500) on /ws/ticket/{id}, each following a ticket just issued and leaving a few seconds
  after its call; spread over client worker processes (bench/_harness.py's lean client);
- `--drop` (5%) of those sockets dropped each minute (at random moments) and reconnected
  after 0.2–2 s; a display resumes as static/js/socket.js does (resume with the last seq
  it applied; the server sends a snapshot first, then replays), a phone likewise;
- one auditing display in the controller that never drops and records every event;
- for every call, the three audio segments of its announcement fetched until 200.

Per minute: calls; call → display (`ticket.called` on every display that was connected)
and call → phone p50/p99, from just before call-next leaves; call → all three audio
segments fetched, from the call's answer; the server's RSS, open fds, child processes,
CPU per thread (bench/soak_server/sitecustomize.py names the server's OS threads after
its Python threads); log lines by kind. At the end, the checks:

- every display: after its first snapshot, every event of the site (live or replayed)
  exactly once — a missing one is a gap (the ticket.called ones are calls the TV never
  announced), one received twice a duplicate; a gap at the very seq of the snapshot a
  resumed connection started with is the shape of the known resume race;
- every phone: per connection, seq rising by one after each snapshot (no gap, no
  duplicate, no snapshot going back), and every called ticket's phone told of its call;
- every acknowledged call-next exactly once on the auditing display (at the seq answered,
  same ticket) and no ticket called twice.

`--week`: a simulated week on one server. The server's clock is moved by the bench (the
sitecustomize above, $BENCH_CLOCK_FILE + SIGUSR2): each day starts at 08:00 in the site's
time zone, runs `--day-minutes` of the busy day, drains the lines, idles `--idle` s, and
the clock jumps to the next morning across the site's midnight. RSS at the end of each day
and after its idle; tickets numbers restart each day; the same checks over the week.

    .venv/bin/python bench/soak.py              # the busy day: 10 minutes
    .venv/bin/python bench/soak.py --quick      # ~40 s: 10 counters, 40 displays, 60 phones,
                                                # half of them dropped every 10 s
    .venv/bin/python bench/soak.py --week       # 7 days of 1 minute
    .venv/bin/python bench/soak.py --store redis

Prints figures; never passes or fails on time. Exit status 1 when a check fails (gaps,
duplicates, a call not exactly once), so that the test suite can run `--quick`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing.connection
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import uuid
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

SITE = "soak"
TIMEZONE = "Asia/Jakarta"
LANGUAGES = ("id", "en", "az")
SERVICES = ("A", "B", "C", "D")
SERVER_PATH = h.BENCH / "soak_server"
CALL_GAP = (1.0, 3.0)  # seconds between a counter's calls
RECONNECT = (0.2, 2.0)  # seconds a dropped socket stays away
PHONE_LINGER = 3.0  # seconds a phone stays after its call
SETTLE_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
REPLAYED_TAIL = b',"replayed":true}'
CALLED = b"ticket.called"
STATUS = re.compile(rb'"status":"(\w+)"')
LATER = ("called", "done", "no_show")  # a snapshot showing these tells of the call
HISTORY = 12  # messages a phone keeps, to show what a phone never told of its call got


# -- the site --------------------------------------------------------------------------------


def counter_services(counters: int) -> list[list[str]]:
    """Services per counter: a third on A alone, then B, C, D alone, the last fifth on
    two or on all four lines (they share them with the others)."""
    shared = max(1, counters // 5)
    single = counters - shared
    layout: list[list[str]] = []
    for i in range(single):
        layout.append([SERVICES[min(len(SERVICES) - 1, i * len(SERVICES) // max(1, single))]])
    for i in range(shared):
        layout.append(list(SERVICES) if i % 2 else ["A", "B"])
    return layout


def _names(text: str) -> str:
    return "{ " + ", ".join(f'{lang} = "{text}"' for lang in LANGUAGES) + " }"


def site_toml(counters: int) -> str:
    lines = [
        "[[sites]]",
        f'id = "{SITE}"',
        f"name = {_names('Soak hall')}",
        f'timezone = "{TIMEZONE}"',
        f"languages = {json.dumps(list(LANGUAGES))}",
    ]
    for service in SERVICES:
        lines += ["", "[[sites.services]]", f'id = "{service}"', f"name = {_names(service)}"]
    for number, services in enumerate(counter_services(counters), 1):
        lines += [
            "",
            "[[sites.counters]]",
            f'id = "{number}"',
            f"name = {_names(f'Loket {number}')}",
            f"services = {json.dumps(services)}",
        ]
    return "\n".join(lines) + "\n"


# -- displays and phones in client worker processes ----------------------------------------


def resume_text(epoch: str, seq: int) -> str:
    return json.dumps({"type": "resume", "epoch": epoch, "seq": seq})


class Life:
    """One simulated screen over its whole life: its current socket (`generation` tells a
    message of the current one from a dropped one's) and reconnections."""

    def __init__(self, worker: Worker, path: str) -> None:
        self.worker = worker
        self.path = path
        self.client: h.WsClient | None = None
        self.generation = 0
        self.fresh_connection = True
        self.epoch = ""
        self.connections = 0
        self.unplanned = 0  # closed by the server (1013 too slow, …)
        self.away = False
        self.ended = False

    def handler(self) -> h.TextHandler:
        generation = self.generation

        def on_text(client: h.WsClient, data: bytes, t: int) -> None:
            if generation == self.generation:
                self.on_text(client, data, t)

        return on_text

    def on_text(self, client: h.WsClient, data: bytes, t: int) -> None:
        raise NotImplementedError

    def greeting(self) -> str | None:
        """What socket.js sends on open: resume from the last seq applied, once it has an
        epoch (that is, on every reconnection)."""
        return resume_text(self.epoch, self.resume_from()) if self.epoch else None

    def resume_from(self) -> int:
        raise NotImplementedError

    def opened(self, client: h.WsClient) -> None:
        self.client = client
        self.connections += 1
        generation = self.generation
        client.closed.add_done_callback(lambda _: self._closed(generation))

    def _closed(self, generation: int) -> None:
        if generation == self.generation and not self.ended:
            self.unplanned += 1
            self.worker.reconnect_later(self, 1.0)

    def drop(self) -> None:
        """The link dies (no close handshake); the screen comes back after a while."""
        if self.away or self.ended or self.client is None:
            return
        self.generation += 1
        assert self.client.transport is not None
        self.client.transport.abort()
        self.worker.reconnect_later(self, random.uniform(*RECONNECT))

    def end(self) -> None:
        self.ended = True
        self.generation += 1
        if self.client is not None:
            self.client.close()


class Display(Life):
    """A hall display. `got[seq]` counts the events of that seq it was sent (live or
    replayed, capped at 255); `resumed_at` the snapshot seq of every reconnection."""

    def __init__(self, worker: Worker, path: str) -> None:
        super().__init__(worker, path)
        self.first = -1
        self.last = -1
        self.got = bytearray()
        self.resumed_at: list[int] = []
        self.fresh = 0  # snapshots in answer to a resume
        self.errors = 0

    def on_text(self, client: h.WsClient, data: bytes, t: int) -> None:
        kind = h.kind_of(data)
        if kind == b"snapshot":
            self._snapshot(data)
        elif kind in (b"pong", b"error"):
            self.errors += kind == b"error"
        else:
            seq = h.seq_of(data)
            if seq >= len(self.got):
                self.got.extend(bytes(seq - len(self.got) + 4096))
            self.got[seq] = min(255, self.got[seq] + 1)
            self.last = max(self.last, seq)
            if kind == CALLED and not data.endswith(REPLAYED_TAIL):
                self.worker.display_heard(seq, t)

    def _snapshot(self, data: bytes) -> None:
        seq = h.seq_of(data)
        if not self.fresh_connection:
            self.fresh += 1  # the server could not replay: the display starts over
        elif self.first < 0:
            self.first = seq
            self.epoch = json.loads(data)["epoch"]
        else:
            self.resumed_at.append(seq)  # its resume went out on open, before this
        self.fresh_connection = False
        self.last = max(self.last, seq)

    def resume_from(self) -> int:
        return self.last

    def result(self) -> tuple[Any, ...]:
        return (
            self.first,
            bytes(self.got),
            self.resumed_at,
            self.fresh,
            self.errors,
            self.connections,
            self.unplanned,
        )


class Phone(Life):
    """A visitor's phone on its own ticket: per connection, seq must rise by one after
    each snapshot."""

    def __init__(self, worker: Worker, ticket_id: str) -> None:
        super().__init__(worker, f"/ws/ticket/{ticket_id}")
        self.ticket_id = ticket_id
        self.last = -1  # in the current connection
        self.highest = -1  # over all connections: what a resume names
        self.gaps = self.duplicates = self.regressions = 0
        self.called_t = 0
        self.told = ""  # how it learnt of its call: "event" or "snapshot"
        self.status = ""  # its ticket's, in the last message
        self.history: list[str] = []  # type:seq:status of its first messages, for examples

    def on_text(self, client: h.WsClient, data: bytes, t: int) -> None:
        kind = h.kind_of(data)
        if kind in (b"pong", b"error"):
            return
        seq = h.seq_of(data)
        status = STATUS.search(data)
        self.status = status.group(1).decode() if status else self.status
        if len(self.history) < HISTORY:
            self.history.append(f"{kind.decode()}:{seq}:{self.status}")
        if kind == b"snapshot":
            if not self.epoch:
                self.epoch = json.loads(data)["epoch"]
            self._snapshot(seq)
            if self.status in LATER:
                self._told("snapshot", t)
            return
        if seq <= self.last:
            self.duplicates += 1
        elif seq > self.last + 1:
            self.gaps += seq - self.last - 1
        self.last = max(self.last, seq)
        self.highest = max(self.highest, seq)
        if kind == CALLED:
            self._told("event", t)

    def resume_from(self) -> int:
        return self.highest

    def _snapshot(self, seq: int) -> None:
        if self.fresh_connection:
            self.fresh_connection = False
        elif seq < self.last:
            self.regressions += 1
        self.last = seq
        self.highest = max(self.highest, seq)

    def _told(self, how: str, t: int) -> None:
        if not self.told:
            self.told, self.called_t = how, t
            asyncio.get_running_loop().call_later(PHONE_LINGER, self.leave)

    def leave(self) -> None:
        self.end()
        self.worker.phone_left(self)

    def result(self) -> tuple[Any, ...]:
        return (
            self.ticket_id,
            self.told,
            self.called_t,
            self.gaps,
            self.duplicates,
            self.regressions,
            self.connections,
            self.unplanned,
            self.status,
            self.history if not self.told else [],
        )


class Worker(h.PipeWorker):
    """Holds displays and phones; drops and reconnects some; reports at the end."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        super().__init__(conn)
        self.port = 0
        self.epoch = ""
        self.displays: list[Display] = []
        self.phones: dict[str, Phone] = {}
        self.gone: list[Phone] = []
        self.call_t0: dict[int, tuple[int, int]] = {}  # seq → (t0, minute)
        self.pending: defaultdict[int, list[int]] = defaultdict(list)
        self.latency: defaultdict[int, array[float]] = defaultdict(lambda: array("f"))
        self.reconnecting: set[Life] = set()
        self.churn: asyncio.Task[None] | None = None
        self.drops: list[asyncio.TimerHandle] = []
        self.failures: list[str] = []
        self.gate = asyncio.Semaphore(100)

    def _command(self) -> None:
        message = self.conn.recv()
        kind, rest = message[0], message[1:]
        if kind == "stop":
            self.stop()
        elif kind == "calls":
            self._calls(*rest)
        elif kind == "phones":
            for ticket_id in rest[0]:
                self.spawn(self._first_open(Phone(self, ticket_id)))
        elif kind == "churn":
            self.churn = asyncio.get_running_loop().create_task(self._churn(*rest))
        else:
            job = {"displays": self._displays, "settle": self._settle, "results": self._results}
            self.spawn(job[kind](*rest))

    async def finish(self) -> None:
        for life in [*self.displays, *self.phones.values()]:
            life.end()

    # -- opening ------------------------------------------------------------------------

    async def _open(self, life: Life) -> None:
        life.fresh_connection = True
        async with self.gate:
            client = await h.open_ws(
                self.port, life.path, life.handler(), timeout=60, greeting=life.greeting()
            )
        life.opened(client)

    async def _first_open(self, life: Life) -> None:
        try:
            await self._open(life)
        except Exception as error:  # counted and reported
            self.failures.append(repr(error))
            return
        if isinstance(life, Phone):
            self.phones[life.ticket_id] = life
        else:
            assert isinstance(life, Display)
            self.displays.append(life)

    async def _displays(self, port: int, count: int) -> None:
        self.port = port
        lives = [Display(self, f"/ws/display/{SITE}") for _ in range(count)]
        await asyncio.gather(*(self._first_open(life) for life in lives))
        self.conn.send(("displays", len(self.displays), self.failures[:3]))

    def reconnect_later(self, life: Life, delay: float) -> None:
        if life in self.reconnecting:
            return
        life.away = True
        self.reconnecting.add(life)
        self.spawn(self._reconnect(life, delay))

    async def _reconnect(self, life: Life, delay: float) -> None:
        try:
            for attempt in range(8):  # backoff, as socket.js: bounded here
                await asyncio.sleep(delay * (2**attempt))
                if life.ended:
                    return
                life.generation += 1
                try:
                    await self._open(life)
                    return
                except Exception as error:  # the server may be busy: try again
                    self.failures.append(repr(error))
            life.ended = True  # given up: reported as not reconnected
        finally:
            life.away = False
            self.reconnecting.discard(life)

    # -- dropping ---------------------------------------------------------------------------

    async def _churn(self, fraction: float, period: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            lives: list[Life] = [*self.displays, *self.phones.values()]
            self.drops = [
                loop.call_later(random.uniform(0, period), life.drop)
                for life in random.sample(lives, round(fraction * len(lives)))
            ]
            await asyncio.sleep(period)

    async def _settle(self) -> None:
        """Stop dropping; answer once every dropped socket is back (bounded)."""
        if self.churn is not None:
            self.churn.cancel()
            self.churn = None
        for handle in self.drops:
            handle.cancel()
        await asyncio.sleep(RECONNECT[1])  # drops already timed have fired by then
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while self.reconnecting and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        self.conn.send(("settled", len(self.reconnecting)))

    # -- latency --------------------------------------------------------------------------

    def _calls(self, calls: list[tuple[int, int, int]]) -> None:
        for seq, t0, minute in calls:
            self.call_t0[seq] = (t0, minute)
            for t in self.pending.pop(seq, ()):
                self.latency[minute].append((t - t0) / 1e6)

    def display_heard(self, seq: int, t: int) -> None:
        known = self.call_t0.get(seq)
        if known is None:
            self.pending[seq].append(t)  # the display often hears before the clerk
        else:
            self.latency[known[1]].append((t - known[0]) / 1e6)

    def phone_left(self, phone: Phone) -> None:
        if self.phones.pop(phone.ticket_id, None) is not None:
            self.gone.append(phone)

    async def _results(self) -> None:
        phones = [*self.gone, *self.phones.values()]
        self.conn.send(
            (
                "results",
                [d.result() for d in self.displays],
                [p.result() for p in phones],
                {minute: list(values) for minute, values in self.latency.items()},
                len(self.failures),
                self.failures[:3],
                sum(d.ended for d in self.displays),
            )
        )


def worker_main(conn: multiprocessing.connection.Connection, seed: int) -> None:
    random.seed(seed * 1000 + os.getpid())
    Worker.process_main(conn)


class Pool(h.WorkerPool):
    def __init__(self, workers: int, seed: int) -> None:
        super().__init__(workers, worker_main, seed, stop_timeout=30)
        self.next_phone = 0

    def all(self, message: tuple[Any, ...], timeout: float) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(message)
        return [self.recv(pipe, timeout) for pipe in self.pipes]

    def tell(self, message: tuple[Any, ...]) -> None:
        for pipe in self.pipes:
            pipe.send(message)

    def displays(self, port: int, count: int) -> tuple[int, list[str]]:
        for pipe, share in zip(self.pipes, self.shares(count), strict=True):
            pipe.send(("displays", port, share))
        answers = [self.recv(pipe, 300) for pipe in self.pipes]
        return sum(a[1] for a in answers), [f for a in answers for f in a[2]]

    def phones(self, ticket_ids: list[str]) -> None:
        """Round robin: each worker its share."""
        shares: list[list[str]] = [[] for _ in self.pipes]
        for ticket_id in ticket_ids:
            shares[self.next_phone % len(self.pipes)].append(ticket_id)
            self.next_phone += 1
        for pipe, share in zip(self.pipes, shares, strict=True):
            if share:
                pipe.send(("phones", share))


# -- the server from outside: /proc and its log ------------------------------------------


def _stat_fields(path: Path) -> tuple[str, list[str]]:
    """(comm, the fields after it) of a /proc stat file."""
    text = path.read_text()
    head, _, rest = text.rpartition(")")
    return head.partition("(")[2], rest.split()


TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far per thread name (the main thread is "main"; pool threads are
    summed as pool-N_*)."""
    found: dict[str, float] = defaultdict(float)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm, fields = _stat_fields(task / "stat")
        except OSError:
            continue
        name = "main" if task.name == str(pid) else re.sub(r"_\d+$", "_*", comm)
        found[name] += (int(fields[11]) + int(fields[12])) / TICK
    return dict(found)


def children(pid: int) -> list[int]:
    """Every descendant process of `pid`."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            _, fields = _stat_fields(entry / "stat")
        except OSError:
            continue
        parents[int(fields[1])].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


LOG_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("access: HTTP request", re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD) \S+ HTTP/[\d.]+" \d+')),
    ("access: WebSocket", re.compile(r'"WebSocket \S+" \[')),
    ("connection open", re.compile(r"connection open")),
    ("connection closed", re.compile(r"connection closed")),
    ("socket.send() raised exception", re.compile(r"socket\.send\(\) raised exception")),
    ("traceback", re.compile(r"^Traceback")),
]


def log_kind(line: str) -> str:
    for kind, pattern in LOG_KINDS:
        if pattern.search(line):
            return kind
    # anything else: its level and its text with numbers, ids and quoted parts blanked
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "…", line.strip())
    text = re.sub(r"[0-9a-f]{8,}|\d+(\.\d+)?", "N", text)
    return re.sub(r"\s+", " ", text)[:70]


class LogTail:
    """Counts the new lines of the server's log by kind, each time it is asked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.total: Counter[str] = Counter()

    def read(self) -> Counter[str]:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            data = log.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        kinds = Counter(log_kind(line) for line in data[:end].decode(errors="replace").splitlines())
        self.total.update(kinds)
        return kinds


@dataclass
class Sample:
    """The server over one interval."""

    rss_mb: float
    anon_mb: float  # RssAnon: the heap (malloc, Python), not file-backed pages
    fds: int
    children: int
    children_rss_mb: float
    cpu_s: float  # the server's own threads
    children_cpu_s: float
    threads: dict[str, float]  # CPU seconds in the interval, per thread name
    logs: dict[str, int]


class Probe:
    def __init__(self, server: h.Server) -> None:
        self.pid = server.pid
        self.log = LogTail(server.log)
        self.threads = thread_cpu(self.pid)
        self.child_cpu = self._children_cpu()

    def _children_cpu(self) -> float:
        return sum(
            h.cpu_seconds(pid) for pid in children(self.pid) if Path(f"/proc/{pid}").exists()
        )

    def sample(self) -> Sample:
        threads = thread_cpu(self.pid)
        delta = {name: cpu - self.threads.get(name, 0.0) for name, cpu in threads.items()}
        self.threads = threads
        kids = children(self.pid)
        child_cpu = self._children_cpu()
        child_delta, self.child_cpu = child_cpu - self.child_cpu, child_cpu
        child_rss = 0
        for pid in kids:
            with contextlib.suppress(OSError, RuntimeError):
                child_rss += h.rss_kb(pid)
        memory = h.status_kb(self.pid, ("VmRSS", "RssAnon"))
        return Sample(
            rss_mb=memory["VmRSS"] / 1024,
            anon_mb=memory.get("RssAnon", 0) / 1024,
            fds=fd_count(self.pid),
            children=len(kids),
            children_rss_mb=child_rss / 1024,
            cpu_s=sum(delta.values()),
            children_cpu_s=max(0.0, child_delta),
            threads=delta,
            logs=dict(self.log.read()),
        )


# -- the auditing display, in the controller ------------------------------------------------


@dataclass
class Heard:
    kind: str
    key: str  # the ticket: number@issued_at (unique across days, with or without ids)
    counter: str | None
    recall: int


def ticket_key(ticket: dict[str, Any]) -> str:
    return f"{ticket['number']}@{ticket['issued_at']}"


class Auditor:
    """One display that never drops: every event of the site, parsed."""

    def __init__(self) -> None:
        self.first = -1
        self.epoch = ""
        self.events: dict[int, Heard] = {}
        self.urls: dict[int, list[str]] = {}  # each call's segment URLs, for the audio
        self.disorder = 0
        self.client: h.WsClient | None = None

    def on_text(self, _client: h.WsClient, data: bytes, _t: int) -> None:
        message = json.loads(data)
        seq = message.get("seq")
        if message["type"] == "snapshot":
            if self.first < 0:
                self.first, self.epoch = seq, message["epoch"]
            return
        if seq is None:
            return
        expected = max(self.events, default=self.first) + 1
        self.disorder += seq != expected
        payload = message["data"]
        ticket = payload.get("ticket")
        if message["type"] == "ticket.called":
            self.urls[seq] = [s["url"] for s in payload["announcement"]["segments"]]
        self.events[seq] = Heard(
            message["type"],
            ticket_key(ticket) if ticket else "",
            payload.get("counter"),
            int(payload.get("recall", 0) or 0),
        )

    @property
    def last(self) -> int:
        return max(self.events, default=self.first)

    def calls(self) -> dict[int, Heard]:
        return {s: e for s, e in self.events.items() if e.kind == "ticket.called"}


# -- the driver: clerks, kiosk, audio --------------------------------------------------------


@dataclass
class Call:
    ticket_id: str
    key: str
    service: str
    counter: str
    seq: int
    t0: int  # just before call-next left
    t_ack: int
    minute: int
    day: int
    audio_s: float | None = None
    audio_failed: bool = False
    audio_refused: bool = False  # a segment answered 503 (speech shed it, or busy) first


@dataclass
class Settings:
    counters: int
    displays: int
    phones: int
    line: int
    drop: float
    interval: float
    audio_timeout: float
    audio_connections: int
    workers: int


class Connection:
    """A keep-alive connection that reopens itself when the server has closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http: h.AsyncHttp | None = None

    async def request(self, raw: bytes, tries: int = 3) -> tuple[int, bytes]:
        for attempt in range(tries):
            try:
                if self.http is None:
                    self.http = await h.AsyncHttp.open(self.port)
                return await asyncio.wait_for(self.http.request(raw), REQUEST_TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                self.close()
                if attempt == tries - 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None


class Hall:
    """Everything the controller drives against one server, across days."""

    def __init__(self, server: h.Server, pool: Pool, settings: Settings) -> None:
        self.server = server
        self.pool = pool
        self.settings = settings
        self.auditor = Auditor()
        self.probe = Probe(server)
        self.calls: list[Call] = []
        self.waiting: Counter[str] = Counter()
        self.phoned: set[str] = set()  # tickets with a phone that was not called yet
        self.ids: dict[str, str] = {}  # a phoned ticket's id by its ref (staff see refs)
        self.t_start = h.now_ns()
        self.day = 0
        self.samples: list[tuple[int, Sample]] = []
        self.unsent: list[tuple[int, int, int]] = []
        self.new_phones: list[str] = []
        self.rejected: Counter[str] = Counter()
        self.audio_tasks: set[asyncio.Task[None]] = set()
        self.audio_gate = asyncio.Semaphore(settings.audio_connections)
        self.token = ""

    def minute(self, t: int | None = None) -> int:
        return int(((t or h.now_ns()) - self.t_start) / 1e9 // self.settings.interval)

    async def open_auditor(self) -> None:
        self.auditor.client = await h.open_ws(
            self.server.port, f"/ws/display/{SITE}", self.auditor.on_text
        )

    async def login(self) -> None:
        self.token = await asyncio.to_thread(h.login, self.server.port)

    # -- the kiosk --------------------------------------------------------------------

    async def issue(self, http: Connection, service: str) -> None:
        raw = h.http_request("POST", f"/api/v1/sites/{SITE}/tickets", {"service": service})
        status, body = await http.request(raw)
        if status != 201:
            self.rejected[f"issue {status}"] += 1
            await asyncio.sleep(0.1)
            return
        self.waiting[service] += 1
        if len(self.phoned) < self.settings.phones:
            ticket = json.loads(body)["ticket"]
            ticket_id = self.ids[h.public_name(ticket)] = ticket["id"]
            self.phoned.add(ticket_id)
            self.new_phones.append(ticket_id)

    async def kiosk(self, until: Callable[[], bool]) -> None:
        http = Connection(self.server.port)
        try:
            while not until():
                short = [s for s in SERVICES if self.waiting[s] < self.settings.line]
                for service in short:
                    for _ in range(min(20, self.settings.line - self.waiting[service])):
                        await self.issue(http, service)
                if not short:
                    await asyncio.sleep(0.05)
        finally:
            http.close()

    # -- the clerks ---------------------------------------------------------------------

    def _staff(self, counter: str, action: str, key: str | None = None) -> bytes:
        path = f"/api/v1/sites/{SITE}/counters/{counter}/{action}"
        headers = {"Idempotency-Key": key} if key else None
        return h.http_request("POST", path, token=self.token, headers=headers)

    async def call_next(self, http: Connection, counter: str) -> bool:
        """One call at the counter; False when nobody waits for it."""
        t0 = h.now_ns()
        status, body = await http.request(self._staff(counter, "call-next", uuid.uuid4().hex))
        t_ack = h.now_ns()
        if status == 409:
            return False
        if status != 200:
            self.rejected[f"call-next {status}"] += 1
            return True
        answer = json.loads(body)
        ticket = answer["ticket"]
        call = Call(
            self.ids.pop(h.public_name(ticket), ""),  # the id of a phoned ticket
            ticket_key(ticket),
            ticket["service"],
            counter,
            int(answer["seq"]),
            t0,
            t_ack,
            self.minute(t0),
            self.day,
        )
        self.calls.append(call)
        self.unsent.append((call.seq, t0, call.minute))
        self.waiting[call.service] -= 1
        self.phoned.discard(call.ticket_id)
        self._spawn_audio(call)
        return True

    async def clerk(self, counter: str, until: Callable[[], bool], drain: bool) -> None:
        """Calls every 1–3 s until `until()`; with `drain`, then on at once until nobody
        waits for this counter."""
        http = Connection(self.server.port)
        loop = asyncio.get_running_loop()
        next_at = loop.time() + random.uniform(0, CALL_GAP[1])
        current = False
        try:
            while not until():
                await asyncio.sleep(max(0.0, next_at - loop.time()))
                next_at += random.uniform(*CALL_GAP)
                if current:
                    await http.request(self._staff(counter, "done"))
                current = await self.call_next(http, counter)
            while drain and current:
                await http.request(self._staff(counter, "done"))
                current = await self.call_next(http, counter)
            if current:
                await http.request(self._staff(counter, "done"))
        finally:
            http.close()

    # -- audio ----------------------------------------------------------------------------

    def _spawn_audio(self, call: Call) -> None:
        task = asyncio.get_running_loop().create_task(self.audio(call))
        self.audio_tasks.add(task)
        task.add_done_callback(self.audio_tasks.discard)

    async def audio(self, call: Call) -> None:
        """All three segments of the call's announcement fetched until 200, each on its
        own connection; timed from the call's answer."""
        heard = await self._announcement(call)
        if heard is None:
            call.audio_failed = True
            return
        deadline = time.monotonic() + self.settings.audio_timeout
        results = await asyncio.gather(*(self._fetch(call, url, deadline) for url in heard))
        if all(results):
            call.audio_s = (h.now_ns() - call.t_ack) / 1e9
        else:
            call.audio_failed = True

    async def _announcement(self, call: Call) -> list[str] | None:
        """The segment URLs, from the ticket.called event the auditor got for the call."""
        for _ in range(100):
            event = self.auditor.urls.get(call.seq)
            if event is not None:
                return event
            await asyncio.sleep(0.05)
        return None

    async def _fetch(self, call: Call, url: str, deadline: float) -> bool:
        raw = h.http_request("GET", url)
        delay = 0.05
        while time.monotonic() < deadline:
            async with self.audio_gate:
                try:
                    http = await h.AsyncHttp.open(self.server.port)
                    try:
                        status, _ = await asyncio.wait_for(
                            http.request(raw), max(0.1, deadline - time.monotonic())
                        )
                    finally:
                        http.close()
                except (OSError, asyncio.IncompleteReadError, TimeoutError):
                    status = 0
            if status == 200:
                return True
            call.audio_refused |= status == 503
            await asyncio.sleep(delay)
            delay = min(1.0, delay * 2)
        return False

    # -- the rhythm ------------------------------------------------------------------------

    async def feed_workers(self, until: Callable[[], bool]) -> None:
        """Calls' t0 and new phones go to the workers in small batches; the server is
        sampled at every interval's end."""
        next_sample = self.minute() + 1
        while True:
            stop = until()
            if self.unsent:
                self.pool.tell(("calls", self.unsent))
                self.unsent = []
            if self.new_phones:
                self.pool.phones(self.new_phones)
                self.new_phones = []
            if self.minute() >= next_sample:
                sample = self.probe.sample()
                self.samples.append((next_sample - 1, sample))
                calls = sum(1 for c in self.calls if c.minute == next_sample - 1)
                print(
                    f"  minute {next_sample}: {calls} calls, RSS {sample.rss_mb:.0f} MB, "
                    f"fds {sample.fds}, CPU {sample.cpu_s:.1f} s, children {sample.children}",
                    file=sys.stderr,
                )
                next_sample += 1
            if stop:
                return
            await asyncio.sleep(0.2)

    async def busy(self, seconds: float, drain: bool) -> None:
        """The busy day (or one day of the week) for `seconds`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds

        def over() -> bool:
            return loop.time() >= end

        counters = [str(i) for i in range(1, self.settings.counters + 1)]
        clerks = asyncio.gather(*(self.clerk(c, over, drain) for c in counters))
        kiosk = loop.create_task(self.kiosk(over))
        feeder = loop.create_task(self.feed_workers(lambda: kiosk.done() and clerks.done()))
        await clerks
        await kiosk
        await feeder

    async def prefill(self) -> None:
        http = Connection(self.server.port)
        try:
            for service in SERVICES:
                while self.waiting[service] < self.settings.line:
                    await self.issue(http, service)
        finally:
            http.close()
        self.pool.phones(self.new_phones)
        self.new_phones = []

    async def audio_drain(self, limit: float) -> int:
        """Waits (at most `limit` s) for the audio still being fetched; how many were not."""
        if self.audio_tasks:
            await asyncio.wait(set(self.audio_tasks), timeout=limit)
        left = len(self.audio_tasks)
        for task in set(self.audio_tasks):
            task.cancel()
        return left


# -- the checks ----------------------------------------------------------------------------


def missing_seqs(got: bytes, first: int, last: int) -> list[int]:
    """The seqs in (first, last] that `got` (a count per seq) has no event for."""
    window = got[first + 1 : last + 1]
    window += bytes(max(0, last - first - len(window)))
    found, at = [], window.find(0)
    while at >= 0:
        found.append(first + 1 + at)
        at = window.find(0, at + 1)
    return found


def duplicated(got: bytes, first: int, last: int) -> int:
    window = got[first + 1 : last + 1]
    return len(window) - window.count(0) - window.count(1)


def race_shaped(missing: set[int], resumed_at: list[int]) -> set[int]:
    """The missing seqs that end at a resumed connection's snapshot seq X: a run X−k … X
    all missing — what the snapshot held but neither the replay nor the live feed sent."""
    found: set[int] = set()
    for seq in resumed_at:
        while seq in missing:
            found.add(seq)
            seq -= 1
    return found


@dataclass
class DisplayFindings:
    displays: int = 0
    with_gaps: int = 0
    missing_events: int = 0
    missing_calls: int = 0
    race_shaped: int = 0  # missing seqs in a run ending at a resumed connection's snapshot
    duplicates: int = 0
    fresh: int = 0
    connections: int = 0
    unplanned: int = 0
    errors: int = 0
    not_reconnected: int = 0
    worst: list[int] = field(default_factory=list)  # missing per display, largest first
    examples: list[str] = field(default_factory=list)


def check_displays(results: list[tuple[Any, ...]], called: set[int], last: int) -> DisplayFindings:
    found = DisplayFindings()
    for first, got, resumed_at, fresh, errors, connections, unplanned in results:
        found.displays += 1
        found.fresh += fresh
        found.errors += errors
        found.connections += connections
        found.unplanned += unplanned
        found.duplicates += duplicated(got, first, last)
        missing = missing_seqs(got, first, last)
        if not missing:
            continue
        found.with_gaps += 1
        found.worst.append(len(missing))
        found.missing_events += len(missing)
        found.missing_calls += sum(1 for seq in missing if seq in called)
        found.race_shaped += len(race_shaped(set(missing), resumed_at))
        if len(found.examples) < 5:
            found.examples.append(
                f"first snapshot {first}, resumed at snapshots {resumed_at[:6]}, "
                f"missing {missing[:6]}"
            )
    found.worst.sort(reverse=True)
    return found


@dataclass
class PhoneFindings:
    phones: int = 0
    gaps: int = 0
    duplicates: int = 0
    regressions: int = 0
    connections: int = 0
    unplanned: int = 0
    told_live: int = 0
    told_by_snapshot: int = 0
    called_not_told: int = 0
    examples: list[str] = field(default_factory=list)
    latency: dict[int, list[float]] = field(default_factory=dict)  # minute → ms


def check_phones(results: list[tuple[Any, ...]], calls: list[Call]) -> PhoneFindings:
    found = PhoneFindings()
    by_id = {call.ticket_id: call for call in calls}
    latency: defaultdict[int, list[float]] = defaultdict(list)
    for row in results:
        ticket_id, told, called_t, gaps, dups, regressions, connections, unplanned, status = row[:9]
        found.phones += 1
        found.gaps += gaps
        found.duplicates += dups
        found.regressions += regressions
        found.connections += connections
        found.unplanned += unplanned
        call = by_id.get(ticket_id)
        if told == "event":
            found.told_live += 1
            if call is not None:
                latency[call.minute].append((called_t - call.t0) / 1e6)
        elif told == "snapshot":
            found.told_by_snapshot += 1
        elif call is not None:
            found.called_not_told += 1
            if len(found.examples) < 5:
                found.examples.append(
                    f"phone of {call.key} (called at seq {call.seq}): last status {status!r}, "
                    f"{connections} connections, closed by the server {unplanned}; "
                    f"messages {' '.join(row[9])}"
                )
    found.latency = dict(latency)
    return found


@dataclass
class CallFindings:
    acknowledged: int = 0
    heard: int = 0  # first calls on the auditing display
    answer_not_heard: int = 0  # the answer's seq is not that ticket's call on the auditor
    called_twice: int = 0  # tickets called (first call) more than once
    answered_twice: int = 0  # tickets in two call-next answers
    heard_not_answered: int = 0  # calls the clerks never got an answer for
    auditor_gaps: int = 0
    auditor_disorder: int = 0


def check_calls(calls: list[Call], auditor: Auditor) -> CallFindings:
    heard = {seq: e for seq, e in auditor.calls().items() if e.recall == 0}
    keys = Counter(e.key for e in heard.values())
    answered = Counter(call.key for call in calls)
    return CallFindings(
        acknowledged=len(calls),
        heard=len(heard),
        answer_not_heard=sum(
            1
            for c in calls
            if c.seq not in heard or heard[c.seq].key != c.key or heard[c.seq].counter != c.counter
        ),
        called_twice=sum(1 for n in keys.values() if n > 1),
        answered_twice=sum(1 for n in answered.values() if n > 1),
        heard_not_answered=sum(1 for key in keys if key not in answered),
        auditor_gaps=len(
            missing_seqs(
                bytes(1 if s in auditor.events else 0 for s in range(auditor.last + 1)),
                auditor.first,
                auditor.last,
            )
        ),
        auditor_disorder=auditor.disorder,
    )


@dataclass
class Findings:
    displays: DisplayFindings
    phones: PhoneFindings
    calls: CallFindings
    display_latency: dict[int, list[float]]
    not_settled: int
    worker_failures: int
    failure_examples: list[str]

    def failures(self) -> list[str]:
        d, p, c = self.displays, self.phones, self.calls
        wrong = {
            "displays with gaps": d.with_gaps,
            "display duplicates": d.duplicates,
            "phone gaps": p.gaps,
            "phone duplicates": p.duplicates,
            "phone snapshots going back": p.regressions,
            "phones never told of their call": p.called_not_told,
            "answers not heard at their seq": c.answer_not_heard,
            "tickets called twice": c.called_twice,
            "tickets answered twice": c.answered_twice,
            "calls heard but never answered": c.heard_not_answered,
            "auditor gaps": c.auditor_gaps,
        }
        return [f"{name}: {count}" for name, count in wrong.items() if count]


def gather(hall: Hall, answers: list[Any], not_settled: int) -> Findings:
    displays = [d for a in answers for d in a[1]]
    phones = [p for a in answers for p in a[2]]
    latency: defaultdict[int, list[float]] = defaultdict(list)
    for answer in answers:
        for minute, values in answer[3].items():
            latency[minute].extend(values)
    called = set(hall.auditor.calls())
    found = Findings(
        displays=check_displays(displays, called, hall.auditor.last),
        phones=check_phones(phones, hall.calls),
        calls=check_calls(hall.calls, hall.auditor),
        display_latency=dict(latency),
        not_settled=not_settled,
        worker_failures=sum(a[4] for a in answers),
        failure_examples=[f for a in answers for f in a[5]],
    )
    found.displays.not_reconnected = sum(a[6] for a in answers)
    return found


# -- report ----------------------------------------------------------------------------------


def pct(values: list[float] | None, q: float) -> float:
    return h.percentile(values, q) if values else float("nan")


def minute_table(hall: Hall, found: Findings) -> h.Table:
    table = h.Table(
        [
            "minute",
            "calls",
            "display p50 ms",
            "display p99 ms",
            "phone p50 ms",
            "phone p99 ms",
            "audio p50 s",
            "audio p99 s",
            "audio missing",
            "audio 503 first",
            "RSS MB",
            "of it RssAnon MB",
            "fds",
            "children",
            "children RSS MB",
            "server CPU s",
            "children CPU s",
            "log lines",
        ]
    )
    for minute, sample in hall.samples:
        calls = [c for c in hall.calls if c.minute == minute]
        audio = [c.audio_s for c in calls if c.audio_s is not None]
        table.add(
            minute + 1,
            len(calls),
            pct(found.display_latency.get(minute), 50),
            pct(found.display_latency.get(minute), 99),
            pct(found.phones.latency.get(minute), 50),
            pct(found.phones.latency.get(minute), 99),
            pct(audio, 50),
            pct(audio, 99),
            len(calls) - len(audio),
            sum(c.audio_refused for c in calls),
            sample.rss_mb,
            sample.anon_mb,
            sample.fds,
            sample.children,
            sample.children_rss_mb,
            sample.cpu_s,
            sample.children_cpu_s,
            sum(sample.logs.values()),
        )
    return table


def by_minute_table(
    title: str, hall: Hall, values: Callable[[Sample], dict[str, float]], top: int
) -> h.Table:
    """One row per name (threads, log kinds), one column per minute, biggest first."""
    totals: Counter[str] = Counter()
    for _, sample in hall.samples:
        totals.update(values(sample))
    names = [name for name, _ in totals.most_common(top)]
    table = h.Table([title, "total", *(str(m + 1) for m, _ in hall.samples)])
    for name in names:
        cells = [values(sample).get(name, 0) for _, sample in hall.samples]
        table.add(name, totals[name], *cells)
    return table


def check_table(found: Findings) -> h.Table:
    d, p, c = found.displays, found.phones, found.calls
    table = h.Table(["check", "figure"])
    rows: list[tuple[str, object]] = [
        ("displays checked", d.displays),
        ("displays with a gap", d.with_gaps),
        ("events missing (all displays)", d.missing_events),
        ("… of them ticket.called (calls a TV never announced)", d.missing_calls),
        ("… of them in a run ending at a resumed snapshot's seq (the race)", d.race_shaped),
        ("missing per display, worst 5", ", ".join(map(str, d.worst[:5])) or "—"),
        ("events received twice", d.duplicates),
        ("display connections (resumes = connections − displays)", d.connections),
        ("fresh snapshots in answer to resume", d.fresh),
        ("closed by the server (1013 …)", d.unplanned),
        ("error messages", d.errors),
        ("displays that could not reconnect", d.not_reconnected),
        ("phones", p.phones),
        ("phone connections", p.connections),
        (
            "phone seq gaps / duplicates / snapshots going back",
            f"{p.gaps} / {p.duplicates} / {p.regressions}",
        ),
        ("phones told of their call live / by snapshot", f"{p.told_live} / {p.told_by_snapshot}"),
        ("phones never told of their call", p.called_not_told),
        ("calls acknowledged", c.acknowledged),
        ("first calls on the auditing display", c.heard),
        ("answers not on the auditor at their seq", c.answer_not_heard),
        ("tickets called twice / answered twice", f"{c.called_twice} / {c.answered_twice}"),
        ("calls heard, never answered", c.heard_not_answered),
        ("auditor gaps / out of order", f"{c.auditor_gaps} / {c.auditor_disorder}"),
        ("sockets still away at the end", found.not_settled),
        ("client connect failures (retried)", found.worker_failures),
    ]
    for name, value in rows:
        table.add(name, value)
    return table


def report(hall: Hall, found: Findings, title: str, extra: list[str]) -> str:
    lines = [
        f"{title} — {h.machine_line()}",
        f"site: {hall.settings.counters} counters, services {', '.join(SERVICES)}, "
        f"languages {', '.join(LANGUAGES)}; {hall.settings.displays} displays, "
        f"{hall.settings.phones} phones, {hall.settings.drop:.0%} dropped per "
        f"{hall.settings.interval:.0f} s; {hall.settings.workers} client processes",
        "",
        f"Per {hall.settings.interval:.0f} s (display, phone: from just before call-next "
        "leaves; audio: from its answer to all three segments fetched):",
        "",
        minute_table(hall, found).render(),
        "",
        "Server CPU seconds per thread:",
        "",
        by_minute_table("thread", hall, lambda s: s.threads, 12).render(),
        "",
        "Server log lines by kind:",
        "",
        by_minute_table("kind", hall, lambda s: dict(s.logs), 12).render(),
        "",
        *extra,
        "Checks:",
        "",
        check_table(found).render(),
        "",
        *(f"  e.g. {e}" for e in [*found.displays.examples, *found.phones.examples]),
        *(f"  client failure e.g. {e}" for e in found.failure_examples[:3]),
        "Targets: 0 gaps on every display and phone; every call exactly once; "
        "audio p99 ≤ 2 s; RSS flat after warm-up.",
        "Result: " + ("all checks pass" if not found.failures() else "; ".join(found.failures())),
    ]
    return "\n".join(lines)


def figures(hall: Hall, found: Findings, extra: dict[str, Any]) -> dict[str, Any]:
    minutes = []
    for minute, sample in hall.samples:
        calls = [c for c in hall.calls if c.minute == minute]
        audio = [c.audio_s for c in calls if c.audio_s is not None]
        minutes.append(
            {
                "minute": minute + 1,
                "calls": len(calls),
                "display_ms": [pct(found.display_latency.get(minute), q) for q in (50, 99)],
                "phone_ms": [pct(found.phones.latency.get(minute), q) for q in (50, 99)],
                "audio_s": [pct(audio, q) for q in (50, 99)],
                "audio_missing": len(calls) - len(audio),
                "audio_refused": sum(c.audio_refused for c in calls),
                **vars(sample),
            }
        )
    displays = vars(found.displays)
    phones = {k: v for k, v in vars(found.phones).items() if k != "latency"}
    return {
        "minutes": minutes,
        "displays": displays,
        "phones": phones,
        "calls": vars(found.calls),
        "failures": found.failures(),
        **extra,
    }


# -- runs -------------------------------------------------------------------------------------


class ShiftedClock:
    """The server's clock offset (bench/soak_server/sitecustomize.py): a file it reads on
    SIGUSR2."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "clock"
        self.path.write_text("0")
        zone = ZoneInfo(TIMEZONE)
        self.first_day = datetime.now(zone).date() + timedelta(days=1)
        self.zone = zone

    def morning(self, day: int) -> datetime:
        date = self.first_day + timedelta(days=day)
        return datetime(date.year, date.month, date.day, 8, tzinfo=self.zone)

    def set_day(self, day: int, pid: int | None) -> None:
        offset = (self.morning(day) - datetime.now(UTC)).total_seconds()
        self.path.write_text(repr(offset))
        if pid is not None:
            os.kill(pid, signal.SIGUSR2)


async def quiet(auditor: Auditor, limit: float = 10.0) -> None:
    """Until the auditor has heard nothing new for a second (bounded)."""
    deadline = time.monotonic() + limit
    last = -2
    while auditor.last != last and time.monotonic() < deadline:
        last = auditor.last
        await asyncio.sleep(1.0)


async def wrap_up(hall: Hall, args: argparse.Namespace) -> Findings:
    answers = await asyncio.to_thread(hall.pool.all, ("settle",), SETTLE_TIMEOUT + 30)
    not_settled = sum(a[1] for a in answers)
    await quiet(hall.auditor)
    left = await hall.audio_drain(args.audio_drain)
    if left:
        print(f"  {left} calls' audio still not fetched; given up", file=sys.stderr)
    results = await asyncio.to_thread(hall.pool.all, ("results",), 120)
    return gather(hall, results, not_settled)


async def connect(hall: Hall) -> None:
    await hall.open_auditor()
    await hall.login()
    connected, failures = await asyncio.to_thread(
        hall.pool.displays, hall.server.port, hall.settings.displays
    )
    print(
        f"  {connected} displays" + (f"; failed e.g. {failures}" if failures else ""),
        file=sys.stderr,
    )


async def run_day(
    hall: Hall, args: argparse.Namespace
) -> tuple[Findings, list[str], dict[str, Any]]:
    await connect(hall)
    await hall.prefill()
    hall.t_start = h.now_ns()
    hall.pool.tell(("churn", args.drop, args.interval))
    await hall.busy(args.minutes * args.interval, drain=False)
    found = await wrap_up(hall, args)
    await asyncio.sleep(args.idle)
    after = hall.server.rss_kb() / 1024
    first = hall.samples[0][1].rss_mb if hall.samples else float("nan")
    extra = [
        f"RSS: {first:.0f} MB after the first interval, {hall.samples[-1][1].rss_mb:.0f} MB "
        f"after the last, {after:.0f} MB after {args.idle:.0f} s idle at the end "
        f"({len(hall.calls):,} calls).",
        "",
    ]
    return found, extra, {"rss_after_idle_mb": after}


def first_numbers(calls: list[Call]) -> str:
    """The lowest number called per service: 001 on every day if numbers start again."""
    lowest: dict[str, str] = {}
    for call in calls:
        number = call.key.split("@")[0]
        known = lowest.get(call.service)
        if known is None or int(number[1:]) < int(known[1:]):
            lowest[call.service] = number
    return ", ".join(lowest[s] for s in sorted(lowest))


@dataclass
class DayEnd:
    day: int
    calls: int
    first_numbers: str
    rss_end_mb: float
    rss_idle_mb: float
    anon_idle_mb: float
    fds: int
    children_rss_mb: float


async def run_week(
    hall: Hall, args: argparse.Namespace, clock: ShiftedClock, traces: Traces | None
) -> tuple[Findings, list[str], dict[str, Any]]:
    await connect(hall)
    hall.t_start = h.now_ns()
    days: list[DayEnd] = []
    for day in range(args.days):
        hall.day = day
        if day:
            clock.set_day(day, hall.server.pid)
            await hall.login()  # yesterday's sessions have ended (12 h)
        print(f"day {day + 1}: {clock.morning(day):%Y-%m-%d %H:%M %Z}", file=sys.stderr)
        await hall.prefill()
        hall.pool.tell(("churn", args.drop, args.interval))
        await hall.busy(args.day_minutes * args.interval, drain=True)
        await asyncio.to_thread(hall.pool.all, ("settle",), SETTLE_TIMEOUT + 30)
        await quiet(hall.auditor)
        hall.waiting.clear()  # drained
        end = hall.server.rss_kb() / 1024
        await asyncio.sleep(args.idle)
        if traces is not None:
            await traces.take()
        today = [c for c in hall.calls if c.day == day]
        days.append(
            DayEnd(
                day + 1,
                len(today),
                first_numbers(today),
                end,
                hall.server.rss_kb() / 1024,
                h.status_kb(hall.server.pid, ("RssAnon",)).get("RssAnon", 0) / 1024,
                fd_count(hall.server.pid),
                sum(h.rss_kb(p) for p in children(hall.server.pid)) / 1024,
            )
        )
        print(
            f"  day {day + 1}: {len(today)} calls, RSS {end:.0f} → {days[-1].rss_idle_mb:.0f} MB",
            file=sys.stderr,
        )
    found = await wrap_up(hall, args)
    table = h.Table(
        [
            "day",
            "calls",
            "lowest number called",
            "RSS end of day MB",
            "RSS after idle MB",
            "of it RssAnon MB",
            "fds",
            "children RSS MB",
        ]
    )
    for d in days:
        table.add(
            d.day,
            d.calls,
            d.first_numbers,
            d.rss_end_mb,
            d.rss_idle_mb,
            d.anon_idle_mb,
            d.fds,
            d.children_rss_mb,
        )
    extra = [
        f"The week: each day from 08:00 ({TIMEZONE}) of the server's shifted clock, "
        f"{args.day_minutes} × {args.interval:.0f} s busy, lines drained, {args.idle:.0f} s idle; "
        "then the clock jumps to the next morning:",
        "",
        table.render(),
        "",
        *(traces.growth() if traces is not None else []),
    ]
    return found, extra, {"days": [vars(d) for d in days]}


class Traces:
    """tracemalloc snapshots of the server at the end of each day (`--tracemalloc`): SIGUSR1
    makes bench/whatif/sitecustomize.py dump snap-N.pickle into the folder."""

    def __init__(self, folder: Path, pid: int) -> None:
        self.folder = folder
        self.pid = pid
        self.taken = 0

    async def take(self) -> None:
        self.taken += 1
        path = self.folder / f"snap-{self.taken}.pickle"
        os.kill(self.pid, signal.SIGUSR1)
        size = -1
        for _ in range(600):  # written by the server's main thread; done when it stops growing
            await asyncio.sleep(0.5)
            if path.exists() and path.stat().st_size == size:
                return
            size = path.stat().st_size if path.exists() else -1

    def growth(self, top: int = 12) -> list[str]:
        """The lines whose traced memory grew most from the first snapshot to the last."""
        import tracemalloc

        if self.taken < 2:
            return []
        first = tracemalloc.Snapshot.load(str(self.folder / "snap-1.pickle"))
        last = tracemalloc.Snapshot.load(str(self.folder / f"snap-{self.taken}.pickle"))
        table = h.Table(["where", "grew KB", "blocks"])
        for stat in last.compare_to(first, "lineno")[:top]:
            frame = stat.traceback[0]
            table.add(
                f"{frame.filename.split('/site-packages/')[-1]}:{frame.lineno}",
                stat.size_diff / 1024,
                stat.count_diff,
            )
        total = sum(s.size for s in last.statistics("filename")) - sum(
            s.size for s in first.statistics("filename")
        )
        return [
            f"tracemalloc, end of day 1 → end of day {self.taken}: traced memory grew "
            f"{total / 1024:,.0f} KB; the lines that grew most:",
            "",
            table.render(),
            "",
        ]


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        counters=args.counters,
        displays=args.displays,
        phones=args.phones,
        line=args.line,
        drop=args.drop,
        interval=args.interval,
        audio_timeout=args.audio_timeout,
        audio_connections=args.audio_connections,
        workers=args.workers,
    )


def start_server(
    args: argparse.Namespace, folder: Path, clock: ShiftedClock | None
) -> tuple[h.Server, h.Server | None]:
    config = folder / "site.toml"
    config.write_text(site_toml(args.counters))
    env = {
        "PYTHONPATH": str(SERVER_PATH),
        "LOKET_AUDIO_CACHE": str(folder / "audio"),
        "LOKET_TICKET_RATE": "0",
        **h.env_pairs(args.server_env),
    }
    if clock is not None:
        env["BENCH_CLOCK_FILE"] = str(clock.path)
        env["BENCH_MAINTAIN_S"] = str(args.maintain)
    if args.tracemalloc:
        (folder / "trace").mkdir()
        env.update(BENCH_WHATIF="tracemalloc", BENCH_TRACEMALLOC=str(folder / "trace"))
    redis = h.start_redis("everysec") if args.store == "redis" else None
    store = f"redis://127.0.0.1:{redis.port}/0" if redis is not None else None
    try:
        return h.start_loket(env, store, ["--config", str(config)]), redis
    except BaseException:
        if redis is not None:
            redis.stop()
        raise


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = h.bench_parser(
        __doc__, "3 × 10 s, 10 counters, 40 displays, 60 phones, half of them dropped every 10 s"
    )
    parser.add_argument("--week", action="store_true", help="the simulated week")
    parser.add_argument("--minutes", type=int, help="busy intervals (default 10)")
    parser.add_argument("--interval", type=float, help="seconds per reported 'minute' (60)")
    parser.add_argument("--counters", type=int, help="counters, each calling every 1–3 s (30)")
    parser.add_argument("--displays", type=int, help="display sockets (300)")
    parser.add_argument("--phones", type=int, help="phones open at once (500)")
    parser.add_argument("--line", type=int, help="people kept waiting per service (150)")
    parser.add_argument("--drop", type=float, help="share of sockets dropped per interval (0.05)")
    parser.add_argument("--days", type=int, default=7, help="--week: days (7)")
    parser.add_argument("--day-minutes", type=int, default=1, help="--week: intervals a day (1)")
    parser.add_argument("--idle", type=float, help="idle seconds after the load / each day (30)")
    parser.add_argument(
        "--maintain",
        type=float,
        default=10.0,
        help="--week: seconds between the server's store maintenance runs (10)",
    )
    parser.add_argument(
        "--audio-timeout",
        type=float,
        default=120.0,
        help="seconds a call's audio is fetched for before it counts as missing",
    )
    parser.add_argument("--audio-drain", type=float, help="seconds to wait for audio at the end")
    parser.add_argument(
        "--audio-connections", type=int, default=200, help="audio fetches at once (200)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="--week: trace the server's allocations, snapshot at each day's end (slow)",
    )
    parser.add_argument("--store", choices=["sqlite", "redis"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="client processes (2)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    quick = args.quick
    defaults: dict[str, Any] = {
        "minutes": 3 if quick else 10,
        "interval": 10.0 if quick else 60.0,
        "counters": 10 if quick else 30,
        "displays": 40 if quick else 300,
        "phones": 60 if quick else 500,
        "line": 30 if quick else 150,
        "drop": 0.5 if quick else 0.05,
        "idle": 3.0 if quick else 30.0,
        "audio_drain": 10.0 if quick else 60.0,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


async def run(args: argparse.Namespace, pool: Pool, folder: Path) -> int:
    clock = ShiftedClock(folder) if args.week else None
    if clock is not None:
        clock.set_day(0, None)
    server, redis = start_server(args, folder, clock)
    hall = Hall(server, pool, settings_from(args))
    try:
        if clock is not None:
            traces = Traces(folder / "trace", server.pid) if args.tracemalloc else None
            found, extra, more = await run_week(hall, args, clock, traces)
            title = "soak --week"
        else:
            found, extra, more = await run_day(hall, args)
            title = "soak"
        print(report(hall, found, title, extra))
        if args.json:
            args.json.write_text(json.dumps(figures(hall, found, more), indent=1, default=str))
        return 1 if found.failures() else 0
    finally:
        if hall.auditor.client is not None:
            hall.auditor.client.close()
        server.stop()
        if redis is not None:
            redis.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    random.seed(args.seed)
    h.raise_nofile()
    started = time.monotonic()
    pool = Pool(args.workers, args.seed)  # forked before any loop or thread exists here
    folder = Path(tempfile.mkdtemp(prefix="loket-soak-"))
    try:
        status = asyncio.run(run(args, pool, folder))
    finally:
        pool.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main())
