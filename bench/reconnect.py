"""Reconnect: how fast displays that lost their socket are whole again (CONTRACT section 4).

1. Reconnect storm. For each N (1,000 and 5,000), a fresh `loket serve` (SQLite in a
   temporary directory); N lean display sockets (spread over client worker processes)
   connect and take their snapshot at seq S. Then, STORMS times (3):

     - every display closes its socket at once; the server is let settle;
     - 20 tickets are issued (POST /tickets), seq S+1 … S+20;
     - t0; every display reconnects at once (no gate, no jitter); on its snapshot it sends
       {"type": "resume", "epoch": E, "seq": its last seq} and counts the events S+1 … S+20
       as they come (replayed or live, in order).

   Per storm: time from t0 to each display's snapshot and to its last missed event —
   p50 over displays and the max ("all caught up"); the server's peak VmRSS (sampled
   every 20 ms) against just before t0; server CPU; how many displays got a fresh
   snapshot in answer to resume (should be 0), error messages, connections that failed or
   dropped, displays not caught up within the time limit, and the kernel's listen-queue
   overflows meanwhile (a SYN dropped there costs the client a 1 s retransmission).

2. Resume of 100 missed events. A fresh server with ~130 events (tickets issued and
   called). A display connects, takes its snapshot at seq X and sends resume(E, X − 100):
   time from just before the resume leaves to the arrival of the 100th replayed event.
   One display at a time (RESUMES times), then 10 displays at once (rounds of 10: all
   connect, then all send resume back to back; each timed from its own send).

Timestamps are CLOCK_MONOTONIC (time.monotonic_ns), one clock for every process here.

    .venv/bin/python bench/reconnect.py            # N = 1,000 and 5,000; ~2-3 minutes
    .venv/bin/python bench/reconnect.py --quick    # N = 200; < 30 s

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import multiprocessing.connection
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

SITE_PATH = "/ws/display/demo"
STATE = h.http_request("GET", "/api/v1/sites/demo/state")
ISSUE = h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": "A"})
MISSED = 20  # events while the displays are away
STORM_TIMEOUT = 60.0  # seconds a storm may take before the stragglers count as not caught up
BEHIND = 100  # events a resuming display has missed, in part 2
seq_of = h.seq_of
kind_of = h.kind_of


# -- client worker process ---------------------------------------------------------------


class Display:
    """One display's bookkeeping; `on_text` sees every message of its current socket."""

    __slots__ = (
        "worker",
        "client",
        "last_seq",
        "target",
        "expect",
        "storming",
        "resume",
        "t_snapshot",
        "t_caught",
        "fresh",
        "errors",
        "replayed",
        "live",
        "disorder",
        "dropped",
    )

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.client: h.WsClient | None = None
        self.last_seq = -1
        self.arm("", -1)
        self.storming = False  # first connection: take the snapshot's seq, send nothing

    def arm(self, resume: str, target: int) -> None:
        self.resume = resume
        self.target = target
        self.expect = self.last_seq + 1
        self.storming = True
        self.t_snapshot = self.t_caught = 0
        self.fresh = self.errors = self.replayed = self.live = self.disorder = 0
        self.dropped = False

    def on_text(self, client: h.WsClient, data: bytes, t: int) -> None:
        kind = kind_of(data)
        if kind == b"snapshot":
            seq = seq_of(data)
            if not self.t_snapshot:  # the snapshot every connection starts with
                self.t_snapshot = t
                if self.storming and self.resume:
                    client.send_text(f"{self.resume}{self.last_seq}}}")  # resume(E, last seq)
                    return
                self.last_seq = seq  # first connection, or the control: the snapshot is all
                self.expect = seq + 1
                self._check(t)
                return
            self.fresh += 1  # a snapshot in answer to resume: the display starts over there
            self.last_seq = max(self.last_seq, seq)
            self.expect = seq + 1
            self._check(t)
            return
        if kind in (b"error", b"pong"):
            self.errors += kind == b"error"
            return
        seq = seq_of(data)
        if seq < self.expect:
            return  # already seen
        if seq > self.expect:
            self.disorder += 1  # a gap: should never happen
            return
        self.expect = seq + 1
        self.last_seq = seq
        if data.endswith(b',"replayed":true}'):
            self.replayed += 1
        else:
            self.live += 1
        self._check(t)

    def _check(self, t: int) -> None:
        if self.last_seq >= self.target and self.storming and not (self.t_caught or self.dropped):
            self.t_caught = t
            self.worker.caught_one()

    def lost(self, client: h.WsClient) -> None:
        if client is self.client and self.storming and not self.t_caught and not self.dropped:
            self.dropped = True
            self.worker.caught_one()  # it will not be: stop waiting for it

    def row(self) -> tuple[int, ...]:
        return (
            self.t_snapshot,
            self.t_caught,
            self.fresh,
            self.errors,
            self.replayed,
            self.live,
            self.disorder,
            int(self.dropped),
        )


class Worker(h.PipeWorker):
    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        super().__init__(conn)
        self.displays: list[Display] = []
        self.remaining = 0
        self.all_caught: asyncio.Future[None] | None = None

    async def finish(self) -> None:
        await self._disconnect()

    def _command(self) -> None:
        message = self.conn.recv()
        kind = message[0]
        if kind == "stop":
            self.stop()
            return
        job = {"connect": self._connect, "disconnect": self._disconnect_ack, "storm": self._storm}
        self.spawn(job[kind](*message[1:]))

    async def _open(self, display: Display, port: int) -> None:
        client = await h.open_ws(port, SITE_PATH, display.on_text, timeout=STORM_TIMEOUT)
        display.client = client
        client.closed.add_done_callback(lambda _: display.lost(client))

    async def _connect(self, port: int, n: int) -> None:
        """First connection, gated (100 at a time): not measured."""
        gate = asyncio.Semaphore(100)
        errors: list[BaseException] = []

        async def one() -> None:
            display = Display(self)
            async with gate:
                try:
                    await self._open(display, port)
                except Exception as error:  # counted and reported
                    errors.append(error)
                    return
            self.displays.append(display)

        await asyncio.gather(*(one() for _ in range(n)))
        examples = [repr(e) for e in errors[:3]]
        self.conn.send(("connected", len(self.displays), len(errors), examples))

    async def _disconnect(self) -> int:
        waits = []
        for display in self.displays:
            display.storming = False
            if display.client is not None:
                display.client.close()
                waits.append(display.client.closed)
                display.client = None
        if waits:
            await asyncio.wait(waits, timeout=30)
        return len(waits)

    async def _disconnect_ack(self, forget: bool = False) -> None:
        count = await self._disconnect()
        if forget:  # done with this server
            self.displays.clear()
        self.conn.send(("disconnected", count))

    def caught_one(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0 and self.all_caught is not None and not self.all_caught.done():
            self.all_caught.set_result(None)

    async def _storm(self, port: int, epoch: str, target: int, resumes: bool) -> None:
        """Every display reconnects at once and resumes from its last seq (or, as the
        control, takes its snapshot and nothing else)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STORM_TIMEOUT
        resume = '{"type":"resume","epoch":' + json.dumps(epoch) + ',"seq":' if resumes else ""
        self.all_caught = loop.create_future()
        self.remaining = len(self.displays)
        for display in self.displays:
            display.arm(resume, target)
        if not self.displays:
            self.all_caught.set_result(None)
        opened = await asyncio.gather(
            *(self._open(display, port) for display in self.displays), return_exceptions=True
        )
        failed = [error for error in opened if isinstance(error, BaseException)]
        for display, error in zip(self.displays, opened, strict=True):
            if isinstance(error, BaseException) and not display.t_caught:
                display.dropped = True
                self.caught_one()
        try:
            left = max(0.1, deadline - loop.time())
            await asyncio.wait_for(asyncio.shield(self.all_caught), left)
        except TimeoutError:
            pass
        rows = [display.row() for display in self.displays]
        for display in self.displays:
            display.storming = False
        self.conn.send(("storm", rows, len(failed), [repr(e) for e in failed[:3]]))


class Pool(h.WorkerPool):
    def __init__(self, workers: int) -> None:
        super().__init__(workers, Worker.process_main, stop_timeout=40)

    def ask(self, messages: list[tuple[Any, ...]], timeout: float) -> list[Any]:
        for pipe, message in zip(self.pipes, messages, strict=True):
            pipe.send(message)
        return [self.recv(pipe, timeout) for pipe in self.pipes]

    def all(self, message: tuple[Any, ...], timeout: float) -> list[Any]:
        return self.ask([message] * len(self.pipes), timeout)

    def cpu_seconds(self) -> float:
        return sum(h.cpu_seconds(p.pid) for p in self.processes if p.pid is not None)


# -- controller --------------------------------------------------------------------------


def state(port: int) -> tuple[str, int]:
    http = h.SyncHttp(port)
    try:
        status, body = http.request(STATE)
    finally:
        http.close()
    assert status == 200, body
    snapshot = json.loads(body)
    return str(snapshot["epoch"]), int(snapshot["seq"])


def issue(port: int, count: int, token: str | None = None) -> None:
    """`count` tickets, or with a token a mix: issue, issue, call-next at counter 1 or 2."""
    http = h.SyncHttp(port)
    calls = [
        h.http_request("POST", f"/api/v1/sites/demo/counters/{c}/call-next", token=token)
        for c in "12"
    ]
    try:
        for i in range(count):
            raw = calls[i // 3 % 2] if token and i % 3 == 2 else ISSUE
            status, body = http.request(raw)
            if status not in (200, 201):
                raise RuntimeError(f"{status} {body[:200]!r}")
    finally:
        http.close()


@dataclass
class Storm:
    snapshot_ms: list[float]
    caught_ms: list[float]
    rss_before_kb: int
    rss_peak_kb: int
    hwm_kb: int
    server_cpu_s: float
    clients_cpu_s: float
    fresh: int
    errors: int
    failed: int
    not_caught: int
    disorder: int
    replayed: int
    live: int
    overflows: int
    failures: list[str] = field(default_factory=list)


def storm(pool: Pool, server: h.Server, epoch: str, resumes: bool) -> Storm:
    pool.all(("disconnect",), 60)
    h.wait_idle(server.pid)
    issue(server.port, MISSED)
    _, target = state(server.port)
    h.wait_idle(server.pid)
    rss_before = server.rss_kb()
    cpu0, clients0, overflows0 = h.cpu_seconds(server.pid), pool.cpu_seconds(), h.listen_overflows()
    sampler = h.RssPeak(server.pid).start()
    t0 = h.now_ns()
    answers = pool.all(("storm", server.port, epoch, target, resumes), STORM_TIMEOUT + 60)
    peak = sampler.stop()
    cpu = h.cpu_seconds(server.pid) - cpu0
    clients = pool.cpu_seconds() - clients0
    overflows = h.listen_overflows() - overflows0
    rows = [row for answer in answers for row in answer[1]]
    caught = [(r[1] - t0) / 1e6 for r in rows if r[1]]
    return Storm(
        snapshot_ms=[(r[0] - t0) / 1e6 for r in rows if r[0]],
        caught_ms=caught,
        rss_before_kb=rss_before,
        rss_peak_kb=peak,
        hwm_kb=h.status_kb(server.pid)["VmHWM"],
        server_cpu_s=cpu,
        clients_cpu_s=clients,
        fresh=sum(r[2] for r in rows),
        errors=sum(r[3] for r in rows),
        failed=sum(answer[2] for answer in answers),
        not_caught=len(rows) - len(caught),
        disorder=sum(r[6] for r in rows),
        replayed=sum(r[4] for r in rows),
        live=sum(r[5] for r in rows),
        overflows=overflows,
        failures=[f for answer in answers for f in answer[3]],
    )


@dataclass
class StormResult:
    n: int
    connected: int
    storms: list[Storm]  # displays resume
    controls: list[Storm]  # displays take the snapshot only


def measure_storms(pool: Pool, n: int, count: int, env: dict[str, str]) -> StormResult:
    server = h.start_loket(env)
    try:
        issue(server.port, 5)  # some history, and the first requests' lazy imports
        epoch, seq = state(server.port)
        started = time.monotonic()
        answers = pool.ask([("connect", server.port, share) for share in pool.shares(n)], 300)
        connected = sum(a[1] for a in answers)
        failures = sum(a[2] for a in answers)
        print(
            f"  N={n}: {connected} displays at seq {seq} in {time.monotonic() - started:.1f} s"
            + (f"; {failures} failed, e.g. {answers[0][3] or answers[-1][3]}" if failures else ""),
            file=sys.stderr,
        )
        found: dict[bool, list[Storm]] = {True: [], False: []}
        for i in range(count):
            for resumes in (True, False) if i % 2 == 0 else (False, True):
                result = storm(pool, server, epoch, resumes)
                print(
                    f"  N={n} {'resume' if resumes else 'control'} {i + 1}: all caught up in "
                    f"{max(result.caught_ms, default=0):.0f} ms (p50 "
                    f"{h.median(result.caught_ms):.0f}); fresh {result.fresh}, failed "
                    f"{result.failed}, not caught {result.not_caught}, overflows "
                    f"{result.overflows}"
                    + (f"; e.g. {result.failures[:2]}" if result.failures else ""),
                    file=sys.stderr,
                )
                found[resumes].append(result)
        pool.all(("disconnect", True), 60)
        return StormResult(n, connected, found[True], found[False])
    finally:
        server.stop()


# -- part 2: resume of 100 missed events --------------------------------------------------


class Resumer:
    """A display that, once told, resumes from `behind` events back and times the replay."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.snapshot_seq = -1
        self.t_snapshot = 0
        self.t_sent = 0
        self.replayed = 0
        self.fresh = 0
        self.errors = 0
        self.bytes = 0
        self.needed = 0
        self.done: asyncio.Future[int] = loop.create_future()

    def on_text(self, _client: h.WsClient, data: bytes, t: int) -> None:
        kind = kind_of(data)
        if kind == b"snapshot":
            if self.snapshot_seq < 0:
                self.snapshot_seq = seq_of(data)
                self.t_snapshot = t
            else:
                self.fresh += 1
                if not self.done.done():
                    self.done.set_result(t)
        elif kind == b"error":
            self.errors += 1
        elif data.endswith(b',"replayed":true}'):
            self.replayed += 1
            self.bytes += len(data)
            if self.replayed == self.needed and not self.done.done():
                self.done.set_result(t)


@dataclass
class ResumeResult:
    case: str
    width: int
    resume_ms: list[float] = field(default_factory=list)
    snapshot_ms: list[float] = field(default_factory=list)
    last_of_round_ms: list[float] = field(default_factory=list)
    fresh: int = 0
    errors: int = 0
    incomplete: int = 0
    event_bytes: int = 0


async def resume_rounds(port: int, epoch: str, rounds: int, width: int) -> ResumeResult:
    result = ResumeResult(f"{width} displays at once" if width > 1 else "1 display", width)
    for _ in range(rounds):
        displays = [Resumer() for _ in range(width)]
        t_open = h.now_ns()
        clients = await asyncio.gather(
            *(h.open_ws(port, SITE_PATH, d.on_text, timeout=10) for d in displays)
        )
        for display in displays:
            display.needed = BEHIND
            result.snapshot_ms.append((display.t_snapshot - t_open) / 1e6)
        for client, display in zip(clients, displays, strict=True):
            message = {"type": "resume", "epoch": epoch, "seq": display.snapshot_seq - BEHIND}
            display.t_sent = h.now_ns()
            client.send_text(json.dumps(message))
        await asyncio.wait([d.done for d in displays], timeout=10)
        ends = []
        for display in displays:
            result.fresh += display.fresh
            result.errors += display.errors
            if display.done.done() and not display.fresh:
                result.resume_ms.append((display.done.result() - display.t_sent) / 1e6)
                ends.append(display.done.result())
                result.event_bytes = display.bytes // BEHIND
            else:
                result.incomplete += 1
        if ends and len(ends) == width:
            result.last_of_round_ms.append((max(ends) - displays[0].t_sent) / 1e6)
        for client in clients:
            client.close()
        await asyncio.wait([c.closed for c in clients], timeout=5)
    return result


def measure_resume(resumes: int, rounds10: int, env: dict[str, str]) -> list[ResumeResult]:
    server = h.start_loket(env)
    try:
        token = h.login(server.port)
        issue(server.port, BEHIND + 30, token)  # issued and called tickets: real event sizes
        epoch, seq = state(server.port)
        assert seq > BEHIND, seq

        async def run() -> list[ResumeResult]:
            await resume_rounds(server.port, epoch, 3, 1)  # warm-up
            single = await resume_rounds(server.port, epoch, resumes, 1)
            several = await resume_rounds(server.port, epoch, rounds10, 10)
            return [single, several]

        return asyncio.run(run())
    finally:
        server.stop()


# -- report ------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return h.median(values) if values else float("nan")


def report(storms: list[StormResult], resumes: list[ResumeResult], args: argparse.Namespace) -> str:
    summary = h.Table(
        [
            "N",
            "displays",
            "storms",
            "caught up p50 ms",
            "all caught up (max) ms",
            "snapshot p50 ms",
            "snapshot max ms",
            "RSS before MB",
            "peak RSS MB",
            "peak − before MB",
            "server CPU s",
            "clients CPU s",
            "fresh snapshots",
            "failed / dropped",
            "not caught up",
            "listen overflows",
        ]
    )
    detail = h.Table(
        [
            "N",
            "displays",
            "storm",
            "caught up p50 ms",
            "max ms",
            "snapshot p50 ms",
            "snapshot max ms",
            "peak − before MB",
            "VmHWM MB",
            "server CPU s",
            "replayed / live",
            "errors",
            "gaps",
            "overflows",
        ]
    )
    for result in storms:
        for mode, ss in (("resume", result.storms), ("snapshot only", result.controls)):
            if not ss:
                continue
            summary.add(
                f"{result.n:,}"
                + ("" if result.connected == result.n else f" ({result.connected:,})"),
                mode,
                len(ss),
                med([med(s.caught_ms) for s in ss]),
                med([max(s.caught_ms, default=float("nan")) for s in ss]),
                med([med(s.snapshot_ms) for s in ss]),
                med([max(s.snapshot_ms, default=float("nan")) for s in ss]),
                med([s.rss_before_kb / 1024 for s in ss]),
                med([s.rss_peak_kb / 1024 for s in ss]),
                med([(s.rss_peak_kb - s.rss_before_kb) / 1024 for s in ss]),
                med([s.server_cpu_s for s in ss]),
                med([s.clients_cpu_s for s in ss]),
                sum(s.fresh for s in ss),
                sum(s.failed for s in ss),
                sum(s.not_caught for s in ss),
                sum(s.overflows for s in ss),
            )
            for i, s in enumerate(ss, 1):
                detail.add(
                    result.n,
                    mode,
                    i,
                    med(s.caught_ms),
                    max(s.caught_ms, default=float("nan")),
                    med(s.snapshot_ms),
                    max(s.snapshot_ms, default=float("nan")),
                    (s.rss_peak_kb - s.rss_before_kb) / 1024,
                    s.hwm_kb / 1024,
                    s.server_cpu_s,
                    f"{s.replayed:,} / {s.live:,}",
                    s.errors,
                    s.disorder,
                    s.overflows,
                )
    resume = h.Table(
        [
            "resuming",
            "samples",
            "resume → 100th p50 ms",
            "p99 ms",
            "max ms",
            "last of 10 p50 ms",
            "connect → snapshot p50 ms",
            "fresh snapshots",
            "errors / incomplete",
        ]
    )
    for r in resumes:
        resume.add(
            r.case,
            len(r.resume_ms),
            med(r.resume_ms),
            h.percentile(r.resume_ms, 99),
            max(r.resume_ms, default=float("nan")),
            med(r.last_of_round_ms) if r.width > 1 else "—",
            med(r.snapshot_ms),
            r.fresh,
            f"{r.errors} / {r.incomplete}",
        )
    size = next((r.event_bytes for r in resumes if r.event_bytes), 0)
    return h.paragraphs(
        [
            f"reconnect — {h.machine_line()}",
            f"{args.workers} client worker processes; lean RFC 6455 displays",
            *([f"loket serve env: {' '.join(args.server_env)}"] if args.server_env else []),
        ],
        f"Reconnect storm: N displays close at once, {MISSED} tickets are issued, all N "
        "reconnect at once\n"
        "and each sends resume(epoch, last seq) after its snapshot (control, interleaved: "
        "the same storm,\n"
        "snapshot only, no resume). Times from the start of the reconnect; medians over "
        "the storms\n"
        "(fresh snapshots, failures, not caught up, overflows: sums):",
        summary,
        "Each storm:",
        detail,
        f"Resume of {BEHIND} missed events (mean replayed event {size} B): from just before "
        f"resume(E, seq − {BEHIND}) leaves\n"
        "to the arrival of the 100th replayed event (10 at once: each from its own send):",
        resume,
        "Targets: none set. Expected: 0 fresh snapshots, 0 failed, 0 not caught up, 0 gaps.",
    )


def main() -> None:
    parser = h.bench_parser(__doc__, "N=200, 2 storms, 30 resumes")
    parser.add_argument("--n", type=int, nargs="*", help="display counts (default 1000 5000)")
    parser.add_argument("--storms", type=int, help="storms per N (default 3)")
    parser.add_argument("--resumes", type=int, help="single resumes (default 200)")
    parser.add_argument("--rounds10", type=int, help="rounds of 10 resumes (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    args = parser.parse_args()
    counts = args.n or ([200] if args.quick else [1000, 5000])
    storms_per_n = args.storms or (2 if args.quick else 3)
    resumes = args.resumes or (30 if args.quick else 200)
    rounds10 = args.rounds10 or (3 if args.quick else 20)
    env = h.env_pairs(args.server_env)

    h.raise_nofile()
    pool = Pool(args.workers)
    started = time.monotonic()
    storms: list[StormResult] = []
    try:
        for n in counts:
            print(f"N={n} …", file=sys.stderr)
            storms.append(measure_storms(pool, n, storms_per_n, env))
    finally:
        pool.stop()
    print("resume …", file=sys.stderr)
    resumed = measure_resume(resumes, rounds10, env)
    print(report(storms, resumed, args))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "storms": [
                        {
                            "n": s.n,
                            "connected": s.connected,
                            "storms": [vars(x) for x in s.storms],
                            "controls": [vars(x) for x in s.controls],
                        }
                        for s in storms
                    ],
                    "resume": [vars(r) for r in resumed],
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
