"""Ratings in the record (CONTRACT 6.3's `rating` of every report row, and the rated visits
of the satisfaction summary) on both stores: on SQLite read with the visits, also when a
rating comes after its day was summarized; on Redis through the PostgreSQL archive, each
rating once even when it is delivered again, into archives made before ratings too."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from loket.server.archive.ratings import RatingStreams, insert_ratings
from loket.server.archive.schema import MIGRATIONS as ARCHIVE_MIGRATIONS
from loket.server.archive.stream import GROUP
from loket.server.domain import Status
from loket.server.domain.rating import Rater, Rating
from loket.server.reports.rated import RatedVisit
from loket.server.reports.row import By
from loket.server.reports.satisfaction import summarize
from loket.server.store import Stamp, Store
from loket.server.store.base import NoArchive
from loket.server.store.redis import RedisStore, keys
from loket.server.store.redis.connection import Address, connect
from loket.server.store.sqlite import SqliteStore
from tests.store.test_archive import ANNOUNCE, SITES, archiver, eventually
from tests.store.test_record_sqlite import PREVIOUS

DEMO = SITES[0]
ZONE = ZoneInfo(DEMO.timezone)
T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
DAY = date(2026, 12, 6)


async def serve(store: Store, counter: str, clerk: str, done_at: datetime) -> str:
    """A ticket of A issued, called at `counter` by `clerk` and done at `done_at`: its ref."""
    issued = await store.issue("demo", "A", Stamp(done_at - timedelta(minutes=10)))
    await store.call_next("demo", counter, Stamp(done_at - timedelta(minutes=4), clerk), ANNOUNCE)
    await store.finish("demo", counter, Status.DONE, Stamp(done_at, clerk))
    return str(issued.ticket["ref"])


def holder(ref: str, at: datetime, score: int) -> Rating:
    return Rating(ref, score, at, Rater.HOLDER, comment="Ramah", answers={"U1": 3, "U7": 4})


async def rating_rows(store: Store, first: date, last: date, by: By) -> dict[str, object]:
    report = await store.report("demo", first, last, by)
    return {row.key: row.rating for row in [*report.rows, report.total] if row.rating}


# -- SQLite ---------------------------------------------------------------------------


async def test_a_rating_made_after_its_day_was_summarized_counts(tmp_path: Path) -> None:
    path = tmp_path / "loket.db"
    store = SqliteStore(str(path))
    await store.open(SITES, lambda event: None)
    try:
        first = await serve(store, "2", "ana", T0)
        second = await serve(store, "6", "budi", T0 + timedelta(minutes=30))
        await store.rate("demo", holder(first, T0 + timedelta(minutes=5), 4))
        await store.prune(T0 + timedelta(days=1))  # the day is over: summarized
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT day FROM report_days_done").fetchall() == [(str(DAY),)]
        late = T0 + timedelta(hours=23)  # the next day, within the holder's 24 hours
        await store.rate("demo", Rating(second, 1, late, Rater.HOLDER))
        with closing(sqlite3.connect(path)) as conn:  # the summary was not dropped
            assert conn.execute("SELECT day FROM report_days_done").fetchall() == [(str(DAY),)]
        both = {"count": 2, "avg": 2.5, "ikm": 62.5}
        assert await rating_rows(store, DAY, DAY, By.SERVICE) == {"A": both, "total": both}
        assert await rating_rows(store, DAY, DAY, By.COUNTER) == {
            "2": {"count": 1, "avg": 4.0, "ikm": 100.0},
            "6": {"count": 1, "avg": 1.0, "ikm": 25.0},
            "total": both,
        }
        assert await rating_rows(store, DAY, DAY, By.USER) == {
            "ana": {"count": 1, "avg": 4.0, "ikm": 100.0},
            "budi": {"count": 1, "avg": 1.0, "ikm": 25.0},
            "total": both,
        }
        assert await rating_rows(store, DAY, DAY, By.HOUR) == {  # issued 09:50 and 10:20
            "09": {"count": 1, "avg": 4.0, "ikm": 100.0},
            "10": {"count": 1, "avg": 1.0, "ikm": 25.0},
            "total": both,
        }
        assert await rating_rows(store, DAY, DAY, By.DAY) == {str(DAY): both, "total": both}
        assert await rating_rows(store, DAY, DAY, By.WEEKDAY) == {"7": both, "total": both}
        next_day = DAY + timedelta(days=1)
        assert await rating_rows(store, next_day, next_day, By.SERVICE) == {}
        rated = await store.rated("demo", DAY, DAY)
        weeks = await store.rated("demo", DAY - timedelta(days=20), DAY + timedelta(days=20))
        assert weeks == rated  # read a week at a time: each once
        assert await store.rated("demo", next_day, next_day + timedelta(days=30)) == []
        # summed up in the report's process: what summarize makes of the same ratings
        summed = await store.satisfaction(SITES[0], DAY, DAY)
        assert summed == summarize(SITES[0], DAY, DAY, rated)
        assert summed.ratings is not None and summed.ratings.count == 2
    finally:
        await store.close()
    assert [(r.rating.ref, r.rating.score, r.service, r.counter, r.user) for r in rated] == [
        (first, 4, "A", "2", "ana"),
        (second, 1, "A", "6", "budi"),
    ]
    assert rated[0] == RatedVisit(
        holder(first, T0 + timedelta(minutes=5), 4),
        "A",
        "2",
        "ana",
        issued_at=T0 - timedelta(minutes=10),
        finished_at=T0,
    )


async def test_a_file_of_a_release_without_ratings_is_rated_and_reported(
    tmp_path: Path,
) -> None:
    """release-bed7891's file (schema 1, no ratings table): upgraded as it opens, a ticket
    it served is rated, and counted with the visit the upgrade made for it."""
    path = tmp_path / "loket.db"
    shutil.copy(PREVIOUS, path)
    with closing(sqlite3.connect(path)) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        day, number, finished = conn.execute(
            "SELECT day, number, finished_at FROM tickets WHERE status = 'done' "
            "ORDER BY finished_at LIMIT 1"
        ).fetchone()
    assert "ratings" not in tables
    served_day = date.fromisoformat(day)
    ref = f"{served_day:%Y%m%d}-{number}"
    store = SqliteStore(str(path))
    await store.open(SITES, lambda event: None)
    try:
        assert await rating_rows(store, served_day, served_day, By.SERVICE) == {}
        at = datetime.fromisoformat(finished) + timedelta(hours=1)
        await store.rate("demo", Rating(ref, 3, at, Rater.HOLDER))
        three = {"count": 1, "avg": 3.0, "ikm": 75.0}
        assert (await rating_rows(store, served_day, served_day, By.DAY)) == {
            str(served_day): three,
            "total": three,
        }
        rated = await store.rated("demo", served_day, served_day)
    finally:
        await store.close()
    assert [(r.rating.ref, r.rating.score, r.service) for r in rated] == [(ref, 3, number[0])]
    assert rated[0].finished_at == datetime.fromisoformat(finished)


# -- Redis, through the PostgreSQL archive -----------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def archived_store(redis_url: str, postgres_url: str) -> AsyncIterator[RedisStore]:
    opened = RedisStore(redis_url, archive=postgres_url)
    await opened.open(SITES, lambda event: None)
    try:
        yield opened
    finally:
        await opened.close()


def archived_ratings(postgres_url: str) -> list[tuple[str, str, int, str]]:
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT epoch, ref, score, rater FROM ratings ORDER BY ref")
        return [(str(e), str(r), int(s), str(b)) for e, r, s, b in rows.fetchall()]


async def rated_stream(redis_url: str) -> tuple[int, int]:
    """How many entries the site's rating stream holds, and how many are unacknowledged."""
    client = connect(Address.parse(redis_url))
    try:
        length = int(await client.xlen(keys.rated("demo")))
        waiting = int((await client.xpending(keys.rated("demo"), GROUP))["pending"])
        return length, waiting
    finally:
        await client.aclose()


async def test_ratings_reach_the_archive_and_count_in_its_reports(
    redis_url: str, postgres_url: str
) -> None:
    async with archived_store(redis_url, postgres_url) as store:
        done = now().replace(microsecond=0)  # a rating's time is kept to the millisecond
        days = _days_around(done)
        phone = await serve(store, "1", "maya", done)
        desk = await serve(store, "2", "budi", done)
        await store.rate("demo", holder(phone, done, 4))
        await store.rate("demo", Rating(desk, 2, done, Rater.DESK, counter="2"))
        await serve(store, "2", "budi", done)  # not rated
        async with archiver(redis_url, postgres_url):

            async def counted() -> bool:
                return len(archived_ratings(postgres_url)) == 2

            async def reported() -> bool:  # with their visits, folded from the events
                rows = await rating_rows(store, *days, By.COUNTER)
                return "1" in rows and "2" in rows

            await eventually(counted)
            await eventually(reported)
            assert await rated_stream(redis_url) == (0, 0)  # taken, and deleted from Redis
        epoch = store.epoch
        assert archived_ratings(postgres_url) == [
            (epoch, phone, 4, "holder"),
            (epoch, desk, 2, "desk"),
        ]
        by_counter = await rating_rows(store, *days, By.COUNTER)
        assert by_counter == {
            "1": {"count": 1, "avg": 4.0, "ikm": 100.0},
            "2": {"count": 1, "avg": 2.0, "ikm": 50.0},
            "total": {"count": 2, "avg": 3.0, "ikm": 75.0},
        }
        report = await store.report("demo", *days, By.COUNTER)
        assert report.rows[1].served == 2 and report.rows[1].to_json()["rating"] == by_counter["2"]
        rated = await store.rated("demo", *days)
        summed = await store.satisfaction(SITES[0], *days)
    assert summed == summarize(SITES[0], *days, rated) and summed.desk is not None
    assert [(r.rating, r.service, r.counter, r.user) for r in rated] == [
        (holder(phone, done, 4), "A", "1", "maya"),
        (Rating(desk, 2, done, Rater.DESK, counter="2"), "A", "2", "budi"),
    ]
    assert rated[0].finished_at == done and rated[0].issued_at == done - timedelta(minutes=10)


async def test_a_rating_delivered_again_is_archived_once(redis_url: str, postgres_url: str) -> None:
    """A process takes the ratings into PostgreSQL and dies before it acknowledges them:
    another claims them and inserts them again; each is counted once."""
    async with archived_store(redis_url, postgres_url) as store:
        refs = [await serve(store, "1", "maya", now()) for _ in range(3)]
        for score, ref in enumerate(refs, start=2):
            await store.rate("demo", holder(ref, now(), score))
        async with archiver(redis_url, postgres_url):
            await eventually(lambda: _true(len(archived_ratings(postgres_url)) == 3))
        more = [await serve(store, "1", "maya", now()) for _ in range(2)]
        for ref in more:
            await store.rate("demo", holder(ref, now(), 1))
        client = connect(Address.parse(redis_url))
        try:
            dying = RatingStreams(client, "dying", claim_idle_s=60.0, count=10)
            await dying._join(["demo"])
            taken = await dying._read(["demo"], ">")
            assert len(taken) == 2
            async with await psycopg.AsyncConnection.connect(postgres_url) as conn:
                await insert_ratings(conn, taken)  # committed, never acknowledged
        finally:
            await client.aclose()
        assert await rated_stream(redis_url) == (2, 2)
        async with archiver(redis_url, postgres_url, claim_idle_s=0.2):

            async def claimed() -> bool:
                return await rated_stream(redis_url) == (0, 0)

            days = _days_around(now())
            await eventually(claimed)
            await eventually(lambda: _counted(store, days, 5))
        assert [ref for _, ref, _, _ in archived_ratings(postgres_url)] == sorted(refs + more)
        total = (await store.report("demo", *days, By.SERVICE)).total.rating
        assert total == {"count": 5, "avg": 2.2, "ikm": 55.0}  # (2 + 3 + 4 + 1 + 1) / 5


async def _true(value: bool) -> bool:
    return value


def _days_around(moment: datetime) -> tuple[date, date]:
    """The local day before `moment`'s and its own: tickets issued minutes before (at
    the site's midnight, the day before) are in the range."""
    day = moment.astimezone(ZONE).date()
    return day - timedelta(days=1), day


async def _counted(store: Store, days: tuple[date, date], ratings: int) -> bool:
    total = (await store.report("demo", *days, By.SERVICE)).total.rating
    return total is not None and total["count"] == ratings


async def test_an_archive_made_before_ratings_gains_them(redis_url: str, postgres_url: str) -> None:
    """An archive of the release before ratings (schema 2): the archiver's start adds the
    table, and the ratings kept since reach it."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version int NOT NULL)")
        conn.execute("INSERT INTO schema_version VALUES (2)")
        for step in ARCHIVE_MIGRATIONS[:2]:
            conn.execute(step)
    async with archived_store(redis_url, postgres_url) as store:
        ref = await serve(store, "1", "maya", now())
        await store.rate("demo", holder(ref, now(), 3))
        async with archiver(redis_url, postgres_url):
            await eventually(lambda: _true(len(archived_ratings(postgres_url)) == 1))
            await eventually(lambda: _counted(store, _days_around(now()), 1))
    with psycopg.connect(postgres_url) as conn:
        version = conn.execute("SELECT version FROM schema_version").fetchone()
    assert version == (len(ARCHIVE_MIGRATIONS),)


async def test_without_an_archive_the_rated_visits_need_one(redis_url: str) -> None:
    store = RedisStore(redis_url)
    await store.open(SITES, lambda event: None)
    try:
        with pytest.raises(NoArchive):
            await store.rated("demo", DAY, DAY)
    finally:
        await store.close()
