"""The archive's visits and reports (CONTRACT 6.3) on a real PostgreSQL: events inserted by
the archiver's own path are folded into one visit per ticket, once each, and the SQL
reports equal row.py's `summarize` of the same visits, figure for figure."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg import AsyncConnection

from loket.server.archive.backfill import fold_some
from loket.server.archive.ratings import Rated, insert_ratings
from loket.server.archive.reports import ArchiveReports
from loket.server.archive.rows import Batch, insert
from loket.server.archive.schema import MIGRATIONS, migrate
from loket.server.archive.visits import NAMES, visit_of
from loket.server.domain.rating import Rater, Rating
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status
from loket.server.record.visit import State, Visit
from loket.server.reports.row import By, Report, Row, fixed_keys, rank, summarize
from loket.server.store import Stamp
from loket.server.store.redis.entries import Entry
from tests.store.test_archive import (
    ANNOUNCE,
    SITES,
    all_archived,
    archiver,
    eventually,
    now,
    store,
)
from tests.support.visits import fold_events

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import _year  # noqa: E402

START = date(2025, 12, 5)  # a Friday, a Saturday, a closed Sunday
EPOCH = "e1"


@pytest.fixture(scope="module")
def hall() -> tuple[Site, list[Entry]]:
    site = _year.load_site()
    entries = [
        Entry(site_id, seq, kind, ts, data, actor)
        for out in _year.generate(site, START, 3, seed=4)
        for site_id, seq, kind, ts, data, actor in out.events
    ]
    return site, entries


def batches(site: str, entries: Sequence[Entry], size: int) -> list[Batch]:
    return [Batch(site, EPOCH, tuple(entries[i : i + size])) for i in range(0, len(entries), size)]


def zones_of(site: Site) -> dict[str, ZoneInfo]:
    return {site.id: ZoneInfo(site.timezone)}


def folded(site: Site, entries: Iterable[Entry]) -> list[Visit]:
    """The definition (tests/support/visits.py) of these stream entries."""
    return fold_events(site, ((e.seq, e.type, e.ts, e.data, e.actor) for e in entries))


async def stored_visits(url: str) -> list[Visit]:
    async with await AsyncConnection.connect(url) as conn:
        cursor = await conn.execute(
            psycopg.sql.SQL("SELECT {names} FROM visits ORDER BY ref").format(names=NAMES)
        )
        return [visit_of(row) for row in await cursor.fetchall()]


async def archive(url: str, site: Site, chunks: Iterable[Batch]) -> int:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await migrate(conn)
        new = 0
        for chunk in chunks:
            new += await insert(conn, [chunk], zones_of(site).get)
        return new


def same(got: Report, expected: Report) -> None:
    """The same report: every figure exactly, but averages only to 1e-12 (PostgreSQL adds
    the values in another order than Python)."""

    def exact(report: Report) -> Report:
        return replace(
            report, rows=[without_avg(r) for r in report.rows], total=without_avg(report.total)
        )

    def averages(report: Report) -> list[float]:
        rows = [*report.rows, report.total]
        return [s.avg for r in rows for s in (r.wait_s, r.service_s) if s is not None]

    assert exact(got) == exact(expected)
    assert averages(got) == pytest.approx(averages(expected), rel=1e-12)
    assert got.to_json() == expected.to_json()  # what the API answers


def without_avg(row: Row) -> Row:
    return replace(
        row,
        wait_s=row.wait_s and replace(row.wait_s, avg=0.0),
        service_s=row.service_s and replace(row.service_s, avg=0.0),
    )


def reference(
    site: Site,
    visits: list[Visit],
    first: date,
    last: date,
    by: By,
    scores: Mapping[str, int] | None = None,
) -> Report:
    targets = {service.id: service.target_wait_s for service in site.services}
    services = [service.id for service in site.services]
    keys = fixed_keys(by, first, last, services, [counter.id for counter in site.counters])
    return summarize(site.id, first, last, by, visits, targets, keys, scores)


def ratings_of(site: Site, visits: Iterable[Visit], every: int) -> list[Rated]:
    """A rating of every `every`-th visit served, scores 1 to 4 in turn, as the archiver
    reads them from Redis (epoch EPOCH)."""
    served = [v for v in visits if v.state is State.DONE][::every]
    return [
        Rated(
            site.id,
            f"{n}-0",
            EPOCH,
            Rating(v.ref, 1 + n % 4, v.finished_at or v.issued_at, Rater.HOLDER, answers={"U1": 2}),
        )
        for n, v in enumerate(served)
    ]


def scores_of(rated: Iterable[Rated]) -> dict[str, int]:
    return {r.rating.ref: r.rating.score for r in rated if r.rating is not None}


async def test_sql_reports_equal_summarize_for_every_by(
    postgres_url: str, hall: tuple[Site, list[Entry]]
) -> None:
    site, entries = hall
    await archive(postgres_url, site, batches(site.id, entries, 500))
    visits = await stored_visits(postgres_url)
    assert visits == folded(site, entries)
    assert len(visits) > 5_000
    rated = ratings_of(site, visits, 3)
    async with await AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        await insert_ratings(conn, rated)
        await insert_ratings(conn, rated[::2])  # delivered again: kept once
    scores = scores_of(rated)
    reports = ArchiveReports(postgres_url)
    ranges = [
        (START - timedelta(days=1), START + timedelta(days=3)),  # quiet days around
        (START + timedelta(days=1), START + timedelta(days=1)),  # the Saturday alone
    ]
    for first, last in ranges:
        for by in By:
            expected = reference(site, visits, first, last, by, scores)
            same(await reports.report(site, first, last, by), expected)
    whole = await reports.report(site, *ranges[0], By.DAY)
    assert whole.total.issued == len(visits)
    assert whole.total.rating is not None and whole.total.rating["count"] == len(rated) > 500
    assert [row.key for row in whole.rows] == [
        (START + timedelta(days=n)).isoformat() for n in range(-1, 4)
    ]
    assert whole.rows[0].issued == 0 and whole.rows[0].wait_s is None  # a day without activity
    assert whole.total.within_target is not None and 0.5 < whole.total.within_target < 1


async def test_events_archived_twice_or_late_are_folded_once(
    postgres_url: str, hall: tuple[Site, list[Entry]]
) -> None:
    site, entries = hall
    day = [e for e in entries if e.ts < "2025-12-05T12:00"]  # the Friday
    part = day[: len(day) * 2 // 3]
    shuffled = batches(site.id, part, 97)
    random.Random(2).shuffle(shuffled)  # claimed batches arrive after later ones
    assert await archive(postgres_url, site, shuffled) == len(part)
    assert await stored_visits(postgres_url) == folded(site, part)
    # a crash between commit and acknowledgement: batches come again, with new events
    assert await archive(postgres_url, site, batches(site.id, day, 300)) == len(day) - len(part)
    assert await stored_visits(postgres_url) == folded(site, day)


async def test_a_counters_events_are_archived_and_not_folded(postgres_url: str) -> None:
    site = _year.load_site()
    opened = Entry(
        site.id, 1, "counter.opened", "2025-12-05T01:00:00+00:00", '{"counter": {}}', "maya"
    )
    assert await archive(postgres_url, site, [Batch(site.id, EPOCH, (opened,))]) == 1
    assert await stored_visits(postgres_url) == []


async def test_events_archived_before_the_visits_are_folded_later(
    postgres_url: str, hall: tuple[Site, list[Entry]]
) -> None:
    """An archive of the previous release (schema 1, no visits) holding half the events;
    the other half come after the upgrade. A chunk at a time, every ticket ends whole."""
    site, entries = hall
    day = [e for e in entries if e.ts < "2025-12-05T12:00"]
    half = len(day) // 2
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version int NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (1)")
        conn.execute(MIGRATIONS[0])
        with conn.cursor() as cursor:
            cursor.executemany(  # as the previous release's archiver did
                "INSERT INTO events (site, epoch, seq, type, ts, actor, data) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)",
                [(e.site, EPOCH, e.seq, e.type, e.ts, e.actor, e.data) for e in day[:half]],
            )
    await archive(postgres_url, site, batches(site.id, day[half:], 500))
    async with await AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        rounds = 0
        while await fold_some(conn, zones_of(site), chunk=1_000) >= 1_000:
            rounds += 1
        assert rounds >= half // 1_000 - 1
        assert await fold_some(conn, zones_of(site)) == 0  # nothing left, nothing twice
    assert await stored_visits(postgres_url) == folded(site, day)


async def test_percentile_disc_is_the_nearest_rank(postgres_url: str) -> None:
    """row.py's Stats take the ⌈q·n⌉-th smallest value; so does PostgreSQL's
    percentile_disc, for every n a group may have (here up to 3,000)."""
    async with await AsyncConnection.connect(postgres_url) as conn:
        cursor = await conn.execute(
            "SELECT n, percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x) "
            "FROM generate_series(1, 3000) n, generate_series(1, n) x GROUP BY n ORDER BY n"
        )
        rows = await cursor.fetchall()
    assert [tuple(ranks) for _, ranks in rows] == [
        (rank(0.5, n), rank(0.9, n)) for n in range(1, 3001)
    ]


async def test_a_redis_stores_calls_reach_the_reports(redis_url: str, postgres_url: str) -> None:
    """Tickets issued, called, served and not come on a real Redis store; the archiver
    folds them and the report counts them; stopped, and its archive's visits dropped as if
    the previous release had made it, a new archiver folds them again at start."""
    demo = SITES[0]
    site = replace(demo, services=tuple(replace(s, target_wait_min=5) for s in demo.services))
    reports = ArchiveReports(postgres_url)
    today = datetime.now(ZoneInfo(site.timezone)).date()
    async with store(redis_url) as opened:
        for service in ("A", "A", "B"):
            await opened.issue("demo", service, Stamp(now()))
        await opened.call_next("demo", "1", Stamp(now(), "maya"), ANNOUNCE)
        await opened.finish("demo", "1", Status.DONE, Stamp(now(), "maya"))
        await opened.call_next("demo", "1", Stamp(now(), "maya"), ANNOUNCE)
        await opened.finish("demo", "1", Status.NO_SHOW, Stamp(now(), "maya"))
        async with archiver(redis_url, postgres_url):
            await all_archived(redis_url, postgres_url)

        async def counted() -> bool:
            report = await reports.report(site, today, today, By.COUNTER)
            return report.total.no_show == 1

        await eventually(counted)
    by_counter = await reports.report(site, today, today, By.COUNTER)
    assert [row.key for row in by_counter.rows] == ["1", "2", "3", "4", "5", "6"]
    one = by_counter.rows[0]
    assert (one.issued, one.called, one.served, one.no_show) == (2, 2, 1, 1)
    assert one.wait_s is not None and one.service_s is not None and one.within_target == 1.0
    assert by_counter.rows[1].issued == 0 and by_counter.total.issued == 3  # B: not called
    by_user = await reports.report(site, today, today, By.USER)
    assert [(row.key, row.served) for row in by_user.rows] == [("maya", 1)]
    visits = await stored_visits(postgres_url)
    for by in By:
        same(
            await reports.report(site, today, today, by), reference(site, visits, today, today, by)
        )
    with psycopg.connect(postgres_url, autocommit=True) as conn:  # as a previous release left it
        conn.execute("DELETE FROM visits")
        conn.execute("UPDATE events SET folded = false")
    async with archiver(redis_url, postgres_url):

        async def refolded() -> bool:
            return len(await stored_visits(postgres_url)) == 3

        await eventually(refolded)
    assert await stored_visits(postgres_url) == visits
