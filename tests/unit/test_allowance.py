"""The one-process allowance (the SQLite store's): a sliding window per key, bounded in
memory however many addresses come."""

from datetime import UTC, datetime, timedelta

from loket.server.allowance import Allowances

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_at_most_limit_uses_per_window() -> None:
    allowances = Allowances()
    for n in range(3):
        assert allowances.take("a", 3, WINDOW, START + timedelta(minutes=n)) == 0
    assert allowances.take("a", 3, WINDOW, START + timedelta(minutes=5)) == 600  # until 08:15
    assert allowances.take("a", 3, WINDOW, START + WINDOW) == 0
    assert allowances.take("a", 3, WINDOW, START + WINDOW) > 0
    allowances.give_back("a")
    assert allowances.take("a", 3, WINDOW, START + WINDOW) == 0
    allowances.give_back("never-seen")  # nothing to give back: no error


def test_memory_is_bounded_and_the_least_recent_address_is_forgotten() -> None:
    allowances = Allowances(max_keys=100)
    for _ in range(3):
        allowances.take("regular", 3, WINDOW, START)
    for n in range(1000):
        allowances.take(f"10.0.{n // 256}.{n % 256}", 3, WINDOW, START)
    assert len(allowances) == 100
    assert allowances.take("regular", 3, WINDOW, START) == 0  # forgotten: starts over
    allowances.take("regular", 3, WINDOW, START)
    allowances.take("regular", 3, WINDOW, START)
    for n in range(50):  # newer addresses push out older ones, not the one just used
        allowances.take(f"192.0.2.{n}", 3, WINDOW, START)
    assert allowances.take("regular", 3, WINDOW, START) > 0
