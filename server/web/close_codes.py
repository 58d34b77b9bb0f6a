"""How the server closes a socket (RFC 6455 codes, and 4000 + an HTTP status of ours)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    GOING_AWAY_RESTART = 1012  # the server stops or restarts: reconnect (uvicorn sends it)
    TRY_AGAIN_LATER = 1013  # too slow, or the store is away: reconnect and resync
    FORBIDDEN = 4403  # another site's page (server/web/guard.py): uvicorn answers 403
    UNKNOWN = 4404  # no such site or ticket: do not retry as it is
    RATE_LIMITED = 4429
