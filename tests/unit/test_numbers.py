"""Ticket numbers and call order: one definition each (server/domain), and the places that
derive from them (Redis members) agree with it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.server.domain.numbers import (
    figures,
    following_number,
    format_number,
    parse_number,
    spoken_parts,
)
from loket.server.domain.ticket import Status, Ticket
from loket.server.store.redis.records import ORDER_WIDTH, member

SERVICES = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=3)


@given(SERVICES, st.integers(min_value=1, max_value=99_999))
def test_a_formatted_number_parses_back(service: str, count: int) -> None:
    number = format_number(service, count)
    assert number.startswith(service)
    assert parse_number(number, service) == count


def test_numbers_have_three_digits_at_least() -> None:
    assert [format_number("A", n) for n in (1, 15, 999, 1000)] == ["A001", "A015", "A999", "A1000"]


@pytest.mark.parametrize(
    ("number", "service", "parts"),
    [
        ("A015", "A", ("A", "015")),
        ("AB099", "AB", ("AB", "099")),
        ("A002", "C", ("A", "002")),  # transferred from A to C: still A's number
        ("B10007", "B1", ("B1", "0007")),  # a service id that ends in a digit
        ("VIP", "V", None),
        ("123", "A", None),
    ],
)
def test_the_parts_of_a_number_that_are_spoken(
    number: str, service: str, parts: tuple[str, str] | None
) -> None:
    assert spoken_parts(number, service) == parts


@pytest.mark.parametrize(
    ("number", "service", "following"),
    [
        ("A015", "A", "A016"),
        ("A009", "A", "A010"),
        ("AB099", "AB", "AB100"),
        ("A999", "A", "A1000"),
        ("A1000", "A", "A1001"),
        ("VIP", "V", None),
        ("A", "A", None),
        ("B015", "A", None),  # transferred from B: not one of A's numbers
        ("A１２", "A", None),  # full-width digits are not a count
    ],
)
def test_following_number(number: str, service: str, following: str | None) -> None:
    assert following_number(number, service) == following
    assert (figures(number, service) is None) == (following is None)


START = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
TICKETS = st.builds(
    lambda priority, micros, serial, tail: Ticket(
        id=f"t{serial}.{tail}",  # unique: the serial ends at the dot
        site="demo",
        number="A001",
        service="A",
        status=Status.WAITING,
        priority=priority,
        issued_at=START + timedelta(microseconds=micros),
        day=date(2026, 12, 1),
        serial=serial,
    ),
    st.booleans(),
    st.integers(min_value=0, max_value=10**12),  # ~11 days, in µs
    st.integers(min_value=1, max_value=10**11),
    st.text(alphabet="abcXYZ-_09", max_size=4),
)


@given(st.lists(TICKETS, min_size=2, max_size=30, unique_by=lambda t: t.serial))
def test_members_sort_bytewise_in_call_order(tickets: list[Ticket]) -> None:
    """Redis sorts equal-score members bytewise: that order must be the domain's."""
    by_member = sorted(tickets, key=lambda t: member(t).encode())
    assert by_member == sorted(tickets, key=lambda t: t.order_key)
    assert all(member(t)[ORDER_WIDTH:] == t.id for t in tickets)
