"""What a hall's board shows: the snapshot's data (CONTRACT section 4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loket.server.domain.counter_state import CounterState
from loket.server.domain.queue import Call, SiteQueue


@dataclass(frozen=True, slots=True)
class Board:
    now_serving: list[Call]  # in the site's counter order
    recent: list[Call]  # newest first
    waiting: dict[str, int]
    held: dict[str, int]  # per counter holding some (CONTRACT 6.5)
    counters: list[CounterState]  # each counter's status, in the site's order (6.2)

    @classmethod
    def of(cls, queue: SiteQueue, now: datetime) -> Board:
        return cls(
            queue.now_serving(),
            queue.recent(),
            queue.waiting_counts(),
            queue.held_counts(),
            queue.counter_states(now),
        )

    def to_json(self) -> dict[str, Any]:
        """Public: the counters' states name no user."""
        return {
            "now_serving": [
                {"counter": call.counter, "ticket": call.ticket.to_json()}
                for call in self.now_serving
            ],
            "recent": [call.to_json() for call in self.recent],
            "waiting": self.waiting,
            "held": self.held,
            "counters": [state.to_json() for state in self.counters],
        }
