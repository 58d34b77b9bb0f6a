"""Who is asking: a bearer token, or the session cookie with its CSRF token."""

from __future__ import annotations

import secrets

from starlette.requests import HTTPConnection
from starlette.responses import Response

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Forbidden, Unauthorized
from loket.server.service import SESSION_LIFETIME, LoketService
from loket.server.users import Role, Session, User

SESSION_COOKIE = "loket_session"
CSRF_COOKIE = "loket_csrf"
CSRF_HEADER = "x-csrf-token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def set_session_cookies(response: Response, conn: HTTPConnection, token: str, csrf: str) -> None:
    """The session (HttpOnly) and its CSRF token (read by the page's script), both
    SameSite=Strict, and Secure when the request came over HTTPS: directly, or from a
    trusted proxy's X-Forwarded-Proto (LOKET_TRUSTED_PROXIES; uvicorn sets the scheme)."""
    secure = conn.url.scheme == "https"
    max_age = int(SESSION_LIFETIME.total_seconds())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, samesite="strict", secure=secure)


def clear_session_cookies(response: Response, conn: HTTPConnection) -> None:
    secure = conn.url.scheme == "https"
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, samesite="strict", secure=secure)


def request_token(conn: HTTPConnection) -> tuple[str | None, bool]:
    """The token and whether it came from the cookie (which then needs CSRF)."""
    header = conn.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use 'Authorization: Bearer TOKEN'.", ErrorCode.BAD_AUTHORIZATION)
        return token.strip(), False
    return conn.cookies.get(SESSION_COOKIE), True


async def session_of(conn: HTTPConnection, service: LoketService, method: str) -> Session:
    token, from_cookie = request_token(conn)
    if not token:
        raise Unauthorized("Log in first.", ErrorCode.LOGIN_REQUIRED)
    session = await service.session(token)
    if session is None:
        raise Unauthorized(
            "The session has expired or is not valid; log in again.", ErrorCode.BAD_TOKEN
        )
    if from_cookie and method not in _SAFE:
        sent = conn.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), session.csrf.encode()):
            raise Forbidden("The CSRF token is missing or wrong.", ErrorCode.CSRF_FAILED)
    return session


async def staff(conn: HTTPConnection, service: LoketService, method: str) -> User:
    return (await session_of(conn, service, method)).user


async def admin(conn: HTTPConnection, service: LoketService, method: str) -> User:
    user = await staff(conn, service, method)
    if user.role is not Role.ADMIN:
        raise Forbidden("Only an admin may do this.", ErrorCode.ADMIN_ONLY)
    return user


async def supervisor(conn: HTTPConnection, service: LoketService, method: str) -> User:
    """A supervisor or an admin: the live view and reports (CONTRACT 6.3)."""
    user = await staff(conn, service, method)
    if not user.supervises:
        raise Forbidden("Only a supervisor or an admin may see this.", ErrorCode.SUPERVISOR_ONLY)
    return user
