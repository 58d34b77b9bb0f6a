"""The one JSON envelope of the display socket: {v, type, epoch, seq, ts, data}."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = 1


def iso_ms(moment: datetime) -> str:
    """UTC with milliseconds and a Z: 2026-11-28T08:15:02.123Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def envelope(
    kind: str, epoch: str, seq: int | None, ts: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {"v": VERSION, "type": kind, "epoch": epoch, "seq": seq, "ts": iso_ms(ts), "data": data}


@dataclass(frozen=True, slots=True)
class Event:
    """One stored event of a site; `seq` rises by one per event of the site."""

    site: str
    seq: int
    type: str
    ts: datetime
    data: dict[str, Any]

    def envelope(self, epoch: str, replayed: bool = False) -> dict[str, Any]:
        message = envelope(self.type, epoch, self.seq, self.ts, self.data)
        if replayed:
            message["replayed"] = True
        return message

    def wire(self, epoch: str, replayed: bool = False) -> str:
        return dumps(self.envelope(epoch, replayed))


def replayed(wire: str) -> str:
    """An encoded event marked as replayed, without decoding it again."""
    return wire[:-1] + ',"replayed":true}'


def control(kind: str, epoch: str, now: datetime, data: dict[str, Any]) -> str:
    """A control message (answer to the client, never an event): seq is null."""
    return dumps(envelope(kind, epoch, None, now, data))


def error_message(epoch: str, now: datetime, code: str, message: str) -> str:
    return control("error", epoch, now, {"code": code, "message": message})
