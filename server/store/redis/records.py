"""Tickets as Redis keeps them, and texts with holes that a script fills in.

A ticket's record is the JSON array of its row (server.store.rows), so both stores read
and write tickets the same way. A waiting ticket's member in its service's sorted set is
its call order written out at fixed width, then its id: Redis sorts equal-score members
bytewise, so the first member is the ticket to call (priority, issue time, serial).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from server.domain.ticket import Ticket
from server.protocol import dumps
from server.store.rows import TICKET_COLUMNS, ticket_from_row, ticket_row

_COLUMNS = [column.strip() for column in TICKET_COLUMNS.split(",")]
_NUMBER = _COLUMNS.index("number")
_SERIAL = _COLUMNS.index("serial")
_UNIX = datetime(1970, 1, 1, tzinfo=UTC)

ORDER_WIDTH = 1 + 16 + 12  # priority, issue time in µs, serial
_HOLE = re.compile(r'"\\u0000([a-z]+)\\u0000"')


def hole(name: str) -> str:
    """A value that serialises to a hole named `name`: the script puts the real value
    (known only inside it: a number, a seq, the waiting counts) in its place."""
    return f"\x00{name}\x00"


NUMBER = hole("number")
SERIAL = hole("serial")
WAITING = hole("waiting")
SEQ = hole("seq")


def with_holes(value: Any, *names: str) -> str:
    """`value` as JSON, checked to hold each named hole once and no other."""
    text = dumps(value)
    found = sorted(_HOLE.findall(text))
    if found != sorted(names):
        raise ValueError(f"expected the holes {sorted(names)} in {text!r}, found {found}")
    return text


def record(ticket: Ticket) -> str:
    return dumps(ticket_row(ticket))


def new_record(ticket: Ticket) -> str:
    """The record of a ticket being issued: its number and serial are the script's."""
    row: list[Any] = list(ticket_row(ticket))
    row[_NUMBER], row[_SERIAL] = NUMBER, SERIAL
    return with_holes(row, "number", "serial")


def ticket_from_record(text: str) -> Ticket:
    return ticket_from_row(tuple(json.loads(text)))


def order(ticket: Ticket) -> str:
    """The member's fixed-width start without the serial: priority, then issue time."""
    micros = (ticket.issued_at - _UNIX) // timedelta(microseconds=1)
    return f"{0 if ticket.priority else 1}{micros:016d}"


def member(ticket: Ticket) -> str:
    return f"{order(ticket)}{ticket.serial:012d}{ticket.id}"
