"""Tickets and users to and from SQLite rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from server.domain.ticket import Status, Ticket
from server.users import Role, User

TICKET_COLUMNS = (
    "id, site, number, service, status, priority, issued_at, day, serial, lang, "
    "called_at, counter, recalls, finished_at"
)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def ticket_row(t: Ticket) -> tuple[object, ...]:
    return (
        t.id,
        t.site,
        t.number,
        t.service,
        t.status.value,
        int(t.priority),
        t.issued_at.isoformat(),
        t.day.isoformat(),
        t.serial,
        t.lang,
        None if t.called_at is None else t.called_at.isoformat(),
        t.counter,
        t.recalls,
        None if t.finished_at is None else t.finished_at.isoformat(),
    )


def ticket_from_row(row: sqlite3.Row | tuple[object, ...]) -> Ticket:
    (
        id_,
        site,
        number,
        service,
        status,
        priority,
        issued,
        day,
        serial,
        lang,
        called,
        counter,
        recalls,
        finished,
    ) = row
    issued_at = _time(str(issued))
    assert issued_at is not None
    return Ticket(
        id=str(id_),
        site=str(site),
        number=str(number),
        service=str(service),
        status=Status(status),
        priority=bool(priority),
        issued_at=issued_at,
        day=date.fromisoformat(str(day)),
        serial=int(serial),  # type: ignore[call-overload]
        lang=None if lang is None else str(lang),
        called_at=_time(called),  # type: ignore[arg-type]
        counter=None if counter is None else str(counter),
        recalls=int(recalls),  # type: ignore[call-overload]
        finished_at=_time(finished),  # type: ignore[arg-type]
    )


def user_from_row(username: str, role: str, counters: str | None) -> User:
    return User(
        username=username,
        role=Role(role),
        counters=None if counters is None else tuple(json.loads(counters)),
    )
