"""Reports on the Redis store: a year in the PostgreSQL archive, and the archive keeping up.

1. Load: a year of `_year.py` (JSON lines, `--jsonl`; generate it once, ~4 min:
   `bench/_year.py --days 365 --seed 1 --jsonl /tmp/year.jsonl`) into PostgreSQL through
   the archiver's own path (archive/rows.py `insert`: the events and the fold of their
   visits in one transaction), `--batch` events a transaction; the load rate.
2. Reports: ArchiveReports.report (archive/reports.py), a month by service and a year by
   day (the targets: < 1 s at p50), and a few others; p50 of `--runs` runs, after one
   run to warm the cache.
3. Keeping up: a real redis-server (appendfsync always) and a RedisStore driven at
   `--rates` events/s (issue, call, done at 40 counters of the year's hall) with an
   Archiver in the same process, as in `loket serve --archive`; for every event, the
   time from its command's answer to its being in PostgreSQL with its visit folded
   (polled every 10 ms).

PostgreSQL is the tests' own (tests/support/postgres.py: fsync off) unless `--archive URL`
names one; with `--archive` a database that already holds the year is not loaded again.

    .venv/bin/python bench/reports_pg.py --jsonl /tmp/year.jsonl      # ~10 min
    .venv/bin/python bench/reports_pg.py --quick --jsonl /tmp/year.jsonl  # 20 days, 10 s phases
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _year  # noqa: E402
from _harness import Table, machine_line, paragraphs, percentile, start_redis  # noqa: E402

from loket.server.announce import Announcer  # noqa: E402
from loket.server.archive.archiver import Archiver  # noqa: E402
from loket.server.archive.reports import ArchiveReports  # noqa: E402
from loket.server.archive.rows import Batch, insert  # noqa: E402
from loket.server.archive.schema import migrate  # noqa: E402
from loket.server.domain.errors import QueueEmpty  # noqa: E402
from loket.server.domain.site import Site  # noqa: E402
from loket.server.domain.ticket import Status  # noqa: E402
from loket.server.reports.row import By  # noqa: E402
from loket.server.store import Stamp  # noqa: E402
from loket.server.store.redis import RedisStore  # noqa: E402
from loket.server.store.redis.connection import Address, connect  # noqa: E402
from loket.server.store.redis.entries import Entry  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402

EPOCH = "bench"
REPORTS = [  # (what, first, last, by): the two targets first
    ("a month by service", date(2026, 3, 1), date(2026, 3, 31), By.SERVICE),
    ("a year by day", date(2025, 12, 1), date(2026, 11, 30), By.DAY),
    ("a month by hour", date(2026, 3, 1), date(2026, 3, 31), By.HOUR),
    ("a month by user", date(2026, 3, 1), date(2026, 3, 31), By.USER),
    ("a year by service", date(2025, 12, 1), date(2026, 11, 30), By.SERVICE),
    ("a day by counter", date(2026, 3, 2), date(2026, 3, 2), By.COUNTER),
]


def entries(path: Path, days: int | None) -> Iterator[Entry]:
    """The events of the JSON lines (their data kept as the text it is), `days` open days
    of them at most."""
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            cut = line.index(',"data":')
            head = json.loads(line[:cut] + "}")
            seen.add(head["ts"][:10])
            if days is not None and len(seen) > days:
                return
            data = line[cut + 8 :].rstrip()[:-1]
            yield Entry(head["site"], head["seq"], head["type"], head["ts"], data, head["actor"])


async def load(url: str, site: Site, path: Path, days: int | None, size: int) -> list[str]:
    zone = ZoneInfo(site.timezone)
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn)
        found = await (await conn.execute("SELECT count(*) FROM events")).fetchone()
        if found and found[0]:
            return [f"the archive holds {found[0]:,} events already: not loaded again"]
        began = time.perf_counter()
        inserting = 0.0
        events = 0
        chunk: list[Entry] = []
        source = entries(path, days)
        while True:
            chunk = [entry for _, entry in zip(range(size), source, strict=False)]
            if not chunk:
                break
            t0 = time.perf_counter()
            events += await insert(conn, [Batch(site.id, EPOCH, tuple(chunk))], {site.id: zone}.get)
            inserting += time.perf_counter() - t0
            if events % 500_000 < size:
                took = time.perf_counter() - began
                print(f"  {events:,} events in {took:.0f} s", file=sys.stderr)
        took = time.perf_counter() - began
        visits = await (await conn.execute("SELECT count(*) FROM visits")).fetchone()
        t0 = time.perf_counter()
        await conn.execute("VACUUM ANALYZE visits")
        vacuum = time.perf_counter() - t0
        size_row = await (
            await conn.execute("SELECT pg_size_pretty(pg_total_relation_size('visits'))")
        ).fetchone()
    return [
        f"loaded {events:,} events and {visits[0] if visits else 0:,} visits in {took:.0f} s: "
        f"{events / took:,.0f} events/s ({inserting:.0f} s in insert + fold, the rest reading "
        f"the file), {size} events a transaction; VACUUM ANALYZE visits {vacuum:.1f} s "
        f"(autovacuum would); visits take {size_row[0] if size_row else '?'}",
    ]


async def time_reports(url: str, site: Site, runs: int) -> Table:
    reports = ArchiveReports(url)
    table = Table(["report", "rows", "tickets", "first run s", f"p50 of {runs} s", "max s"])
    for what, first, last, by in REPORTS:
        t0 = time.perf_counter()
        report = await reports.report(site, first, last, by)
        cold = time.perf_counter() - t0
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await reports.report(site, first, last, by)
            times.append(time.perf_counter() - t0)
        table.add(
            what, len(report.rows), report.total.issued, cold, statistics.median(times), max(times)
        )
    return table


async def forget(url: str, epoch: str) -> None:
    """The archive as loaded again: what a run archived is removed (else the next run,
    with the visits, would start by folding what one without them left)."""
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("DELETE FROM events WHERE epoch = %s", (epoch,))
        await conn.execute("DELETE FROM visits WHERE epoch = %s", (epoch,))


class Unfolded(Archiver):
    """The archiver without the visits: as before them (its events are left unfolded)."""

    def _zone(self, site: str) -> ZoneInfo | None:
        return None

    async def _fold_unfolded(self) -> None:
        self._unfolded = False  # nothing to fold, ever: its reads wait for entries


async def keep_up(url: str, site: Site, rate: float, seconds: float, fold: bool) -> list[object]:
    """Events at `rate` a second for `seconds` through a RedisStore, archived meanwhile
    (`fold`: with their visits, else as before them)."""
    redis = start_redis()
    store = RedisStore(f"redis://127.0.0.1:{redis.port}/0")
    client = connect(Address.parse(store.url))
    archiver = (Archiver if fold else Unfolded)(client, url, lambda: [site])
    produced: dict[int, float] = {}
    archived: dict[int, float] = {}
    announce = Announcer().announcement
    try:
        await store.open((site,), lambda event: None)
        await archiver.open()
        archiver.start()
        counters = [(c.id, c.services) for c in site.counters]
        cycles = rate / 3  # issue, call, done: three events a ticket
        began = time.monotonic()

        async def counter(n: int, name: str, services: tuple[str, ...]) -> None:
            rng = random.Random(n)
            k = 0
            while True:
                due = began + (k * len(counters) + n) / cycles
                if due - began > seconds:
                    return
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                k += 1
                result = await store.issue(site.id, rng.choice(services), Stamp(datetime.now(UTC)))
                produced[result.seq] = time.monotonic()
                clerk = f"clerk{n}"
                try:  # a counter of the same line may have taken it: then another, or none
                    result = await store.call_next(
                        site.id, name, Stamp(datetime.now(UTC), clerk), announce
                    )
                except QueueEmpty:
                    continue
                produced[result.seq] = time.monotonic()
                result = await store.finish(
                    site.id, name, Status.DONE, Stamp(datetime.now(UTC), clerk)
                )
                produced[result.seq] = time.monotonic()

        epoch = store.epoch

        async def watch() -> None:
            async with await AsyncConnection.connect(url, autocommit=True) as conn:
                top = 0
                while True:
                    row = await (
                        await conn.execute(
                            "SELECT max(seq) FROM events WHERE site = %s AND epoch = %s "
                            "AND folded = %s",
                            (site.id, epoch, fold),
                        )
                    ).fetchone()
                    now = time.monotonic()
                    high = int(row[0] or 0) if row else 0
                    for seq in range(top + 1, high + 1):
                        archived[seq] = now
                    top = high
                    await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        await asyncio.gather(*(counter(n, c, s) for n, (c, s) in enumerate(counters)))
        took = time.monotonic() - began
        deadline = time.monotonic() + 30
        while len(archived) < len(produced) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        watcher.cancel()
    finally:
        await archiver.stop()
        await client.aclose()
        await store.close()
        redis.stop()
        await forget(url, store.epoch)
    lags = [archived[seq] - at for seq, at in produced.items() if seq in archived]
    return [
        "yes" if fold else "no (as before)",
        rate,
        len(produced) / took,
        len(produced),
        len(produced) - len(lags),
        percentile(lags, 50) * 1000,
        percentile(lags, 99) * 1000,
        max(lags) * 1000 if lags else float("nan"),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20 days, 3 runs, 10 s phases")
    parser.add_argument("--jsonl", type=Path, default=Path("/tmp/year.jsonl"))
    parser.add_argument("--archive", help="postgresql://… (default: a PostgreSQL of its own)")
    parser.add_argument("--batch", type=int, default=5_000, help="events a transaction")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rates", type=float, nargs="*", default=[500.0, 1000.0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--skip", nargs="*", default=[], choices=["load", "reports", "keepup"])
    args = parser.parse_args()
    days, runs, seconds = (20, 3, 10.0) if args.quick else (None, args.runs, args.seconds)
    site = _year.load_site()
    workdir = None
    server = None
    url = args.archive
    if url is None:
        workdir = Path(tempfile.mkdtemp(prefix="loket-pg-bench-"))
        server = PostgresServer(workdir).start()
        url = server.create_database()
    blocks: list[object] = [machine_line() + "; PostgreSQL with fsync off (the tests')"]
    try:
        if "load" not in args.skip:
            blocks.append(await load(url, site, args.jsonl, days, args.batch))
        if "reports" not in args.skip:
            blocks.append(await time_reports(url, site, runs))
        if "keepup" not in args.skip:
            table = Table(
                [
                    "visits",
                    "asked ev/s",
                    "made ev/s",
                    "events",
                    "not archived",
                    "lag p50 ms",
                    "p99 ms",
                    "max ms",
                ]
            )
            for rate in args.rates:
                for fold in (False, True):  # side by side, under the same load
                    table.add(*await keep_up(url, site, rate, seconds, fold))
            blocks.append(table)
    finally:
        if server is not None:
            server.stop()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(paragraphs(*blocks))  # type: ignore[arg-type]


if __name__ == "__main__":
    asyncio.run(main())
