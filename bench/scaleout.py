"""Scale-out on Redis: call-next throughput with 8 counters over 2 processes, and how much
later a display on the *other* process hears an event than one on the process that took it.

One redis-server of the benchmark's own (append-only file, `appendfsync always`: nothing
acknowledged is lost in a crash), a bench site "demo" with 8 counters that all call from
the same three services (one shared line: the most contention between counters, so also
between processes), and:

  throughput  8 clients, one per counter, each on one keep-alive connection sending
              call-next as fast as it is answered (each call closes the counter's current
              ticket and calls the next: two events). Three set-ups side by side, in
              interleaved rounds: SQLite in one process (the embedded default, for
              reference), Redis with all 8 clients on one process, Redis with counters 1-4
              on process A and 5-8 on process B. The queue is topped up (untimed) before
              each phase; afterwards every ticket id handed out is checked to be unique.
  delivery    20 displays on A and 20 on B (one client worker process each, the lean
              client of _harness). Each round issues one ticket, alternately on A and on
              B; t0 is taken just before the POST leaves; every display stamps the arrival
              of that seq. Per round: first / median / last display of the process that
              took the command ("same") and of the other ("cross").

Every event reaches a process's displays through its Redis subscription, its own events
too, so "same" includes the trip through Redis; "cross" differs only in which process's
subscription it came by. Timestamps are CLOCK_MONOTONIC, one clock for all processes.

    .venv/bin/python bench/scaleout.py            # 3 rounds of 4 s phases, 60 deliveries; ~1.5 min
    .venv/bin/python bench/scaleout.py --quick    # 1 round of 1 s phases, 12 deliveries; ~25 s

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402
import fanout  # noqa: E402
from call_next import Phase, call_requests, load, top_up  # noqa: E402

COUNTERS = [str(n) for n in range(1, 9)]
DISPLAYS = 20  # per process


def bench_site(folder: Path) -> Path:
    """The demo site's services and names, with 8 counters that all serve A, B and C."""
    demo = (h.ROOT / "server" / "demo.toml").read_text(encoding="utf-8")
    head = demo.split("[[sites.counters]]", 1)[0]
    counters = "".join(
        f'[[sites.counters]]\nid = "{n}"\n'
        f'name = {{ id = "Loket {n}", en = "Counter {n}", az = "Masa {n}" }}\n'
        'services = ["A", "B", "C"]\n\n'
        for n in COUNTERS
    )
    path = folder / "bench-8-counters.toml"
    path.write_text(head + counters, encoding="utf-8")
    return path


# -- throughput ------------------------------------------------------------------------------


@dataclass
class Setup:
    name: str
    servers: list[h.Server]  # clients are spread over these, in order, half and half
    token: str
    redis: h.Server | None = None  # its CPU is counted too
    rates: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    errors: int = 0
    drained: int = 0
    duplicates: int = 0
    calls: int = 0
    cpu: dict[str, list[float]] = field(default_factory=dict)


def call_phase(setup: Setup, seconds: float, budget: int) -> None:
    ports = [server.port for server in setup.servers]
    top_up(ports[0], budget)
    share = len(COUNTERS) // len(ports)
    groups = [COUNTERS[i * share : (i + 1) * share] for i in range(len(ports))]
    phases = [Phase(setup.name, len(group), bodies=[]) for group in groups]
    watched = {f"loket {'AB'[i]}": s.pid for i, s in enumerate(setup.servers)}
    if setup.redis is not None:
        watched["redis"] = setup.redis.pid
    cpu0 = {name: h.cpu_seconds(pid) for name, pid in watched.items()}

    async def together() -> None:
        await asyncio.gather(
            *(
                load(port, call_requests(setup.token, group), seconds, budget // len(ports), phase)
                for port, group, phase in zip(ports, groups, phases, strict=True)
            )
        )

    asyncio.run(together())
    took = max(phase.seconds for phase in phases)
    for name, pid in watched.items():
        setup.cpu.setdefault(name, []).append((h.cpu_seconds(pid) - cpu0[name]) / took * 100)
    ok = sum(phase.ok for phase in phases)
    setup.rates.append(ok / took)
    setup.calls += ok
    for phase in phases:
        setup.latency_ms += phase.latency_ms
        setup.errors += phase.errors
        setup.drained += phase.drained
    ids = Counter(
        h.public_name(json.loads(body)["ticket"]) for phase in phases for body in phase.bodies or []
    )
    setup.duplicates += sum(count - 1 for count in ids.values() if count > 1)


# -- delivery --------------------------------------------------------------------------------


@dataclass
class Delivery:
    first: dict[str, list[float]] = field(default_factory=lambda: {"same": [], "cross": []})
    median: dict[str, list[float]] = field(default_factory=lambda: {"same": [], "cross": []})
    last: dict[str, list[float]] = field(default_factory=lambda: {"same": [], "cross": []})
    reply_ms: list[float] = field(default_factory=list)
    lost: int = 0


def deliveries(a: h.Server, b: h.Server, rounds: int) -> Delivery:
    pools = {"A": fanout.Pool(1, "lean"), "B": fanout.Pool(1, "lean")}
    targets = {"A": fanout.LoketTarget(a), "B": fanout.LoketTarget(b)}
    result = Delivery()
    try:
        for key, server in (("A", a), ("B", b)):
            connected, _ = pools[key].connect(key, server.port, DISPLAYS)
            if connected != DISPLAYS:
                print(f"  only {connected} displays on {key}", file=sys.stderr)
        seq = targets["A"].seq
        for r in range(rounds + 2):  # two warm-up rounds first
            taker = "AB"[r % 2]
            for key, pool in pools.items():
                pool.arm(key, seq + 1)
            target = targets[taker]
            target.seq = seq
            t0, reply = target.fire()
            seq = target.seq
            heard = {key: pool.arrivals() for key, pool in pools.items()}
            if r < 2:
                continue
            result.reply_ms.append(reply)
            for key, times in heard.items():
                side = "same" if key == taker else "cross"
                got = [(t - t0) / 1e6 for t in times if t != -1]
                result.lost += len(times) - len(got)
                if got:
                    result.first[side].append(min(got))
                    result.median[side].append(h.median(got))
                    result.last[side].append(max(got))
            time.sleep(0.03)
    finally:
        for target in targets.values():
            target.close()
        for pool in pools.values():
            pool.stop()
    return result


# -- the run ----------------------------------------------------------------------------------


def report(setups: list[Setup], delivery: Delivery, seconds: float, rounds: int) -> str:
    calls = h.Table(
        [
            "phase",
            "calls/s median",
            "min–max",
            "latency p50 ms",
            "p99 ms",
            "errors",
            "drained",
            "tickets called twice",
            "CPU % (median)",
        ]
    )
    for setup in setups:
        cpu = ", ".join(f"{name} {h.median(values):.0f}" for name, values in setup.cpu.items())
        calls.add(
            setup.name,
            h.median(setup.rates),
            f"{min(setup.rates):,.0f}–{max(setup.rates):,.0f}",
            h.median(setup.latency_ms),
            h.percentile(setup.latency_ms, 99),
            setup.errors,
            setup.drained,
            f"{setup.duplicates} of {setup.calls:,}",
            cpu,
        )
    latency = h.Table(["display", "same p50 ms", "same p99 ms", "cross p50 ms", "cross p99 ms",
                       "cross − same p50", "cross − same p99"])  # fmt: skip
    for name, values in (
        ("first", delivery.first),
        ("median", delivery.median),
        ("last", delivery.last),
    ):
        same, cross = values["same"], values["cross"]
        latency.add(
            name,
            h.median(same),
            h.percentile(same, 99),
            h.median(cross),
            h.percentile(cross, 99),
            h.median(cross) - h.median(same),
            h.percentile(cross, 99) - h.percentile(same, 99),
        )
    count = len(delivery.reply_ms)
    return h.paragraphs(
        [
            f"scaleout — {h.machine_line()}",
            "Redis: its own redis-server, appendonly yes, appendfsync always; "
            "site: 8 counters on one shared line (A, B, C)",
        ],
        f"Call-next, 8 clients, one per counter ({rounds} interleaved rounds of "
        f"{seconds:.0f} s phases; calls/s is the median of the rounds):",
        calls,
        f"Delivery of one ticket.issued to {DISPLAYS} displays on each process "
        f"({count} rounds, commands alternately on A and B; POST reply p50 "
        f"{h.median(delivery.reply_ms):.2f} ms; displays that missed one: {delivery.lost}):",
        latency,
        "Targets: cross-process adds ≤ 2 ms p99 over same-process delivery.",
    )


def main() -> None:
    args = h.bench_parser(__doc__, "1 round of 1 s phases").parse_args()
    h.raise_nofile()
    seconds, rounds, latency_rounds = (1.0, 1, 12) if args.quick else (4.0, 3, 60)
    budget = 1_500 if args.quick else 8_000  # calls per phase at most (the queue's fill)
    env = h.env_pairs(args.server_env)
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="scaleout-bench-"))
    site = ["--config", str(bench_site(folder))]
    redis = h.start_redis("always")
    servers: list[h.Server] = []
    try:
        url = f"redis://127.0.0.1:{redis.port}/0"
        servers.append(sqlite := h.start_loket(env, args=site))
        servers.append(a := h.start_loket(env, store=url, args=site))
        servers.append(b := h.start_loket(env, store=url, args=site))
        token = h.login(a.port)  # a session from A works on B: sessions are in Redis
        setups = [
            Setup("SQLite, 1 process", [sqlite], h.login(sqlite.port)),
            Setup("Redis, 1 process", [a], token, redis),
            Setup("Redis, 2 processes", [a, b], token, redis),
        ]
        for r in range(rounds):
            for setup in setups if r % 2 == 0 else reversed(setups):
                call_phase(setup, seconds, budget)
                time.sleep(0.3)
        delivery = deliveries(a, b, latency_rounds)
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(report(setups, delivery, seconds, rounds))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        figures = {
            "calls": {
                s.name: {"rates": s.rates, "duplicates": s.duplicates, "cpu": s.cpu} for s in setups
            },
            "delivery": {
                "first": delivery.first,
                "median": delivery.median,
                "last": delivery.last,
                "reply_ms": delivery.reply_ms,
                "lost": delivery.lost,
            },
        }
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
