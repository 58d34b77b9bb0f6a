"""Reports (CONTRACT 6.3) of a Redis store, counted by PostgreSQL over the archive's
visits: a report is three queries run side by side, its rows (grouped by its key) and its
total, each reading the covering index visits_site_day alone, and its ratings (CONTRACT
6.4: the range's ratings joined with their visits, grouped by the same key). The rated
visits the satisfaction summary reads are that join too.

Each figure is the one row.py's `summarize` gives for the same visits (tests/store/
test_archive_reports.py compares them): `percentile_disc` takes the ⌈q·n⌉-th smallest
value, row.py's nearest rank; a share within target is divided here, as there. An
average may differ from summarize's in its last bits (the sum is added in another order).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any, LiteralString

import psycopg
from psycopg import AsyncConnection, sql

from loket.server.archive.url import safe
from loket.server.domain.rating import Rater, Rating
from loket.server.domain.site import Site
from loket.server.reports.rated import REF_SLACK, TURN, RatedVisit, made_in_turns
from loket.server.reports.row import By, Report, Row, Stats, fixed_keys, rating_figures
from loket.server.reports.satisfaction import Satisfaction, summarize
from loket.server.store.base import StoreUnavailable
from loket.server.store.report_processes import ReportProcesses

CONNECT_TIMEOUT_S = 5
CONCURRENT = 2  # reports counted at once by one process (three connections each); more wait
# a year's percentiles sort a million values: in memory, not in temporary files
SESSION = "-c work_mem=128MB -c jit=off -c statement_timeout=30000"

KEYS: dict[By, LiteralString] = {
    By.SERVICE: "v.service",
    By.COUNTER: "v.counter",
    By.USER: "v.clerk",
    By.HOUR: "v.hour",
    By.DAY: "v.day",
    By.WEEKDAY: "v.weekday",
}

FIGURES = """
        count(*),
        count(v.wait_s),
        count(*) FILTER (WHERE v.state = 'done'),
        count(*) FILTER (WHERE v.state = 'no_show'),
        coalesce(sum(v.transfers), 0),
        sum(v.wait_s),
        percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v.wait_s),
        max(v.wait_s),
        count(v.service_s),
        sum(v.service_s),
        percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v.service_s),
        max(v.service_s),
        count(*) FILTER (WHERE v.wait_s IS NOT NULL AND {target} IS NOT NULL),
        count(*) FILTER (WHERE v.wait_s <= {target})
    FROM visits v
    WHERE v.site = %(site)s AND v.day BETWEEN %(first)s AND %(last)s
"""
# the rows and the total: two queries run side by side (each sorts its values, on a core
# of its own), not one with GROUPING SETS, which sorts them all one after the other
ROWS: LiteralString = "SELECT {key}, " + FIGURES + " GROUP BY {key}"
TOTAL: LiteralString = "SELECT NULL, " + FIGURES
# the range's ratings (by their ref's day, a little wider: rated.py's REF_SLACK) with the
# visits of the range: each joins its ticket's visit by its primary key
JOINED = """
    FROM ratings r JOIN visits v ON v.site = r.site AND v.epoch = r.epoch AND v.ref = r.ref
    WHERE r.site = %(site)s AND r.day BETWEEN %(near)s AND %(far)s
        AND v.day BETWEEN %(first)s AND %(last)s
"""
RATINGS: LiteralString = (
    "SELECT {key}, count(*)::int, sum(r.score)::int" + JOINED + " GROUP BY {key}"
)
RATED: LiteralString = (
    "SELECT r.ref, r.score, r.at, r.rater, r.comment, r.answers, r.counter, "
    "v.service, v.counter, v.clerk, v.issued_at, v.finished_at"
    + JOINED
    + " ORDER BY v.day, r.at, r.ref"
)


def target_of(site: Site) -> sql.Composable:
    """A visit's target wait in seconds (NULL: its service has none, or is no longer
    the site's): a CASE on its service, cheaper than a join for every visit."""
    targets = [(s.id, s.target_wait_s) for s in site.services if s.target_wait_s is not None]
    if not targets:
        return sql.SQL("NULL::float8")
    cases = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN {}::float8").format(sql.Literal(service), sql.Literal(seconds))
        for service, seconds in targets
    )
    return sql.SQL("(CASE v.service {} END)").format(cases)


def key_text(by: By, key: Any) -> str:
    """A group's key as the report names it (row.py's `key_of`)."""
    if by is By.HOUR:
        return f"{int(key):02d}"
    if by is By.DAY:
        return date.isoformat(key)
    return str(key)


def stats(
    total: float | None, count: int, ranks: Sequence[float] | None, top: float | None
) -> Stats | None:
    if not count or total is None or ranks is None or top is None:
        return None
    return Stats(avg=total / count, p50=ranks[0], p90=ranks[1], max=top)


def row_of(key: str, record: Sequence[Any]) -> Row:
    """A row from a record of ROWS or TOTAL (its key first)."""
    (issued, called, served, no_show, transferred) = record[1:6]
    (wait_sum, wait_ranks, wait_max, served_n, service_sum, service_ranks, service_max) = record[
        6:13
    ]
    judged, met = record[13:15]
    return Row(
        key=key,
        issued=issued,
        called=called,
        served=served,
        no_show=no_show,
        transferred=int(transferred),
        wait_s=stats(wait_sum, called, wait_ranks, wait_max),
        service_s=stats(service_sum, served_n, service_ranks, service_max),
        within_target=met / judged if judged else None,
    )


def rated_visit(record: Sequence[Any]) -> RatedVisit:
    """A record of RATED."""
    ref, score, at, rater, comment, answers, desk = record[:7]
    return RatedVisit(
        rating=Rating(ref, score, at, Rater(rater), comment, dict(answers or {}), desk),
        service=record[7],
        counter=record[8],
        user=record[9],
        issued_at=record[10],
        finished_at=record[11],
    )


class ArchiveReports:
    """The reports of the sites archived at `url` (`--archive`)."""

    def __init__(self, url: str, concurrent: int = CONCURRENT) -> None:
        self.url = url
        self._turns = asyncio.Semaphore(concurrent)
        self._processes = ReportProcesses()

    async def satisfaction(self, site: Site, first: date, last: date) -> Satisfaction:
        """The satisfaction report of `first` to `last`, read and summed up in a report's
        process (a year's ratings made in the server would stop its loop for seconds)."""
        return await self._processes.run(partial(satisfaction_of, self.url, site, first, last))

    async def close(self) -> None:
        await self._processes.close()

    async def report(self, site: Site, first: date, last: date, by: By) -> Report:
        """The site's report from `first` to `last` (local days, both included), a row for
        each key of `fixed_keys` (zeros without activity) then the others in key order;
        StoreUnavailable when the archive cannot be reached."""
        services = [service.id for service in site.services]
        target = target_of(site)
        params = _params(site, first, last)
        rows_query = sql.SQL(ROWS).format(key=sql.SQL(KEYS[by]), target=target)
        ratings_query = sql.SQL(RATINGS).format(key=sql.SQL(KEYS[by]))
        records, totals, rated = await self._gather(
            (rows_query, sql.SQL(TOTAL).format(target=target), ratings_query), params
        )
        found = {
            key_text(by, record[0]): row_of(key_text(by, record[0]), record)
            for record in records
            if record[0] is not None  # a ticket no counter finished: in the total only
        }
        keys = fixed_keys(by, first, last, services, [c.id for c in site.counters])
        rows = [found.pop(key, Row(key)) for key in keys]
        rows += [found[key] for key in sorted(found)]
        tallies = {key_text(by, key): (n, scores) for key, n, scores in rated if key is not None}
        rows = [replace(row, rating=rating_figures(*tallies.get(row.key, (0, 0)))) for row in rows]
        total = replace(
            row_of("total", totals[0]),  # with the ratings of tickets no counter finished
            rating=rating_figures(sum(n for _, n, _ in rated), sum(s for _, _, s in rated)),
        )
        return Report(site.id, first, last, by, rows, total)

    async def rated(self, site: Site, first: date, last: date) -> list[RatedVisit]:
        """Every rating of the site's tickets issued from `first` to `last` (local days,
        both included) with its visit, by their tickets' days, each day's as they were
        made; the rows are read
        (converted by psycopg as they are fetched) and made RatedVisits a turn at a time."""
        try:
            async with (
                self._turns,
                await AsyncConnection.connect(
                    self.url, connect_timeout=CONNECT_TIMEOUT_S, options=SESSION
                ) as conn,
                conn.cursor() as cursor,
            ):
                await cursor.execute(RATED, _params(site, first, last))
                made: list[RatedVisit] = []
                while rows := await cursor.fetchmany(TURN):
                    made += await made_in_turns(rows, rated_visit)
                return made
        except psycopg.Error as error:
            raise StoreUnavailable(f"the archive {safe(self.url)}: {error}") from error

    async def _gather(
        self, queries: Sequence[sql.SQL | sql.Composed], params: dict[str, Any]
    ) -> list[list[tuple[Any, ...]]]:
        """The queries' records, run side by side; StoreUnavailable when the archive
        cannot be reached."""
        try:
            async with self._turns:
                return list(await asyncio.gather(*(self._fetch(q, params) for q in queries)))
        except psycopg.Error as error:
            raise StoreUnavailable(f"the archive {safe(self.url)}: {error}") from error

    async def _fetch(
        self, query: sql.SQL | sql.Composed, params: dict[str, Any]
    ) -> list[tuple[Any, ...]]:
        async with await AsyncConnection.connect(
            self.url, connect_timeout=CONNECT_TIMEOUT_S, options=SESSION
        ) as conn:
            return await (await conn.execute(query, params)).fetchall()


def satisfaction_of(url: str, site: Site, first: date, last: date) -> Satisfaction:
    """ArchiveReports.satisfaction in its report's process: one connection, one query."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, options=SESSION) as conn:
            records = conn.execute(RATED, _params(site, first, last)).fetchall()
    except psycopg.Error as error:  # its message only: a psycopg error may not pickle
        raise StoreUnavailable(f"the archive {safe(url)}: {error}") from None
    return summarize(site, first, last, map(rated_visit, records))


def _params(site: Site, first: date, last: date) -> dict[str, Any]:
    return {
        "site": site.id,
        "first": first,
        "last": last,
        "near": first - REF_SLACK,
        "far": last + REF_SLACK,
    }
