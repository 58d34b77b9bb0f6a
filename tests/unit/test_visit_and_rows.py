"""A ticket's life folded from its events (record/visit.py), and the rows of a report
counted from visits (reports/row.py, CONTRACT 6.3): hand-made cases whose figures are
worked out here, and the fold's independence from the order events arrive in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from loket.server.config import load_sites
from loket.server.domain import SiteQueue, Status, commands
from loket.server.domain.commands import Destination, Outcome
from loket.server.domain.events import CounterChanged, Payload
from loket.server.record.visit import State, Visit
from loket.server.reports.row import By, Row, Stats, fixed_keys, rank, summarize
from loket.server.store.ratings_sql import parts

SITE = load_sites(None)[0]  # demo: Asia/Jakarta, services A B C, counters 1-6
ZONE = ZoneInfo(SITE.timezone)
T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # Monday 08:00 in Jakarta

Folded = tuple[Payload, int, datetime, str | None]


def _life() -> list[Folded]:
    """One ticket's events, made by the domain's commands: issued A001, called at 1 and
    recalled, sent to B, called at 3, held, called back, done; and another ticket's."""
    queue = SiteQueue(SITE)
    events: list[Folded] = []

    def keep(outcome: Outcome, minute: float, by: str | None) -> None:
        for change in outcome.changes:
            queue.seq += 1
            at = T0 + timedelta(minutes=minute)
            events.append((change.payload(), queue.seq, at, by))

    keep(commands.issue(queue, "t1", "A", priority=True, lang=None, now=T0), 0, None)
    keep(commands.issue(queue, "t2", "A", priority=False, lang=None, now=T0), 0.5, None)
    keep(commands.call_next(queue, "1", T0 + timedelta(minutes=4), by="ana"), 4, "ana")
    keep(commands.recall(queue, "1"), 5, "ana")
    keep(commands.transfer(queue, "1", Destination("B"), T0), 9, "ana")
    keep(commands.call_next(queue, "3", T0 + timedelta(minutes=12), by="budi"), 12, "budi")
    keep(commands.hold(queue, "3"), 13, "budi")
    held = queue.ticket("t1")
    keep(commands.call(queue, "3", held, "20261130-A001", T0, by="budi"), 20, "budi")
    keep(commands.finish(queue, "3", Status.DONE, T0), 26.5, "budi")
    tickets = [e for e in events if not isinstance(e[0], CounterChanged)]  # 6.2's aside
    return [e for e in tickets if e[0].ticket.number == "A001"]


def _fold(events: list[Folded]) -> Visit:
    visit = Visit.start(SITE.id, events[0][0], ZONE)
    for payload, seq, ts, actor in events:
        visit = visit.apply(payload, seq, ts, actor)
    return visit


def test_a_tickets_life_folds_to_what_the_contract_counts() -> None:
    visit = _fold(_life())
    assert visit.ref == "20261130-A001"
    assert (visit.service, visit.priority) == ("A", True)  # issued for A, served in B
    assert (visit.day, visit.hour, visit.weekday) == (date(2026, 11, 30), 8, 1)
    assert visit.state is State.DONE
    assert (visit.counter, visit.user) == ("3", "budi")  # the counter that finished it
    assert visit.transfers == 1
    assert visit.wait_s == 4 * 60  # first call − issue
    assert visit.service_s == 6.5 * 60  # done − the last call (back from being held)


@settings(max_examples=60, deadline=None)
@given(st.permutations(list(range(8))))
def test_the_fold_does_not_depend_on_the_order_events_arrive_in(order: list[int]) -> None:
    events = _life()
    assert len(events) == 8
    assert _fold([events[i] for i in order]) == _fold(events)


def test_a_ticket_not_yet_served_has_no_service_time() -> None:
    events = _life()[:2]  # issued, called
    visit = _fold(events)
    assert visit.state is State.CALLED and visit.wait_s == 240 and visit.service_s is None


# -- rows -------------------------------------------------------------------------------


def _visit(
    ref: str, service: str, wait: float | None, served: float | None = None, **fields: object
) -> Visit:
    issued = T0 + timedelta(hours=int(str(fields.pop("hour_offset", 0))))
    local = issued.astimezone(ZONE)
    called = None if wait is None else issued + timedelta(seconds=wait)
    finished = None if served is None or called is None else called + timedelta(seconds=served)
    visit = Visit(
        site="demo",
        ref=ref,
        service=service,
        priority=False,
        issued_at=issued,
        day=local.date(),
        hour=local.hour,
        weekday=local.isoweekday(),
        state=State.DONE if finished else (State.CALLED if called else State.WAITING),
        state_seq=1,
        counter="1" if called else None,
        user="ana" if called else None,
        first_called_at=called,
        last_called_at=called,
        finished_at=finished,
    )
    return replace(visit, **fields)  # type: ignore[arg-type]


def test_stats_are_the_nearest_rank() -> None:
    assert Stats.of([]) is None
    assert Stats.of([7.0]) == Stats(7.0, 7.0, 7.0, 7.0)
    # ten values 1..10: p50 is the 5th, p90 the 9th
    assert Stats.of([float(v) for v in range(10, 0, -1)]) == Stats(5.5, 5.0, 9.0, 10.0)
    # eleven: p50 the 6th (⌈5.5⌉), p90 the 10th (⌈9.9⌉)
    assert Stats.of([float(v) for v in range(1, 12)]) == Stats(6.0, 6.0, 10.0, 11.0)


def test_the_ranks_are_the_integer_ones_sql_uses() -> None:
    """The SQL engine picks row (n+1)/2 and (9n+9)/10: ⌈n/2⌉ and ⌈0.9n⌉ in integers."""
    for n in [*range(1, 5000), *range(1_149_000, 1_151_000)]:
        assert rank(0.5, n) == (n + 1) // 2
        assert rank(0.9, n) == (9 * n + 9) // 10


def test_summarize_by_service_counts_hand_made_visits() -> None:
    targets = {"A": 300.0, "B": None, "C": 60.0}
    visits = [
        _visit("20261130-A001", "A", 120, 200),  # within A's 5 min
        _visit("20261130-A002", "A", 600, 100, transfers=1),  # over
        _visit("20261130-A003", "A", None),  # still waiting: not judged
        _visit("20261130-B001", "B", 50, None, state=State.NO_SHOW),  # B has no target
        _visit("20261130-X001", "X", 10, 10),  # a service no longer configured
    ]
    first = last = date(2026, 11, 30)
    keys = fixed_keys(By.SERVICE, first, last, ["A", "B", "C"], [])
    report = summarize("demo", first, last, By.SERVICE, visits, targets, keys)
    rows = {row.key: row for row in report.rows}
    assert [row.key for row in report.rows] == ["A", "B", "C", "X"]
    a = rows["A"]
    assert (a.issued, a.called, a.served, a.no_show, a.transferred) == (3, 2, 2, 0, 1)
    assert a.wait_s == Stats(360.0, 120.0, 600.0, 600.0)
    assert a.service_s == Stats(150.0, 100.0, 200.0, 200.0)
    assert a.within_target == 0.5
    b = rows["B"]
    assert (b.issued, b.called, b.served, b.no_show, b.within_target) == (1, 1, 0, 1, None)
    assert b.service_s is None
    assert rows["C"] == Row("C")  # no activity: a row of zeros
    assert rows["X"].within_target is None  # no target known for it
    total = report.total
    assert (total.issued, total.called, total.served, total.no_show) == (5, 4, 3, 1)
    assert total.within_target == 0.5  # only A's two judged: X and B have no target
    assert total.wait_s == Stats((120 + 600 + 50 + 10) / 4, 50.0, 600.0, 600.0)


def test_summarize_by_counter_keeps_visits_no_counter_had_in_the_total_only() -> None:
    visits = [_visit("20261130-A001", "A", 30, 30), _visit("20261130-A002", "A", None)]
    first = last = date(2026, 11, 30)
    keys = fixed_keys(By.COUNTER, first, last, [], ["1", "2"])
    report = summarize("demo", first, last, By.COUNTER, visits, {}, keys)
    assert [(r.key, r.issued) for r in report.rows] == [("1", 1), ("2", 0)]
    assert report.total.issued == 2


def test_summarize_by_day_and_hour_has_every_key_and_only_the_range() -> None:
    visits = [
        _visit("20261130-A001", "A", 30),
        _visit("20261130-A002", "A", 40, hour_offset=3),  # 11:00
        _visit("20261201-A001", "A", 50, hour_offset=24),  # the next day: outside
    ]
    first, last = date(2026, 11, 29), date(2026, 11, 30)
    by_day = summarize(
        "demo", first, last, By.DAY, visits, {}, fixed_keys(By.DAY, first, last, [], [])
    )
    assert [(r.key, r.issued) for r in by_day.rows] == [("2026-11-29", 0), ("2026-11-30", 2)]
    by_hour = summarize(
        "demo", first, last, By.HOUR, visits, {}, fixed_keys(By.HOUR, first, last, [], [])
    )
    assert len(by_hour.rows) == 24
    assert {r.key: r.issued for r in by_hour.rows if r.issued} == {"08": 1, "11": 1}


def test_ratings_count_with_their_tickets_visits() -> None:
    """CONTRACT 6.3's `rating`: the row's ratings' count, mean score and IKM (the mean × 25,
    two decimals halves up), under the row its ticket counts in; null without one."""
    visits = [
        replace(_visit("20261130-A001", "A", 30, 30), counter="1"),
        replace(_visit("20261130-A002", "A", 30, 30), counter="1"),
        replace(_visit("20261130-B001", "B", 30, 30), counter="2"),
        replace(_visit("20261130-C001", "C", 30, 30), counter="3"),  # not rated
        _visit("20261201-A001", "A", 30, 30, hour_offset=24),  # the next day: outside
    ]
    scores = {"20261130-A001": 4, "20261130-A002": 4, "20261130-B001": 3, "20261201-A001": 1}
    first = last = date(2026, 11, 30)
    keys = fixed_keys(By.COUNTER, first, last, [], ["1", "2", "3"])
    report = summarize("demo", first, last, By.COUNTER, visits, {}, keys, scores)
    assert [(r.key, r.rating) for r in report.rows] == [
        ("1", {"count": 2, "avg": 4.0, "ikm": 100.0}),
        ("2", {"count": 1, "avg": 3.0, "ikm": 75.0}),
        ("3", None),
    ]
    # 11 / 3 = 3.66666…: shown to four decimals; 91.6666… × 25 is 91.67 (grade A)
    assert report.total.rating == {"count": 3, "avg": 3.6667, "ikm": 91.67}
    assert report.total.to_json()["rating"] == report.total.rating
    assert summarize("demo", first, last, By.COUNTER, visits, {}, keys).total.rating is None


def test_long_ranges_of_rated_visits_are_read_a_week_at_a_time() -> None:
    first = date(2026, 1, 1)
    assert parts(first, first) == [(first, first)]
    assert parts(first, date(2026, 1, 7)) == [(first, date(2026, 1, 7))]
    assert parts(first, date(2026, 1, 9)) == [
        (first, date(2026, 1, 7)),
        (date(2026, 1, 8), date(2026, 1, 9)),
    ]
    year = parts(first, date(2026, 12, 31))
    assert len(year) == 53 and year[-1] == (date(2026, 12, 31), date(2026, 12, 31))
    assert all((b[0] - a[1]).days == 1 for a, b in zip(year, year[1:], strict=False))
