"""A simulated day in a service hall, to judge the wait estimate (server/domain/estimate.py).

Seeded and deterministic: visitors arrive at random (a Poisson stream per service, twice as
dense over lunch), 5 % with priority; counters call the oldest ticket across their services
(priority first, as the server does), serve for a random (log-normal) time, 5 % do not come;
staff take turns for a lunch break, so the hall runs short-handed exactly when it is busiest.
At each issue it records the estimate the visitor would have seen, the naive guesses, and,
once the ticket is called, the real wait.

Not a benchmark by itself (the leading underscore); `phones.py` prints its table.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from loket.server.domain.estimate import WaitEstimator

OPEN_MIN, LAST_ISSUE_MIN = 0.0, 450.0  # 08:00 to 15:30
LUNCH = (210.0, 330.0)  # 11:30 to 13:30: twice as many arrivals
ARRIVALS_PER_MIN = {"A": 0.4, "B": 0.2, "C": 0.12}
SERVICE_MIN = {"A": 4.0, "B": 6.5, "C": 5.0}  # mean visit, log-normal, sigma 0.5
NO_SHOW, NO_SHOW_MIN = 0.05, 1.0
PRIORITY = 0.05
REACTION_MIN = 0.33  # the clerk presses "call next" within 0-20 s of a visitor leaving
COUNTERS = {"1": ("A",), "2": ("A",), "3": ("B",), "4": ("B",), "5": ("C",), "6": ("A", "B", "C")}
BREAKS = {  # counter: (from, to) in minutes after opening
    "1": (240.0, 285.0),
    "3": (240.0, 285.0),
    "5": (255.0, 300.0),
    "2": (285.0, 330.0),
    "4": (285.0, 330.0),
    "6": (300.0, 345.0),
}


@dataclass
class Visit:
    service: str
    priority: bool
    issued: float
    serial: int
    ahead: int = 0
    estimate: tuple[int, int] | None = None
    naive: float | None = None  # people ahead × mean visit
    naive_counters: float | None = None  # ... divided by the counters serving it
    called: float | None = None

    @property
    def key(self) -> tuple[bool, float, int]:
        return (not self.priority, self.issued, self.serial)


@dataclass
class Day:
    visits: list[Visit] = field(default_factory=list)


def _lognormal(rng: random.Random, mean: float, sigma: float = 0.5) -> float:
    return rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)


def simulate(seed: int = 1) -> Day:
    rng = random.Random(seed)
    start = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta

    def at(minute: float) -> datetime:
        return start + timedelta(minutes=minute)

    estimator = WaitEstimator(COUNTERS)
    waiting: dict[str, list[tuple[tuple[bool, float, int], Visit]]] = {s: [] for s in SERVICE_MIN}
    visit_times: dict[str, list[float]] = {s: [] for s in SERVICE_MIN}
    busy: dict[str, Visit | None] = {c: None for c in COUNTERS}
    day = Day()
    serial = itertools.count()
    agenda: list[tuple[float, int, str, str]] = []  # (minute, order, kind, who)
    order = itertools.count()

    def plan(minute: float, kind: str, who: str) -> None:
        heapq.heappush(agenda, (minute, next(order), kind, who))

    for service, rate in ARRIVALS_PER_MIN.items():
        minute = OPEN_MIN
        while True:
            # thinning: the densest rate, each arrival kept with the share of the moment
            minute += rng.expovariate(rate * 2)
            if minute > LAST_ISSUE_MIN:
                break
            if LUNCH[0] <= minute < LUNCH[1] or rng.random() < 0.5:
                plan(minute, "arrive", service)
    for counter in COUNTERS:
        plan(OPEN_MIN + rng.uniform(0, 2), "free", counter)
        if counter in BREAKS:
            plan(BREAKS[counter][0], "break", counter)

    def counts() -> dict[str, int]:
        return {s: len(line) for s, line in waiting.items()}

    on_break: set[str] = set()
    while agenda:
        minute, _, kind, who = heapq.heappop(agenda)
        now = at(minute)
        if kind == "arrive":
            visit = Visit(who, rng.random() < PRIORITY, minute, next(serial))
            line = waiting[who]
            position = sum(1 for key, _ in line if key < visit.key)
            line.append((visit.key, visit))
            line.sort(key=lambda entry: entry[0])
            visit.ahead = position
            estimate = estimator.estimate(who, position, now)
            visit.estimate = None if estimate is None else (estimate.low_min, estimate.high_min)
            times = visit_times[who]
            if times:
                mean = sum(times) / len(times)
                visit.naive = position * mean
                serving = sum(1 for services in COUNTERS.values() if who in services)
                visit.naive_counters = position * mean / serving
            day.visits.append(visit)
            estimator.waiting(counts(), now)
            for counter, services in COUNTERS.items():  # an idle clerk sees the new ticket
                if busy[counter] is None and counter not in on_break and who in services:
                    plan(minute + rng.uniform(0, REACTION_MIN), "call", counter)
        elif kind == "break":
            on_break.add(who)
            plan(BREAKS[who][1], "back", who)
        elif kind == "back":
            on_break.discard(who)
            plan(minute, "call", who)
        elif kind == "free":  # the visitor leaves
            current = busy[who]
            if current is not None:
                busy[who] = None
                estimator.closed(who, now)
                estimator.waiting(counts(), now)
            if who not in on_break:
                plan(minute + rng.uniform(0, REACTION_MIN), "call", who)
        elif kind == "call":
            if busy[who] is not None or who in on_break:
                continue
            heads = [waiting[s][0] for s in COUNTERS[who] if waiting[s]]
            if not heads:
                continue  # idle until a visitor arrives
            key, visit = min(heads, key=lambda entry: entry[0])
            waiting[visit.service].remove((key, visit))
            visit.called = minute
            busy[who] = visit
            estimator.called(who, now)
            estimator.waiting(counts(), now)
            no_show = rng.random() < NO_SHOW
            length = NO_SHOW_MIN if no_show else _lognormal(rng, SERVICE_MIN[visit.service])
            visit_times[visit.service].append(length)
            plan(minute + length, "free", who)
    return day


@dataclass(frozen=True)
class Accuracy:
    tickets: int
    estimated: int
    mae_mid: float  # the middle of the range shown vs the real wait, minutes
    inside: float  # share of real waits within the range shown
    width: float  # mean high - low
    mae_naive: float
    mae_naive_counters: float
    mean_wait: float


def accuracy(day: Day) -> Accuracy:
    """Over tickets that had an estimate and both naive guesses at issue and were called."""
    rows = [
        v
        for v in day.visits
        if v.called is not None and v.estimate is not None and v.naive is not None
    ]
    n = max(1, len(rows))

    def wait(v: Visit) -> float:
        assert v.called is not None
        return v.called - v.issued

    def mid(v: Visit) -> float:
        assert v.estimate is not None
        return (v.estimate[0] + v.estimate[1]) / 2

    return Accuracy(
        tickets=len(day.visits),
        estimated=len(rows),
        mae_mid=sum(abs(mid(v) - wait(v)) for v in rows) / n,
        inside=sum(1 for v in rows if v.estimate and v.estimate[0] <= wait(v) <= v.estimate[1]) / n,
        width=sum(v.estimate[1] - v.estimate[0] for v in rows if v.estimate) / n,
        mae_naive=sum(abs((v.naive or 0) - wait(v)) for v in rows) / n,
        mae_naive_counters=sum(abs((v.naive_counters or 0) - wait(v)) for v in rows) / n,
        mean_wait=sum(wait(v) for v in rows) / n,
    )
