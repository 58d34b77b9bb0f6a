"""The HTTP status of every error code, so that an operation names only its codes and the
document groups them by status (CONTRACT section 3: a 4xx, or 503 for the store)."""

from __future__ import annotations

from loket.server.domain.error_codes import ErrorCode as E

STATUS_OF: dict[str, int] = {
    **{code: 400 for code in (E.BAD_REQUEST, E.INVALID_JSON)},
    **{code: 401 for code in (E.UNAUTHORIZED, E.LOGIN_REQUIRED, E.BAD_AUTHORIZATION)},
    **{code: 401 for code in (E.BAD_TOKEN, E.BAD_CREDENTIALS)},
    **{code: 403 for code in (E.FORBIDDEN, E.CSRF_FAILED, E.ADMIN_ONLY, E.SUPERVISOR_ONLY)},
    E.NOT_FOUND: 404,
    **{code: 404 for code in E if code.startswith("unknown_") and code != E.UNKNOWN_MESSAGE},
    E.METHOD_NOT_ALLOWED: 405,
    **{code: 409 for code in (E.CONFLICT, E.ILLEGAL_TRANSITION, E.QUEUE_EMPTY)},
    **{code: 409 for code in (E.NO_CURRENT_TICKET, E.USER_EXISTS, E.NOT_CALLABLE)},
    E.BODY_TOO_LARGE: 413,
    **{code: 422 for code in (E.INVALID, E.INVALID_BODY, E.MISSING_FIELD, E.INVALID_FIELD)},
    **{code: 422 for code in (E.INVALID_HEADER, E.INVALID_USERNAME, E.PASSWORD_TOO_SHORT)},
    **{code: 422 for code in (E.INVALID_ROLE, E.INVALID_SERVICES)},
    E.CURRENT_TICKET: 409,  # closing a counter that serves someone (6.2)
    **{code: 429 for code in (E.RATE_LIMITED, E.TOO_MANY_ATTEMPTS)},
    **{code: 503 for code in (E.UNAVAILABLE, E.STORE_UNAVAILABLE, E.AUDIO_OFF)},
    **{code: 503 for code in (E.CHIME_UNREADABLE, E.SPEECH_FAILED, E.SPEECH_LATE)},
    E.SPEECH_BUSY: 503,
    # kiosks and anonymous issuing (6.7)
    **{code: 403 for code in (E.KIOSK_ONLY, E.INVALID_KIOSK_KEY)},
    **{code: 409 for code in (E.QUEUE_FULL, E.TOO_MANY_KIOSKS)},
    E.TOO_MANY_SCREENS: 409,  # names or removals of screens (the socket's refusal: no status)
    E.TOO_MANY_TICKETS: 429,
    # users (6.6)
    **{code: 422 for code in (E.WEAK_PASSWORD, E.PASSWORD_TOO_LONG)},
    E.WRONG_PASSWORD: 403,
    E.LAST_ADMIN: 409,
    # changing the hall while running (a reload of the site file, the running text)
    **{code: 422 for code in (E.INVALID_SITE_FILE, E.INVALID_TICKER)},
    **{code: 409 for code in (E.RELOAD_REFUSED, E.SERVICE_IN_USE, E.COUNTER_IN_USE)},
    # reports (6.3)
    **{code: 422 for code in (E.MISSING_PARAMETER, E.INVALID_DATE, E.DATES_REVERSED)},
    **{code: 422 for code in (E.RANGE_TOO_LONG, E.INVALID_BY, E.INVALID_FORMAT)},
    E.NO_ARCHIVE: 409,
    # satisfaction ratings (6.4)
    **{code: 409 for code in (E.NOT_SERVED, E.ALREADY_RATED, E.RATING_CLOSED)},
    E.NOT_LAST_SERVED: 409,
    **{code: 422 for code in (E.INVALID_SCORE, E.INVALID_COMMENT, E.INVALID_ANSWERS)},
    # JSON-only requests, from pages of this server only
    E.UNSUPPORTED_MEDIA_TYPE: 415,
    E.BAD_ORIGIN: 403,
    # the connection, refused before any route: any operation may answer them
    E.TOO_MANY_CONNECTIONS: 429,
    E.REQUEST_TIMEOUT: 408,
    E.HEADERS_TOO_LARGE: 431,
}

# what many operations share
CONNECTION = (E.TOO_MANY_CONNECTIONS, E.REQUEST_TIMEOUT, E.HEADERS_TOO_LARGE)  # every one
STORE = (E.STORE_UNAVAILABLE,)
BODY = (
    E.INVALID_JSON,
    E.BODY_TOO_LARGE,
    E.INVALID_BODY,
    E.MISSING_FIELD,
    E.INVALID_FIELD,
    E.UNSUPPORTED_MEDIA_TYPE,
    E.BAD_ORIGIN,
)
PATH = (E.NOT_FOUND,)  # a path parameter holding a "/" (sent as %2F) can lead nowhere
SITE = (*PATH, E.UNKNOWN_SITE)
LOGGED_IN = (E.LOGIN_REQUIRED, E.BAD_AUTHORIZATION, E.BAD_TOKEN, *STORE)
# a POST, PATCH or DELETE: with the session cookie, the CSRF token; from a page, its Origin;
# a body, only JSON
CHANGES = (E.CSRF_FAILED, E.BAD_ORIGIN, E.UNSUPPORTED_MEDIA_TYPE)
ADMIN = (*LOGGED_IN, E.ADMIN_ONLY)
SUPERVISOR = (*LOGGED_IN, E.SUPERVISOR_ONLY)
COUNTER = (*SITE, *LOGGED_IN, *CHANGES, E.UNKNOWN_COUNTER, E.FORBIDDEN)
