"""Events as Redis carries them: entries of a site's stream, messages on its channel.

Both hold the event's data exactly as serialised when it was made, so every process
sends displays the same bytes for the same event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loket.server.domain.ticket import DayOf
from loket.server.protocol import Event


@dataclass(frozen=True, slots=True)
class Entry:
    site: str
    seq: int
    type: str
    ts: str
    data: str
    actor: str | None = None  # who made it (releases after bed7891)

    def event(self, day_of: DayOf) -> Event:
        ts = datetime.fromisoformat(self.ts)
        return Event.stored(self.site, self.seq, ts, self.type, self.data, self.actor, day_of)


def from_stream(site: str, raw: list[Any]) -> list[Entry]:
    """XRANGE's answer: [[id, [field, value, ...]], ...]; the id is `<seq>-0`."""
    entries = []
    for entry_id, pairs in raw:
        fields = dict(zip(pairs[::2], pairs[1::2], strict=True))
        seq = int(entry_id.partition("-")[0])
        actor = fields.get("actor") or None
        entries.append(Entry(site, seq, fields["type"], fields["ts"], fields["data"], actor))
    return entries


def from_message(site: str, text: str) -> tuple[str, Entry]:
    """A channel message, as command.lua publishes it: epoch, seq, type, ts, data and who
    made it ('': a visitor; bed7891 published no such line) by line (the data is JSON: it
    holds no raw newline)."""
    epoch, seq, kind, ts, data, *actor = text.split("\n")
    return epoch, Entry(site, int(seq), kind, ts, data, actor[0] if actor and actor[0] else None)
