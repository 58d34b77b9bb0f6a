"""The wait estimate (server/domain/estimate.py): a range from the counters' pace, or none."""

from datetime import UTC, datetime, timedelta

from loket.server.domain.estimate import Estimate, WaitEstimator

START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def at(minute: float) -> datetime:
    return START + timedelta(minutes=minute)


def steady(estimator: WaitEstimator, counters: list[str], cycle: float, calls: int) -> float:
    """Each counter calls every `cycle` minutes with people always waiting; returns the
    minute of the last call."""
    minute = 0.0
    estimator.waiting({"A": 10, "B": 10}, at(0))
    for n in range(calls):
        minute = n * cycle
        for counter in counters:
            estimator.closed(counter, at(minute))
            estimator.called(counter, at(minute))
    return minute


def test_no_estimate_without_a_basis() -> None:
    estimator = WaitEstimator({"1": ["A"]})
    assert estimator.estimate("A", 3, at(0)) is None
    estimator.waiting({"A": 4}, at(0))
    estimator.called("1", at(0))
    estimator.closed("1", at(5))  # one cycle is not enough
    assert estimator.estimate("A", 3, at(5)) is None


def test_two_counters_at_five_minutes_a_visitor() -> None:
    estimator = WaitEstimator({"1": ["A"], "2": ["A"]})
    now = at(steady(estimator, ["1", "2"], 5.0, 12))
    # two counters: 0.4 calls a minute; with 3 ahead, about (3 + 0.5) / 0.4 = 8.75 minutes
    estimate = estimator.estimate("A", 3, now)
    assert estimate is not None
    assert estimate.low_min <= 8 and 9 <= estimate.high_min
    assert estimate.high_min - estimate.low_min <= 2 * 8.75  # a range, not a shrug
    # the range grows with the people ahead, and stays a range
    later = [estimator.estimate("A", ahead, now) for ahead in (0, 5, 20, 60)]
    assert all(isinstance(e, Estimate) and e.low_min < e.high_min for e in later)
    lows = [e.low_min for e in later if e]
    highs = [e.high_min for e in later if e]
    assert lows == sorted(lows) and highs == sorted(highs)
    assert later[0] is not None and later[0].low_min == 0 and later[0].high_min <= 5  # next


def test_only_the_counters_serving_the_service_count() -> None:
    estimator = WaitEstimator({"1": ["A"], "2": ["B"], "3": ["B"]})
    now = at(steady(estimator, ["1", "2", "3"], 5.0, 12))
    a, b = estimator.estimate("A", 10, now), estimator.estimate("B", 10, now)
    assert a is not None and b is not None
    assert a.low_min > b.high_min / 2  # one counter for A, two for B
    assert a.high_min > b.high_min


def test_a_counter_serving_two_services_shares_itself_by_who_waits() -> None:
    estimator = WaitEstimator({"1": ["A", "B"]})
    steady(estimator, ["1"], 4.0, 10)
    estimator.waiting({"A": 9, "B": 1}, at(40))
    mostly_a = estimator.estimate("A", 5, at(40))
    estimator.waiting({"A": 1, "B": 9}, at(40))
    mostly_b = estimator.estimate("A", 5, at(40))
    assert mostly_a is not None and mostly_b is not None
    assert mostly_a.high_min < mostly_b.low_min


def test_a_counter_idle_while_people_wait_is_on_a_break_then_closed() -> None:
    estimator = WaitEstimator({"1": ["A"], "2": ["A"]})
    last = steady(estimator, ["1", "2"], 5.0, 12)
    estimator.closed("2", at(last + 5))  # counter 2 closes its visitor and stays idle
    before = estimator.estimate("A", 10, at(last + 5))
    on_break = estimator.estimate("A", 10, at(last + 20))
    assert before is not None and on_break is not None
    assert on_break.low_min > before.low_min  # one counter for now, the other back later
    estimator.closed("1", at(last + 5))
    assert estimator.estimate("A", 10, at(last + 200)) is None  # both gone for hours


def test_a_counter_idle_for_want_of_visitors_is_still_at_work() -> None:
    estimator = WaitEstimator({"1": ["A"]})
    last = steady(estimator, ["1"], 5.0, 6)
    estimator.waiting({"A": 0}, at(last + 1))
    estimator.closed("1", at(last + 1))  # nobody waits: it waits for visitors
    soon = estimator.estimate("A", 0, at(last + 60))
    assert soon is not None and soon.low_min == 0 and soon.high_min <= 10
    estimator.waiting({"A": 1}, at(last + 60))  # someone came; the counter does not call
    away = estimator.estimate("A", 0, at(last + 120))
    assert away is not None and away.high_min >= 3 * soon.high_min  # back from a break, later


def test_the_idle_gap_after_a_closing_counts_only_when_people_waited() -> None:
    busy, quiet = WaitEstimator({"1": ["A"]}), WaitEstimator({"1": ["A"]})
    for estimator, waiting in ((busy, 5), (quiet, 0)):
        for n in range(6):
            estimator.waiting({"A": waiting}, at(n * 6))
            estimator.called("1", at(n * 6))
            estimator.closed("1", at(n * 6 + 4))  # 4 minutes a visit, then 2 minutes idle
        estimator.waiting({"A": 5}, at(36))
    assert busy.estimate("A", 9, at(36)) != quiet.estimate("A", 9, at(36))
    busy_range, quiet_range = busy.estimate("A", 9, at(36)), quiet.estimate("A", 9, at(36))
    assert busy_range is not None and quiet_range is not None
    assert busy_range.high_min > quiet_range.high_min  # 6 min cycles against 4 min visits


def test_a_new_day_starts_without_open_counters() -> None:
    estimator = WaitEstimator({"1": ["A"]})
    last = steady(estimator, ["1"], 5.0, 8)
    assert estimator.estimate("A", 2, at(last)) is not None
    estimator.start_day()
    assert estimator.estimate("A", 2, at(last + 900)) is None  # nobody has called yet today
    estimator.called("1", at(last + 960))
    assert estimator.estimate("A", 2, at(last + 961)) is not None  # yesterday's pace guides


def test_instant_no_shows_do_not_make_the_pace_infinite() -> None:
    estimator = WaitEstimator({"1": ["A"]})
    estimator.waiting({"A": 5}, at(0))
    for _ in range(5):
        estimator.called("1", at(0))
        estimator.closed("1", at(0))
    estimate = estimator.estimate("A", 20, at(0))
    assert estimate is not None and estimate.high_min >= 5


def test_only_open_counters_supply_and_with_the_services_chosen_today() -> None:
    """CONTRACT 6.2: a paused or closed counter calls nobody; one opened with other
    services than its configured ones serves those."""
    estimator = WaitEstimator({"1": ["A"], "2": ["A"], "3": ["B"]})
    now = at(steady(estimator, ["1", "2", "3"], 5.0, 12))
    both = estimator.estimate("A", 10, now)
    estimator.counter_state("2", False, ["A"])  # paused
    one = estimator.estimate("A", 10, now)
    assert both is not None and one is not None
    assert one.low_min >= 2 * both.low_min and one.high_min >= 2 * both.high_min  # half the pace
    estimator.counter_state("1", False, ["A"])  # closed too: nobody serves A
    assert estimator.estimate("A", 10, now) is None
    estimator.counter_state("3", True, ["A"])  # counter 3 opened for A today
    assert estimator.estimate("A", 10, now) is not None
