"""A site (one service hall), its services and its counters, as configured."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from loket.server.domain.announcements import Announcements
from loket.server.domain.errors import NotFound

Names = dict[str, str]


def pick_name(names: Names, lang: str, fallback: str) -> str:
    """The text in `lang`, else in the site's first language, else any."""
    if lang in names:
        return names[lang]
    if fallback in names:
        return names[fallback]
    return next(iter(names.values()), "")


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: Names
    max_waiting: int | None = None  # at this many waiting, no more tickets (None: no limit)
    target_wait_min: float | None = None  # the promised longest wait (service standard)

    @property
    def target_wait_s(self) -> float | None:
        return None if self.target_wait_min is None else self.target_wait_min * 60


@dataclass(frozen=True, slots=True)
class Counter:
    id: str
    name: Names
    services: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DisplayLabels:
    """How the hall display shows its labels and names in the site's languages:
    "rotate" through them, a "pair" (the first two side by side), or a "single" one."""

    mode: str = "rotate"
    seconds: int = 8  # each language's turn when rotating

    MODES = ("rotate", "pair", "single")


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: Names
    timezone: str
    languages: tuple[str, ...]
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    ticker: Names = field(default_factory=dict)
    announcements: Announcements = field(default_factory=Announcements)
    display: DisplayLabels = field(default_factory=DisplayLabels)
    # tickets for anyone (a phone, a script), within a per-address limit; False: only for
    # enrolled kiosks (and the server's own machine)
    remote_tickets: bool = True
    paper_mm: int = 80  # the kiosk printer's roll: 80 or 58 mm (a kiosk's ?paper= overrides)
    # a transfer is spoken too: "… please proceed to counter 3" / "… please wait for …"
    announce_transfers: bool = False

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise NotFound("service", service_id)

    def counter(self, counter_id: str) -> Counter:
        for counter in self.counters:
            if counter.id == counter_id:
                return counter
        raise NotFound("counter", counter_id)

    def local_day(self, moment: datetime) -> date:
        """The calendar day at the site: numbering restarts at its midnight."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def text(self, names: Names, lang: str) -> str:
        return pick_name(names, lang, self.languages[0])

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": dict(self.name),
            "timezone": self.timezone,
            "languages": list(self.languages),
            "services": [{"id": s.id, "name": dict(s.name)} for s in self.services],
            "counters": [
                {"id": c.id, "name": dict(c.name), "services": list(c.services)}
                for c in self.counters
            ],
        }
