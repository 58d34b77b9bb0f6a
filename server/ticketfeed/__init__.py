"""Each visitor's own ticket, live: the feed behind /ws/ticket/{ticket_id}.

A hall may have thousands of phones open, so nothing here runs per phone per event. There
is one entry per followed ticket, however many phones show it. Per event of a site:

1. the site's wait estimator learns from it, once;
2. the positions of the followed tickets move by what the event did to their line: a
   first call takes the head of its service away (everyone waiting there moves up), an
   issue or a transfer puts a ticket into a line, ahead of those it precedes;
3. every followed ticket whose view (its ticket, place, estimate) changed gets one small
   message, encoded once for all its phones.

A position starts from the store (one read when a ticket is first followed) and moves
with events from then on. A read and an event can cross (the store answered with the
event's effect already in it, the event arrives just after): a read is taken again when
an event came while it was under way, and a move that arrives within SETTLE_S of a read
makes the entry read again instead of moving it, once. A gap in the site's events or a
new store epoch also makes every entry read again.

Messages follow the envelope of the display socket: a `snapshot` first, then events, each
`seq` one more than the one before — per ticket, not per site, so that a phone never sees
a gap. Types: `ticket.called`, `ticket.done`, `ticket.no_show`, `ticket.transferred` when
the ticket itself changed; `ticket.moved` when only its place or estimate did.

All of that is `core.FeedCore`, which does no I/O: it is handed events, store answers and
the time, and answers with messages to send and reads to make. `shell.TicketFeed` does
those with asyncio, the store and the phones' subscriptions.
"""

from loket.server.ticketfeed.entry import Followed
from loket.server.ticketfeed.shell import TicketFeed

__all__ = ["Followed", "TicketFeed"]
