"""The token buckets of the visitors' ticket endpoints (server/web/ratelimit.py)."""

from loket.server.web.ratelimit import TokenBuckets, is_loopback


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == 0.5  # seconds until the next token
    assert buckets.take("b") == 0.0  # every address has its own bucket
    clock.now += 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0
    clock.now += 60  # refills up to the burst, not beyond
    assert [buckets.take("a") for _ in range(4)][-1] > 0


def test_rate_zero_is_no_limit() -> None:
    buckets = TokenBuckets(rate=0, burst=1)
    assert all(buckets.take("a") == 0.0 for _ in range(1000))


def test_the_buckets_kept_are_bounded() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=2, clock=clock, max_addresses=100)
    for n in range(1000):
        buckets.take(f"10.0.{n // 256}.{n % 256}")
        clock.now += 0.001
    assert len(buckets._buckets) <= 100
    clock.now += 10  # all full again: forgotten first
    buckets.take("192.0.2.1")
    assert len(buckets._buckets) <= 100


def test_the_machine_itself_is_not_limited() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("127.8.9.10")
    assert not is_loopback("10.0.0.7") and not is_loopback("testclient") and not is_loopback("")
