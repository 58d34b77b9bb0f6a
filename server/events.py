"""What each event and the snapshot carry, by wire name (CONTRACT section 4)."""

from __future__ import annotations

from typing import Any

from server.domain.commands import CALLED, ISSUED, Change
from server.domain.queue import SiteQueue

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
    return {
        "now_serving": [
            {"counter": call.counter, "ticket": call.ticket.to_json()}
            for call in queue.now_serving()
        ],
        "recent": [call.to_json() for call in queue.recent()],
        "waiting": queue.waiting_counts(),
    }
