"""The satisfaction report on SQLite over the generated year (issue 18): its time, and the
server's event loop meanwhile, made in the report's process (`store.satisfaction`, as
Loket does) beside made in the server (`summarize` of `store.rated`: a year's ratings as
objects in the server's memory), in alternating runs.

The year `_year.py` wrote has no ratings: a share of its served tickets (`--share`, 35 %
by default: a tablet at every desk) is given one, with the nine elements for one in ten,
in the file itself (once; use a copy if the original must stay as generated).

    .venv/bin/python bench/_year.py --days 365 --seed 1 --sqlite /tmp/year.db  # once
    .venv/bin/python bench/satisfaction.py --db /tmp/year.db           # about 2 min
    .venv/bin/python bench/satisfaction.py --db /tmp/year.db --quick   # about 1 min

Prints figures; never passes or fails on time. The loop's stalls: a ticker task sleeping
1 ms, how late it wakes (largest and p99).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Table, bench_parser, machine_line, median, paragraphs, percentile  # noqa: E402
from _year import START, load_site  # noqa: E402
from reports import open_store, ticker  # noqa: E402

from loket.server.domain.site import Site  # noqa: E402
from loket.server.reports.satisfaction import summarize  # noqa: E402
from loket.server.store.sqlite import SqliteStore  # noqa: E402

YEAR = (START, START + timedelta(days=364))
MONTH = (date(2026, 3, 1), date(2026, 3, 31))


def add_ratings(path: Path, site: str, share: float, seed: int) -> int:
    """Ratings for `share` of the served tickets that have none; how many there are."""
    rng = random.Random(seed)
    with closing(sqlite3.connect(path)) as conn, conn:
        (kept,) = conn.execute("SELECT COUNT(*) FROM ratings WHERE site = ?", (site,)).fetchone()
        if kept:
            return int(kept)
        served = conn.execute(
            "SELECT ref, finished_at, counter FROM visits"
            " WHERE site = ? AND state = 'done' AND finished_at IS NOT NULL",
            (site,),
        ).fetchall()
        rows = []
        for ref, finished, counter in served:
            if rng.random() >= share:
                continue
            survey = rng.random() < 0.1
            answers = {f"U{n}": rng.choice((2, 3, 3, 4)) for n in range(1, 10)} if survey else {}
            by = "holder" if survey else "desk"
            comment = "Pelayanan cepat" if rng.random() < 0.05 else None
            score = rng.choice((2, 3, 3, 4, 4))
            rows.append((site, ref, score, comment, json.dumps(answers), finished, by, counter))
        conn.executemany("INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)


async def watched(making: Awaitable[object]) -> tuple[float, list[float]]:
    """How long `making` took, and the loop's stalls meanwhile."""
    stalls: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stalls, stop))
    began = time.perf_counter()
    await making
    took = time.perf_counter() - began
    stop.set()
    await tick
    return took, stalls


async def compare(store: SqliteStore, site: Site, runs: int) -> Table:
    ways: dict[str, Callable[[date, date], Awaitable[object]]] = {
        "in the report's process": lambda first, last: store.satisfaction(site, first, last),
        "in the server": lambda first, last: _in_server(store, site, first, last),
    }
    table = Table(["period", "made", "p50 s", "loop stall p99 ms", "loop stall max ms"])
    for period, (first, last) in (("a month", MONTH), ("the year", YEAR)):
        figures: dict[str, tuple[list[float], list[float]]] = {w: ([], []) for w in ways}
        for _ in range(runs):
            for way, make in ways.items():  # alternating, side by side
                took, stalls = await watched(make(first, last))
                figures[way][0].append(took)
                figures[way][1].extend(stalls)
        for way, (times, stalls) in figures.items():
            table.add(period, way, median(times), percentile(stalls, 99) * 1000, max(stalls) * 1000)
    return table


async def _in_server(store: SqliteStore, site: Site, first: date, last: date) -> object:
    return summarize(site, first, last, await store.rated(site.id, first, last))


async def main() -> None:
    parser = bench_parser(__doc__, "2 runs of each")
    parser.add_argument("--db", type=Path, required=True, help="a year _year.py wrote")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--share", type=float, default=0.35)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.quick:
        args.runs = 2
    site = load_site()
    store, _ = await open_store(args.db)
    try:
        await store.close()  # the ratings go in beside it, then it opens again
        count = add_ratings(args.db, site.id, args.share, args.seed)
        store, _ = await open_store(args.db)
        table = await compare(store, site, args.runs)
    finally:
        await store.close()
    print(
        paragraphs(
            machine_line(),
            f"the satisfaction report on {args.db}: {count:,} ratings in the year, "
            f"{args.runs} runs of each way, alternating:",
            table,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
