"""A rating read back with its ticket's visit: what the satisfaction reports (CONTRACT 6.4)
count, and what a comment is listed with. Nothing in it names the visitor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TypeVar

from loket.server.domain.rating import Rating
from loket.server.domain.ticket import make_ref

# A ref begins with its ticket's local day (20261206-A015) in the zone the site had when
# it was issued; a visit's day is read in the zone of its fold. A zone changed since
# moves one from the other by up to two days: a range's ratings are looked for that much
# wider, then chosen by their visits' days.
REF_SLACK = timedelta(days=2)
# RatedVisits made at once before the event loop may serve others (a few ms' work)
TURN = 2_000

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class RatedVisit:
    rating: Rating
    service: str  # the service the ticket was issued for
    counter: str | None  # the counter that finished it
    user: str | None  # the clerk who finished it
    issued_at: datetime
    finished_at: datetime | None


def ref_range(first: date, last: date) -> tuple[str, str]:
    """The refs from the first (included) to the last (excluded, in byte order) that the
    tickets of local days `first` to `last` may have."""
    return make_ref(_moved(first, -REF_SLACK), ""), make_ref(
        _moved(last, REF_SLACK + timedelta(days=1)), ""
    )


def _moved(day: date, by: timedelta) -> date:
    """`day` + `by`, kept within the calendar: a period may start on 0001-01-01 (a 500 else)."""
    try:
        return day + by
    except OverflowError:
        return date.max if by > timedelta(0) else date.min


async def made_in_turns(rows: Iterable[R], make: Callable[[R], RatedVisit]) -> list[RatedVisit]:
    """`make` of every row, TURN at a time, the event loop serving others between turns:
    a year of ratings (400,000) is seconds of work, never one stall."""
    made: list[RatedVisit] = []
    left: Iterator[R] = iter(rows)
    while turn := list(islice(left, TURN)):
        made += map(make, turn)
        await asyncio.sleep(0)
    return made
