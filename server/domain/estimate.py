"""How long a visitor will likely wait: a range of minutes from the site's recent pace.

Pure and synchronous. It is told what happens at the counters (calls, closings, how many
wait) and asked, for one service and a number of people ahead, for a range — or for
nothing when there is no basis yet: no promise is better than a false one.

The pace of a service is the sum, over the counters that serve it, of each counter's
share of that service divided by its cycle time (one visitor: from the call to the next
call, or to the closing when nobody was left waiting), as a moving average. A counter
that stays idle while people wait for it is taken to be on a break and expected back
later; one quiet for hours, closed for the day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

ALPHA = 0.2  # weight of the newest cycle in a counter's moving average
MIN_SAMPLES = 3  # cycles seen at the site before it estimates anything
LONGEST_GAP_MIN = 5.0  # an idle gap longer than this after a closing is a pause, not work
AWAY_AFTER_CYCLES = 2.5  # idle this many cycles while people wait: on a break
AWAY_AFTER_MIN = 4.0  # ... and at least this long
STUCK_AFTER_CYCLES = 6.0  # one visitor this long: the counter is likely not calling
STUCK_AFTER_MIN = 30.0
BREAK_MIN = 45.0  # a counter on a break is expected back this long after it stopped
RETURN_MIN = 10.0  # ... and not sooner than this from now
GONE_AFTER_MIN = 120.0  # quiet for longer: closed for the day
SHORTEST_CYCLE_MIN = 0.25  # a floor, so that a burst of instant no-shows cannot divide by 0
SPREAD = 0.8  # variation of the time between calls, relative to its mean
LOW_SD, HIGH_SD = 1.0, 1.6  # the range: this many deviations below and above the centre


@dataclass(frozen=True, slots=True)
class Estimate:
    low_min: int
    high_min: int

    def to_json(self) -> dict[str, int]:
        return {"low_min": self.low_min, "high_min": self.high_min}


def _minutes(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 60.0)


class _Counter:
    __slots__ = (
        "services",
        "cycle",
        "samples",
        "called_at",
        "closed_at",
        "pending",
        "idle_from",
        "open",
    )

    def __init__(self, services: tuple[str, ...]) -> None:
        self.services = services
        self.cycle: float | None = None  # minutes, moving average
        self.samples = 0
        self.called_at: datetime | None = None  # its visitor's call, while it has one
        self.closed_at: datetime | None = None  # its last closing, while idle
        self.pending: float | None = None  # the last visit, while its cycle is open
        # idle while people wait for it, since then; None: busy, or nothing to do
        self.idle_from: datetime | None = None
        self.open = False  # opened (or has called) today, and not paused or closed since

    def learn(self, minutes: float) -> None:
        self.cycle = minutes if self.cycle is None else self.cycle + ALPHA * (minutes - self.cycle)
        self.samples += 1


class Forecast:
    """One service's pace at one moment: estimates for any number of people ahead."""

    __slots__ = ("_supply", "_relative", "basis")

    def __init__(self, supply: list[tuple[float, float]], samples: int) -> None:
        self._supply = sorted(supply)  # (minutes from now, calls per minute added then)
        # how uncertain the pace is: its moving average, and how the day may change it
        self._relative = 0.1 + 0.5 / math.sqrt(samples)
        # equal bases give equal estimates: callers may skip estimating again
        self.basis = (*self._supply, self._relative)

    def estimate(self, ahead: int) -> Estimate:
        needed = ahead + 0.5  # the calls before theirs, and half a visit under way
        elapsed, rate, made = 0.0, 0.0, 0.0
        for start, added in self._supply:
            if rate > 0 and made + rate * (start - elapsed) >= needed:
                break
            made += rate * (start - elapsed)
            elapsed, rate = start, rate + added
        centre = elapsed + (needed - made) / rate
        pace = needed / centre
        # the time for that many calls varies as their sum; the pace itself is uncertain
        calls = ahead + 1
        deviation = math.sqrt(calls * SPREAD**2 + (calls * self._relative) ** 2) / pace
        low = math.floor(max(0.0, centre - LOW_SD * deviation))
        high = math.ceil(centre + HIGH_SD * deviation)
        return Estimate(low, max(high, low + 1))


class WaitEstimator:
    def __init__(self, counters: Mapping[str, Iterable[str]]) -> None:
        self._counters = {cid: _Counter(tuple(services)) for cid, services in counters.items()}
        self._waiting: dict[str, int] = {}

    # -- what happens -----------------------------------------------------------

    def start_day(self) -> None:
        """A new day: no counter is open until it calls; the cycle times stay as a guide."""
        for counter in self._counters.values():
            counter.open = False
            counter.called_at = counter.closed_at = counter.pending = counter.idle_from = None
        self._waiting = {}

    def waiting(self, counts: Mapping[str, int], at: datetime) -> None:
        """The waiting counts after an event: an idle counter has work when they rise."""
        self._waiting = dict(counts)
        for counter in self._counters.values():
            if counter.called_at is not None:
                continue
            if not self._has_work(counter):
                counter.idle_from = None  # idle for want of visitors, not away
            elif counter.idle_from is None:
                counter.idle_from = at

    def called(self, counter_id: str, at: datetime) -> None:
        counter = self._counters.get(counter_id)
        if counter is None:
            return
        if counter.pending is not None and counter.closed_at is not None:
            # the gap after a closing belongs to the cycle when people were waiting and
            # the counter took the next one up soon; a longer gap was a pause
            gap = _minutes(counter.closed_at, at)
            counter.learn(counter.pending + gap if gap <= LONGEST_GAP_MIN else counter.pending)
        counter.pending = counter.closed_at = counter.idle_from = None
        counter.called_at = at
        counter.open = True

    def counter_state(self, counter_id: str, is_open: bool, services: Iterable[str]) -> None:
        """A counter opened (serving `services` today), paused or closed (CONTRACT 6.2):
        only an open counter supplies calls."""
        counter = self._counters.get(counter_id)
        if counter is None:
            return
        counter.open = is_open
        if is_open:
            counter.services = tuple(services)

    def closed(self, counter_id: str, at: datetime) -> None:
        """Its visitor is done, did not come, or was sent to another service."""
        counter = self._counters.get(counter_id)
        if counter is None or counter.called_at is None:
            return
        visit = _minutes(counter.called_at, at)
        counter.called_at = None
        counter.closed_at = at
        if self._has_work(counter):
            counter.pending = visit  # the cycle ends with its next call
            counter.idle_from = at
        else:
            counter.learn(visit)

    # -- what it expects ----------------------------------------------------------

    def estimate(self, service: str, ahead: int, now: datetime) -> Estimate | None:
        """Minutes until the visitor with `ahead` people before them is called."""
        forecast = self.forecast(service, now)
        return None if forecast is None else forecast.estimate(ahead)

    def forecast(self, service: str, now: datetime) -> Forecast | None:
        """The service's pace now; None without a basis (too few cycles, nobody open)."""
        samples = sum(c.samples for c in self._counters.values())
        cycles = sorted(c.cycle for c in self._counters.values() if c.cycle is not None)
        if samples < MIN_SAMPLES or not cycles:
            return None
        typical = cycles[len(cycles) // 2]  # for counters not measured yet
        supply = []
        for counter in self._counters.values():
            if service not in counter.services or not counter.open:
                continue
            cycle = max(counter.cycle or typical, SHORTEST_CYCLE_MIN)
            away = self._away_for(counter, cycle, now)
            if away is None:
                start = 0.0
            elif away < GONE_AFTER_MIN:
                start = max(BREAK_MIN - away, RETURN_MIN)
            else:
                continue  # closed for the day
            supply.append((start, self._share(counter, service) / cycle))
        return Forecast(supply, samples) if supply else None

    def _away_for(self, counter: _Counter, cycle: float, now: datetime) -> float | None:
        """Minutes since a counter seems to have stopped calling; None while at work."""
        if counter.called_at is not None:
            busy = _minutes(counter.called_at, now)
            return busy if busy >= max(STUCK_AFTER_CYCLES * cycle, STUCK_AFTER_MIN) else None
        if counter.idle_from is None:
            return None  # idle for want of visitors: it calls as soon as someone comes
        idle = _minutes(counter.idle_from, now)
        return idle if idle >= max(AWAY_AFTER_CYCLES * cycle, AWAY_AFTER_MIN) else None

    def _share(self, counter: _Counter, service: str) -> float:
        """The part of a counter's calls that go to `service`: it takes the oldest ticket
        across its services, so roughly in proportion to how many wait in each."""
        if len(counter.services) == 1:
            return 1.0
        mine = max(1, self._waiting.get(service, 0))
        others = sum(self._waiting.get(s, 0) for s in counter.services if s != service)
        return mine / (mine + others)

    def _has_work(self, counter: _Counter) -> bool:
        return any(self._waiting.get(s, 0) > 0 for s in counter.services)

    # -- a reloaded site file ---------------------------------------------------------

    def take_counters(self, counters: Mapping[str, Iterable[str]]) -> None:
        """Counters added, re-assigned or gone: one that stays keeps the pace it learnt."""
        known = self._counters
        self._counters = {}
        for counter_id, services in counters.items():
            counter = known.get(counter_id) or _Counter(tuple(services))
            counter.services = tuple(services)
            self._counters[counter_id] = counter
