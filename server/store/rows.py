"""Tickets and users to and from SQLite rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import Any

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


def ticket_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Ticket:
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
    issued_at = datetime.fromisoformat(issued)
    return Ticket(
        id=id_,
        site=site,
        number=number,
        service=service,
        status=Status(status),
        priority=bool(priority),
        issued_at=issued_at,
        day=date.fromisoformat(day),
        serial=int(serial),
        lang=lang,
        called_at=_time(called),
        counter=counter,
        recalls=int(recalls),
        finished_at=_time(finished),
    )


def user_from_row(username: str, role: str, counters: str | None) -> User:
    return User(
        username=username,
        role=Role(role),
        counters=None if counters is None else tuple(json.loads(counters)),
    )
