"""A phone's message: the envelope around its ticket's view."""

from __future__ import annotations

from datetime import datetime

from loket.server.domain.estimate import Estimate
from loket.server.protocol import encoded


def encode(
    kind: str,
    epoch: str,
    seq: int,
    ts: datetime,
    ticket_json: str,
    position: int | None,
    estimate: Estimate | None,
) -> str:
    """dumps(envelope(kind, epoch, seq, ts, view)) — the same text (a unit test pins it) —
    from the ticket encoded once per change: a message is a few string joins."""
    place = "null" if position is None else str(position)
    wait = (
        "null"
        if estimate is None
        else f'{{"low_min":{estimate.low_min},"high_min":{estimate.high_min}}}'
    )
    view = f'{{"ticket":{ticket_json},"position":{place},"estimate":{wait}}}'
    return encoded(kind, epoch, seq, ts, view)
