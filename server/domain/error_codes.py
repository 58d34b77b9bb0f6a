"""Every error code an answer may carry (CONTRACT section 3: `{"error": {"code", ...}}`),
in one list: clients branch on them, so they are named once and never by a bare string."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # the request itself
    BAD_REQUEST = "bad_request"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    INVALID = "invalid"
    INVALID_JSON = "invalid_json"
    INVALID_BODY = "invalid_body"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    INVALID_HEADER = "invalid_header"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a body that is not JSON
    INVALID_MESSAGE = "invalid_message"  # a socket message
    UNKNOWN_MESSAGE = "unknown_message"
    INVALID_HELLO = "invalid_hello"
    INVALID_RESUME = "invalid_resume"
    TOO_MANY_SCREENS = "too_many_screens"  # the screens registry is full (for that address)
    RATE_LIMITED = "rate_limited"
    TOO_MANY_ATTEMPTS = "too_many_attempts"  # failed logins (CONTRACT 6.6)
    TOO_MANY_TICKETS = "too_many_tickets"  # one address without a kiosk key (CONTRACT 6.7)
    # the connection (server/transport/, server/web/capped.py)
    TOO_MANY_CONNECTIONS = "too_many_connections"  # HTTP connections from one address
    TOO_MANY_SOCKETS = "too_many_sockets"  # display or ticket sockets from one address
    REQUEST_TIMEOUT = "request_timeout"  # the request did not arrive whole in time
    HEADERS_TOO_LARGE = "headers_too_large"
    # who asks
    UNAUTHORIZED = "unauthorized"
    LOGIN_REQUIRED = "login_required"
    BAD_AUTHORIZATION = "bad_authorization"
    BAD_TOKEN = "bad_token"
    BAD_CREDENTIALS = "bad_credentials"
    FORBIDDEN = "forbidden"
    CSRF_FAILED = "csrf_failed"
    BAD_ORIGIN = "bad_origin"  # sent from another site's page
    ADMIN_ONLY = "admin_only"
    SUPERVISOR_ONLY = "supervisor_only"  # live view and reports (6.3)
    KIOSK_ONLY = "kiosk_only"  # the site takes tickets from enrolled kiosks only (6.7)
    INVALID_KIOSK_KEY = "invalid_kiosk_key"  # unknown or revoked: the kiosk must be enrolled
    # users
    INVALID_USERNAME = "invalid_username"
    PASSWORD_TOO_SHORT = "password_too_short"
    PASSWORD_TOO_LONG = "password_too_long"
    WEAK_PASSWORD = "weak_password"  # the username, a common password, too easy to guess
    WRONG_PASSWORD = "wrong_password"  # a password change with a wrong old password
    LAST_ADMIN = "last_admin"  # a change that would leave no enabled admin
    INVALID_ROLE = "invalid_role"
    INVALID_SERVICES = "invalid_services"  # a counter opened with none, or one not the site's
    USER_EXISTS = "user_exists"
    # kiosks
    TOO_MANY_KIOSKS = "too_many_kiosks"
    # what is named (NotFound: "unknown_" + the kind)
    UNKNOWN_SITE = "unknown_site"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_COUNTER = "unknown_counter"
    UNKNOWN_TICKET = "unknown_ticket"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_AUDIO = "unknown_audio"
    UNKNOWN_CHIME = "unknown_chime"
    UNKNOWN_KIOSK = "unknown_kiosk"
    UNKNOWN_DISPLAY = "unknown_display"  # a screen neither listed nor named
    # the queue's rules
    CONFLICT = "conflict"
    ILLEGAL_TRANSITION = "illegal_transition"
    QUEUE_EMPTY = "queue_empty"
    QUEUE_FULL = "queue_full"  # a service's max_waiting (CONTRACT 6.7)
    NO_CURRENT_TICKET = "no_current_ticket"
    CURRENT_TICKET = "current_ticket"  # closing a counter that serves someone (CONTRACT 6.2)
    NOT_CALLABLE = "not_callable"  # CONTRACT 6.5: not waiting, held here, or a no-show today
    # satisfaction ratings (CONTRACT 6.4)
    NOT_SERVED = "not_served"  # the ticket is not done
    ALREADY_RATED = "already_rated"  # once per ticket
    RATING_CLOSED = "rating_closed"  # over 24 h after it was done (5 min at the desk)
    NOT_LAST_SERVED = "not_last_served"  # a desk rates only the ticket it last served
    # changing the hall while running (a reload of the site file, the running text)
    INVALID_SITE_FILE = "invalid_site_file"  # the new file does not read: nothing changed
    RELOAD_REFUSED = "reload_refused"  # a change that takes a restart (a site added, ...)
    SERVICE_IN_USE = "service_in_use"  # a service removed while people wait for it
    COUNTER_IN_USE = "counter_in_use"  # a counter removed while it serves a ticket
    INVALID_TICKER = "invalid_ticker"
    # reports (CONTRACT 6.3): their query parameters, and a store with no record to read
    MISSING_PARAMETER = "missing_parameter"
    INVALID_DATE = "invalid_date"  # `from` or `to` is no YYYY-MM-DD date
    DATES_REVERSED = "dates_reversed"  # `from` after `to`
    RANGE_TOO_LONG = "range_too_long"  # more than 366 days apart
    INVALID_BY = "invalid_by"
    INVALID_FORMAT = "invalid_format"
    NO_ARCHIVE = "no_archive"  # a Redis store started without --archive
    # a rating's body (CONTRACT 6.4, server/domain/skm.py)
    INVALID_SCORE = "invalid_score"  # not a whole number 1 to 4
    INVALID_COMMENT = "invalid_comment"  # not a string, or longer than 500 characters
    INVALID_ANSWERS = "invalid_answers"  # not an object of U1..U9, each a whole number 1 to 4
    # the server
    INTERNAL_ERROR = "internal_error"  # a bug: logged, never a traceback to the client
    UNAVAILABLE = "unavailable"
    AUDIO_OFF = "audio_off"
    CHIME_UNREADABLE = "chime_unreadable"
    STORE_UNAVAILABLE = "store_unavailable"
    SPEECH_FAILED = "speech_failed"
    SPEECH_LATE = "speech_late"
    SPEECH_BUSY = "speech_busy"
