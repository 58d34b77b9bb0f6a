"""Idempotent answers: what a command answered, kept so that a retry hears it again."""

from __future__ import annotations

from typing import Any

from loket.server.domain.errors import DomainError
from loket.server.domain.ticket import DayOf, PublicTicket
from loket.server.store.base import ReplayedError, Result


def answer_body(result: Result | None, error: DomainError | None) -> dict[str, Any]:
    """The answer to keep: the result, or the refusal."""
    if error is not None:
        return {"error": {"code": error.code, "message": error.message}}
    assert result is not None
    return result.to_json()


def replay(body: dict[str, Any], day_of: DayOf) -> Result:
    """The kept answer given again: the same result, or the same refusal raised. One
    kept before tickets had a public ref is given with its ref, without the holder's id
    (CONTRACT 6.1); `day_of` makes the ref."""
    if "error" in body:
        raise ReplayedError(body["error"]["code"], body["error"]["message"])
    ticket = body["ticket"]
    if "id" in ticket:
        ticket = PublicTicket.from_json(ticket, day_of).to_json()
    return Result(ticket, body["seq"])
