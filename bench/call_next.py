"""Durable call-next throughput, and how long the server's event loop stalls meanwhile.

One fresh `loket serve` (SQLite with WAL + synchronous=FULL in a temporary directory on
the real disk) and, as a control, the floor server (bench/_floor_server.py). Phases:

  idle            nothing but the pings, to see the quiet baseline
  issue ×1        one client issues tickets as fast as it can (services A:B:C ≈ 55:29:16)
  issue ×8        eight clients issue; this also fills the queues for the next phase
  call-next ×1    one client at counter 6 (serves A, B and C)
  call-next ×8    eight clients over the six counters: 1, 2, 3, 4, 5, 6, 1, 2 — counters
                  1 and 2 (service A, the most tickets) each have two clients, as two staff
                  sharing a desk; every call-next there closes the counter's current ticket
                  (ticket.done) and calls the next (ticket.called), as the contract says

Each timed phase runs ~5 s (1 s with --quick) and is also bounded in requests; a client
stops early if its counter's queue runs dry (409 queue_empty, shown as "drained"). The
queues are topped up (untimed) before each call-next phase. Every client holds one
keep-alive connection and sends pre-built HTTP/1.1 requests, so the client side costs as
little as it can; latency is per request, send to full reply.

Stalls: the server cannot be changed, so a separate process opens a display socket to
Loket and one to the floor and sends `{"type": "ping", "t": k}` on each every 2 ms during
every phase. For consecutive pongs, "gap beyond interval" is (gap between the two pongs
received) − (gap between the two pings sent): a stall of S ms in the server's loop shows
as a pong S ms late. The floor, idle in the same run on the same machine, is the control:
what it shows is the machine's and the client's own noise. (Loket's display socket also
carries every event of the phase; the floor's does not.)

    .venv/bin/python bench/call_next.py            # ~1.5 minutes
    .venv/bin/python bench/call_next.py --quick    # < 30 s
    .venv/bin/python bench/call_next.py --before REV --rounds 4
        # another revision's server and this checkout's, alternating, side by side: the
        # medians over the rounds of each phase's rate and p99

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import multiprocessing
import multiprocessing.connection
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

SITE = "demo"
PING_INTERVAL = 0.002  # seconds between pings on each socket
ISSUE_MIX = "AABABACAABABAACBABAC"  # 20 slots: A 11, B 6, C 3 (≈ 55:29:16)
COUNTERS_1 = ["6"]
COUNTERS_8 = ["1", "2", "3", "4", "5", "6", "1", "2"]


# -- the pinger process ---------------------------------------------------------------------


class Pinger:
    """Pings a Loket display socket and a floor display socket every 2 ms, on command."""

    def __init__(self, conn: multiprocessing.connection.Connection, ports: dict[str, int]):
        self.conn = conn
        self.ports = ports
        self.sockets: dict[str, h.WsClient] = {}
        self.sent: dict[str, dict[int, int]] = {}
        self.received: dict[str, dict[int, int]] = {}
        self.events: dict[str, int] = {}
        self.late_ns: list[int] = []  # how late the pinger itself sent, vs its schedule
        self.running: asyncio.Task[None] | None = None
        self.done: asyncio.Future[None] | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        for name, port in self.ports.items():
            self.sockets[name] = await h.open_ws(
                port, f"/ws/display/{SITE}", lambda _c, data, t, n=name: self._text(n, data, t)
            )
        loop.add_reader(self.conn.fileno(), self._command)
        self.conn.send(("ready",))
        await self.done
        loop.remove_reader(self.conn.fileno())
        for socket in self.sockets.values():
            socket.close()

    def _text(self, name: str, data: bytes, t: int) -> None:
        if b'"type":"pong"' not in data:
            self.events[name] = self.events.get(name, 0) + 1
            return
        k = json.loads(data)["data"]["client"]
        if isinstance(k, int) and name in self.received:
            self.received[name].setdefault(k, t)

    def _command(self) -> None:
        message = self.conn.recv()
        if message[0] == "start":
            self.sent = {name: {} for name in self.sockets}
            self.received = {name: {} for name in self.sockets}
            self.events = {name: 0 for name in self.sockets}
            self.late_ns = []
            self.running = asyncio.get_running_loop().create_task(self._ping(message[1]))
        elif message[0] == "stop":
            asyncio.get_running_loop().create_task(self._stop())
        elif message[0] == "exit":
            assert self.done is not None
            self.done.set_result(None)

    async def _ping(self, limit_s: float) -> None:
        start = time.monotonic_ns()
        step = int(PING_INTERVAL * 1e9)
        names = list(self.sockets)
        for k in range(int(limit_s / PING_INTERVAL) + 1):  # bounded even if "stop" never came
            due = start + k * step
            delay = due - time.monotonic_ns()
            if delay > 0:
                await asyncio.sleep(delay / 1e9)
            now = time.monotonic_ns()
            self.late_ns.append(max(0, now - due))
            for name in names if k % 2 == 0 else reversed(names):  # neither always first
                self.sent[name][k] = time.monotonic_ns()
                self.sockets[name].send_text(f'{{"type":"ping","t":{k}}}')

    async def _stop(self) -> None:
        if self.running is not None:
            self.running.cancel()
            try:
                await self.running
            except asyncio.CancelledError:
                pass
        await asyncio.sleep(0.2)  # the last pongs
        self.conn.send(("stats", {name: self._stats(name) for name in self.sockets}))

    def _stats(self, name: str) -> dict[str, float]:
        sent, received = self.sent[name], self.received[name]
        rtt = [(received[k] - sent[k]) / 1e6 for k in sent if k in received]
        extra = [
            ((received[k] - received[k - 1]) - (sent[k] - sent[k - 1])) / 1e6
            for k in sent
            if k in received and k - 1 in received
        ]
        return {
            "sent": len(sent),
            "lost": len(sent) - len(rtt),
            "rtt_p50": h.median(rtt),
            "rtt_p99": h.percentile(rtt, 99),
            "rtt_max": max(rtt, default=float("nan")),
            "gap_p99": h.percentile(extra, 99),
            "gap_max": max(extra, default=float("nan")),
            "events": self.events.get(name, 0),
            "self_late_p99": h.percentile([x / 1e6 for x in self.late_ns], 99),
            "self_late_max": max(self.late_ns, default=0) / 1e6,
        }


def pinger_main(conn: multiprocessing.connection.Connection, ports: dict[str, int]) -> None:
    asyncio.run(Pinger(conn, ports).run())


# -- load ---------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    clients: int
    ok: int = 0
    errors: int = 0
    drained: int = 0
    seconds: float = 0.0
    latency_ms: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    pings: dict[str, dict[str, float]] = field(default_factory=dict)
    bodies: list[bytes] | None = None  # a list here: every accepted answer is kept in it

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else float("nan")


async def load(
    port: int, requests: list[list[bytes]], seconds: float, budget: int, phase: Phase
) -> None:
    """One keep-alive connection per client; client i cycles through requests[i]."""
    connections = [await h.AsyncHttp.open(port) for _ in requests]
    left = [budget]
    deadline = time.perf_counter() + seconds

    async def client(http: h.AsyncHttp, mine: list[bytes]) -> None:
        for raw in itertools.cycle(mine):
            if left[0] <= 0 or time.perf_counter() >= deadline:
                return
            left[0] -= 1
            t = time.perf_counter_ns()
            status, body = await asyncio.wait_for(http.request(raw), 30)
            phase.latency_ms.append((time.perf_counter_ns() - t) / 1e6)
            if status in (200, 201):
                phase.ok += 1
                if phase.bodies is not None:
                    phase.bodies.append(body)
            elif status == 409 and b"queue_empty" in body:
                phase.drained += 1
                return  # this counter has nobody left to call
            else:
                phase.errors += 1
                if phase.errors > 100:
                    raise RuntimeError(f"too many errors, e.g. {status} {body[:200]!r}")

    started = time.perf_counter()
    try:
        await asyncio.gather(
            *(client(c, mine) for c, mine in zip(connections, requests, strict=True))
        )
    finally:
        phase.seconds = time.perf_counter() - started
        for connection in connections:
            connection.close()


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of the event loop's thread (the main one) and of all the others."""
    main, others = 0, 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            ns = int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if task.name == str(pid):
            main += ns
        else:
            others += ns
    return {"loop": main / 1e9, "others": others / 1e9}


def issue_requests(clients: int) -> list[list[bytes]]:
    raw = {
        s: h.http_request("POST", f"/api/v1/sites/{SITE}/tickets", {"service": s}) for s in "ABC"
    }
    # each client starts at a different place in the mix
    return [
        [raw[s] for s in ISSUE_MIX[i % len(ISSUE_MIX) :] + ISSUE_MIX[: i % len(ISSUE_MIX)]]
        for i in range(clients)
    ]


def call_requests(token: str, counters: list[str]) -> list[list[bytes]]:
    return [
        [h.http_request("POST", f"/api/v1/sites/{SITE}/counters/{c}/call-next", token=token)]
        for c in counters
    ]


def waiting(port: int) -> int:
    http = h.SyncHttp(port)
    try:
        status, body = http.request(h.http_request("GET", f"/api/v1/sites/{SITE}/state"))
    finally:
        http.close()
    return sum(json.loads(body)["data"]["waiting"].values())


def top_up(port: int, target: int) -> None:
    """Untimed: issue until `target` tickets wait (8 clients)."""
    missing = target - waiting(port)
    if missing > 0:
        asyncio.run(load(port, issue_requests(8), 120, missing, Phase("top-up", 8)))


class Bench:
    def __init__(
        self, quick: bool, server_env: dict[str, str] | None = None, root: Path = h.ROOT
    ) -> None:
        self.quick = quick
        self.seconds = 1.0 if quick else 5.0
        self.loket = h.start_loket(server_env, root=root)
        self.floor = h.start_floor()
        self.token = h.login(self.loket.port)
        ctx = multiprocessing.get_context("fork")
        self.pipe, theirs = ctx.Pipe()
        self.pinger = ctx.Process(
            target=pinger_main,
            args=(theirs, {"loket": self.loket.port, "floor": self.floor.port}),
            daemon=True,
        )
        self.pinger.start()
        if not self.pipe.poll(60):
            raise RuntimeError("the pinger did not connect")
        self.pipe.recv()

    def close(self) -> None:
        try:
            self.pipe.send(("exit",))
        except OSError:
            pass
        self.pinger.join(10)
        if self.pinger.is_alive():
            self.pinger.terminate()
        self.loket.stop()
        self.floor.stop()

    def top_up(self, target: int) -> None:
        top_up(self.loket.port, target)

    def phase(
        self, name: str, requests: list[list[bytes]], budget: int, seconds: float | None = None
    ) -> Phase:
        phase = Phase(name, len(requests))
        seconds = self.seconds if seconds is None else seconds
        cpu0 = thread_cpu(self.loket.pid)
        self.pipe.send(("start", seconds + 30))
        time.sleep(0.05)  # the pinger is up to speed
        began = time.monotonic()  # to line up with server-side logs (e.g. whatif gclog)
        if requests:
            asyncio.run(load(self.loket.port, requests, seconds, budget, phase))
        else:
            time.sleep(seconds)
            phase.seconds = seconds
        self.pipe.send(("stop",))
        if not self.pipe.poll(30):
            raise RuntimeError("the pinger did not report")
        phase.pings = self.pipe.recv()[1]
        cpu1 = thread_cpu(self.loket.pid)
        phase.cpu = {k: (cpu1[k] - cpu0[k]) / phase.seconds * 100 for k in cpu0}
        print(
            f"  {name}: {phase.ok} in {phase.seconds:.1f} s "
            f"(monotonic {began:.3f}–{began + phase.seconds:.3f})",
            file=sys.stderr,
        )
        time.sleep(0.3)
        return phase

    def run(self) -> list[Phase]:
        # expected headroom: calls/s × seconds, generously; a phase that drains says so
        calls_8 = 3_000 if self.quick else 24_000
        calls_1 = 1_500 if self.quick else 9_000
        phases = [self.phase("idle", [], 0, seconds=min(2.0, self.seconds))]
        phases.append(self.phase("issue ×1", issue_requests(1), 20_000))
        phases.append(self.phase("issue ×8", issue_requests(8), calls_8))
        self.top_up(calls_1)
        phases.append(self.phase("call-next ×1", call_requests(self.token, COUNTERS_1), calls_1))
        self.top_up(calls_8)
        phases.append(self.phase("call-next ×8", call_requests(self.token, COUNTERS_8), calls_8))
        return phases


def report(phases: list[Phase], seconds: float, server_env: list[str]) -> str:
    load_table = h.Table(
        [
            "phase",
            "clients",
            "done",
            "per s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "errors",
            "drained",
            "loket CPU % loop/other threads",
        ]
    )
    stall = h.Table(
        [
            "phase",
            "loket gap beyond interval p99/max ms",
            "floor (control) p99/max ms",
            "loket RTT p50/p99/max ms",
            "floor RTT p50/p99/max ms",
            "pinger's own lateness p99/max ms",
            "pongs lost loket/floor",
        ]
    )
    for phase in phases:
        if phase.clients:
            load_table.add(
                phase.name,
                phase.clients,
                phase.ok,
                phase.rate,
                h.median(phase.latency_ms),
                h.percentile(phase.latency_ms, 99),
                max(phase.latency_ms, default=float("nan")),
                phase.errors,
                phase.drained,
                f"{phase.cpu['loop']:.0f} / {phase.cpu['others']:.0f}",
            )
        lo, fl = phase.pings["loket"], phase.pings["floor"]
        stall.add(
            phase.name,
            f"{lo['gap_p99']:.2f} / {lo['gap_max']:.2f}",
            f"{fl['gap_p99']:.2f} / {fl['gap_max']:.2f}",
            f"{lo['rtt_p50']:.2f} / {lo['rtt_p99']:.2f} / {lo['rtt_max']:.2f}",
            f"{fl['rtt_p50']:.2f} / {fl['rtt_p99']:.2f} / {fl['rtt_max']:.2f}",
            f"{lo['self_late_p99']:.2f} / {lo['self_late_max']:.2f}",
            f"{lo['lost']}/{fl['lost']}",
        )
    return h.paragraphs(
        [
            f"call_next — {h.machine_line()}",
            f"timed phases of {seconds:.0f} s; SQLite WAL, synchronous=FULL, on the real disk",
            *([f"loket serve env: {' '.join(server_env)}"] if server_env else []),
        ],
        "Requests (one keep-alive connection per client; latency per request):",
        load_table,
        f"Event-loop stalls: pings every {PING_INTERVAL * 1000:.0f} ms on a display socket;\n"
        "gap beyond interval = (pong gap) − (ping gap). The floor is the control:",
        stall,
        "Targets: ≥ 2,000 durable calls/s; no stall over 5 ms.",
    )


def run_once(quick: bool, server_env: dict[str, str], root: Path = h.ROOT) -> list[Phase]:
    bench = Bench(quick, server_env, root)
    try:
        return bench.run()
    finally:
        bench.close()


def side_by_side(revision: str, rounds: int, quick: bool, server_env: dict[str, str]) -> str:
    """`revision`'s server and this checkout's, alternating; per phase the median (and
    range) over the rounds of the rate, and the median of the p50 and p99."""
    before = h.old_checkout(revision)
    runs: dict[str, list[list[Phase]]] = {"before": [], "after": []}
    for round_ in range(rounds):
        for label, root in (("before", before), ("after", h.ROOT)):
            runs[label].append(run_once(quick, server_env, root))
            print(f"round {round_ + 1}/{rounds}: {label} done", file=sys.stderr)
    table = h.Table(
        ["phase", f"per s {revision}", "per s now", "change", "p50 / p99 ms before", "now"]
    )
    for index, phase in enumerate(runs["after"][0]):
        if not phase.clients:
            continue
        rates = {k: [r[index].rate for r in v] for k, v in runs.items()}

        def ms(label: str, q: int, i: int = index) -> float:
            return h.median([h.percentile(r[i].latency_ms, q) for r in runs[label]])

        old, new = h.median(rates["before"]), h.median(rates["after"])
        table.add(
            phase.name,
            f"{old:,.0f} ({min(rates['before']):,.0f}–{max(rates['before']):,.0f})",
            f"{new:,.0f} ({min(rates['after']):,.0f}–{max(rates['after']):,.0f})",
            f"{(new - old) / old:+.0%}",
            f"{ms('before', 50):.1f} / {ms('before', 99):.1f}",
            f"{ms('after', 50):.1f} / {ms('after', 99):.1f}",
        )
    return table.render()


def main() -> None:
    parser = h.bench_parser(__doc__, "1 s phases (< 30 s in all)")
    parser.add_argument("--before", help="also run this revision's server, side by side")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    args = parser.parse_args()
    h.raise_nofile()
    started = time.monotonic()
    if args.before:
        print(side_by_side(args.before, args.rounds, args.quick, h.env_pairs(args.server_env)))
        print(f"\n(total {time.monotonic() - started:.0f} s)")
        return
    bench = Bench(args.quick, h.env_pairs(args.server_env))
    try:
        phases = bench.run()
    finally:
        bench.close()
    print(report(phases, bench.seconds, args.server_env))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "name": p.name,
                        "clients": p.clients,
                        "ok": p.ok,
                        "seconds": p.seconds,
                        "rate": p.rate,
                        "latency_p50": h.median(p.latency_ms),
                        "latency_p99": h.percentile(p.latency_ms, 99),
                        "cpu": p.cpu,
                        "pings": p.pings,
                    }
                    for p in phases
                ],
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
