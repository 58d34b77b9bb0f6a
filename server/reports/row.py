"""A report's rows (CONTRACT 6.3: `Row`, `Stats`) and how they are counted from visits.

`summarize` is the definition: the stores' SQL answers the same rows for the same visits
(their tests compare them), and the live view counts today with it directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from loket.server.domain.skm import ikm_of_scores, round_ikm
from loket.server.record.visit import State, Visit

AVG_DIGITS = 4  # a rating's average score as the regulation's table writes one (3.5324)


class By(StrEnum):
    SERVICE = "service"
    COUNTER = "counter"
    USER = "user"
    HOUR = "hour"
    DAY = "day"
    WEEKDAY = "weekday"


@dataclass(frozen=True, slots=True)
class Stats:
    """Seconds; a percentile is the nearest rank: the ⌈q·n⌉-th smallest value."""

    avg: float
    p50: float
    p90: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats | None:
        if not values:
            return None
        ordered = sorted(values)
        return cls(
            avg=sum(ordered) / len(ordered),
            p50=ordered[rank(0.5, len(ordered)) - 1],
            p90=ordered[rank(0.9, len(ordered)) - 1],
            max=ordered[-1],
        )

    def to_json(self) -> dict[str, float]:
        return {
            "avg": round(self.avg, 1),
            "p50": round(self.p50, 1),
            "p90": round(self.p90, 1),
            "max": round(self.max, 1),
        }


def rank(q: float, n: int) -> int:
    """The nearest rank (1-based) of the q-quantile of n values."""
    return max(1, math.ceil(q * n - 1e-9))


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    issued: int = 0
    called: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    wait_s: Stats | None = None
    service_s: Stats | None = None
    within_target: float | None = None  # share of called tickets with a target that met it
    rating: Mapping[str, Any] | None = None  # CONTRACT 6.4: `rating_figures`

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "issued": self.issued,
            "called": self.called,
            "served": self.served,
            "no_show": self.no_show,
            "transferred": self.transferred,
            "wait_s": None if self.wait_s is None else self.wait_s.to_json(),
            "service_s": None if self.service_s is None else self.service_s.to_json(),
            "within_target": None if self.within_target is None else round(self.within_target, 4),
            "rating": None if self.rating is None else dict(self.rating),
        }


@dataclass(frozen=True, slots=True)
class Report:
    site: str
    first: date  # `from` and `to`, both included
    last: date
    by: By
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row("total"))

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "by": self.by.value,
            "rows": [row.to_json() for row in self.rows],
            "total": self.total.to_json(),
        }


def key_of(by: By) -> Callable[[Visit], str | None]:
    """The row a visit counts in; None: in the total only (a ticket no counter had)."""
    keys: dict[By, Callable[[Visit], str | None]] = {
        By.SERVICE: lambda v: v.service,
        By.COUNTER: lambda v: v.counter,
        By.USER: lambda v: v.user,
        By.HOUR: lambda v: f"{v.hour:02d}",
        By.DAY: lambda v: v.day.isoformat(),
        By.WEEKDAY: lambda v: str(v.weekday),
    }
    return keys[by]


def fixed_keys(
    by: By, first: date, last: date, services: Sequence[str], counters: Sequence[str]
) -> list[str]:
    """The rows a report has even with nothing in them, in their order; `user` has none
    (users with activity follow, in name order, as do keys no longer configured)."""
    if by is By.SERVICE:
        return list(services)
    if by is By.COUNTER:
        return list(counters)
    if by is By.HOUR:
        return [f"{hour:02d}" for hour in range(24)]
    if by is By.WEEKDAY:
        return [str(day) for day in range(1, 8)]
    if by is By.DAY:
        return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    return []


def rating_figures(rated: int, total: int) -> dict[str, Any] | None:
    """A row's `rating` (CONTRACT 6.3): `rated` ratings whose scores add up to `total`;
    None without one. `ikm` is the IKM of the scores (the average × 25, rounded as the
    regulation's table writes it): a desk's single score and a phone's overall score
    alike; the nine elements' index is the satisfaction summary's (docs/skm.md)."""
    if not rated:
        return None
    average = total / rated
    return {
        "count": rated,
        "avg": round(average, AVG_DIGITS),
        "ikm": float(round_ikm(ikm_of_scores(average))),
    }


def count(
    key: str,
    visits: Sequence[Visit],
    targets: Mapping[str, float | None],
    scores: Mapping[str, int] | None = None,
) -> Row:
    """One row from its visits (CONTRACT 6.3's definitions); `scores`: the rated tickets'
    scores by ref (a rating counts with its ticket's visit)."""
    waits = [v.wait_s for v in visits if v.wait_s is not None]
    served = [v.service_s for v in visits if v.service_s is not None]
    judged = [
        v.wait_s <= target
        for v in visits
        if v.wait_s is not None and (target := targets.get(v.service)) is not None
    ]
    rated = [score for v in visits if (score := (scores or {}).get(v.ref)) is not None]
    return Row(
        key=key,
        issued=len(visits),
        called=len(waits),
        served=sum(1 for v in visits if v.state is State.DONE),
        no_show=sum(1 for v in visits if v.state is State.NO_SHOW),
        transferred=sum(v.transfers for v in visits),
        wait_s=Stats.of(waits),
        service_s=Stats.of(served),
        within_target=sum(judged) / len(judged) if judged else None,
        rating=rating_figures(len(rated), sum(rated)),
    )


def summarize(
    site: str,
    first: date,
    last: date,
    by: By,
    visits: Iterable[Visit],
    targets: Mapping[str, float | None],
    keys: Sequence[str],
    scores: Mapping[str, int] | None = None,
) -> Report:
    """The report of `visits` (those issued from `first` to `last`); `keys`: `fixed_keys`;
    `scores`: the ratings of the site's tickets, each score by its ticket's ref."""
    chosen = [v for v in visits if first <= v.day <= last]
    key = key_of(by)
    groups: dict[str, list[Visit]] = {k: [] for k in keys}
    extra: dict[str, list[Visit]] = {}
    for visit in chosen:
        k = key(visit)
        if k is not None:
            (groups if k in groups else extra).setdefault(k, []).append(visit)
    ordered = [*groups.items(), *sorted(extra.items())]
    return Report(
        site,
        first,
        last,
        by,
        [count(k, group, targets, scores) for k, group in ordered],
        count("total", chosen, targets, scores),
    )
