"""The definition the stores' records are checked against: each ticket's events, in seq
order, applied to Visit.start (server/record/visit.py), folded here in Python."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from loket.server.domain.events import CounterChanged, payload_from_json
from loket.server.domain.site import Site
from loket.server.record.visit import Visit

StoredEvent = tuple[int, str, str, str, str | None]  # seq, type, ts, data, actor


def fold_events(site: Site, events: Iterable[StoredEvent]) -> list[Visit]:
    """The visits of these events, by ref; a counter's status events count in none."""
    zone = ZoneInfo(site.timezone)
    visits: dict[str, Visit] = {}
    for seq, kind, ts, data, actor in sorted(events, key=lambda event: event[0]):
        payload = payload_from_json(kind, json.loads(data), lambda m: m.astimezone(zone).date())
        if isinstance(payload, CounterChanged):
            continue
        ref = payload.ticket.ref
        visit = visits.get(ref) or Visit.start(site.id, payload, zone)
        visits[ref] = visit.apply(payload, seq, datetime.fromisoformat(ts), actor)
    return sorted(visits.values(), key=lambda v: v.ref)
