"""Errors the rules raise; each carries the code the API answers with."""

from __future__ import annotations


class DomainError(Exception):
    """A move the rules do not allow. The API answers 409 with `code`."""

    code = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    code = "illegal_transition"


class QueueEmpty(DomainError):
    code = "queue_empty"


class NoCurrentTicket(DomainError):
    code = "no_current_ticket"


class NotFound(Exception):
    """Unknown site, service, counter or ticket. The API answers 404 with `code`."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"unknown {kind}: {key!r}")
        self.code = f"unknown_{kind}"
        self.message = f"There is no {kind} {key!r}."
