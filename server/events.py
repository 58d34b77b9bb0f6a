"""What each event and the snapshot carry, by wire name (CONTRACT section 4)."""

from __future__ import annotations

from typing import Any

from server.domain.commands import CALLED, ISSUED, Change
from server.domain.queue import Call, SiteQueue

SNAPSHOT = "snapshot"


def event_data(change: Change, announcement: dict[str, Any] | None) -> dict[str, Any]:
    ticket = change.ticket.to_json()
    if change.event == ISSUED:
        return {"ticket": ticket, "waiting": change.waiting}
    if change.event == CALLED:
        return {
            "ticket": ticket,
            "counter": change.counter,
            "recall": change.recall,
            "announcement": announcement,
            "waiting": change.waiting,
        }
    return {"ticket": ticket, "counter": change.counter, "waiting": change.waiting}


def snapshot_data(queue: SiteQueue) -> dict[str, Any]:
    return snapshot_of(queue.now_serving(), queue.recent(), queue.waiting_counts())


def snapshot_of(
    now_serving: list[Call], recent: list[Call], waiting: dict[str, int]
) -> dict[str, Any]:
    """The snapshot from its parts, for stores that keep no SiteQueue (newest call first)."""
    return {
        "now_serving": [
            {"counter": call.counter, "ticket": call.ticket.to_json()} for call in now_serving
        ],
        "recent": [call.to_json() for call in recent],
        "waiting": waiting,
    }
