"""The one JSON envelope of the sockets: {v, type, epoch, seq, ts, data}.

Every message a display or a phone gets is built here: events, snapshots, control
messages, and the fast encoder that wraps data already serialised.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.events import EventPayload, EventType, payload_from_json
from loket.server.domain.ticket import DayOf, iso_z

VERSION = 1
SNAPSHOT = "snapshot"

iso_ms = iso_z  # the envelope's `ts`, as every time on the wire


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def envelope(
    kind: str, epoch: str, seq: int | None, ts: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {"v": VERSION, "type": kind, "epoch": epoch, "seq": seq, "ts": iso_ms(ts), "data": data}


def encoded(kind: str, epoch: str, seq: int | None, ts: datetime, data: str) -> str:
    """dumps(envelope(...)) — the same text (a unit test pins it) — around `data` that
    is JSON already: what is sent often is serialised once, not once per message."""
    return f"{_head(kind, epoch)}{'null' if seq is None else seq}{_when(ts)}{data}}}"


@functools.lru_cache(maxsize=32)
def _head(kind: str, epoch: str) -> str:
    return f'{{"v":{VERSION},"type":{dumps(kind)},"epoch":{dumps(epoch)},"seq":'


@functools.lru_cache(maxsize=8)
def _when(ts: datetime) -> str:
    return f',"ts":"{iso_ms(ts)}","data":'


@dataclass(frozen=True, slots=True)
class Event:
    """One stored event of a site; `seq` rises by one per event of the site. `actor`,
    who made it (a username), is kept with it but never sent. `text` is its data as the
    store keeps it (the JSON of `payload.to_json()`): sent as it is, not made again."""

    site: str
    seq: int
    ts: datetime
    payload: EventPayload
    actor: str | None = None
    text: str = ""  # "": made from the payload when needed

    @property
    def type(self) -> EventType:
        return self.payload.type

    @property
    def data(self) -> dict[str, Any]:
        return self.payload.to_json()

    @property
    def data_text(self) -> str:
        return self.text or dumps(self.payload.to_json())

    def wire(self, epoch: str) -> str:
        return encoded(self.type, epoch, self.seq, self.ts, self.data_text)

    @classmethod
    def stored(
        cls,
        site: str,
        seq: int,
        ts: datetime,
        kind: str,
        text: str,
        actor: str | None,
        day_of: DayOf,
    ) -> Event:
        """An event as a store kept it. One kept before tickets had a public ref carries
        the holder's secret id: its text is not sent as is but made again from the
        payload, which has no id (CONTRACT 6.1)."""
        data = json.loads(text)
        payload = payload_from_json(kind, data, day_of)
        secret = isinstance(data.get("ticket"), dict) and "id" in data["ticket"]
        return cls(site, seq, ts, payload, actor, "" if secret else text)


def replayed(wire: str) -> str:
    """An encoded event marked as replayed, without decoding it again."""
    return wire[:-1] + ',"replayed":true}'


def snapshot_message(epoch: str, seq: int, ts: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return envelope(SNAPSHOT, epoch, seq, ts, data)


def control(kind: str, epoch: str, now: datetime, data: dict[str, Any]) -> str:
    """A control message (answer to the client, never an event): seq is null."""
    return dumps(envelope(kind, epoch, None, now, data))


def error_message(epoch: str, now: datetime, code: ErrorCode, message: str) -> str:
    return control("error", epoch, now, {"code": code, "message": message})
