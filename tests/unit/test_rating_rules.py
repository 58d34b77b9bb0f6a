"""Who may rate which ticket when (CONTRACT 6.4): only a ticket done, once, within 24 h of
being done by its holder; at the desk, only the counter's last one, within 5 minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import DomainError
from loket.server.domain.rating import Rater, Rating, check
from loket.server.domain.ticket import Status, Ticket

DONE_AT = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
REF = "20261206-A015"


def ticket(status: Status = Status.DONE, counter: str = "2") -> Ticket:
    called = DONE_AT - timedelta(minutes=4)
    return Ticket(
        id="secret",
        site="demo",
        number="A015",
        service="A",
        status=status,
        priority=False,
        issued_at=DONE_AT - timedelta(minutes=30),
        day=date(2026, 12, 6),
        serial=15,
        called_at=None if status is Status.WAITING else called,
        counter=None if status is Status.WAITING else counter,
        finished_at=DONE_AT if status in (Status.DONE, Status.NO_SHOW) else None,
    )


def holder(after: timedelta, score: int = 4) -> Rating:
    return Rating(REF, score, DONE_AT + after, Rater.HOLDER)


def desk(after: timedelta, counter: str = "2") -> Rating:
    return Rating(REF, 3, DONE_AT + after, Rater.DESK, counter=counter)


def refusal(
    served: Ticket, rated: Rating | None, rating: Rating, last_done: str | None = None
) -> ErrorCode:
    with pytest.raises(DomainError) as refused:
        check(served, rated, rating, last_done)
    return refused.value.code


def test_the_holder_rates_a_ticket_done_up_to_24_hours_after() -> None:
    check(ticket(), None, holder(timedelta(seconds=1)))
    check(ticket(), None, holder(timedelta(hours=24)))  # exactly 24 h: still open
    assert refusal(ticket(), None, holder(timedelta(hours=24, milliseconds=1))) == "rating_closed"
    assert refusal(ticket(), None, holder(timedelta(days=3))) == "rating_closed"


@pytest.mark.parametrize("status", [Status.WAITING, Status.CALLED, Status.HELD, Status.NO_SHOW])
def test_a_ticket_not_done_cannot_be_rated(status: Status) -> None:
    assert refusal(ticket(status), None, holder(timedelta(minutes=1))) == "not_served"
    assert refusal(ticket(status), None, desk(timedelta(minutes=1)), last_done=REF) == (
        "not_served"
    )


def test_a_ticket_is_rated_once() -> None:
    kept = holder(timedelta(minutes=1))
    assert refusal(ticket(), kept, holder(timedelta(minutes=2), score=1)) == "already_rated"
    assert refusal(ticket(), kept, desk(timedelta(minutes=2)), last_done=REF) == "already_rated"


def test_the_desk_rates_its_last_ticket_up_to_5_minutes_after() -> None:
    check(ticket(), None, desk(timedelta(seconds=5)), last_done=REF)
    check(ticket(), None, desk(timedelta(minutes=5)), last_done=REF)  # exactly 5 min: open
    late = desk(timedelta(minutes=5, milliseconds=1))
    assert refusal(ticket(), None, late, last_done=REF) == "rating_closed"


def test_the_desk_rates_only_the_ticket_it_served_last() -> None:
    served_since = refusal(ticket(), None, desk(timedelta(minutes=1)), last_done="20261206-A016")
    assert served_since == "not_last_served"
    assert refusal(ticket(), None, desk(timedelta(minutes=1)), last_done=None) == (
        "not_last_served"
    )
    other_desk = desk(timedelta(minutes=1), counter="3")
    assert refusal(ticket(), None, other_desk, last_done=REF) == "not_last_served"


def test_the_holder_rates_whatever_the_desk_did_since() -> None:
    check(ticket(), None, holder(timedelta(hours=2)), last_done="20261206-A099")


def test_a_rating_reads_back_as_written() -> None:
    rating = Rating(
        REF,
        2,
        DONE_AT + timedelta(minutes=3),
        Rater.DESK,
        comment="Ramah, tapi lama",
        answers={"U1": 3, "U9": 4},
        counter="2",
    )
    assert Rating.from_json(rating.to_json()) == rating
    assert rating.to_json()["at"] == "2026-12-06T09:33:00.000Z"
