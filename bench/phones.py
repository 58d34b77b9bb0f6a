"""Visitors' phones: how long until the LAST of N phones following their own tickets hears
that the queue moved, and what a phone costs; then how good the wait estimate is.

One fresh `loket serve` (SQLite in a temporary directory, rate limit off: every client here
is 127.0.0.1). `rounds` + 1 tickets of service A are issued first (the ones the counter
calls), then N more, one per phone, all in A — the worst case: every call moves every
phone. N phones open /ws/ticket/{id} and D hall displays /ws/display/demo, spread over
client worker processes (bench/_harness.py's lean WebSocket reader). Then each round:

  t0 just before `POST …/counters/1/call-next` leaves the client; each phone timestamps
  the message that shows its position one lower (matched by `"position":P,`), each
  display the `ticket.called` (matched by its seq).

Memory: VmRSS with the N phones connected and idle minus VmRSS before they connected
(the displays already there), over N. CPU: server CPU time during the rounds over
rounds × N.

The estimate: bench/_day.py simulates seeded days of a hall (arrivals with a lunch peak,
log-normal visits, no-shows, staff lunch breaks) and compares, at each issue, the range
the visitor would have been shown (its middle) with the real wait, beside the naive
"people ahead × average visit" (and the same over the counters serving the service).

    .venv/bin/python bench/phones.py            # N = 2,000 phones, 20 displays, 30 rounds; 10 days
    .venv/bin/python bench/phones.py --quick    # N = 200, 5 displays, 8 rounds; 2 days

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing.connection
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

sys.path[:0] = h.code_path().split(os.pathsep)  # the checkout's code, whatever the venv holds

import _day  # noqa: E402

ROUND_TIMEOUT = 20.0
DISPLAY_PATH = "/ws/display/demo"


# -- client worker process ------------------------------------------------------------------


@dataclass
class Client:
    socket: Any
    kind: str  # "phone" or "display"
    position: int = -1  # a phone's position in its snapshot


class Worker(h.PipeWorker):
    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        super().__init__(conn)
        self.clients: list[Client] = []
        self.by_socket: dict[int, int] = {}
        self.markers: list[bytes] = []
        self.arrivals: list[int] = []
        self.remaining = 0
        self.armed = False
        self.timer: asyncio.TimerHandle | None = None

    def _command(self) -> None:
        message = self.conn.recv()
        if message[0] == "connect":
            self.spawn(self._connect(*message[1:]))
        elif message[0] == "arm":
            self._arm(*message[1:])
        elif message[0] == "stop":
            self.stop()

    async def finish(self) -> None:
        for client in self.clients:
            client.socket.close()

    async def _connect(self, port: int, paths: list[str], concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)
        errors: list[str] = []
        started = time.monotonic()

        async def one(path: str) -> None:
            async with gate:
                client = Client(None, "phone" if path.startswith("/ws/ticket/") else "display")
                try:
                    client.socket = await h.open_ws(
                        port, path, lambda s, data, t: self._arrived(client, data, t)
                    )
                except Exception as error:  # counted and reported
                    errors.append(repr(error))
                    return
                self.by_socket[id(client)] = len(self.clients)
                self.clients.append(client)

        before = len(self.clients)
        await asyncio.gather(*(one(path) for path in paths))
        took = time.monotonic() - started
        added = len(self.clients) - before
        self.conn.send(("connected", added, errors[:3], len(errors), took))

    def _arm(self, round_number: int, display_seq: int) -> None:
        self.markers = [
            b'"position":%d,' % (c.position - round_number)
            if c.kind == "phone"
            else b'"seq":%d,' % display_seq
            for c in self.clients
        ]
        self.arrivals = [-1] * len(self.clients)
        self.remaining = len(self.clients)
        self.armed = True
        self.timer = asyncio.get_running_loop().call_later(ROUND_TIMEOUT, self._report)
        self.conn.send(("armed",))

    def _arrived(self, client: Client, data: bytes, t: int) -> None:
        if client.position < 0 and client.kind == "phone" and b'"snapshot"' in data:
            client.position = int(json.loads(data)["data"]["position"])
        if not self.armed:
            return
        slot = self.by_socket.get(id(client))
        if slot is None or self.arrivals[slot] != -1 or self.markers[slot] not in data:
            return
        self.arrivals[slot] = t
        self.remaining -= 1
        if self.remaining == 0:
            self._report()

    def _report(self) -> None:
        if not self.armed:
            return
        self.armed = False
        if self.timer is not None:
            self.timer.cancel()
        kinds = [c.kind for c in self.clients]
        self.conn.send(("arrivals", list(zip(kinds, self.arrivals, strict=True))))


class Pool(h.WorkerPool):
    def __init__(self, workers: int) -> None:
        super().__init__(workers, Worker.process_main, stop_timeout=30)

    def connect(self, port: int, paths: list[str]) -> tuple[int, float]:
        shares = self.shares(len(paths))
        start = 0
        for pipe, share in zip(self.pipes, shares, strict=True):
            pipe.send(("connect", port, paths[start : start + share], 100))
            start += share
        return self.connected("sockets")

    def round(self, round_number: int, display_seq: int) -> None:
        for pipe in self.pipes:
            pipe.send(("arm", round_number, display_seq))
        for pipe in self.pipes:
            self.recv(pipe, 30)

    def arrivals(self) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for pipe in self.pipes:
            _, times = self.recv(pipe, ROUND_TIMEOUT + 30)
            found.extend(times)
        return found


# -- controller --------------------------------------------------------------------------------


class Hall:
    """Raw keep-alive HTTP to the server: issue tickets, call next at counter 1."""

    def __init__(self, server: h.Server) -> None:
        self.server = server
        self.http = h.SyncHttp(server.port)
        self.token = h.login(server.port)
        self.used = time.monotonic()
        self.call = h.http_request(
            "POST", "/api/v1/sites/demo/counters/1/call-next", body=None, token=self.token
        )

    def _fresh(self) -> None:
        if time.monotonic() - self.used > 3.0:  # uvicorn closes idle keep-alives after 5 s
            self.http.close()
            self.http = h.SyncHttp(self.server.port)
        self.used = time.monotonic()

    def issue(self, n: int) -> list[str]:
        ids = []
        post = h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": "A"})
        for _ in range(n):
            self._fresh()
            status, body = self.http.request(post)
            if status != 201:
                raise RuntimeError(f"issue failed: {status} {body[:200]!r}")
            ids.append(json.loads(body)["ticket"]["id"])
        return ids

    def call_next(self) -> tuple[int, float, int]:
        """t0, the reply's time (ms), and the seq of the call's event."""
        self._fresh()
        t0 = h.now_ns()
        self.http.send(self.call)
        status, body = self.http.read()
        reply = (h.now_ns() - t0) / 1e6
        if status != 200:
            raise RuntimeError(f"call-next failed: {status} {body[:200]!r}")
        return t0, reply, int(json.loads(body)["seq"])

    def close(self) -> None:
        self.http.close()


@dataclass
class Fanout:
    n: int
    displays: int
    connected: int = 0
    connect_s: float = 0.0
    kb_per_phone: float = 0.0
    cpu_us_per_update: float = 0.0
    phones_last_ms: list[float] = field(default_factory=list)
    phones_median_ms: list[float] = field(default_factory=list)
    displays_last_ms: list[float] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    lost: int = 0


def measure(pool: Pool, n: int, displays: int, rounds: int, env: dict[str, str]) -> Fanout:
    result = Fanout(n, displays)
    server = h.start_loket({"LOKET_TICKET_RATE": "0", **env})
    hall = Hall(server)
    try:
        hall.issue(rounds + 1)  # called during the rounds, ahead of every phone's ticket
        ids = hall.issue(n)
        pool.connect(server.port, [DISPLAY_PATH] * displays)
        t0, _, seq = hall.call_next()  # warm up: the first call, audio rendering and all
        time.sleep(1.0)
        rss0 = server.rss_kb()
        result.connected, result.connect_s = pool.connect(
            server.port, [f"/ws/ticket/{ticket_id}" for ticket_id in ids]
        )
        print(f"  {result.connected} phones in {result.connect_s:.1f} s", file=sys.stderr)
        time.sleep(1.0)  # idle: handshakes, snapshots and buffers settle
        result.kb_per_phone = (server.rss_kb() - rss0) / max(1, result.connected)
        cpu0 = h.cpu_seconds(server.pid)
        for k in range(1, rounds + 1):
            pool.round(k, seq + 2)  # call-next closes the current ticket (one event) first
            t0, reply, seq = hall.call_next()
            arrivals = pool.arrivals()
            phones = [(t - t0) / 1e6 for kind, t in arrivals if kind == "phone" and t != -1]
            screens = [(t - t0) / 1e6 for kind, t in arrivals if kind == "display" and t != -1]
            result.lost += sum(1 for _, t in arrivals if t == -1)
            if phones:
                result.phones_last_ms.append(max(phones))
                result.phones_median_ms.append(h.median(phones))
            if screens:
                result.displays_last_ms.append(max(screens))
            result.reply_ms.append(reply)
            time.sleep(random.uniform(0.05, 0.1))
        cpu = h.cpu_seconds(server.pid) - cpu0
        result.cpu_us_per_update = cpu / max(1, rounds * result.connected) * 1e6
        return result
    finally:
        hall.close()
        server.stop()


def estimates(days: int) -> list[tuple[int, _day.Accuracy]]:
    return [(seed, _day.accuracy(_day.simulate(seed))) for seed in range(1, days + 1)]


def report(fanout: Fanout, days: list[tuple[int, _day.Accuracy]], args: argparse.Namespace) -> str:
    latency = h.Table(
        [
            "N phones",
            "displays",
            "rounds",
            "last phone p50 ms",
            "last phone p99 ms",
            "median phone p50 ms",
            "last display p50 ms",
            "call-next reply p50 ms",
            "KB per phone",
            "CPU µs per phone update",
            "lost",
        ]
    )
    latency.add(
        fanout.connected,
        fanout.displays,
        len(fanout.phones_last_ms),
        h.median(fanout.phones_last_ms),
        h.percentile(fanout.phones_last_ms, 99),
        h.median(fanout.phones_median_ms),
        h.median(fanout.displays_last_ms),
        h.median(fanout.reply_ms),
        fanout.kb_per_phone,
        fanout.cpu_us_per_update,
        fanout.lost,
    )
    accuracy = h.Table(
        [
            "N day (seed)",
            "tickets",
            "mean wait min",
            "estimate MAE min",
            "inside range",
            "mean range width min",
            "naive MAE min",
            "naive / counters MAE min",
        ]
    )
    for seed, a in days:
        accuracy.add(
            seed,
            a.tickets,
            a.mean_wait,
            a.mae_mid,
            f"{a.inside:.0%}",
            a.width,
            a.mae_naive,
            a.mae_naive_counters,
        )
    mean = {
        key: sum(getattr(a, key) for _, a in days) / max(1, len(days))
        for key in ("mean_wait", "mae_mid", "inside", "width", "mae_naive", "mae_naive_counters")
    }
    accuracy.add(
        "mean",
        sum(a.tickets for _, a in days) // max(1, len(days)),
        mean["mean_wait"],
        mean["mae_mid"],
        f"{mean['inside']:.0%}",
        mean["width"],
        mean["mae_naive"],
        mean["mae_naive_counters"],
    )
    return h.paragraphs(
        [
            f"phones — {h.machine_line()}",
            f"{args.workers} client worker processes; all phones follow tickets of service A,",
            "so every call moves every phone (the worst case)",
            *([f"loket serve env: {' '.join(args.server_env)}"] if args.server_env else []),
        ],
        "From just before POST …/call-next leaves the client to the phone's message with\n"
        "its new position (displays: the ticket.called event):",
        latency,
        "The wait estimate on simulated days (bench/_day.py): at each issue, the middle of\n"
        "the range shown against the real wait; naive = people ahead × mean visit so far:",
        accuracy,
        "Targets: last phone p99 ≤ 100 ms at 2,000 phones; ≤ 16 KB per phone;\n"
        "the estimate clearly better than the naive guess.",
    )


def main() -> None:
    parser = h.bench_parser(__doc__, "200 phones, 8 rounds, 2 days")
    parser.add_argument("--n", type=int, help="phones (default 2,000)")
    parser.add_argument("--displays", type=int, help="hall displays (default 20)")
    parser.add_argument("--rounds", type=int, help="calls (default 30)")
    parser.add_argument("--days", type=int, help="simulated days (default 10)")
    parser.add_argument("--workers", type=int, default=2, help="client processes (default 2)")
    args = parser.parse_args()
    n = args.n or (200 if args.quick else 2000)
    displays = args.displays or (5 if args.quick else 20)
    rounds = args.rounds or (8 if args.quick else 30)
    days = args.days or (2 if args.quick else 10)

    h.raise_nofile()
    random.seed(1)
    started = time.monotonic()
    pool = Pool(args.workers)
    try:
        fanout = measure(pool, n, displays, rounds, h.env_pairs(args.server_env))
    finally:
        pool.stop()
    simulated = estimates(days)
    print(report(fanout, simulated, args))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"fanout": vars(fanout), "days": [[s, vars(a)] for s, a in simulated]}, indent=1
            )
        )


if __name__ == "__main__":
    main()
