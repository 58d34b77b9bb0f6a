"""A/B: the same measurement on several `loket serve` variants, interleaved in one run.

On a shared, noisy 2-core machine only side-by-side figures compare. Each variant is a
name and extra environment for its server; bench/whatif is always on its PYTHONPATH, so
BENCH_WHATIF turns on the switches of bench/whatif/sitecustomize.py.

    .venv/bin/python bench/whatif/compare.py callnext --reps 5 \\
        --variant base --variant "nolog BENCH_WHATIF=nolog"
    .venv/bin/python bench/whatif/compare.py fanout --n 1000 --rounds 30 \\
        --variant base --variant "gc10k BENCH_WHATIF=gctune BENCH_GC_THRESHOLD=10000,20,10"

callnext: per repetition and variant (order rotated), top the queues up (untimed), then
eight clients call next (counters 1, 2, 3, 4, 5, 6, 1, 2) for --seconds; medians over reps.
fanout: N displays on each variant and on the floor; rounds alternate over all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import _harness as h  # noqa: E402
import call_next as cn  # noqa: E402
import fanout as fo  # noqa: E402


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, *pairs = text.split()
    env = h.env_pairs(pairs)
    env["PYTHONPATH"] = ":".join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    return name, env


def callnext(variants: list[tuple[str, dict[str, str]]], args: argparse.Namespace) -> None:
    servers = {name: h.start_loket(env) for name, env in variants}
    try:
        tokens = {name: h.login(server.port) for name, server in servers.items()}
        results: dict[str, list[cn.Phase]] = {name: [] for name in servers}
        names = list(servers)
        for rep in range(args.reps):
            for name in names[rep % len(names) :] + names[: rep % len(names)]:
                port = servers[name].port
                cn.top_up(port, int(args.seconds * 4000))
                time.sleep(0.3)
                phase = cn.Phase(name, 8)
                cpu0 = cn.thread_cpu(servers[name].pid)
                requests = cn.call_requests(tokens[name], cn.COUNTERS_8)
                asyncio.run(cn.load(port, requests, args.seconds, 10**6, phase))
                cpu1 = cn.thread_cpu(servers[name].pid)
                phase.cpu = {k: (cpu1[k] - cpu0[k]) / phase.seconds * 100 for k in cpu0}
                results[name].append(phase)
                print(f"  rep {rep + 1} {name}: {phase.rate:.0f}/s", file=sys.stderr)
        table = h.Table(
            [
                "variant",
                "calls/s p50",
                "calls/s min–max",
                "p50 ms",
                "p99 ms",
                "CPU % loop/other",
                "vs first",
            ]
        )
        first = None
        for name in names:
            phases = results[name]
            rate = h.median([p.rate for p in phases])
            first = rate if first is None else first
            table.add(
                name,
                rate,
                f"{min(p.rate for p in phases):.0f}–{max(p.rate for p in phases):.0f}",
                h.median([h.median(p.latency_ms) for p in phases]),
                h.median([h.percentile(p.latency_ms, 99) for p in phases]),
                f"{h.median([p.cpu['loop'] for p in phases]):.0f} / "
                f"{h.median([p.cpu['others'] for p in phases]):.0f}",
                f"{rate / first:.2f}×",
            )
        print(f"call-next ×8 A/B — {h.machine_line()}; {args.reps} reps of {args.seconds} s")
        for name, env in variants:
            print(f"  {name}: {' '.join(f'{k}={v}' for k, v in env.items())}")
        print(table.render())
    finally:
        for server in servers.values():
            server.stop()


def fanout(variants: list[tuple[str, dict[str, str]]], args: argparse.Namespace) -> None:
    h.raise_nofile()
    pool = fo.Pool(args.workers, "lean")
    servers: dict[str, h.Server] = {}
    targets: dict[str, fo.LoketTarget | fo.FloorTarget] = {}
    rng = random.Random(1)
    try:
        probe = h.start_loket()
        try:
            size = fo.event_size(probe.port)
        finally:
            probe.stop()
        servers["floor"] = h.start_floor()
        for name, env in variants:
            servers[name] = h.start_loket(env)
        for name, server in servers.items():
            target = fo.FloorTarget(server, size) if name == "floor" else fo.LoketTarget(server)
            target.key = name
            targets[name] = target
            pool.connect(name, server.port, 4)
            for _ in range(3):
                fo.one_round(pool, target, fo.Rounds())
            pool.close(name)
        time.sleep(0.5)
        rss0 = {name: s.rss_kb() for name, s in servers.items()}
        for name, server in servers.items():
            connected, took = pool.connect(name, server.port, args.n)
            print(f"  {name}: {connected} displays in {took:.1f} s", file=sys.stderr)
        time.sleep(1.0)
        kb = {name: (s.rss_kb() - rss0[name]) / args.n for name, s in servers.items()}
        rounds = {name: fo.Rounds() for name in servers}
        cpu0 = {name: h.cpu_seconds(s.pid) for name, s in servers.items()}
        names = list(servers)
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                fo.one_round(pool, targets[name], rounds[name])
                time.sleep(rng.uniform(0.02, 0.06))
        cpu = {
            name: (h.cpu_seconds(s.pid) - cpu0[name]) / (args.rounds * args.n) * 1e6
            for name, s in servers.items()
        }
        floor50 = h.median(rounds["floor"].last_ms)
        table = h.Table(
            [
                "server",
                "last p50 ms",
                "last p99 ms",
                "vs floor",
                "median-display p50",
                "first p50",
                "KB/display",
                "CPU µs/delivery",
            ]
        )
        for name in names:
            got = rounds[name]
            table.add(
                name,
                h.median(got.last_ms),
                h.percentile(got.last_ms, 99),
                f"{h.median(got.last_ms) / floor50:.2f}×",
                h.median(got.median_ms),
                h.median(got.first_ms),
                kb[name],
                cpu[name],
            )
        print(f"fan-out A/B, N={args.n}, {args.rounds} rounds each — {h.machine_line()}")
        for name, env in variants:
            print(f"  {name}: {' '.join(f'{k}={v}' for k, v in env.items())}")
        print(table.render())
        for name in servers:
            pool.close(name)
    finally:
        for target in targets.values():
            target.close()
        for server in servers.values():
            server.stop()
        pool.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["callnext", "fanout"])
    parser.add_argument("--variant", action="append", required=True, help='"NAME KEY=VALUE ..."')
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    (callnext if args.mode == "callnext" else fanout)(variants, args)


if __name__ == "__main__":
    main()
