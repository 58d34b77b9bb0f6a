"""A ticket for tests of its own, made as the domain makes one and changed by keyword."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from loket.server.domain.ticket import Status, Ticket

ISSUED = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def a_ticket(**changes: Any) -> Ticket:
    """A001 of the demo site, waiting since ISSUED, with `changes`."""
    ticket = Ticket(
        id="t1",
        site="demo",
        number="A001",
        service="A",
        status=Status.WAITING,
        priority=False,
        issued_at=ISSUED,
        day=ISSUED.date(),
        serial=1,
    )
    return replace(ticket, **changes)
