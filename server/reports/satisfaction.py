"""A site's satisfaction over a period (issue 18, CONTRACT 6.4), from its rated visits
(Store.rated): every rating's score, the SKM survey of the ratings with answers, the same per
service, counter, clerk and day, and the comments. Pure: no I/O. docs/skm.md "What Loket
computes" is the definition; the figures are the regulation's (server/domain/skm.py).

A rating counts under its visit: its service, the counter and clerk that finished it, and
the site's local day it was issued (as a report's rows do, CONTRACT 6.3). Nothing here
names the visitor: a comment is listed with its ticket's service, counter and time only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from loket.server.domain.rating import Rater
from loket.server.domain.site import Site
from loket.server.domain.skm import ELEMENTS, grade, ikm, ikm_of_scores, round_ikm
from loket.server.reports.rated import RatedVisit
from loket.server.reports.row import By, fixed_keys

LOWEST = 3  # the elements a report names for follow-up (rencana tindak lanjut)
GROUPS = (By.SERVICE, By.COUNTER, By.USER, By.DAY)
COMMENTS = 100  # comments in a JSON answer unless it asks for another number
MAX_COMMENTS = 1000


def _ikm_json(value: float) -> dict[str, Any]:
    return {"ikm": float(round_ikm(value)), "grade": grade(value).letter}


@dataclass(frozen=True, slots=True)
class Scores:
    """Ratings' scores (1-4): their count, average and the IKM of the average."""

    count: int
    total: int

    @classmethod
    def of(cls, scores: Sequence[int]) -> Scores | None:
        return cls(len(scores), sum(scores)) if scores else None

    @property
    def avg(self) -> float:
        return self.total / self.count

    @property
    def ikm(self) -> float:
        return ikm_of_scores(self.avg)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "avg": round(self.avg, 4), **_ikm_json(self.ikm)}


@dataclass(frozen=True, slots=True)
class ElementFigures:
    """One element's column of the processing sheet: its answers' count and sum, their
    average (NRR), its weight's share (NRR tertimbang) and whether it is among the lowest."""

    id: str
    name: str
    count: int
    total: int
    weight: float  # 1 / the elements answered at all (1/9 with all nine)
    lowest: bool = False

    @property
    def avg(self) -> float | None:
        return self.total / self.count if self.count else None

    @property
    def weighted(self) -> float | None:
        return None if self.avg is None else self.avg * self.weight

    def to_json(self) -> dict[str, Any]:
        avg, weighted = self.avg, self.weighted
        return {
            "id": self.id,
            "name": self.name,
            "count": self.count,
            "sum": self.total,
            "avg": None if avg is None else round(avg, 4),
            "weighted": None if weighted is None else round(weighted, 4),
            **(_ikm_json(ikm_of_scores(avg)) if avg is not None else {"ikm": None, "grade": None}),
            "lowest": self.lowest,
        }


@dataclass(frozen=True, slots=True)
class Survey:
    """The SKM of the ratings with answers (respondents): the nine elements and the IKM."""

    respondents: int
    elements: tuple[ElementFigures, ...]

    @classmethod
    def of(cls, answers: Sequence[Mapping[str, int]]) -> Survey | None:
        answered = [a for a in answers if a]
        if not answered:
            return None
        columns = {e.id: [a[e.id] for a in answered if e.id in a] for e in ELEMENTS}
        filled = sum(1 for values in columns.values() if values)
        averages = {key: sum(v) / len(v) for key, v in columns.items() if v}
        low = lowest(averages)
        return cls(
            len(answered),
            tuple(
                ElementFigures(
                    e.id, e.name, len(columns[e.id]), sum(columns[e.id]), 1 / filled, e.id in low
                )
                for e in ELEMENTS
            ),
        )

    @property
    def ikm(self) -> float:
        return ikm({e.id: e.avg for e in self.elements if e.avg is not None})

    def to_json(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            **_ikm_json(self.ikm),
            "elements": [element.to_json() for element in self.elements],
        }


def lowest(averages: Mapping[str, float]) -> frozenset[str]:
    """The elements to improve first: the lowest average's elements, then the next lowest
    while that keeps them at most LOWEST (a tie is marked whole or not at all, so that a
    mark always means "lower than every unmarked one"); never the best; none when all are
    the same (nothing stands out)."""
    distinct = sorted(set(averages.values()))
    bar = distinct[0] if len(distinct) > 1 else None
    for value in distinct[1:-1]:
        if sum(1 for v in averages.values() if v <= value) > LOWEST:
            break
        bar = value
    if bar is None:
        return frozenset()
    return frozenset(key for key, value in averages.items() if value <= bar)


@dataclass(frozen=True, slots=True)
class Group:
    """The figures of the ratings under one key (a service, counter, clerk or day)."""

    key: str
    ratings: Scores | None
    survey: Survey | None

    @classmethod
    def of(cls, key: str, visits: Sequence[RatedVisit]) -> Group:
        return cls(
            key,
            Scores.of([v.rating.score for v in visits]),
            Survey.of([v.rating.answers for v in visits]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "ratings": None if self.ratings is None else self.ratings.to_json(),
            "survey": None if self.survey is None else self.survey.to_json(),
        }


@dataclass(frozen=True, slots=True)
class Listed:
    """A rated visit as a comment or a respondent is listed: its ticket's service, the
    counter that served it and when (the site's local time: done, else issued)."""

    service: str
    counter: str | None
    at: datetime
    score: int
    comment: str | None
    answers: Mapping[str, int]

    @classmethod
    def of(cls, visit: RatedVisit, zone: ZoneInfo) -> Listed:
        served = visit.finished_at or visit.issued_at
        rating = visit.rating
        return cls(
            visit.service,
            visit.counter,
            served.astimezone(zone),
            rating.score,
            rating.comment,
            rating.answers,
        )

    def comment_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "comment": self.comment,
            "service": self.service,
            "counter": self.counter,
            "at": self.at.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True, slots=True)
class Satisfaction:
    site: str
    first: date  # `from` and `to`, both included
    last: date
    ratings: Scores | None  # every rating, at the desk and on the phone
    desk: Scores | None
    phone: Scores | None
    survey: Survey | None
    groups: Mapping[By, list[Group]]
    comments: list[Listed]  # newest first
    respondents: list[Listed]  # the ratings with answers, oldest first

    def to_json(self, comments: int = COMMENTS) -> dict[str, Any]:
        def scores(value: Scores | None) -> dict[str, Any] | None:
            return None if value is None else value.to_json()

        return {
            "site": self.site,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "ratings": scores(self.ratings),
            "desk": scores(self.desk),
            "phone": scores(self.phone),
            "survey": None if self.survey is None else self.survey.to_json(),
            "by": {
                by.value: [group.to_json() for group in groups]
                for by, groups in self.groups.items()
            },
            "comments": {
                "total": len(self.comments),
                "items": [c.comment_json() for c in self.comments[:comments]],
            },
        }


def key_of(by: By, day_of: Callable[[datetime], date]) -> Callable[[RatedVisit], str | None]:
    """The group a rated visit counts in; None: none of them (no counter finished it)."""
    keys: dict[By, Callable[[RatedVisit], str | None]] = {
        By.SERVICE: lambda v: v.service,
        By.COUNTER: lambda v: v.counter,
        By.USER: lambda v: v.user,
        By.DAY: lambda v: day_of(v.issued_at).isoformat(),
    }
    return keys[by]


def grouped(
    by: By, visits: Sequence[RatedVisit], site: Site, first: date, last: date
) -> list[Group]:
    """A group for each of the site's services, counters or the period's days (empty ones
    too, as a report's rows), then the other keys found, in key order."""
    keys = fixed_keys(by, first, last, [s.id for s in site.services], [c.id for c in site.counters])
    groups: dict[str, list[RatedVisit]] = {key: [] for key in keys}
    extra: dict[str, list[RatedVisit]] = {}
    key = key_of(by, site.local_day)
    for visit in visits:
        found = key(visit)
        if found is not None:
            (groups if found in groups else extra).setdefault(found, []).append(visit)
    return [Group.of(k, group) for k, group in [*groups.items(), *sorted(extra.items())]]


def summarize(site: Site, first: date, last: date, rated: Iterable[RatedVisit]) -> Satisfaction:
    """The satisfaction of the visits issued from `first` to `last` (local days)."""
    visits = [v for v in rated if first <= site.local_day(v.issued_at) <= last]
    zone = ZoneInfo(site.timezone)
    listed = sorted((Listed.of(v, zone) for v in visits), key=lambda item: item.at)
    by_desk = [v.rating.score for v in visits if v.rating.by is Rater.DESK]
    return Satisfaction(
        site=site.id,
        first=first,
        last=last,
        ratings=Scores.of([v.rating.score for v in visits]),
        desk=Scores.of(by_desk),
        phone=Scores.of([v.rating.score for v in visits if v.rating.by is not Rater.DESK]),
        survey=Survey.of([v.rating.answers for v in visits]),
        groups={by: grouped(by, visits, site, first, last) for by in GROUPS},
        comments=[item for item in reversed(listed) if item.comment],
        respondents=[item for item in listed if item.answers],
    )
