"""One followed ticket: what its phones show, and the phones."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from loket.server.domain.estimate import Estimate
from loket.server.domain.ticket import PublicTicket, Status, Ticket
from loket.server.protocol import dumps

P = TypeVar("P", bound=Hashable)  # a phone, to the core only a name to send to

View = tuple[PublicTicket, int | None, Estimate | None]  # (ticket, position, estimate)


class Followed(Generic[P]):
    __slots__ = (
        "id",
        "ref",
        "site",
        "ticket",
        "ticket_json",
        "position",
        "sent",
        "basis",
        "seq",
        "phones",
        "read_at",
        "settled",
    )

    def __init__(self, ticket: Ticket, position: int | None, read_at: float) -> None:
        self.id = ticket.id
        self.ref = ticket.ref
        self.site = ticket.site
        self.ticket = PublicTicket.of(ticket)
        self.ticket_json = self._holder_json(self.ticket)
        self.position = position
        self.sent: View | None = None  # what its phones last got
        self.basis: tuple[Any, ...] | None = None  # (pace, position) its estimate came from
        self.seq = 0
        self.phones: set[P] = set()
        self.read_at = read_at
        self.settled = False  # a move after its last read was taken as is

    def show(self, ticket: PublicTicket) -> None:
        self.ticket = ticket
        self.ticket_json = self._holder_json(ticket)  # once per change, not once per message

    def _holder_json(self, ticket: PublicTicket) -> str:
        """As its holder's phones see it: with its secret id (CONTRACT 6.1)."""
        return dumps({"id": self.id, **ticket.to_json()})

    @property
    def waiting(self) -> bool:
        return self.ticket.status is Status.WAITING and self.position is not None
