"""Ratings (CONTRACT 6.4) read with their tickets' visits, on SQLite: what a report's rows
count of them (CONTRACT 6.3's `rating`) and the rated visits the satisfaction summary reads.

A rating is kept once per ticket, by (site, ref), possibly a day after its ticket's day
was summarized (report_days.py): so the reports never take ratings from the summaries but
join them with the visits as they read, a rating counting with its visit exactly as
`summarize` counts it (by the service issued for, the counter and user that finished it,
the local issue day, hour and weekday). A ref begins with its ticket's day, so the
ratings of a range are read from the primary key's range, not from every visit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from loket.server.domain.rating import Rater, Rating
from loket.server.reports.rated import RatedVisit, ref_range
from loket.server.reports.row import By

RATING_COLUMNS = "ref, score, comment, answers, at, by, counter"
# the visit's column each report key is (row.py's key_of)
KEYS: dict[By, str] = {
    By.SERVICE: "v.service",
    By.COUNTER: "v.counter",
    By.USER: "v.user",
    By.HOUR: "v.hour",
    By.DAY: "v.day",
    By.WEEKDAY: "v.weekday",
}
# CROSS JOIN: SQLite takes the ratings first (the range of their key), then each one's
# visit by its key; left to itself it would read every visit of the range (1.6 s, not 0.9,
# for a year of 1.15 M tickets and 400,000 ratings)
_JOINED = """
    FROM ratings r CROSS JOIN visits v ON v.site = r.site AND v.ref = r.ref
    WHERE r.site = ? AND r.ref >= ? AND r.ref < ? AND v.day BETWEEN ? AND ?
"""
_RATED = ", ".join(f"r.{column}" for column in RATING_COLUMNS.split(", "))

Tally = tuple[int, int]  # how many ratings, and their scores' sum
Row = tuple[Any, ...]
# the rated visits of a long range are read a week at a time: one week's rows (some
# thousands) are received from a report's process in a few ms, a year's would hold the
# server's GIL for most of a second as they are unpickled
PART = timedelta(days=7)


def rating_from_row(row: Sequence[Any]) -> Rating:
    """A row of RATING_COLUMNS."""
    ref, score, comment, answers, at, by, counter = row
    return Rating(
        ref=ref,
        score=score,
        at=datetime.fromisoformat(at),
        by=Rater(by),
        comment=comment,
        answers={} if answers == "{}" else json.loads(answers),
        counter=counter,
    )


def _span(site: str, first: date, last: date) -> tuple[str, ...]:
    return (site, *ref_range(first, last), first.isoformat(), last.isoformat())


def key_text(by: By, key: Any) -> str | None:
    """A visit's column as the report names its row (None: in the total only)."""
    if key is None:
        return None
    return f"{int(key):02d}" if by is By.HOUR else str(key)


def rating_tallies(
    conn: sqlite3.Connection, site: str, first: date, last: date, by: By
) -> dict[str | None, Tally]:
    """Per report key, the ratings of the tickets issued from `first` to `last`."""
    rows = conn.execute(
        f"SELECT {KEYS[by]}, count(*), sum(r.score) {_JOINED} GROUP BY 1",
        _span(site, first, last),
    )
    return {key_text(by, key): (int(rated), int(total)) for key, rated, total in rows}


def parts(first: date, last: date) -> list[tuple[date, date]]:
    """The range from `first` to `last` as consecutive parts of at most PART."""
    starts = range(first.toordinal(), last.toordinal() + 1, PART.days)
    ends = (min(last.toordinal(), n + PART.days - 1) for n in starts)  # never past 9999-12-31
    return [
        (date.fromordinal(n), date.fromordinal(end)) for n, end in zip(starts, ends, strict=True)
    ]


def rated_rows(conn: sqlite3.Connection, site: str, first: date, last: date) -> list[Row]:
    """Every rating of the tickets issued from `first` to `last` with its visit, by their
    tickets' days, each day's as they were made , as rows (cheaper
    to send from a report's process than RatedVisits: `rated_visit` makes them)."""
    return conn.execute(
        f"SELECT {_RATED}, v.service, v.counter, v.user, v.issued_at, v.finished_at {_JOINED}"
        " ORDER BY v.day, r.at, r.ref",
        _span(site, first, last),
    ).fetchall()


def rated_visit(row: Row) -> RatedVisit:
    """A row of `rated_rows`."""
    return RatedVisit(
        rating=rating_from_row(row[:7]),
        service=row[7],
        counter=row[8],
        user=row[9],
        issued_at=datetime.fromisoformat(row[10]),
        finished_at=None if row[11] is None else datetime.fromisoformat(row[11]),
    )
