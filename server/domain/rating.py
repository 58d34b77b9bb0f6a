"""A visitor's satisfaction rating of one served ticket (CONTRACT 6.4), and the rules of
who may rate which ticket when.

A rating is kept once per ticket, by its site and ref. Its holder (who has the secret
id) may rate a ticket done within the last 24 hours; the visitor-facing device at a desk
only the ticket that counter served last, within 5 minutes. The fields' values (score
1–4, the SKM elements U1–U9, the comment's length) are checked where the body is read;
these rules only need the ticket, the rating kept already, and the time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from loket.server.domain.errors import AlreadyRated, NotLastServed, NotServed, RatingClosed
from loket.server.domain.ticket import Status, Ticket, iso_z, parse_time

# how long after "done" a ticket may be rated: by its holder, at its desk
HOLDER_WINDOW = timedelta(hours=24)
DESK_WINDOW = timedelta(minutes=5)


class Rater(StrEnum):
    HOLDER = "holder"  # the ticket's page, with its secret id
    DESK = "desk"  # the counter's visitor-facing device


@dataclass(frozen=True, slots=True)
class Rating:
    ref: str  # the ticket's public ref (its site is the store's key beside it)
    score: int  # 1–4
    at: datetime
    by: Rater
    comment: str | None = None
    answers: Mapping[str, int] = field(default_factory=dict)  # "U1".."U9" → 1–4, or none
    counter: str | None = None  # the desk's counter, for a rating made there

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "score": self.score,
            "comment": self.comment,
            "answers": dict(self.answers),
            "at": iso_z(self.at),
            "by": self.by.value,
            "counter": self.counter,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rating:
        """As to_json wrote it; fields a later release adds are ignored."""
        answers = data.get("answers") or {}
        return cls(
            ref=str(data["ref"]),
            score=int(data["score"]),
            at=parse_time(str(data["at"])),
            by=Rater(data["by"]),
            comment=data.get("comment"),
            answers={str(key): int(value) for key, value in answers.items()},
            counter=data.get("counter"),
        )


def window(by: Rater) -> timedelta:
    return DESK_WINDOW if by is Rater.DESK else HOLDER_WINDOW


def check(
    ticket: Ticket, rated: Rating | None, rating: Rating, last_done: str | None = None
) -> None:
    """Raise the refusal (a DomainError: 409) if `rating` may not be kept for `ticket`.

    `rated`: the rating kept for it already (None: none); `last_done`: for a rating at a
    desk, the ref of the ticket most recently done at `rating.counter` within
    DESK_WINDOW before `rating.at` (None: none). Exactly at the end of the window a
    rating is still taken.
    """
    if ticket.status is not Status.DONE or ticket.finished_at is None:
        raise NotServed(f"Ticket {ticket.number} has not been served: it cannot be rated yet.")
    if rated is not None:
        raise already_rated(ticket)
    if rating.by is Rater.DESK and ticket.counter != rating.counter:
        raise NotLastServed(
            f"Ticket {ticket.number} was not served at counter {rating.counter}: "
            "it cannot be rated here."
        )
    limit = window(rating.by)
    if rating.at - ticket.finished_at > limit:
        minutes = int(limit.total_seconds() // 60)
        raise RatingClosed(
            f"Ticket {ticket.number} was served more than {_span(minutes)} ago: "
            "it can no longer be rated."
        )
    if rating.by is Rater.DESK and last_done != ticket.ref:
        raise NotLastServed(
            f"Counter {rating.counter} has served another visitor since ticket "
            f"{ticket.number}: only the last one can be rated here."
        )


def already_rated(ticket: Ticket) -> AlreadyRated:
    """The refusal of a second rating (a store that finds one kept meanwhile says it too)."""
    return AlreadyRated(f"Ticket {ticket.number} has been rated already.")


def _span(minutes: int) -> str:
    return f"{minutes // 60} hours" if minutes % 60 == 0 else f"{minutes} minutes"
