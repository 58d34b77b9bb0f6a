"""Fan-out: how long until the LAST of N hall displays hears a new ticket, beside the floor.

For each N, a fresh `loket serve` (SQLite in a temporary directory) and a fresh floor server
(bench/_floor_server.py: bare `websockets` + broadcast(), compression off) run side by side.
N display sockets connect to each (spread over client worker processes) and wait for
their snapshots. Then rounds alternate between the two servers:

  loket: t0 just before `POST /api/v1/sites/demo/tickets` leaves the client; every
         display timestamps the moment its `ticket.issued` (matched by seq) arrives.
  floor: t0 just before a control-socket message makes the floor broadcast one message
         of the same size and shape.

Figures per N: p50/p99 over rounds of "last display received" (t_last − t0), the
p50 over rounds of the per-round median display, the first display, the POST's own reply
time, the server's CPU per delivered message, and the server's RSS per idle display:
(VmRSS with N idle displays − VmRSS before they connected) / N.

Timestamps are CLOCK_MONOTONIC (time.monotonic_ns), one clock for every process here.
The displays are a lean hand-written RFC 6455 reader in a bare asyncio.Protocol
(bench/_harness.py: WsClient) that takes the arrival time before parsing, so the client
side adds as little as it can; with `--client asyncio` they are the stock
`websockets.asyncio.client` (one task per socket), which costs the clients far more.

    .venv/bin/python bench/fanout.py            # N = 100, 1,000, 5,000; ~3-4 minutes
    .venv/bin/python bench/fanout.py --quick    # N = 100, a few rounds; < 30 s

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import multiprocessing.connection
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

SITE_PATH = "/ws/display/demo"
ROUND_TIMEOUT = 20.0  # seconds a round waits for its last display before counting it lost


# -- client worker process ---------------------------------------------------------------


class Group:
    """The displays of one worker connected to one server."""

    def __init__(self) -> None:
        self.displays: list[Any] = []
        self.marker_b = b""
        self.marker_s = ""
        self.arrivals: list[int] = []
        self.index: dict[int, int] = {}
        self.remaining = 0
        self.armed = False
        self.timer: asyncio.TimerHandle | None = None


class Worker(h.PipeWorker):
    def __init__(self, conn: multiprocessing.connection.Connection, client: str) -> None:
        super().__init__(conn)
        self.client = client
        self.groups: dict[str, Group] = {}

    async def finish(self) -> None:
        for group in self.groups.values():
            await self._close(group)

    # commands from the controller

    def _command(self) -> None:
        message = self.conn.recv()
        kind = message[0]
        if kind == "connect":
            self.spawn(self._connect(*message[1:]))
        elif kind == "arm":
            self._arm(*message[1:])
        elif kind == "close":
            self.spawn(self._close_and_ack(message[1]))
        elif kind == "stop":
            self.stop()

    async def _connect(self, key: str, port: int, n: int, concurrency: int) -> None:
        group = self.groups.setdefault(key, Group())
        gate = asyncio.Semaphore(concurrency)
        errors: list[str] = []
        started = time.monotonic()

        async def one() -> None:
            async with gate:
                try:
                    display = await self._open(group, port)
                except Exception as error:  # counted and reported
                    errors.append(repr(error))
                    return
                group.index[id(display)] = len(group.displays)
                group.displays.append(display)

        await asyncio.gather(*(one() for _ in range(n)))
        self.conn.send(
            ("connected", len(group.displays), errors[:3], len(errors), time.monotonic() - started)
        )

    async def _open(self, group: Group, port: int) -> Any:
        if self.client == "lean":
            return await h.open_ws(
                port, SITE_PATH, lambda display, data, t: self._arrived(group, display, data, t)
            )
        from websockets.asyncio.client import connect

        ws = await connect(
            f"ws://127.0.0.1:{port}{SITE_PATH}",
            compression=None,
            ping_interval=None,  # the server pings; answering is automatic
            open_timeout=60,
            max_size=2**20,
        )
        await asyncio.wait_for(ws.recv(), 60)  # the snapshot
        self.spawn(self._reader(group, ws))
        return ws

    async def _reader(self, group: Group, ws: Any) -> None:
        try:
            async for message in ws:
                t = time.monotonic_ns()
                self._arrived(group, ws, message, t)
        except Exception:  # a closed display just stops reading
            return

    def _arm(self, key: str, seq: int, timeout: float) -> None:
        group = self.groups[key]
        group.marker_b = b'"seq":%d,' % seq
        group.marker_s = f'"seq":{seq},'
        group.arrivals = [-1] * len(group.displays)
        group.remaining = len(group.displays)
        group.armed = True
        group.timer = asyncio.get_running_loop().call_later(timeout, self._report, group)
        self.conn.send(("armed",))

    def _arrived(self, group: Group, display: Any, data: bytes | str, t: int) -> None:
        if not group.armed:
            return
        marker = group.marker_b if isinstance(data, bytes) else group.marker_s
        if marker not in data:  # type: ignore[operator]
            return
        slot = group.index.get(id(display))
        if slot is None or group.arrivals[slot] != -1:
            return
        group.arrivals[slot] = t
        group.remaining -= 1
        if group.remaining == 0:
            self._report(group)

    def _report(self, group: Group) -> None:
        if not group.armed:
            return
        group.armed = False
        if group.timer is not None:
            group.timer.cancel()
            group.timer = None
        self.conn.send(("arrivals", group.arrivals))

    async def _close(self, group: Group) -> None:
        for display in group.displays:
            try:
                if self.client == "lean":
                    display.close()
                else:
                    await asyncio.wait_for(display.close(), 2)
            except Exception:  # closing anyway
                pass
        if self.client == "lean" and group.displays:
            waits = [display.closed for display in group.displays]
            await asyncio.wait(waits, timeout=10)
        group.displays.clear()
        group.index.clear()

    async def _close_and_ack(self, key: str) -> None:
        group = self.groups.pop(key, None)
        if group is not None:
            await self._close(group)
        self.conn.send(("closed",))


# -- controller ------------------------------------------------------------------------------


@dataclass
class Rounds:
    last_ms: list[float] = field(default_factory=list)
    median_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    lost: int = 0


class Pool(h.WorkerPool):
    def __init__(self, workers: int, client: str) -> None:
        super().__init__(workers, Worker.process_main, client, stop_timeout=30)

    def connect(self, key: str, port: int, n: int) -> tuple[int, float]:
        for pipe, share in zip(self.pipes, self.shares(n), strict=True):
            pipe.send(("connect", key, port, share, 100))
        return self.connected(f"{key} displays")

    def arm(self, key: str, seq: int) -> None:
        for pipe in self.pipes:
            pipe.send(("arm", key, seq, ROUND_TIMEOUT))
        for pipe in self.pipes:
            self.recv(pipe, 30)

    def arrivals(self) -> list[int]:
        found: list[int] = []
        for pipe in self.pipes:
            _, times = self.recv(pipe, ROUND_TIMEOUT + 30)
            found.extend(times)
        return found

    def close(self, key: str) -> None:
        for pipe in self.pipes:
            pipe.send(("close", key))
        for pipe in self.pipes:
            self.recv(pipe, 60)


class LoketTarget:
    key = "loket"

    def __init__(self, server: h.Server) -> None:
        self.server = server
        self.http = h.SyncHttp(server.port)
        status, body = self.http.request(h.http_request("GET", "/api/v1/sites/demo/state"))
        assert status == 200, body
        self.seq = int(json.loads(body)["seq"])
        self.post = h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": "A"})
        self.used = time.monotonic()

    def next_seq(self) -> int:
        return self.seq + 1

    def fire(self) -> tuple[int, float]:
        """Send the trigger; returns t0 and the POST's reply time (ms)."""
        if time.monotonic() - self.used > 3.0:  # uvicorn closes idle keep-alives after 5 s
            self.http.close()
            self.http = h.SyncHttp(self.server.port)
        self.seq += 1
        t0 = h.now_ns()
        self.http.send(self.post)
        status, body = self.http.read()
        reply = (h.now_ns() - t0) / 1e6
        self.used = time.monotonic()
        if status != 201:
            raise RuntimeError(f"issue failed: {status} {body[:200]!r}")
        return t0, reply

    def close(self) -> None:
        self.http.close()


class FloorTarget:
    key = "floor"

    def __init__(self, server: h.Server, size: int) -> None:
        from websockets.sync.client import connect

        self.server = server
        self.size = size
        self.seq = 0
        self._stack = contextlib.ExitStack()
        self.control = self._stack.enter_context(
            connect(f"ws://127.0.0.1:{server.port}/control", compression=None)
        )

    def next_seq(self) -> int:
        return self.seq + 1

    def fire(self) -> tuple[int, float]:
        self.seq += 1
        message = json.dumps({"type": "trigger", "seq": self.seq, "size": self.size})
        t0 = h.now_ns()
        self.control.send(message)
        return t0, float("nan")

    def close(self) -> None:
        self._stack.close()


def one_round(pool: Pool, target: LoketTarget | FloorTarget, into: Rounds) -> None:
    pool.arm(target.key, target.next_seq())
    t0, reply = target.fire()
    times = pool.arrivals()
    got = [(t - t0) / 1e6 for t in times if t != -1]
    into.lost += len(times) - len(got)
    if got:
        into.last_ms.append(max(got))
        into.first_ms.append(min(got))
        into.median_ms.append(h.median(got))
    into.reply_ms.append(reply)


def event_size(port: int) -> int:
    """The byte size of a real ticket.issued (the floor sends one just as big)."""

    async def probe() -> int:
        sizes: list[int] = []
        display = await h.open_ws(
            port,
            SITE_PATH,
            lambda _d, data, _t: sizes.append(len(data)) if b"ticket.issued" in data else None,
        )
        http = await h.AsyncHttp.open(port)
        await http.request(h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": "A"}))
        http.close()
        for _ in range(200):
            if sizes:
                break
            await asyncio.sleep(0.01)
        display.close()
        return sizes[0] if sizes else 332

    return asyncio.run(probe())


@dataclass
class Result:
    n: int
    connected: dict[str, int]
    connect_s: dict[str, float]
    kb_per_display: dict[str, float]
    cpu_us_per_delivery: dict[str, float]
    rounds: dict[str, Rounds]


def measure(
    pool: Pool, n: int, rounds: int, size: int, rng: random.Random, env: dict[str, str]
) -> Result:
    loket_server = h.start_loket(env)
    floor_server = h.start_floor()
    servers = {"loket": loket_server, "floor": floor_server}
    targets: dict[str, LoketTarget | FloorTarget] = {}
    try:
        loket = LoketTarget(loket_server)
        floor = FloorTarget(floor_server, size)
        targets = {"loket": loket, "floor": floor}
        # warm up: first connections, first events, lazy imports; then the baseline RSS
        for key, target in targets.items():
            pool.connect(key, servers[key].port, 4)
            for _ in range(3):
                one_round(pool, target, Rounds())
            pool.close(key)
        time.sleep(0.5)
        rss0 = {key: server.rss_kb() for key, server in servers.items()}
        connected, connect_s = {}, {}
        for key, server in servers.items():
            connected[key], connect_s[key] = pool.connect(key, server.port, n)
            print(
                f"  N={n}: {connected[key]} displays on {key} in {connect_s[key]:.1f} s",
                file=sys.stderr,
            )
        time.sleep(1.0)  # idle: let handshakes, snapshots and buffers settle
        rss1 = {key: server.rss_kb() for key, server in servers.items()}
        kb = {key: (rss1[key] - rss0[key]) / max(1, connected[key]) for key in servers}
        results = {key: Rounds() for key in targets}
        cpu0 = {key: h.cpu_seconds(server.pid) for key, server in servers.items()}
        print(f"  N={n}: rounds start at monotonic {time.monotonic():.3f}", file=sys.stderr)
        for r in range(rounds):
            order = ["loket", "floor"] if r % 2 == 0 else ["floor", "loket"]
            for key in order:
                one_round(pool, targets[key], results[key])
                time.sleep(rng.uniform(0.02, 0.06))  # idle between rounds
        cpu = {
            key: (h.cpu_seconds(server.pid) - cpu0[key]) / max(1, rounds * connected[key]) * 1e6
            for key, server in servers.items()
        }
        print(f"  N={n}: rounds end at monotonic {time.monotonic():.3f}", file=sys.stderr)
        for key in targets:
            pool.close(key)
        return Result(n, connected, connect_s, kb, cpu, results)
    finally:
        for target in targets.values():
            target.close()
        for server in servers.values():
            server.stop()


def report(results: list[Result], args: argparse.Namespace, size: int) -> str:
    latency = h.Table(
        [
            "N",
            "loket last p50 ms",
            "loket last p99 ms",
            "floor last p50 ms",
            "floor last p99 ms",
            "ratio p50",
            "loket median-display p50",
            "floor median-display p50",
            "loket first p50",
            "floor first p50",
            "loket POST reply p50",
            "lost",
        ]
    )
    cost = h.Table(
        [
            "N",
            "loket KB/idle display",
            "floor KB/idle display",
            "loket CPU µs/delivery",
            "floor CPU µs/delivery",
            "connect s (loket/floor)",
        ]
    )
    for result in results:
        lo, fl = result.rounds["loket"], result.rounds["floor"]
        lo50, fl50 = h.median(lo.last_ms), h.median(fl.last_ms)
        latency.add(
            result.n,
            lo50,
            h.percentile(lo.last_ms, 99),
            fl50,
            h.percentile(fl.last_ms, 99),
            f"{lo50 / fl50:.2f}×" if fl50 > 0 else "—",
            h.median(lo.median_ms),
            h.median(fl.median_ms),
            h.median(lo.first_ms),
            h.median(fl.first_ms),
            h.median(lo.reply_ms),
            f"{lo.lost}/{fl.lost}",
        )
        cost.add(
            result.n,
            result.kb_per_display["loket"],
            result.kb_per_display["floor"],
            result.cpu_us_per_delivery["loket"],
            result.cpu_us_per_delivery["floor"],
            f"{result.connect_s['loket']:.1f}/{result.connect_s['floor']:.1f}",
        )
    rounds = len(results[0].rounds["loket"].last_ms) if results else 0
    return h.paragraphs(
        [
            f"fanout — {h.machine_line()}",
            f"{rounds} rounds per N per server, alternating; client: {args.client}, "
            f"{args.workers} worker processes; event size {size} B",
            *([f"loket serve env: {' '.join(args.server_env)}"] if args.server_env else []),
        ],
        "Latency from just before the trigger leaves the client to the display's receipt\n"
        "(loket: POST /tickets, durable SQLite commit included; "
        "floor: control-socket message):",
        latency,
        "Server cost (RSS: VmRSS with N idle displays minus before connecting, over N;\n"
        "CPU: server CPU time during the rounds over rounds×N, HTTP/trigger included):",
        cost,
        "Targets: 1,000 displays p50 ≤ 1.5× the floor; ≤ 16 KB per idle display.\n"
        "p99 over ~30 rounds is close to the worst round.",
    )


def main() -> None:
    parser = h.bench_parser(__doc__, "N=100, a few rounds (< 30 s)")
    parser.add_argument("--n", type=int, nargs="*", help="display counts (default 100 1000 5000)")
    parser.add_argument("--rounds", type=int, help="rounds per N per server (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    parser.add_argument(
        "--client",
        choices=["lean", "asyncio"],
        default="lean",
        help="lean: minimal RFC 6455 reader (default); asyncio: websockets.asyncio.client",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    counts = args.n or ([100] if args.quick else [100, 1000, 5000])
    rounds = args.rounds or (10 if args.quick else 30)

    h.raise_nofile()
    pool = Pool(args.workers, args.client)
    rng = random.Random(args.seed)
    results: list[Result] = []
    started = time.monotonic()
    try:
        probe = h.start_loket()
        try:
            size = event_size(probe.port)
        finally:
            probe.stop()
        for n in counts:
            print(f"N={n} …", file=sys.stderr)
            results.append(measure(pool, n, rounds, size, rng, h.env_pairs(args.server_env)))
    finally:
        pool.stop()
    print(report(results, args, size))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "n": r.n,
                        "connected": r.connected,
                        "kb_per_display": r.kb_per_display,
                        "cpu_us_per_delivery": r.cpu_us_per_delivery,
                        "rounds": {k: vars(v) for k, v in r.rounds.items()},
                    }
                    for r in results
                ],
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
