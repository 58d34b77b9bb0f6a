"""The record on SQLite (CONTRACT 6.3): every event kept, each ticket's visit written with
its events, a file of the previous release upgraded in place, and reports by SQL that are
exactly `summarize` (reports/row.py, the definition) over the same visits."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.server.announce import Announcer
from loket.server.config import load_sites
from loket.server.domain import Status
from loket.server.domain.commands import Destination
from loket.server.domain.site import Site
from loket.server.domain.ticket import make_ref
from loket.server.record.visit import State, Visit
from loket.server.reports.row import By, Report, Row, fixed_keys, summarize
from loket.server.store import Stamp
from loket.server.store.base import KEEP_EVENTS
from loket.server.store.report_days import summarize_day
from loket.server.store.report_sql import report as sql_report
from loket.server.store.schema import MIGRATIONS, migrate
from loket.server.store.sqlite import SqliteStore
from loket.server.store.visits import VISIT_FIELDS, backfill, visit_from_row, visit_row
from tests.support.visits import fold_events

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import _year  # noqa: E402

DEMO = load_sites(None)[0]
ANNOUNCE = Announcer().announcement
PREVIOUS = Path(__file__).resolve().parents[1] / "upgrade" / "release-bed7891" / "loket.sqlite3"
YEAR_START = date(2025, 12, 5)  # a Friday: then a Saturday, a closed Sunday, a Monday


def same_report(got: Report, want: Report) -> None:
    """Equal row for row; an average may differ in its last bits (summed in another
    order), every count, percentile, maximum and share exactly."""
    assert (got.site, got.first, got.last, got.by) == (want.site, want.first, want.last, want.by)
    assert [r.key for r in got.rows] == [r.key for r in want.rows]
    for mine, theirs in zip([*got.rows, got.total], [*want.rows, want.total], strict=True):
        assert _exact(mine) == _exact(theirs), mine.key
        for name in ("wait_s", "service_s"):
            a, b = getattr(mine, name), getattr(theirs, name)
            assert (a is None) == (b is None), (mine.key, name)
            if a is not None:
                assert math.isclose(a.avg, b.avg, rel_tol=1e-12), (mine.key, name)


def _exact(row: Row) -> tuple[Any, ...]:
    stats = [None if s is None else (s.p50, s.p90, s.max) for s in (row.wait_s, row.service_s)]
    return (row.key, row.issued, row.called, row.served, row.no_show, row.transferred,
            row.within_target, *stats, row.rating)  # fmt: skip


def expected(
    site: Site,
    first: date,
    last: date,
    by: By,
    visits: Iterable[Visit],
    scores: Mapping[str, int] | None = None,
) -> Report:
    services, counters = [s.id for s in site.services], [c.id for c in site.counters]
    targets = {s.id: s.target_wait_s for s in site.services}
    keys = fixed_keys(by, first, last, services, counters)
    return summarize(site.id, first, last, by, visits, targets, keys, scores)


def rate_visits(path: Path | str, visits: Iterable[Visit], scores: Mapping[str, int]) -> None:
    """Ratings of these visits kept as the store keeps them (its ratings table), made when
    each was finished (or issued)."""
    rows = [
        (
            v.site,
            v.ref,
            scores[v.ref],
            None,
            "{}",
            (v.finished_at or v.issued_at).isoformat(),
            "holder",
            None,
        )  # fmt: skip
        for v in visits
        if v.ref in scores
    ]
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany("INSERT INTO ratings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def some_scores(visits: Iterable[Visit], every: int, offset: int) -> dict[str, int]:
    """A score for every `every`-th visit served (from `offset`), 1 to 4 in turn."""
    served = [v for v in visits if v.state is State.DONE][offset::every]
    return {v.ref: 1 + n % 4 for n, v in enumerate(served)}


def stored_visits(path: Path) -> list[Visit]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute(f"SELECT {', '.join(VISIT_FIELDS)} FROM visits ORDER BY site, ref")
        return [visit_from_row(row) for row in rows]


# -- a generated hall: the SQL engine against the definition ------------------------------


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Site, list[Visit]]:
    """Four days of the year's large hall (bench/_year.py), with its visits folded here from
    its JSON lines; its targets set for two services, none for the others."""
    folder = tmp_path_factory.mktemp("days")
    db, lines = folder / "year.db", folder / "year.jsonl"
    _year.main(
        ["--days", "4", "--seed", "5", "--start", YEAR_START.isoformat()]
        + ["--sqlite", str(db), "--jsonl", str(lines)]
    )
    site = _year.load_site()
    services = tuple(
        replace(s, target_wait_min=[10, 25, None][n % 3]) for n, s in enumerate(site.services)
    )
    site = replace(site, services=services)
    events = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    folded = fold_events(
        site, ((e["seq"], e["type"], e["ts"], json.dumps(e["data"]), e["actor"]) for e in events)
    )
    return db, site, folded


def test_the_visits_written_with_the_events_are_their_fold(
    days: tuple[Path, Site, list[Visit]],
) -> None:
    db, _, folded = days
    visits = stored_visits(db)
    assert len(visits) > 8_000
    assert visits == folded
    assert {v.state for v in visits} >= {State.DONE, State.NO_SHOW, State.HELD}
    assert sum(v.transfers for v in visits) > 100


async def test_the_sql_report_is_summarize_for_every_key_and_range(
    days: tuple[Path, Site, list[Visit]],
) -> None:
    db, site, visits = days
    store = SqliteStore(str(db))
    await store.open((site,), lambda event: None)
    try:
        saturday, monday = YEAR_START + timedelta(days=1), YEAR_START + timedelta(days=3)
        ranges = [
            (YEAR_START, monday),
            (saturday, saturday),
            (monday - timedelta(days=1), monday - timedelta(days=1)),  # closed: zeros
            (date(2025, 1, 1), date(2025, 1, 31)),  # before any activity
        ]
        scores = some_scores(visits, 3, 0)
        rate_visits(db, visits, scores)
        for summarized in (False, True):
            if summarized:  # the days are over: summarized (report_days.py), then read so
                await store.prune(datetime.now(UTC))
                with closing(sqlite3.connect(db)) as conn:
                    done = conn.execute("SELECT day FROM report_days_done ORDER BY day")
                    assert [d for (d,) in done] == [
                        (YEAR_START + timedelta(days=n)).isoformat() for n in (0, 1, 3)
                    ]
                later = some_scores(visits, 3, 1)  # rated after their days were summarized
                rate_visits(db, visits, later)
                scores |= later
            for first, last in ranges:
                for by in By:
                    got = await store.report(site.id, first, last, by)
                    same_report(got, expected(site, first, last, by, visits, scores))
        week = await store.report(site.id, YEAR_START, monday, By.SERVICE)
        assert week.total.issued == len(visits)
        assert week.total.rating is not None and week.total.rating["count"] == len(scores)
        assert 0 < (week.total.within_target or 0) < 1
        sunday = await store.report(site.id, saturday + timedelta(days=1), monday, By.DAY)
        assert sunday.rows[0] == Row((saturday + timedelta(days=1)).isoformat())
    finally:
        await store.close()


def test_the_upgrades_backfill_folds_the_events_as_the_writer_did(
    days: tuple[Path, Site, list[Visit]], tmp_path: Path
) -> None:
    db, site, folded = days
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    with closing(sqlite3.connect(copy)) as conn, conn:
        conn.execute("DELETE FROM visits")
        backfill(conn, [site])
    assert stored_visits(copy) == folded


# -- random visits: the SQL engine against the definition -----------------------------

TARGETS = (None, 0.5, 2.0)
VISIT = st.builds(
    lambda n, service, wait, served, state, counter, hour, day, moved, score: (
        n,
        service,
        wait,
        served,
        state,
        counter,
        hour,
        day,
        moved,
        score,
    ),
    st.integers(0, 10_000),
    st.sampled_from(["A", "B", "C", "gone"]),
    st.one_of(st.none(), st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.25, 600.0])),
    st.one_of(st.none(), st.sampled_from([0.5, 1.0, 30.0, 31.0])),
    st.sampled_from(list(State)),
    st.sampled_from([None, "1", "2", "6", "9"]),
    st.integers(0, 23),
    st.integers(0, 9),
    st.integers(0, 2),
    st.one_of(st.none(), st.integers(1, 4)),  # its rating's score
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(VISIT, max_size=60, unique_by=lambda v: v[0]),
    st.tuples(*(st.sampled_from(TARGETS) for _ in range(3))),
    st.sampled_from(list(By)),
    st.integers(0, 9),
    st.integers(0, 9),
    st.sets(st.integers(0, 9)),
)
def test_the_sql_report_is_summarize_for_any_visits(
    drawn: list[tuple[Any, ...]],
    targets: tuple[float | None, ...],
    by: By,
    a: int,
    b: int,
    summarized: set[int],
) -> None:
    services = tuple(
        replace(s, target_wait_min=t) for s, t in zip(DEMO.services, targets, strict=True)
    )
    site = replace(DEMO, services=services)
    start = date(2026, 11, 1)
    visits = [_random_visit(start, *values[:-1]) for values in drawn]
    scores = {
        visit.ref: values[-1]
        for visit, values in zip(visits, drawn, strict=True)
        if values[-1] is not None
    }
    first, last = start + timedelta(days=min(a, b)), start + timedelta(days=max(a, b))
    with closing(sqlite3.connect(":memory:")) as conn:
        migrate(conn)
        conn.executemany(
            f"INSERT INTO visits VALUES ({', '.join('?' * (len(VISIT_FIELDS) + 2))})",
            map(visit_row, visits),
        )
        for n in summarized:  # some days read from their summary, the others from visits
            summarize_day(conn, site.id, (start + timedelta(days=n)).isoformat())
        conn.executemany(  # rated after their days were summarized
            "INSERT INTO ratings VALUES (?, ?, ?, NULL, '{}', ?, 'holder', NULL)",
            [
                (v.site, v.ref, scores[v.ref], v.issued_at.isoformat())
                for v in visits
                if v.ref in scores
            ],
        )
        got = sql_report(conn, site, first, last, by)
    same_report(got, expected(site, first, last, by, visits, scores))


def _random_visit(
    start: date,
    n: int,
    service: str,
    wait: float | None,
    served: float | None,
    state: State,
    counter: str | None,
    hour: int,
    day: int,
    moved: int,
) -> Visit:
    local = datetime.combine(start + timedelta(days=day), datetime.min.time()) + timedelta(
        hours=hour
    )
    issued = local.replace(tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
    called = None if wait is None else issued + timedelta(minutes=wait)
    finished = None if called is None or served is None else called + timedelta(minutes=served)
    return Visit(
        site="demo",
        ref=make_ref(start + timedelta(days=day), f"{n:06d}"),
        service=service,
        priority=False,
        issued_at=issued,
        day=start + timedelta(days=day),
        hour=hour,
        weekday=(start + timedelta(days=day)).isoweekday(),
        state=State.DONE if finished is not None and state is State.CALLED else state,
        state_seq=1,
        counter=counter,
        user=None if counter is None else f"clerk{counter}",
        first_called_at=called,
        last_called_at=called,
        finished_at=finished,
        transfers=moved,
    )


# -- the live store ---------------------------------------------------------------------


async def test_each_command_writes_its_tickets_visit_in_the_same_transaction(
    tmp_path: Path,
) -> None:
    db = tmp_path / "loket.db"
    store = SqliteStore(str(db))
    await store.open((DEMO,), lambda event: None)
    t0 = datetime.now(UTC).replace(microsecond=0)

    def at(minutes: float, by: str | None = "ana") -> Stamp:
        return Stamp(t0 + timedelta(minutes=minutes), by)

    try:
        for minute, service in enumerate("AABC"):
            await store.issue("demo", service, at(minute, None))
        await store.call_next("demo", "1", at(5), ANNOUNCE)
        await store.recall("demo", "1", at(6), ANNOUNCE)
        await store.transfer("demo", "1", Destination("B"), at(7))
        await store.call_next("demo", "3", at(8, "budi"), ANNOUNCE)
        await store.hold("demo", "3", at(9, "budi"))
        await store.call_next("demo", "6", at(10, "citra"), ANNOUNCE)
        await store.finish("demo", "6", Status.NO_SHOW, at(11, "citra"))
        await store.call_next("demo", "6", at(12, "citra"), ANNOUNCE)
        await store.call_next("demo", "6", at(14, "citra"), ANNOUNCE)  # closes as done
        await store.finish("demo", "6", Status.DONE, at(17, "citra"))
        events = await store.events_after("demo", 0)
        assert events is not None
    finally:
        await store.close()
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT seq, type, ts, data, actor FROM events ORDER BY seq")
        assert stored_visits(db) == fold_events(DEMO, rows.fetchall())
    visits = {v.ref.split("-")[1]: v for v in stored_visits(db)}
    assert set(visits) == {"A001", "A002", "B001", "C001"}
    a1 = visits["A001"]
    assert (a1.service, a1.transfers, a1.state, a1.counter, a1.user) == (
        "A", 1, State.HELD, "3", "budi"
    )  # fmt: skip
    assert a1.wait_s == 5 * 60


async def test_pruning_keeps_every_event_but_replays_only_recent_history(
    tmp_path: Path,
) -> None:
    """Events are the record: prune keeps them all; a display's resume from before the
    last KEEP_EVENTS events of more than a day ago still gets a snapshot (None)."""
    db = tmp_path / "loket.db"
    store = SqliteStore(str(db))
    await store.open((DEMO,), lambda event: None)
    long_ago = datetime.now(UTC) - timedelta(days=3)
    try:
        for _ in range(KEEP_EVENTS + 5):
            await store.issue("demo", "C", Stamp(long_ago))
        await store.prune(datetime.now(UTC))
        assert await store.events_after("demo", 4) is None
        kept = await store.events_after("demo", 5)
        assert kept is not None and len(kept) == KEEP_EVENTS
    finally:
        await store.close()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == KEEP_EVENTS + 5
        assert conn.execute("SELECT count(*) FROM visits").fetchone()[0] == KEEP_EVENTS + 5
    store = SqliteStore(str(db))  # the same after a restart
    await store.open((DEMO,), lambda event: None)
    try:
        assert await store.events_after("demo", 4) is None
        assert await store.events_after("demo", 5) is not None
    finally:
        await store.close()


# -- a file the previous release wrote ------------------------------------------------


def _previous(tmp_path: Path, pruned_through: int = 0) -> Path:
    """release-bed7891's file (schema 1: no actors, events naming tickets by id), with its
    first events gone as that release's prune would have dropped them."""
    copy = tmp_path / "loket.db"
    shutil.copy(PREVIOUS, copy)
    with closing(sqlite3.connect(copy)) as conn, conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] < len(MIGRATIONS)
        conn.execute("DELETE FROM events WHERE seq <= ?", (pruned_through,))
    return copy


async def _open_and_close(path: Path) -> None:
    store = SqliteStore(str(path))
    await store.open((DEMO,), lambda event: None)
    await store.close()


async def test_a_file_of_the_previous_release_gets_the_visits_of_its_events(
    tmp_path: Path,
) -> None:
    path = _previous(tmp_path)
    with closing(sqlite3.connect(path)) as conn:
        events = conn.execute("SELECT seq, type, ts, data, NULL FROM events ORDER BY seq")
        folded = fold_events(DEMO, events.fetchall())
        tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    await _open_and_close(path)
    visits = stored_visits(path)
    assert len(visits) == tickets == 14
    assert visits == folded and all(v.issued_seen for v in visits)
    moved = next(v for v in visits if v.ref.endswith("-A002"))
    assert (moved.service, moved.transfers, moved.counter) == ("A", 1, "3")


async def test_tickets_whose_events_were_pruned_get_a_visit_from_their_row(
    tmp_path: Path,
) -> None:
    path = _previous(tmp_path, pruned_through=12)
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute(
            "SELECT issued_at, called_at, counter FROM tickets WHERE number = 'A002'"
        ).fetchone()
    await _open_and_close(path)
    visits = {v.ref.split("-")[1]: v for v in stored_visits(path)}
    assert len(visits) == 14
    a2 = visits["A002"]  # issued and called before seq 12: from its row (now in B, called)
    assert not a2.issued_seen
    assert (a2.service, a2.transfers, a2.state, a2.counter) == ("A", 1, State.CALLED, "3")
    assert a2.issued_at == datetime.fromisoformat(row[0])
    assert a2.first_called_at == a2.last_called_at == datetime.fromisoformat(row[1])
    c1 = visits["C001"]  # done at counter 5 from its row
    assert (c1.state, c1.counter, c1.service) == (State.DONE, "5", "C")
    assert c1.service_s is not None and c1.service_s > 0
    later = [v for v in visits.values() if v.issued_seen]
    assert later, "tickets issued after the pruned events are folded from their events"
    store = SqliteStore(str(path))
    await store.open((DEMO,), lambda event: None)
    try:
        day = a2.day
        report = await store.report("demo", day, day, By.SERVICE)
        assert report.total.issued == 14
        assert [r.key for r in report.rows] == ["A", "B", "C"]
    finally:
        await store.close()
