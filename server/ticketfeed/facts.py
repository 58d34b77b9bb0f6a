"""What the ticket feed takes from an event: the one place that reads an event's payload."""

from __future__ import annotations

from dataclasses import dataclass

from loket.server.domain.events import (
    Called,
    Closed,
    CounterChanged,
    Issued,
    Transferred,
    Waiting,
)
from loket.server.domain.ticket import PublicTicket
from loket.server.protocol import Event


@dataclass(frozen=True, slots=True)
class Facts:
    kind: str  # the event's type: also the type of the message its own ticket's phones get
    ticket: PublicTicket  # the ticket it moved, as the phones see it
    counter: str | None  # the counter that acted; None for an issue
    waiting: Waiting  # people waiting per service, after it
    first_call: bool  # a first call (a recall moves nobody)
    left: str | None  # the line a first call took its ticket out of (None: none)
    issued: bool  # a new ticket entered a line
    transferred: bool  # a ticket entered another line, at the place its issue time gives it
    closing: bool  # a counter is done with its ticket (served, not come, or transferred)


def facts(event: Event) -> Facts:
    payload = event.payload
    assert not isinstance(payload, CounterChanged), "a counter's event moves no ticket"
    return Facts(
        kind=payload.type,
        ticket=payload.ticket,
        counter=None if isinstance(payload, Issued) else payload.counter,
        waiting=payload.waiting,
        first_call=isinstance(payload, Called) and not payload.recall,
        left=payload.left if isinstance(payload, Called) else None,
        issued=isinstance(payload, Issued),
        transferred=isinstance(payload, Transferred),
        closing=isinstance(payload, Closed),
    )
