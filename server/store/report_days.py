"""Each past day's visits, summarized once for the reports (CONTRACT 6.3).

SQL over a year's visits is too slow for exact percentiles (its window functions sort a
million rows per figure), so a day is summarized when it is over: per grouping (service,
counter, user, hour) and per key and service of the day, its counts and the sorted
values of its waits and service times (float64 blobs). A report then reads a few
thousand parts instead of a million visits and takes each percentile from the merged
values with numpy: exact, as `summarize` defines it. Split by service, a part also
judges each wait against its service's target as the site has it now. A day not
summarized (today, or one whose visit changed since: the writer drops its summary) is
read from its visits the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

GROUPINGS = ("service", "counter", "user", "hour")
FLOATS = np.dtype("<f8")
Values = npt.NDArray[np.float64]
_IN_GROUPINGS = f"grouping IN ({', '.join(repr(g) for g in GROUPINGS)})"


@dataclass(frozen=True, slots=True)
class Part:
    """The visits of one day, one key of a grouping and one service."""

    day: str
    grouping: str
    key: str | None  # None: no counter or user had the ticket (in the total only)
    service: str
    issued: int
    served: int
    no_show: int
    transferred: int
    waits: Values  # sorted
    services: Values  # sorted


@dataclass(slots=True)
class _Tally:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)

    @property
    def twice(self) -> tuple[list[float], list[float]]:
        return self.waits, self.services


def day_parts(
    conn: sqlite3.Connection, site: str, days: Sequence[str], groupings: Sequence[str]
) -> list[Part]:
    """The parts of these days, from their visits."""
    if not days:
        return []
    tallies: dict[tuple[str, str, str | None, str], _Tally] = {}
    marks = ", ".join("?" for _ in days)
    rows = conn.execute(
        "SELECT day, service, counter, user, printf('%02d', hour), state, transfers, wait_s, "
        f"service_s FROM visits WHERE site = ? AND day IN ({marks})",
        (site, *days),
    )
    for day, service, counter, user, hour, state, transfers, wait, took in rows:
        keys = {"service": service, "counter": counter, "user": user, "hour": hour}
        for grouping in groupings:
            tally = tallies.get((day, grouping, keys[grouping], service))
            if tally is None:
                tally = tallies[(day, grouping, keys[grouping], service)] = _Tally()
            tally.issued += 1
            tally.served += state == "done"
            tally.no_show += state == "no_show"
            tally.transferred += transfers
            if wait is not None:
                tally.waits.append(wait)
            if took is not None:
                tally.services.append(took)
    return [
        Part(*key, t.issued, t.served, t.no_show, t.transferred, *map(_sorted, t.twice))
        for key, t in tallies.items()
    ]


def _sorted(values: list[float]) -> Values:
    return np.sort(np.array(values, dtype=FLOATS))


def summarize_day(conn: sqlite3.Connection, site: str, day: str) -> None:
    """Keep the day's parts (on the writer's connection, in its transaction)."""
    forget(conn, [(site, day)])
    conn.executemany(
        "INSERT INTO report_days (site, day, grouping, key, service, issued, served, "
        "no_show, transferred, waits, services) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                site,
                p.day,
                p.grouping,
                p.key,
                p.service,
                p.issued,
                p.served,
                p.no_show,
                p.transferred,
                p.waits.tobytes(),
                p.services.tobytes(),
            )  # fmt: skip
            for p in day_parts(conn, site, [day], GROUPINGS)
        ],
    )
    conn.execute("INSERT INTO report_days_done (site, day) VALUES (?, ?)", (site, day))


def forget(conn: sqlite3.Connection, days: Iterable[tuple[str, str]]) -> None:
    """Drop these days' summaries: a visit of theirs changed (a few µs when there are none)."""
    for site, day in days:
        gone = conn.execute(
            "DELETE FROM report_days_done WHERE site = ? AND day = ?", (site, day)
        ).rowcount
        if gone:
            conn.execute(
                f"DELETE FROM report_days WHERE site = ? AND {_IN_GROUPINGS} AND day = ?",
                (site, day),
            )


def unsummarized(conn: sqlite3.Connection, site: str, before: date) -> list[str]:
    """The days before `before` that have visits and no summary, oldest first: one index
    probe per day with visits."""
    found: list[str] = []
    day = ""
    while True:
        (day,) = conn.execute(
            "SELECT min(day) FROM visits WHERE site = ? AND day > ? AND day < ?",
            (site, day, before.isoformat()),
        ).fetchone()
        if day is None:
            return found
        done = conn.execute(
            "SELECT 1 FROM report_days_done WHERE site = ? AND day = ?", (site, day)
        ).fetchone()
        if done is None:
            found.append(day)


def parts(
    conn: sqlite3.Connection, site: str, grouping: str, first: date, last: date
) -> list[Part]:
    """Every part of the days from `first` to `last`: kept, or made from the visits of the
    days that have no summary."""
    span = (site, first.isoformat(), last.isoformat())
    done = {
        day
        for (day,) in conn.execute(
            "SELECT day FROM report_days_done WHERE site = ? AND day BETWEEN ? AND ?", span
        )
    }
    kept = [
        Part(day, grouping, key, service, issued, served, gone, moved, _floats(w), _floats(s))
        for day, key, service, issued, served, gone, moved, w, s in conn.execute(
            "SELECT day, key, service, issued, served, no_show, transferred, waits, services "
            "FROM report_days WHERE site = ? AND grouping = ? AND day BETWEEN ? AND ?",
            (site, grouping, *span[1:]),
        )
    ]
    days = [
        day
        for n in range((last - first).days + 1)
        if (day := date.fromordinal(first.toordinal() + n).isoformat()) not in done
    ]
    return kept + day_parts(conn, site, days, [grouping])


def _floats(blob: bytes) -> Values:
    return np.frombuffer(blob, dtype=FLOATS)
