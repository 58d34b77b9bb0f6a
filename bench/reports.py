"""Reports on SQLite over the generated year (issue 17): their times, and calls meanwhile.

In this process, Loket's own SqliteStore on the file `_year.py` wrote (about 1.15 M
tickets; 2 GB): it is upgraded if it needs (schema 9: the visits of its tickets, folded
from its events — minutes, once), and its days that are over are summarized (what
`loket serve` does at start: a job per day on the writer). Then:

1. Report times, each report `--runs` times through `store.report` (its worker thread
   and read-only connection included): p50, fastest and slowest.
2. Eight counters calling, each a call-next every `--pace` ms (far busier than a hall),
   with and without year reports running back to back meanwhile, in alternating phases:
   call latency p50/p99/max per phase, and the event loop's stalls (a ticker task
   sleeping 1 ms: how late it wakes), largest and p99.

    .venv/bin/python bench/_year.py --days 365 --seed 1 --sqlite /tmp/year.db  # once
    .venv/bin/python bench/reports.py --db /tmp/year.db            # about 1 min
    .venv/bin/python bench/reports.py --db /tmp/year.db --quick    # about 20 s

The file is changed: upgraded, summarized, and today's calls added (use a copy if the
original must stay as generated). Prints figures; never passes or fails on time.
Targets: each report under 1 s at p50; no stall over 5 ms; calls not slower.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Table, bench_parser, machine_line, median, paragraphs, percentile  # noqa: E402
from _year import START, load_site  # noqa: E402

from loket.server.announce import Announcer  # noqa: E402
from loket.server.domain.errors import QueueEmpty  # noqa: E402
from loket.server.reports.row import By  # noqa: E402
from loket.server.store import Stamp  # noqa: E402
from loket.server.store.sqlite import SqliteStore  # noqa: E402

COUNTERS = 8
YEAR = (START, START + timedelta(days=364))
MONTH = (date(2026, 3, 1), date(2026, 3, 31))
REPORTS = [
    ("month by service", *MONTH, By.SERVICE),
    ("year by day", *YEAR, By.DAY),
    ("year by service", *YEAR, By.SERVICE),
    ("year by hour", *YEAR, By.HOUR),
    ("year by counter", *YEAR, By.COUNTER),
    ("year by user", *YEAR, By.USER),
]
ANNOUNCE = Announcer().announcement


async def open_store(path: Path) -> tuple[SqliteStore, list[str]]:
    site = load_site()
    store = SqliteStore(str(path))
    began = time.perf_counter()
    await store.open((site,), lambda event: None)
    print(f"opened (upgraded if it needed) in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    await store.prune(datetime.now(UTC))
    print(f"days summarized (if any were not) in {time.perf_counter() - began:.1f} s")
    return store, [site.id]


async def time_reports(store: SqliteStore, site: str, runs: int) -> Table:
    table = Table(["report", "rows", "p50 s", "fastest s", "slowest s"])
    for name, first, last, by in REPORTS:
        took = []
        rows = 0
        for _ in range(runs):
            began = time.perf_counter()
            report = await store.report(site, first, last, by)
            took.append(time.perf_counter() - began)
            rows = len(report.rows)
        table.add(name, rows, median(took), min(took), max(took))
    return table


async def ticker(stalls: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        await asyncio.sleep(0.001)
        stalls.append(time.perf_counter() - began - 0.001)


async def counter(store: SqliteStore, site: str, name: str, pace: float, took: list[float],
                  stop: asyncio.Event) -> None:  # fmt: skip
    while not stop.is_set():
        began = time.perf_counter()
        try:
            await store.call_next(site, name, Stamp(datetime.now(UTC), f"clerk{name}"), ANNOUNCE)
        except QueueEmpty:
            raise SystemExit("the tickets ran out: give a larger --tickets") from None
        took.append(time.perf_counter() - began)
        await asyncio.sleep(max(0.0, pace - (time.perf_counter() - began)))


async def reporting(store: SqliteStore, site: str, done: list[float], stop: asyncio.Event) -> None:
    kinds = [By.DAY, By.USER]
    while not stop.is_set():
        began = time.perf_counter()
        await store.report(site, *YEAR, kinds[len(done) % 2])
        done.append(time.perf_counter() - began)


async def phase(
    store: SqliteStore, site: str, counters: list[str], seconds: float, pace: float, reports: bool
) -> dict[str, list[float]]:
    stop = asyncio.Event()
    figures: dict[str, list[float]] = {"calls": [], "stalls": [], "reports": []}
    tasks = [asyncio.create_task(ticker(figures["stalls"], stop))]
    tasks += [
        asyncio.create_task(counter(store, site, c, pace, figures["calls"], stop)) for c in counters
    ]
    if reports:
        tasks.append(asyncio.create_task(reporting(store, site, figures["reports"], stop)))
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks)
    return figures


async def calls(store: SqliteStore, site_id: str, args: argparse.Namespace) -> Table:
    site = load_site()
    counters = [c.id for c in site.counters[:COUNTERS]]
    seconds, pace, rounds = args.seconds, args.pace / 1000, args.rounds
    need = int(rounds * 2 * seconds / pace * 1.3) + 10
    began = time.perf_counter()
    for c in site.counters[:COUNTERS]:
        for _ in range(need):
            await store.issue(site_id, c.services[0], Stamp(datetime.now(UTC)))
    print(f"issued {need * COUNTERS:,} tickets in {time.perf_counter() - began:.1f} s")
    runs: dict[bool, list[dict[str, list[float]]]] = {False: [], True: []}
    for _ in range(rounds):
        for reports in (False, True):
            runs[reports].append(await phase(store, site_id, counters, seconds, pace, reports))
    table = Table(
        ["year reports meanwhile", "calls", "call p50 ms", "call p99 ms", "call max ms",
         "loop stall p99 ms", "loop stall max ms", "reports done", "report p50 s"]
    )  # fmt: skip
    for reports, phases in runs.items():
        every = {k: [v for p in phases for v in p[k]] for k in ("calls", "stalls", "reports")}
        table.add(
            "yes" if reports else "no",
            len(every["calls"]),
            percentile(every["calls"], 50) * 1000,
            percentile(every["calls"], 99) * 1000,
            max(every["calls"]) * 1000,
            percentile(every["stalls"], 99) * 1000,
            max(every["stalls"]) * 1000,
            len(every["reports"]),
            median(every["reports"]) if every["reports"] else float("nan"),
        )
    return table


async def main() -> None:
    parser = bench_parser(__doc__, "3 runs per report, 2 rounds of 2 s phases")
    parser.add_argument("--db", type=Path, required=True, help="a year _year.py wrote")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="each phase")
    parser.add_argument("--pace", type=float, default=25.0, help="ms between a counter's calls")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.rounds, args.seconds = 3, 2, 2.0
    store, (site,) = await open_store(args.db)
    try:
        reports = await time_reports(store, site, args.runs)
        during = await calls(store, site, args)
    finally:
        await store.close()
    print(
        paragraphs(
            machine_line(),
            f"reports on {args.db} ({args.runs} runs each):",
            reports,
            f"{COUNTERS} counters, a call-next each every {args.pace:.0f} ms, "
            f"{args.rounds} × {args.seconds:.0f} s per phase, alternating:",
            during,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
