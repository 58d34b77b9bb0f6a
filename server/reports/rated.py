"""A rating read back with its ticket's visit: what the satisfaction reports (CONTRACT 6.4)
count, and what a comment is listed with. Nothing in it names the visitor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loket.server.domain.rating import Rating


@dataclass(frozen=True, slots=True)
class RatedVisit:
    rating: Rating
    service: str  # the service the ticket was issued for
    counter: str | None  # the counter that finished it
    user: str | None  # the clerk who finished it
    issued_at: datetime
    finished_at: datetime | None
