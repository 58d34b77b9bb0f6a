"""The archive's `visits` table: one row per ticket (record/visit.py's `Visit`), folded from
its events as they are archived.

`fold` runs inside the transaction that inserted the events, and is given only the events
that transaction actually inserted: an event archived twice (a batch retried after a
crash between commit and acknowledgement) is folded once. Callers hold the site's lock
(`lock_sites`), so two processes never fold the same ticket at once.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, LiteralString
from zoneinfo import ZoneInfo

from psycopg import AsyncCursor, sql

from loket.server.domain.events import CounterChanged, EventType, Payload, payload_from_json
from loket.server.record.visit import State, Visit

log = logging.getLogger("loket.archive")

LOCK = 0x76697369  # "visi": the class of the advisory locks a site's fold takes
TICKET_EVENTS = frozenset(kind.value for kind in EventType)

# (column, its SQL type); `clerk` is Visit.user ("user" is a word of SQL's)
COLUMNS: list[tuple[LiteralString, LiteralString]] = [
    ("site", "text"),
    ("epoch", "text"),
    ("ref", "text"),
    ("service", "text"),
    ("priority", "boolean"),
    ("issued_at", "timestamptz"),
    ("day", "date"),
    ("hour", "smallint"),
    ("weekday", "smallint"),
    ("state", "text"),
    ("state_seq", "bigint"),
    ("counter", "text"),
    ("clerk", "text"),
    ("first_called_at", "timestamptz"),
    ("last_called_at", "timestamptz"),
    ("last_call_seq", "bigint"),
    ("finished_at", "timestamptz"),
    ("transfers", "integer"),
    ("issued_seen", "boolean"),
    ("wait_s", "double precision"),
    ("service_s", "double precision"),
]
NAMES = sql.SQL(", ").join(sql.Identifier(name) for name, _ in COLUMNS)
SELECT = sql.SQL(
    "SELECT {names} FROM visits WHERE site = %s AND epoch = %s AND ref = ANY(%s)"
).format(names=NAMES)
UPSERT = sql.SQL(
    "INSERT INTO visits ({names}) SELECT * FROM unnest({arrays}) "
    "ON CONFLICT (site, epoch, ref) DO UPDATE SET {updates}"
).format(
    names=NAMES,
    arrays=sql.SQL(", ").join(sql.SQL(f"%b::{kind}[]") for _, kind in COLUMNS),
    updates=sql.SQL(", ").join(
        sql.SQL("{name} = EXCLUDED.{name}").format(name=sql.Identifier(name))
        for name, _ in COLUMNS[3:]
    ),
)


@dataclass(frozen=True, slots=True)
class Archived:
    """One event as the fold takes it: from a stream entry or from the events table."""

    seq: int
    type: str
    ts: datetime
    actor: str | None
    data: Mapping[str, Any]

    @classmethod
    def from_text(cls, seq: int, kind: str, ts: datetime, actor: str | None, data: str) -> Archived:
        """An event whose data is still JSON text (a stream entry's)."""
        return cls(seq, kind, ts, actor, json.loads(data) if kind in TICKET_EVENTS else {})


def row_of(epoch: str, visit: Visit) -> tuple[Any, ...]:
    return (
        visit.site,
        epoch,
        visit.ref,
        visit.service,
        visit.priority,
        visit.issued_at,
        visit.day,
        visit.hour,
        visit.weekday,
        visit.state.value,
        visit.state_seq,
        visit.counter,
        visit.user,
        visit.first_called_at,
        visit.last_called_at,
        visit.last_call_seq,
        visit.finished_at,
        visit.transfers,
        visit.issued_seen,
        visit.wait_s,
        visit.service_s,
    )


def visit_of(row: Sequence[Any]) -> Visit:
    (site, _, ref, service, priority, issued_at, day, hour, weekday, state, state_seq) = row[:11]
    (counter, clerk, first, last, last_seq, finished, transfers, seen) = row[11:19]
    return Visit(
        site=site,
        ref=ref,
        service=service,
        priority=priority,
        issued_at=issued_at,
        day=day,
        hour=hour,
        weekday=weekday,
        state=State(state),
        state_seq=state_seq,
        counter=counter,
        user=clerk,
        first_called_at=first,
        last_called_at=last,
        last_call_seq=last_seq,
        finished_at=finished,
        transfers=transfers,
        issued_seen=seen,
    )


async def lock_sites(cursor: AsyncCursor[Any], sites: Iterable[str]) -> None:
    """The sites' fold locks until the transaction ends, in name order (no deadlock)."""
    for site in sorted(set(sites)):
        await cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK, site))


def _payloads(
    site: str, events: Iterable[Archived], zone: ZoneInfo
) -> dict[str, list[tuple[Archived, Payload]]]:
    """The ticket events by ticket ref, in seq order; other events (a counter's) and
    events that cannot be read (logged: they stay archived) are left out."""

    def day_of(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    by_ref: dict[str, list[tuple[Archived, Payload]]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.seq):
        if event.type not in TICKET_EVENTS:
            continue
        try:
            payload = payload_from_json(event.type, event.data, day_of)
        except (ValueError, KeyError, TypeError) as error:
            log.error(
                "archive: %s event %d is unreadable, not in the reports: %r", site, event.seq, error
            )
            continue
        if isinstance(payload, CounterChanged):
            continue  # a counter's status: no ticket's (TICKET_EVENTS keeps them out)
        by_ref[payload.ticket.ref].append((event, payload))
    return by_ref


async def fold(
    cursor: AsyncCursor[Any], site: str, epoch: str, zone: ZoneInfo, events: Iterable[Archived]
) -> int:
    """Fold events (of one site and epoch, each never folded before) into their tickets'
    visits: one SELECT of those visits, one upsert. How many visits changed."""
    by_ref = _payloads(site, events, zone)
    if not by_ref:
        return 0
    await cursor.execute(SELECT, (site, epoch, list(by_ref)))
    known = {visit.ref: visit for visit in map(visit_of, await cursor.fetchall())}
    changed = []
    for ref, folded in by_ref.items():
        visit = known.get(ref) or Visit.start(site, folded[0][1], zone)
        for event, payload in folded:
            visit = visit.apply(payload, event.seq, event.ts, event.actor)
        changed.append(row_of(epoch, visit))
    await cursor.execute(UPSERT, [list(column) for column in zip(*changed, strict=True)])
    return len(changed)
