"""Errors the rules raise; each carries the code the API answers with."""

from __future__ import annotations

from loket.server.domain.error_codes import ErrorCode


class DomainError(Exception):
    """A move the rules do not allow. The API answers 409 with `code`."""

    code = ErrorCode.CONFLICT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    code = ErrorCode.ILLEGAL_TRANSITION


class QueueEmpty(DomainError):
    code = ErrorCode.QUEUE_EMPTY


class QueueFull(DomainError):
    code = ErrorCode.QUEUE_FULL

    def __init__(self, service: str, limit: int) -> None:
        super().__init__(
            f"Service {service} has {limit} people waiting, as many as it takes: "
            "no more tickets for now."
        )


class NotCallable(DomainError):
    code = ErrorCode.NOT_CALLABLE

    def __init__(self, name: str, counter: str) -> None:
        super().__init__(
            f"Ticket {name} cannot be called at counter {counter}: it is not waiting, "
            "held by this counter, or a no-show of today."
        )


class NoCurrentTicket(DomainError):
    code = ErrorCode.NO_CURRENT_TICKET


class CurrentTicket(DomainError):
    code = ErrorCode.CURRENT_TICKET

    def __init__(self, counter: str) -> None:
        super().__init__(
            f"Counter {counter} is serving a ticket: finish it before closing the counter."
        )


class NotServed(DomainError):
    code = ErrorCode.NOT_SERVED


class AlreadyRated(DomainError):
    code = ErrorCode.ALREADY_RATED


class RatingClosed(DomainError):
    code = ErrorCode.RATING_CLOSED


class NotLastServed(DomainError):
    code = ErrorCode.NOT_LAST_SERVED


class NotFound(Exception):
    """Unknown site, service, counter or ticket. The API answers 404 with `code`."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"unknown {kind}: {key!r}")
        self.code = ErrorCode(f"unknown_{kind}")
        self.message = f"There is no {kind} {key!r}."
