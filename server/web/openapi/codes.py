"""The HTTP status of every error code, so that an operation names only its codes and the
document groups them by status (CONTRACT section 3: a 4xx, or 503 for the store)."""

from __future__ import annotations

from loket.server.domain.error_codes import ErrorCode as E

# Codes of CONTRACT 6.6 and 6.7 and of the JSON-only POSTs, from the branches that add them:
# named here by their text until those land in ErrorCode (tests/unit/test_openapi.py says
# when one has, so that it moves up into STATUS_OF below).
PENDING = {
    # kiosks and anonymous issuing (6.7)
    "too_many_tickets": 429,
    "kiosk_only": 403,
    "invalid_kiosk_key": 403,
    "queue_full": 409,
    "too_many_kiosks": 409,
    "unknown_kiosk": 404,
    # users (6.6)
    "weak_password": 422,
    "password_too_long": 422,
    "wrong_password": 403,
    "last_admin": 409,
    "unknown_user": 404,
    # JSON-only POSTs, from pages of this server only
    "unsupported_media_type": 415,
    "bad_origin": 403,
    # the connection, refused before any route: any operation may answer them
    "too_many_connections": 429,
    "request_timeout": 408,
    "headers_too_large": 431,
}

STATUS_OF: dict[str, int] = {
    **{code: 400 for code in (E.BAD_REQUEST, E.INVALID_JSON)},
    **{code: 401 for code in (E.UNAUTHORIZED, E.LOGIN_REQUIRED, E.BAD_AUTHORIZATION)},
    **{code: 401 for code in (E.BAD_TOKEN, E.BAD_CREDENTIALS)},
    **{code: 403 for code in (E.FORBIDDEN, E.CSRF_FAILED, E.ADMIN_ONLY)},
    E.NOT_FOUND: 404,
    **{code: 404 for code in E if code.startswith("unknown_") and code != E.UNKNOWN_MESSAGE},
    E.METHOD_NOT_ALLOWED: 405,
    **{code: 409 for code in (E.CONFLICT, E.ILLEGAL_TRANSITION, E.QUEUE_EMPTY)},
    **{code: 409 for code in (E.NO_CURRENT_TICKET, E.USER_EXISTS)},
    E.BODY_TOO_LARGE: 413,
    **{code: 422 for code in (E.INVALID, E.INVALID_BODY, E.MISSING_FIELD, E.INVALID_FIELD)},
    **{code: 422 for code in (E.INVALID_HEADER, E.INVALID_USERNAME, E.PASSWORD_TOO_SHORT)},
    E.INVALID_ROLE: 422,
    **{code: 429 for code in (E.RATE_LIMITED, E.TOO_MANY_ATTEMPTS)},
    **{code: 503 for code in (E.UNAVAILABLE, E.STORE_UNAVAILABLE, E.AUDIO_OFF)},
    **{code: 503 for code in (E.CHIME_UNREADABLE, E.SPEECH_FAILED, E.SPEECH_LATE)},
    E.SPEECH_BUSY: 503,
    **PENDING,
}

# what many operations share
CONNECTION = ("too_many_connections", "request_timeout", "headers_too_large")  # every one
STORE = (E.STORE_UNAVAILABLE,)
BODY = (
    E.INVALID_JSON,
    E.BODY_TOO_LARGE,
    E.INVALID_BODY,
    E.MISSING_FIELD,
    E.INVALID_FIELD,
    "unsupported_media_type",
    "bad_origin",
)
PATH = (E.NOT_FOUND,)  # a path parameter holding a "/" (sent as %2F) can lead nowhere
SITE = (*PATH, E.UNKNOWN_SITE)
LOGGED_IN = (E.LOGIN_REQUIRED, E.BAD_AUTHORIZATION, E.BAD_TOKEN, *STORE)
# a POST, PATCH or DELETE: with the session cookie, the CSRF token; from a page, its Origin;
# a body, only JSON
CHANGES = (E.CSRF_FAILED, "bad_origin", "unsupported_media_type")
ADMIN = (*LOGGED_IN, E.ADMIN_ONLY)
COUNTER = (*SITE, *LOGGED_IN, *CHANGES, E.UNKNOWN_COUNTER, E.FORBIDDEN)
