"""The ticket a counter served last, read from a site's history (its `ticket.done` events)
rather than kept by every command: only a rating at the desk (CONTRACT 6.4) asks, and
only about the last few minutes, so commands pay nothing for it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from loket.server.domain.events import EventType

# (type, ts, data) of an event, as both stores keep it
Kept = tuple[str, str, str]


# events are in the order they were made, their times as the clocks of the processes
# that made them said: read a little further back than asked, in case one was behind
SLACK = timedelta(minutes=1)


def last_done(newest_first: Iterable[Kept], counter: str, since: datetime) -> str | None:
    """The ref of the newest ticket done at `counter`, looking back to `since` (and SLACK
    more); None: none. Stops reading at the first event older than that."""
    for kind, ts, data in newest_first:
        if datetime.fromisoformat(ts) < since - SLACK:
            return None
        if kind != EventType.DONE.value:
            continue
        done = json.loads(data)
        if done.get("counter") == counter:
            ref = done.get("ticket", {}).get("ref")
            return None if ref is None else str(ref)
    return None


def reaches(oldest: Kept | None, since: datetime) -> bool:
    """Whether a page of history, newest first, whose last (oldest) event is `oldest`,
    reaches back to `since` (None: an empty page, the history's end)."""
    return oldest is None or datetime.fromisoformat(oldest[1]) < since - SLACK
