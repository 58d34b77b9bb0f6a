"""A ticket and its state machine: waiting → called → done | no_show.

Every move returns a new Ticket; a move the state does not allow raises
IllegalTransition, so no caller can corrupt a ticket by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from server.domain.errors import IllegalTransition


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    DONE = "done"
    NO_SHOW = "no_show"


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    site: str
    number: str
    service: str
    status: Status
    priority: bool
    issued_at: datetime
    day: date
    serial: int  # site-wide issue order; breaks ties between equal issue times
    lang: str | None = None
    called_at: datetime | None = None
    counter: str | None = None
    recalls: int = 0
    finished_at: datetime | None = None

    @property
    def order_key(self) -> tuple[bool, datetime, int]:
        """Call order: priority first, then oldest first."""
        return (not self.priority, self.issued_at, self.serial)

    def _require(self, *allowed: Status, move: str) -> None:
        if self.status not in allowed:
            raise IllegalTransition(f"Ticket {self.number} is {self.status.value}: cannot {move}.")

    def call(self, counter: str, now: datetime) -> Ticket:
        self._require(Status.WAITING, move="call it")
        return replace(self, status=Status.CALLED, counter=counter, called_at=now, recalls=0)

    def recall(self) -> Ticket:
        self._require(Status.CALLED, move="recall it")
        return replace(self, recalls=self.recalls + 1)

    def finish(self, status: Status, now: datetime) -> Ticket:
        if status not in (Status.DONE, Status.NO_SHOW):
            raise IllegalTransition(f"A ticket cannot be finished as {status.value}.")
        self._require(Status.CALLED, move="close it")
        return replace(self, status=status, finished_at=now)

    def transfer(self, service: str) -> Ticket:
        """Back to waiting, in another service, keeping its number and issue time."""
        self._require(Status.CALLED, move="transfer it")
        if service == self.service:
            raise IllegalTransition(f"Ticket {self.number} is already in service {service}.")
        return replace(
            self, status=Status.WAITING, service=service, counter=None, called_at=None, recalls=0
        )

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "number": self.number,
            "service": self.service,
            "status": self.status.value,
            "priority": self.priority,
            "issued_at": _iso(self.issued_at),
            "called_at": _iso(self.called_at),
            "counter": self.counter,
            "recalls": self.recalls,
            "lang": self.lang,
        }
