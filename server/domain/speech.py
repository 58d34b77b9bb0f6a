"""What a display plays for a call: its Announcement (CONTRACT section 4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Segment:
    lang: str
    text: str  # exactly what is spoken
    url: str  # its WAV

    def to_json(self) -> dict[str, str]:
        return {"lang": self.lang, "text": self.text, "url": self.url}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Segment:
        return cls(str(data["lang"]), str(data["text"]), str(data["url"]))


@dataclass(frozen=True, slots=True)
class Announcement:
    start_at: int  # server clock, ms since the Unix epoch
    segments: tuple[Segment, ...]  # one per site language, in the site's order
    chime: str | None = None  # its URL, played first

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "start_at": self.start_at,
            "segments": [segment.to_json() for segment in self.segments],
        }
        if self.chime is not None:
            data["chime"] = self.chime
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Announcement:
        chime = data.get("chime")
        return cls(
            int(data["start_at"]),
            tuple(Segment.from_json(segment) for segment in data.get("segments", ())),
            None if chime is None else str(chime),
        )

    @property
    def urls(self) -> list[str]:
        return [segment.url for segment in self.segments]
