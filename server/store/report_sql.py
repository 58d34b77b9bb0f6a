"""A report (CONTRACT 6.3) from SQLite: the rows `summarize` counts from the same visits
(tests/store/test_record_sqlite.py compares them), made from the days' parts
(report_days.py) and the ratings, read with their visits (ratings_sql.py). Counts add
up; each Stats comes from the merged sorted values: the average of all of them, the
nearest ranks ⌈n/2⌉ and ⌈0.9·n⌉, the largest. numpy lets go of the GIL while it sorts,
and so does SQLite while it reads, but the rest holds it: the store runs a report in a
process of its own, so that the event loop never waits for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np

from loket.server.domain.site import Site
from loket.server.reports.row import By, Report, Row, Stats, fixed_keys, rating_figures
from loket.server.reports.satisfaction import Satisfaction, summarize
from loket.server.store import ratings_sql
from loket.server.store.report_days import FLOATS, Part, Values, parts

T = TypeVar("T")
GROUPING: dict[By, str] = {
    By.SERVICE: "service",
    By.DAY: "service",
    By.WEEKDAY: "service",
    By.COUNTER: "counter",
    By.USER: "user",
    By.HOUR: "hour",
}
KEY: dict[By, Callable[[Part], str | None]] = {
    By.SERVICE: lambda p: p.key,
    By.DAY: lambda p: p.day,
    By.WEEKDAY: lambda p: str(date.fromisoformat(p.day).isoweekday()),
    By.COUNTER: lambda p: p.key,
    By.USER: lambda p: p.key,
    By.HOUR: lambda p: p.key,
}


@dataclass
class _Sum:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    judged: int = 0
    met: int = 0
    rated: int = 0
    scores: int = 0  # the sum of the ratings' scores
    waits: list[Values] = field(default_factory=list)
    services: list[Values] = field(default_factory=list)

    def add(self, part: Part, target: float | None) -> None:
        self.issued += part.issued
        self.served += part.served
        self.no_show += part.no_show
        self.transferred += part.transferred
        if target is not None and part.waits.size:
            self.judged += part.waits.size
            self.met += int(np.searchsorted(part.waits, target, side="right"))
        self.waits.append(part.waits)
        self.services.append(part.services)

    def rate(self, rated: int, scores: int) -> None:
        self.rated += rated
        self.scores += scores

    def row(self, key: str) -> Row:
        waits = _merged(self.waits)
        return Row(
            key=key,
            issued=self.issued,
            called=int(waits.size),
            served=self.served,
            no_show=self.no_show,
            transferred=self.transferred,
            wait_s=_stats(waits),
            service_s=_stats(_merged(self.services)),
            within_target=self.met / self.judged if self.judged else None,
            rating=rating_figures(self.rated, self.scores),
        )


def report_file(path: str, site: Site, first: date, last: date, by: By) -> Report:
    """The report, read from the file at `path` with a read-only connection of its own (in
    a process of its own: SqliteStore.report)."""
    return _reading(path, lambda conn: report(conn, site, first, last, by))


def rated_file(path: str, site: str, first: date, last: date) -> list[ratings_sql.Row]:
    """The rated visits' rows (ratings_sql.rated_rows), read as report_file reads."""
    return _reading(path, lambda conn: ratings_sql.rated_rows(conn, site, first, last))


def satisfaction_file(path: str, site: Site, first: date, last: date) -> Satisfaction:
    """The satisfaction report, summed up here: a year's ratings are made into objects in
    this process, so the server's loop never pauses for their memory."""

    def read(conn: sqlite3.Connection) -> Satisfaction:
        rows = ratings_sql.rated_rows(conn, site.id, first, last)
        return summarize(site, first, last, map(ratings_sql.rated_visit, rows))

    return _reading(path, read)


def _reading(path: str, read: Callable[[sqlite3.Connection], T]) -> T:
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("BEGIN")  # one snapshot: the summaries, visits and ratings agree
        return read(conn)
    finally:
        conn.close()


def report(conn: sqlite3.Connection, site: Site, first: date, last: date, by: By) -> Report:
    """The site's report from `first` to `last` (local days, both included)."""
    targets: Mapping[str, float | None] = {s.id: s.target_wait_s for s in site.services}
    keys = fixed_keys(by, first, last, [s.id for s in site.services], [c.id for c in site.counters])
    sums: dict[str, _Sum] = {k: _Sum() for k in keys}
    total = _Sum()
    key_of = KEY[by]
    for part in parts(conn, site.id, GROUPING[by], first, last):
        target = targets.get(part.service)
        total.add(part, target)
        key = key_of(part)
        if key is not None:
            sums.setdefault(key, _Sum()).add(part, target)
    # read as the report is, never summarized: a rating may come after its day's summary
    for key, (rated, scores) in ratings_sql.rating_tallies(conn, site.id, first, last, by).items():
        total.rate(rated, scores)
        if key is not None:
            sums.setdefault(key, _Sum()).rate(rated, scores)
    fixed = set(keys)
    extra = sorted(k for k in sums if k not in fixed)
    return Report(
        site.id,
        first,
        last,
        by,
        [sums[k].row(k) for k in [*keys, *extra]],
        total.row("total"),
    )


def _merged(values: list[Values]) -> Values:
    return np.concatenate(values) if values else np.empty(0, dtype=FLOATS)


def _stats(values: Values) -> Stats | None:
    """Nearest ranks, as Stats.of: the ⌈q·n⌉-th smallest (in integers)."""
    n = int(values.size)
    if not n:
        return None
    ranked = np.partition(values, [(n + 1) // 2 - 1, (9 * n + 9) // 10 - 1, n - 1])
    return Stats(
        avg=float(values.sum()) / n,
        p50=float(ranked[(n + 1) // 2 - 1]),
        p90=float(ranked[(9 * n + 9) // 10 - 1]),
        max=float(ranked[n - 1]),
    )
