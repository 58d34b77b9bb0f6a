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
from operator import attrgetter
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from loket.server.domain.ticket import Ticket
from loket.server.users import Role, User

TICKET_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Ticket))
TICKET_COLUMNS = ", ".join(TICKET_FIELDS)
TICKET_PLACEHOLDERS = ", ".join("?" for _ in TICKET_FIELDS)


Convert = Callable[[Any], Any] | None  # None: the value is stored as it is (str, int)


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _converters(hint: Any) -> tuple[Convert, Convert]:
    """How a field of this type is stored, and read back: converters made once per field,
    so a row costs one pass and no type test per value."""
    if get_origin(hint) in (Union, UnionType):
        inner = next(arg for arg in get_args(hint) if arg is not type(None))
        store, read = _converters(inner)
        return (
            None if store is None else _optional(store),
            None if read is None else _optional(read),
        )
    if hint is datetime:
        return datetime.isoformat, datetime.fromisoformat
    if hint is date:
        return date.isoformat, date.fromisoformat
    if hint is bool:
        return int, bool
    if isinstance(hint, type) and issubclass(hint, Enum):
        return attrgetter("value"), hint
    return None, None


def converters(
    cls: type, names: tuple[str, ...]
) -> tuple[tuple[Convert, ...], tuple[Convert, ...]]:
    """How each named field of the dataclass `cls` is stored, and how it is read back."""
    hints = get_type_hints(cls)
    store, read = zip(*(_converters(hints[name]) for name in names), strict=True)
    return store, read


_STORE, _READ = converters(Ticket, TICKET_FIELDS)
_VALUES = attrgetter(*TICKET_FIELDS)
_DEFAULTED = frozenset(field.name for field in fields(Ticket) if field.default is not MISSING)


def ticket_row(ticket: Ticket) -> tuple[object, ...]:
    return tuple(
        value if store is None else store(value)
        for value, store in zip(_VALUES(ticket), _STORE, strict=True)
    )


def ticket_values(ticket: Ticket) -> dict[str, object]:
    return dict(zip(TICKET_FIELDS, ticket_row(ticket), strict=True))


def ticket_from_values(values: Mapping[str, Any]) -> Ticket:
    given = {}
    for name, read in zip(TICKET_FIELDS, _READ, strict=True):
        if name in values:
            value = values[name]
            given[name] = value if read is None else read(value)
        elif name not in _DEFAULTED:
            raise ValueError(f"a ticket record without {name!r}")
    return Ticket(**given)


def ticket_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Ticket:
    """A row of every field, in TICKET_FIELDS order."""
    return Ticket(
        *[value if read is None else read(value) for value, read in zip(row, _READ, strict=True)]
    )


def user_from_row(username: str, role: str, counters: str | None, disabled: object = False) -> User:
    """`disabled`: absent from what the first releases kept (then False)."""
    return User(
        username=username,
        role=Role(role),
        counters=None if counters is None else tuple(json.loads(counters)),
        disabled=bool(disabled),
    )


def counters_text(user: User) -> str | None:
    """A user's counters as both stores keep them: JSON, None for every counter."""
    return None if user.counters is None else json.dumps(list(user.counters))
