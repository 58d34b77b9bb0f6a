"""Satisfaction ratings (CONTRACT 6.4): a ticket's holder rates it from the ticket page, or
the visitor-facing device at its desk right after the service. Who may rate is settled
by the web layer (the secret id; a session or device of the counter); the rules of which
ticket and when are the domain's (domain/rating.py), checked by the store as it keeps one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from loket.server.domain.rating import Rater, Rating
from loket.server.domain.site import Site
from loket.server.domain.skm import RatingInput
from loket.server.domain.ticket import Status, Ticket

if TYPE_CHECKING:
    from loket.server.store import Store


class Ratings:
    def __init__(
        self, store: Store, site: Callable[[str], Site], clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._site = site  # a site by id; NotFound (404 unknown_site) for another
        self._clock = clock

    async def by_holder(self, ticket_id: str, given: RatingInput) -> Rating:
        """The holder's rating of their ticket (found by its secret id, else NotFound)."""
        ticket, _ = await self._store.ticket(ticket_id)
        rating = Rating(
            ref=ticket.ref,
            score=given.score,
            at=self._clock(),
            by=Rater.HOLDER,
            comment=given.comment,
            answers=given.answers or {},
        )
        return await self._store.rate(ticket.site, rating)

    async def at_desk(self, site_id: str, counter: str, ref: str, score: int) -> Rating:
        """The desk device's rating of the ticket `ref` its counter served last."""
        site = self._site(site_id)
        site.counter(counter)  # 404 unknown_counter
        rating = Rating(ref=ref, score=score, at=self._clock(), by=Rater.DESK, counter=counter)
        return await self._store.rate(site.id, rating)

    async def of(self, ticket: Ticket) -> Rating | None:
        """The rating kept for `ticket`; only a ticket served can have one."""
        if ticket.status is not Status.DONE:
            return None
        return await self._store.rating(ticket.site, ticket.ref)
