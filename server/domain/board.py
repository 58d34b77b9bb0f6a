"""What a hall's board shows: the snapshot's data (CONTRACT section 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loket.server.domain.queue import Call, SiteQueue


@dataclass(frozen=True, slots=True)
class Board:
    now_serving: list[Call]  # in the site's counter order
    recent: list[Call]  # newest first
    waiting: dict[str, int]
    held: dict[str, int]  # per counter holding some (CONTRACT 6.5)

    @classmethod
    def of(cls, queue: SiteQueue) -> Board:
        return cls(queue.now_serving(), queue.recent(), queue.waiting_counts(), queue.held_counts())

    def to_json(self) -> dict[str, Any]:
        return {
            "now_serving": [
                {"counter": call.counter, "ticket": call.ticket.to_json()}
                for call in self.now_serving
            ],
            "recent": [call.to_json() for call in self.recent],
            "waiting": self.waiting,
            "held": self.held,
        }
