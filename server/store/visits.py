"""The SQLite record of every ticket's life: one `visits` row per ticket (CONTRACT 6.3),
kept beside the events it is folded from, in the same transaction.

A row holds the Visit's fields (times and days as ISO text, as tickets are kept) and its
`wait_s` and `service_s`, so that SQL aggregates them (reports.py). `Folder` folds events
into rows with `Visit.apply`, the one fold every store uses; the upgrade to this schema
(`backfill`) folds the events an older release kept and derives the rest from tickets.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from datetime import datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from loket.server.domain.events import (
    Called,
    Closed,
    CounterChanged,
    Issued,
    Payload,
    payload_from_json,
)
from loket.server.domain.numbers import figures
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket
from loket.server.record.visit import State, Visit
from loket.server.store import report_days
from loket.server.store.rows import TICKET_COLUMNS, converters, ticket_from_row

VISIT_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Visit))
VISIT_COLUMNS = ", ".join((*VISIT_FIELDS, "wait_s", "service_s"))
_PLACEHOLDERS = ", ".join("?" for _ in (*VISIT_FIELDS, 1, 2))
_STORE, _READ = converters(Visit, VISIT_FIELDS)
_VALUES = attrgetter(*VISIT_FIELDS)
# a ticket's site, ref and day never change: their indexes are left as they are
_CHANGING = [c for c in (*VISIT_FIELDS, "wait_s", "service_s") if c not in ("site", "ref", "day")]
UPSERT = (
    f"INSERT INTO visits ({VISIT_COLUMNS}) VALUES ({_PLACEHOLDERS}) ON CONFLICT (site, ref) "
    f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _CHANGING)}"
)
_SELECT = f"SELECT {', '.join(VISIT_FIELDS)} FROM visits WHERE site = ? AND ref = ?"
UTC_ZONE = ZoneInfo("UTC")
FLUSH_EVERY = 20_000  # visits an upgrade keeps in memory before writing them


# only the fields that need converting are touched (every command writes visits)
_STORED = [(n, store) for n, store in enumerate(_STORE) if store is not None]
_READS = [(n, read) for n, read in enumerate(_READ) if read is not None]


def visit_row(visit: Visit) -> tuple[object, ...]:
    values: list[Any] = [*_VALUES(visit), visit.wait_s, visit.service_s]
    for n, store in _STORED:
        values[n] = store(values[n])
    return tuple(values)


def visit_from_row(row: Iterable[Any]) -> Visit:
    """A row of VISIT_FIELDS, in that order."""
    values = list(row)
    for n, read in _READS:
        values[n] = read(values[n])
    return Visit(*values)


def is_ticket_event(payload: object) -> bool:
    """Only a ticket's events make its visit; others (a counter's) are not folded."""
    return isinstance(payload, Issued | Called | Closed)


class Folder:
    """Folds events into visits on one connection: each visit read once (from memory,
    else its row, else started by this event), written back by `flush`."""

    def __init__(self, conn: sqlite3.Connection, zones: Mapping[str, ZoneInfo]) -> None:
        self.conn = conn
        self.zones = zones
        self.pending: dict[tuple[str, str], Visit] = {}

    def fold(
        self,
        site: str,
        payload: Payload,
        seq: int,
        ts: datetime,
        actor: str | None,
        *,
        only_known: bool = False,
    ) -> None:
        """`only_known`: skip an event whose ticket has no visit yet and that does not
        issue it (its ticket.issued event is gone: the visit is made from its ticket)."""
        if not is_ticket_event(payload):
            return
        key = (site, payload.ticket.ref)
        visit = self.pending.get(key)
        if visit is None:
            # here a ticket's ticket.issued is its first event (the writer's order): no row
            issued = isinstance(payload, Issued)
            row = None if issued else self.conn.execute(_SELECT, key).fetchone()
            if row is not None:
                visit = visit_from_row(row)
            elif only_known and not issued:
                return
            else:
                visit = Visit.start(site, payload, self.zones.get(site, UTC_ZONE))
        self.pending[key] = visit.apply(payload, seq, ts, actor)

    def flush(self) -> None:
        if self.pending:
            self.conn.executemany(UPSERT, map(visit_row, self.pending.values()))
            days = {(v.site, v.day.isoformat()) for v in self.pending.values()}
            report_days.forget(self.conn, days)  # a summarized day changed (rare)
            self.pending.clear()


# -- upgrading a file an older release wrote ------------------------------------------


def backfill(conn: sqlite3.Connection, sites: Iterable[Site]) -> None:
    """Visits for the tickets already kept: the events still there are folded (a ticket
    whose ticket.issued event is there has all its later ones: older releases pruned the
    oldest events first); the other tickets' visits are made from their rows
    (`from_ticket`, an approximation). Sites no longer configured count in UTC."""
    known = {site.id: site for site in sites}
    zones = {site_id: ZoneInfo(site.timezone) for site_id, site in known.items()}
    folder = Folder(conn, zones)
    folded = 0
    for site_id, seq, kind, ts, data, actor in _events(conn):
        day_of = _day_of(zones.get(site_id, UTC_ZONE))
        try:
            payload = payload_from_json(kind, json.loads(data), day_of)
        except (ValueError, KeyError, TypeError):
            continue  # not a ticket's event, or one this release cannot read
        if isinstance(payload, CounterChanged):
            continue  # a counter's status (CONTRACT 6.2): no visit's
        folder.fold(site_id, payload, seq, datetime.fromisoformat(ts), actor, only_known=True)
        folded += 1
        if folded % FLUSH_EVERY == 0:
            folder.flush()
    folder.flush()
    rows = conn.execute(
        f"SELECT {TICKET_COLUMNS} FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM visits v "
        "WHERE v.site = t.site AND v.ref = replace(t.day, '-', '') || '-' || t.number)"
    )
    batch: list[tuple[object, ...]] = []
    for row in rows:
        ticket = ticket_from_row(row)
        site = known.get(ticket.site)
        services = () if site is None else tuple(s.id for s in site.services)
        batch.append(visit_row(from_ticket(ticket, zones.get(ticket.site, UTC_ZONE), services)))
        if len(batch) >= FLUSH_EVERY:
            conn.executemany(UPSERT, batch)
            batch.clear()
    conn.executemany(UPSERT, batch)


def _events(conn: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    """Every kept event, in order; the actor column came with schema 2."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    actor = "actor" if "actor" in columns else "NULL"
    query = f"SELECT site, seq, type, ts, data, {actor} FROM events ORDER BY site, seq"
    yield from conn.execute(query)


def _day_of(zone: ZoneInfo) -> Any:
    return lambda moment: moment.astimezone(zone).date()


_STATE = {
    Status.WAITING: State.WAITING,
    Status.CALLED: State.CALLED,
    Status.DONE: State.DONE,
    Status.NO_SHOW: State.NO_SHOW,
    Status.HELD: State.HELD,
}


def from_ticket(ticket: Ticket, zone: ZoneInfo, services: tuple[str, ...]) -> Visit:
    """A visit from a ticket's row alone, its events being gone. The row keeps only the
    last call: it is taken as the first too (the wait of a recalled, held or transferred
    ticket counts to its last call); a ticket now in another service than its number's
    was transferred once (more transfers, or one back, are not seen)."""
    local = ticket.issued_at.astimezone(zone)
    issued_for = _issued_for(ticket, services)
    finished = ticket.status in (Status.DONE, Status.NO_SHOW)
    return Visit(
        site=ticket.site,
        ref=ticket.ref,
        service=issued_for,
        priority=ticket.priority,
        issued_at=ticket.issued_at,
        day=ticket.day,
        hour=local.hour,
        weekday=local.isoweekday(),
        state=_STATE[ticket.status],
        state_seq=0,
        counter=ticket.counter,
        user=ticket.called_by,
        first_called_at=ticket.called_at,
        last_called_at=ticket.called_at,
        finished_at=ticket.finished_at if finished else None,
        transfers=0 if issued_for == ticket.service else 1,
    )


def _issued_for(ticket: Ticket, services: tuple[str, ...]) -> str:
    """The service a ticket was issued for: the one its number is of."""
    if figures(ticket.number, ticket.service) is not None:
        return ticket.service
    mine = [s for s in services if figures(ticket.number, s) is not None]
    if mine:
        return max(mine, key=len)
    return ticket.number.rstrip("0123456789") or ticket.service
