"""Idempotent answers: what a command answered, kept so that a retry hears it again."""

from __future__ import annotations

from typing import Any

from loket.server.domain.errors import DomainError
from loket.server.store.base import ReplayedError, Result


def answer_body(result: Result | None, error: DomainError | None) -> dict[str, Any]:
    """The answer to keep: the result, or the refusal."""
    if error is not None:
        return {"error": {"code": error.code, "message": error.message}}
    assert result is not None
    return result.to_json()


def replay(body: dict[str, Any]) -> Result:
    """The kept answer given again: the same result, or the same refusal raised."""
    if "error" in body:
        raise ReplayedError(body["error"]["code"], body["error"]["message"])
    return Result(body["ticket"], body["seq"])
