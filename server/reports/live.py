"""The supervisor's live view of a site (CONTRACT 6.3, `GET .../live`): every counter with
its status, clerk, current ticket and what it served today; every service's line against
its promised wait; and today's figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from loket.server.domain.site import Site
from loket.server.domain.ticket import iso_z, parse_time
from loket.server.reports.row import Row


def _seconds(since: datetime, now: datetime) -> float:
    return round(max(0.0, (now - since).total_seconds()), 1)


def live_counters(
    site: Site,
    states: Mapping[str, Mapping[str, Any]],
    serving: Mapping[str, Mapping[str, Any]],
    served: Mapping[str, int],
    now: datetime,
) -> list[dict[str, Any]]:
    """Each counter in the site's order: its CounterState (with `user`), its current
    ticket (Ticket JSON, from the snapshot), how long it has been served, served today."""
    counters = []
    for counter in site.counters:
        ticket = serving.get(counter.id)
        called_at = None if ticket is None else ticket.get("called_at")
        state = dict(states.get(counter.id) or {"counter": counter.id, "status": "closed"})
        state.setdefault("user", None)
        state.update(
            current=None if ticket is None else dict(ticket),
            serving_s=None if called_at is None else _seconds(parse_time(called_at), now),
            served_today=served.get(counter.id, 0),
        )
        counters.append(state)
    return counters


def live_services(
    site: Site, waiting_since: Mapping[str, Sequence[datetime]], now: datetime
) -> list[dict[str, Any]]:
    """Each service's line: how many wait, the longest wait, its target, how many are over."""
    services = []
    for service in site.services:
        issued = waiting_since.get(service.id, [])
        target = service.target_wait_s
        waits = [(now - at).total_seconds() for at in issued]
        services.append(
            {
                "service": service.id,
                "waiting": len(issued),
                "longest_wait_s": round(max(waits), 1) if waits else None,
                "target_wait_s": target,
                "over_target": 0 if target is None else sum(1 for w in waits if w > target),
            }
        )
    return services


def live_view(
    counters: list[dict[str, Any]],
    services: list[dict[str, Any]],
    today: Row | None,
    site: str,
    now: datetime,
) -> dict[str, Any]:
    """`site` and `at` (the server's time of the figures) are additions to the contract's
    shape: a page ticks the durations on from `at`."""
    return {
        "site": site,
        "at": iso_z(now),
        "counters": counters,
        "services": services,
        "today": None if today is None else today.to_json(),
    }
