"""What the visitors' ticket endpoints share: which ids can be tickets at all."""

from __future__ import annotations

import re

from loket.server.domain.errors import NotFound

# Ids are made by the store (secrets.token_urlsafe): URL-safe base64. Anything else is
# refused before the store is asked, so that junk costs nothing.
TICKET_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def known_id(ticket_id: str) -> str:
    """`ticket_id` if it has the form of an id; else NotFound, as for an unknown one."""
    if not TICKET_ID.fullmatch(ticket_id):
        raise NotFound("ticket", ticket_id[:64])
    return ticket_id
