"""Every refusal as `{"error": {"code", "message"}}` with a 4xx (503 for the store)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import DomainError, NotFound
from loket.server.errors import RateLimited, ServiceError
from loket.server.store import StoreUnavailable

log = logging.getLogger("loket")

_HTTP_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    400: ErrorCode.BAD_REQUEST,
}


def error_response(status: int, code: ErrorCode, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def on_service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    response = error_response(exc.status, exc.code, exc.message)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def on_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_response(409, exc.code, exc.message)


async def on_not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotFound)
    return error_response(404, exc.code, exc.message)


async def on_unavailable(request: Request, exc: Exception) -> Response:
    log.error("store unavailable: %s", exc)
    return error_response(
        503, ErrorCode.STORE_UNAVAILABLE, "The store cannot be reached; try again."
    )


async def on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, ErrorCode.HTTP_ERROR)
    return error_response(exc.status_code, code, str(exc.detail))


async def on_gone(request: Request, exc: Exception) -> Response:
    """The client went away in the middle of its body (or was cut off for being too slow):
    nobody is left to answer, and that is not a server error worth a traceback."""
    return Response(status_code=400)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, ErrorCode.INTERNAL_ERROR, "Something went wrong on the server.")


HANDLERS = {
    ServiceError: on_service_error,
    DomainError: on_domain_error,
    NotFound: on_not_found,
    StoreUnavailable: on_unavailable,
    HTTPException: on_http,
    ClientDisconnect: on_gone,
    Exception: on_unexpected,
}
