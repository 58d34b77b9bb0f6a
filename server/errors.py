"""Refusals of the service layer, each with its HTTP status and error code."""

from __future__ import annotations

from loket.server.domain.error_codes import ErrorCode


class ServiceError(Exception):
    status = 400
    code = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class Unauthorized(ServiceError):
    status = 401
    code = ErrorCode.UNAUTHORIZED


class Forbidden(ServiceError):
    status = 403
    code = ErrorCode.FORBIDDEN


class Invalid(ServiceError):
    status = 422
    code = ErrorCode.INVALID


class TooLarge(ServiceError):
    status = 413
    code = ErrorCode.BODY_TOO_LARGE


class Conflict(ServiceError):
    status = 409
    code = ErrorCode.CONFLICT


class Unavailable(ServiceError):
    """Something the server needs for this answer failed for now (speech synthesis)."""

    status = 503
    code = ErrorCode.UNAVAILABLE


class RateLimited(ServiceError):
    """Too many requests from one address; try again after `retry_after` seconds."""

    status = 429
    code = ErrorCode.RATE_LIMITED

    def __init__(
        self, retry_after: int, code: ErrorCode | None = None, message: str = "Too many requests."
    ) -> None:
        super().__init__(f"{message} Try again in {retry_after} s.", code)
        self.retry_after = retry_after
