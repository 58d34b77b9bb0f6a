"""Tickets as Redis keeps them, and texts with holes that a script fills in.

A ticket's record is the JSON object of its stored values by field name
(server.store.rows), so both stores read and write tickets the same way; records of
releases before names were used are arrays, read by position (V1_FIELDS).

A waiting ticket's member in its service's sorted set is its call order
(Ticket.order_key) written out at fixed width, then its id: Redis sorts equal-score
members bytewise, so the first member is the ticket to call.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from loket.server.domain.ticket import HEAD_OF_LINE, Ticket
from loket.server.protocol import dumps
from loket.server.store.rows import ticket_from_values, ticket_values

# the fields of a record written as an array (every release up to bed7891), in order
V1_FIELDS = (
    "id, site, number, service, status, priority, issued_at, day, serial, lang, "
    "called_at, counter, recalls, finished_at"
).split(", ")

_UNIX = datetime(1970, 1, 1, tzinfo=UTC)
TIME_WIDTH = 16  # µs since 1970: fixed width until the year 2286
SERIAL_WIDTH = 12
ORDER_WIDTH = 1 + TIME_WIDTH + SERIAL_WIDTH  # the member before the id
_HOLE = re.compile(r'"\\u0000([a-z]+)\\u0000"')


def hole(name: str) -> str:
    """A value that serialises to a hole named `name`: the script puts the real value
    (known only inside it: a number, a seq, the waiting counts) in its place."""
    return f"\x00{name}\x00"


NUMBER = hole("number")
REF = hole("ref")  # the script makes it: the ref's text before the number, then the number
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
    return dumps(ticket_values(ticket))


def new_record(ticket: Ticket) -> str:
    """The record of a ticket being issued: its number and serial are the script's."""
    values = ticket_values(ticket)
    values["number"], values["serial"] = NUMBER, SERIAL
    return with_holes(values, "number", "serial")


def ticket_from_record(text: str) -> Ticket:
    values = json.loads(text)
    if isinstance(values, list):
        values = dict(zip(V1_FIELDS, values, strict=False))
    return ticket_from_values(values)


def order(ticket: Ticket) -> str:
    """The member's start, without the serial (the script adds it to a new ticket)."""
    later, at, _ = ticket.order_key
    micros = (at - _UNIX) // timedelta(microseconds=1)
    return f"{int(later)}{micros:0{TIME_WIDTH}d}"


def issued_in(member: str, now: datetime) -> datetime | None:
    """When a waiting ticket was issued, read from its member; None for one sent to the
    head of its line (its member holds when it was sent: read its record)."""
    at = _UNIX + timedelta(microseconds=int(member[1 : 1 + TIME_WIDTH]))
    return None if at < now - HEAD_OF_LINE / 2 else at


def member(ticket: Ticket) -> str:
    return f"{order(ticket)}{ticket.serial:0{SERIAL_WIDTH}d}{ticket.id}"
