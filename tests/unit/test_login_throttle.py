"""The failed-login counter stays bounded, whatever is thrown at it."""

from __future__ import annotations

from datetime import UTC, datetime

from loket.server.login_throttle import PER_USER, TRACKED, LoginThrottle

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def test_it_keeps_at_most_tracked_keys_and_forgets_the_oldest() -> None:
    throttle = LoginThrottle()
    for _ in range(PER_USER):
        throttle.failed("10.0.0.1", "admin", NOW)
    assert throttle.wait("10.0.0.1", "admin", NOW) > 0
    for n in range(TRACKED):  # a flood of addresses
        throttle.failed(f"172.{n // 65536}.{n // 256 % 256}.{n % 256}", "x", NOW)
    assert len(throttle._failures) <= TRACKED
    assert throttle.wait("10.0.0.1", "admin", NOW) == 0  # the oldest went first


def test_a_success_clears_that_users_failures_at_that_address() -> None:
    throttle = LoginThrottle()
    for _ in range(PER_USER - 1):
        throttle.failed("10.0.0.1", "admin", NOW)
    throttle.succeeded("10.0.0.1", "admin")
    throttle.failed("10.0.0.1", "admin", NOW)
    assert throttle.wait("10.0.0.1", "admin", NOW) == 0
