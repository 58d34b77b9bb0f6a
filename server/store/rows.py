"""Tickets and users as the stores keep them: values by field name, derived from the
domain's dataclass, so a new Ticket field needs no change here (only its migration).

A ticket's stored values are its fields, times and days as ISO text, flags as 0/1 and
its status by name. SQLite keeps them as columns of the same names; Redis as a JSON
object (records.py). Reading takes the fields it knows, ignores the others and gives a
field missing from an older record its default.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields
from datetime import date, datetime
from enum import Enum
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from loket.server.domain.ticket import Ticket
from loket.server.users import Role, User

TICKET_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Ticket))
TICKET_COLUMNS = ", ".join(TICKET_FIELDS)
TICKET_PLACEHOLDERS = ", ".join("?" for _ in TICKET_FIELDS)


def _stored(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _reader(hint: Any) -> Callable[[Any], Any]:
    """How a stored value of a field of this type becomes the field's value again."""
    if get_origin(hint) in (Union, UnionType):
        inner = _reader(next(arg for arg in get_args(hint) if arg is not type(None)))
        return lambda value: None if value is None else inner(value)
    if hint is datetime:
        return datetime.fromisoformat
    if hint is date:
        return date.fromisoformat
    return hint  # bool, int, str and enums take their stored value as it is


_READERS: dict[str, Callable[[Any], Any]] = {
    name: _reader(hint) for name, hint in get_type_hints(Ticket).items() if name in TICKET_FIELDS
}


def ticket_values(ticket: Ticket) -> dict[str, object]:
    return {name: _stored(getattr(ticket, name)) for name in TICKET_FIELDS}


def ticket_row(ticket: Ticket) -> tuple[object, ...]:
    return tuple(_stored(getattr(ticket, name)) for name in TICKET_FIELDS)


def ticket_from_values(values: Mapping[str, Any]) -> Ticket:
    given = {}
    for field in fields(Ticket):
        if field.name in values:
            given[field.name] = _READERS[field.name](values[field.name])
        elif field.default is MISSING:
            raise ValueError(f"a ticket record without {field.name!r}")
    return Ticket(**given)


def ticket_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Ticket:
    return ticket_from_values(dict(zip(TICKET_FIELDS, row, strict=True)))


def user_from_row(username: str, role: str, counters: str | None) -> User:
    return User(
        username=username,
        role=Role(role),
        counters=None if counters is None else tuple(json.loads(counters)),
    )
