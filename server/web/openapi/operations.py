"""Every HTTP operation of the API, in one table: what it takes, what it answers, and the
error codes it may answer (their statuses come from codes.py)."""

from __future__ import annotations

from dataclasses import dataclass

from loket.server.domain.error_codes import ErrorCode as E
from loket.server.reports.row import By
from loket.server.web.openapi import codes as c
from loket.server.web.openapi.schemas import (
    BOOLEAN,
    ROLE,
    SCORE,
    STRING,
    TICKET_ID,
    Schema,
    array,
    closed,
    nullable,
    obj,
    ref,
)

JSON = "application/json"
WAV = "audio/wav"
# who may call it: anyone; staff or an admin (Authorization: Bearer, or the session cookie
# with X-CSRF-Token when it changes something); an admin; metrics (an admin, or the
# server's own machine without credentials)
ANYONE, STAFF, ADMIN, METRICS = "anyone", "staff", "admin", "metrics"
SUPERVISOR = "supervisor"  # a supervisor or an admin (CONTRACT 6.3)


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path, header, query
    schema: Schema
    required: bool = True


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    status: int  # of a success
    answer: Schema | None  # its JSON body; None: `media` holds it
    errors: tuple[str, ...] = ()
    who: str = ANYONE
    body: Schema | None = None
    params: tuple[Param, ...] = ()
    media: str = JSON
    other_media: tuple[str, ...] = ()  # the same answer in other forms (a query asks)
    body_required: bool = True


SITE_ID = Param("site", "path", {"type": "string", "pattern": "^[a-z0-9-]+$"})
COUNTER = Param("counter", "path", {"type": "string", "pattern": "^[^/]+$"})
USERNAME = Param("username", "path", {"type": "string", "pattern": "^[^/]+$"})
KIOSK = Param("kiosk", "path", {"type": "string", "pattern": "^[^/]+$"})
DISPLAY = Param("display", "path", {"type": "string", "pattern": "^[^/]+$"})
TICKET = Param("ticket_id", "path", {"type": "string", "pattern": TICKET_ID})
IDEMPOTENCY = Param(
    "Idempotency-Key", "header", {"type": "string", "minLength": 1, "maxLength": 200}, False
)
KIOSK_KEY = Param("X-Kiosk-Key", "header", STRING, False)

TICKETS = "/api/v1/sites/{site}/tickets"
COUNTERS = "/api/v1/sites/{site}/counters/{counter}"
USER = "/api/v1/users/{username}"
KIOSKS = "/api/v1/sites/{site}/kiosks"
SCREEN = "/api/v1/sites/{site}/displays/{display}"
TICKER = "/api/v1/sites/{site}/ticker"
DAY = {"type": "string", "format": "date"}
# a report's period (CONTRACT 6.3) and its forms: the reports and the satisfaction report
PERIOD = (Param("from", "query", DAY), Param("to", "query", DAY))
PERIOD_ERRORS = (E.MISSING_PARAMETER, E.INVALID_DATE, E.DATES_REVERSED, E.RANGE_TOO_LONG)
FORMAT = Param("format", "query", {"enum": ["json", "csv", "xlsx"]}, False)
FILES = (
    "text/csv; charset=utf-8",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

OWN_TICKET = {"ticket": ref("OwnTicket")}
RATED = obj({"rating": ref("Rating")})
ANSWERS = closed({}, {f"U{n}": SCORE for n in range(1, 10)})
RATING_ERRORS = (
    E.NOT_SERVED,
    E.ALREADY_RATED,
    E.RATING_CLOSED,
    E.INVALID_SCORE,
    E.INVALID_COMMENT,
    E.INVALID_ANSWERS,
)
LOGIN = closed({"username": STRING, "password": STRING})
NEW_USER = closed(
    {"username": STRING, "password": STRING},
    {"role": ROLE, "counters": nullable(array(STRING))},
)
USER_CHANGE = closed(
    {},
    {"password": STRING, "role": ROLE, "counters": nullable(array(STRING)), "disabled": BOOLEAN},
)
USER_ANSWER = obj({"user": ref("User")})
ISSUE_ERRORS = (
    *c.SITE,
    *c.BODY,
    *c.STORE,
    E.UNKNOWN_SERVICE,
    E.TOO_MANY_TICKETS,
    E.KIOSK_ONLY,
    E.INVALID_KIOSK_KEY,
    E.QUEUE_FULL,
)
PASSWORD_RULES = (E.PASSWORD_TOO_SHORT, E.PASSWORD_TOO_LONG, E.WEAK_PASSWORD)
SESSION = obj({"token": STRING, "csrf": STRING, "user": ref("User")})  # a login's answer


def counter_action(
    path: str,
    summary: str,
    errors: tuple[str, ...],
    body: Schema | None = None,
    params: tuple[Param, ...] = (),
) -> Operation:
    """A staff action at one counter: {ticket, seq} (CONTRACT section 3)."""
    return Operation(
        "post",
        f"{COUNTERS}/{path}",
        summary,
        200,
        ref("CounterResult"),
        (*c.COUNTER, *errors),
        STAFF,
        body=body,
        params=(SITE_ID, COUNTER, *params),
    )


def counter_status(
    path: str, summary: str, errors: tuple[str, ...], body: Schema | None = None
) -> Operation:
    """A counter's status (CONTRACT 6.2): {counter, seq}; its body is optional."""
    return Operation(
        "post",
        f"{COUNTERS}/{path}",
        summary,
        200,
        ref("CounterStatusResult"),
        (*c.COUNTER, *c.BODY, *errors),
        STAFF,
        body=body,
        params=(SITE_ID, COUNTER),
        body_required=False,
    )


OPERATIONS: tuple[Operation, ...] = (
    Operation("get", "/healthz", "Whether the server can serve", 200, ref("Status")),
    Operation("get", "/api/v1/openapi.json", "This document", 200, {"type": "object"}),
    Operation(
        "get",
        "/metrics",
        "Prometheus figures of this process (an admin, or the server's own machine)",
        200,
        None,
        (*c.ADMIN,),
        METRICS,
        media="text/plain",
    ),
    Operation("get", "/api/v1/sites", "Every site", 200, obj({"sites": array(ref("Site"))})),
    Operation("get", "/api/v1/sites/{site}", "A site", 200, ref("Site"), c.SITE, params=(SITE_ID,)),
    Operation(
        "get",
        "/api/v1/sites/{site}/state",
        "The snapshot a display starts from",
        200,
        ref("Snapshot"),
        (*c.SITE, *c.STORE),
        params=(SITE_ID,),
    ),
    Operation(
        "post",
        TICKETS,
        "Take a ticket (a kiosk sends its key)",
        201,
        obj({**OWN_TICKET, "position": {"type": "integer", "minimum": 0}}),
        ISSUE_ERRORS,
        body=closed({"service": STRING}, {"priority": BOOLEAN, "lang": nullable(STRING)}),
        params=(SITE_ID, KIOSK_KEY),
    ),
    Operation(
        "get",
        "/api/v1/tickets/{ticket_id}",
        "A visitor's own ticket, its place in line and the estimated wait",
        200,
        obj(
            {
                **OWN_TICKET,
                "position": nullable({"type": "integer", "minimum": 0}),
                "estimate": nullable(ref("Estimate")),
                "rating": nullable(ref("Rating")),
            }
        ),
        (*c.PATH, E.UNKNOWN_TICKET, E.RATE_LIMITED, *c.STORE),
        params=(TICKET,),
    ),
    Operation(
        "post",
        "/api/v1/tickets/{ticket_id}/rating",
        "The holder rates their served ticket, with the nine SKM elements if they like",
        201,
        RATED,
        (*c.PATH, *c.BODY, *c.STORE, E.UNKNOWN_TICKET, E.RATE_LIMITED, *RATING_ERRORS),
        body=closed(
            {"score": SCORE},
            {
                "comment": nullable({"type": "string", "maxLength": 500}),
                "answers": nullable(ANSWERS),
            },
        ),
        params=(TICKET,),
    ),
    Operation(
        "get",
        "/t/{ticket_id}/qr.svg",
        "The QR code of a visitor's ticket page",
        200,
        None,
        (*c.PATH, E.UNKNOWN_TICKET, E.RATE_LIMITED, *c.STORE),
        params=(TICKET,),
        media="image/svg+xml",
    ),
    Operation(
        "post",
        "/api/v1/auth/login",
        "Log in: a bearer token, and the session cookie with its CSRF token",
        200,
        SESSION,
        (*c.BODY, *c.STORE, E.BAD_CREDENTIALS, E.TOO_MANY_ATTEMPTS),
        body=LOGIN,
    ),
    Operation(
        "post",
        "/api/v1/auth/logout",
        "End this session",
        200,
        ref("Status"),
        (*c.LOGGED_IN, *c.CHANGES),
        STAFF,
    ),
    Operation("get", "/api/v1/auth/me", "Who is logged in", 200, USER_ANSWER, c.LOGGED_IN, STAFF),
    Operation(
        "post",
        "/api/v1/auth/password",
        "Change one's own password: every session of the user ends, and the answer is a new one",
        200,
        SESSION,
        (
            *c.LOGGED_IN,
            *c.CHANGES,
            *c.BODY,
            E.WRONG_PASSWORD,
            E.TOO_MANY_ATTEMPTS,
            *PASSWORD_RULES,
        ),  # fmt: skip
        STAFF,
        body=closed({"old": STRING, "new": STRING}),
    ),
    Operation(
        "get",
        "/api/v1/users",
        "Every user",
        200,
        obj({"users": array(ref("User"))}),
        c.ADMIN,
        ADMIN,
    ),  # fmt: skip
    Operation(
        "post",
        "/api/v1/users",
        "Add a user",
        201,
        USER_ANSWER,
        (
            *c.ADMIN,
            *c.CHANGES,
            *c.BODY,
            *c.SITE,
            E.UNKNOWN_COUNTER,
            E.INVALID_USERNAME,
            *PASSWORD_RULES,
            E.INVALID_ROLE,
            E.USER_EXISTS,
        ),  # fmt: skip
        ADMIN,
        body=NEW_USER,
    ),
    Operation(
        "patch",
        USER,
        "Change a user's password, role, counters or whether it is disabled",
        200,
        USER_ANSWER,
        (
            *c.ADMIN,
            *c.CHANGES,
            *c.BODY,
            *c.SITE,
            E.UNKNOWN_COUNTER,
            E.UNKNOWN_USER,
            *PASSWORD_RULES,
            E.INVALID_ROLE,
        ),  # fmt: skip
        ADMIN,
        body=USER_CHANGE,
        params=(USERNAME,),
    ),
    Operation(
        "delete",
        USER,
        "Delete a user (every session of the user ends)",
        204,
        None,
        (*c.ADMIN, *c.CHANGES, *c.PATH, E.UNKNOWN_USER, E.LAST_ADMIN),
        ADMIN,
        params=(USERNAME,),
    ),
    Operation(
        "get",
        "/api/v1/sites/{site}/displays",
        "The site's screens, as they last reported",
        200,
        obj({"displays": array(ref("Display"))}),
        (*c.ADMIN, *c.SITE),
        ADMIN,
        params=(SITE_ID,),
    ),
    Operation(
        "patch",
        SCREEN,
        "Name a screen (at most 80 characters, one line); null forgets its name",
        200,
        obj({"display": obj({"id": STRING, "name": nullable(STRING)})}),
        (*c.ADMIN, *c.CHANGES, *c.BODY, *c.SITE, E.UNKNOWN_DISPLAY, E.TOO_MANY_SCREENS),
        ADMIN,
        body=closed({"name": nullable(STRING)}),
        params=(SITE_ID, DISPLAY),
    ),
    Operation(
        "delete",
        SCREEN,
        "Remove a screen from the list and forget its name (one still connected is listed "
        "again at its next report)",
        204,
        None,
        (*c.ADMIN, *c.CHANGES, *c.SITE, E.UNKNOWN_DISPLAY, E.TOO_MANY_SCREENS),
        ADMIN,
        params=(SITE_ID, DISPLAY),
    ),
    Operation(
        "get",
        "/api/v1/sites/{site}/kiosk",
        "The kiosk whose key is sent (X-Kiosk-Key): whether it is still enrolled",
        200,
        obj({"kiosk": ref("Kiosk")}),
        (*c.SITE, *c.STORE, E.INVALID_KIOSK_KEY),
        params=(SITE_ID, KIOSK_KEY),
    ),
    Operation(
        "get",
        KIOSKS,
        "The site's enrolled kiosks",
        200,
        obj({"kiosks": array(ref("Kiosk"))}),
        (*c.ADMIN, *c.SITE),
        ADMIN,
        params=(SITE_ID,),
    ),
    Operation(
        "post",
        KIOSKS,
        "Enrol a kiosk: its key is shown only in this answer",
        201,
        obj({"kiosk": ref("Kiosk"), "key": STRING}),
        (*c.ADMIN, *c.CHANGES, *c.BODY, *c.SITE, E.TOO_MANY_KIOSKS, E.UNKNOWN_COUNTER),
        ADMIN,
        body=closed({"name": STRING}, {"counter": nullable(STRING)}),
        params=(SITE_ID,),
    ),
    Operation(
        "delete",
        f"{KIOSKS}/{{kiosk}}",
        "Revoke a kiosk's key",
        200,
        ref("Status"),
        (*c.ADMIN, *c.CHANGES, *c.SITE, E.UNKNOWN_KIOSK),
        ADMIN,
        params=(SITE_ID, KIOSK),
    ),
    counter_action(
        "call-next",
        "Call the next ticket (closing the current one as done first)",
        (E.QUEUE_EMPTY, E.INVALID_HEADER),
        params=(IDEMPOTENCY,),
    ),
    counter_action("recall", "Announce the current ticket again", (E.NO_CURRENT_TICKET,)),
    counter_action("done", "Close the current ticket as served", (E.NO_CURRENT_TICKET,)),
    counter_action("no-show", "Close the current ticket as not come", (E.NO_CURRENT_TICKET,)),
    counter_action(
        "transfer",
        "The current ticket waits again: in a service's line (at its head with first), or "
        "for one counter, which calls it before its services' lines",
        (E.NO_CURRENT_TICKET, E.UNKNOWN_SERVICE, E.ILLEGAL_TRANSITION, *c.BODY),
        body={
            "oneOf": [
                closed({"service": STRING}, {"first": BOOLEAN}),
                closed({"counter": STRING}),
            ]
        },
    ),
    counter_action(
        "call",
        "Call one ticket by its ref or number: waiting, held by this counter, or a no-show "
        "of today (closing the current one as done first)",
        (E.NOT_CALLABLE, *c.BODY),
        body=closed({"ticket": {"type": "string", "minLength": 1, "maxLength": 40}}),
    ),
    counter_action(
        "hold", "Set the current ticket aside, to call it back later", (E.NO_CURRENT_TICKET,)
    ),
    counter_status(
        "open",
        "Open the counter (again): with the services chosen, by default its configured ones",
        (E.INVALID_SERVICES,),
        closed({}, {"services": array(STRING, minItems=1, maxItems=100)}),
    ),
    counter_status(
        "pause",
        "Pause the counter: nobody is called to it until it calls again",
        (),
        closed({}, {"reason": {"type": "string", "maxLength": 200}}),
    ),
    counter_status(
        "close", "Close the counter (refused while it serves someone)", (E.CURRENT_TICKET,)
    ),
    Operation(
        "post",
        f"{COUNTERS}/rating",
        "The desk's rating device rates the ticket this counter served last (within 5 min)",
        201,
        RATED,
        (*c.COUNTER, *c.BODY, E.UNKNOWN_TICKET, E.INVALID_KIOSK_KEY, *RATING_ERRORS),
        STAFF,
        body=closed({"ref": STRING, "score": SCORE}),
        params=(SITE_ID, COUNTER, KIOSK_KEY),
    ),
    Operation(
        "get",
        f"{COUNTERS}/queue",
        "Who waits for this counter, in the order it would call them; whom it holds",
        200,
        ref("CounterQueue"),
        (*c.COUNTER,),
        STAFF,
        params=(SITE_ID, COUNTER),
    ),
    Operation(
        "get",
        "/api/v1/sites/{site}/live",
        "A site's live view: counters, lines against their targets, today's figures",
        200,
        ref("Live"),
        (*c.SITE, *c.SUPERVISOR),
        STAFF,  # a supervisor or an admin
        params=(SITE_ID,),
    ),
    Operation(
        "get",
        "/audio/{lang}/{name}",
        "The speech of one announcement segment (a URL from a ticket.called event)",
        200,
        None,
        (
            *c.PATH,
            E.UNKNOWN_AUDIO,
            E.AUDIO_OFF,
            E.SPEECH_FAILED,
            E.SPEECH_LATE,
            E.SPEECH_BUSY,
            E.UNAVAILABLE,
        ),  # fmt: skip
        params=(
            Param("lang", "path", {"type": "string", "pattern": "^[a-z]{2,3}$"}),
            Param("name", "path", {"type": "string", "pattern": "^[0-9a-f]{32}\\.wav$"}),
        ),
        media=WAV,
    ),
    Operation(
        "get",
        "/audio/chime/{site}.wav",
        "The site's chime, played before each announcement",
        200,
        None,
        (*c.SITE, E.UNKNOWN_CHIME, E.AUDIO_OFF, E.CHIME_UNREADABLE),
        params=(SITE_ID,),
        media=WAV,
    ),
    # changing the hall while running (issue 16)
    Operation(
        "post",
        "/api/v1/admin/reload",
        "Read the site file again and take it: what changed (nothing changes if it is refused)",
        200,
        obj({"changed": array(STRING), "sites": array(ref("Site"))}),
        (
            *c.ADMIN,
            *c.CHANGES,
            E.INVALID_SITE_FILE,
            E.RELOAD_REFUSED,
            E.SERVICE_IN_USE,
            E.COUNTER_IN_USE,
        ),  # fmt: skip
        ADMIN,
    ),
    Operation(
        "get",
        TICKER,
        "The site's running text: the file's, the admin's (which wins until cleared) and shown",
        200,
        ref("Ticker"),
        (*c.ADMIN, *c.SITE),
        ADMIN,
        params=(SITE_ID,),
    ),
    Operation(
        "put",
        TICKER,
        "Set the running text per language (null or an empty text: back to the file's)",
        200,
        ref("Ticker"),
        (*c.ADMIN, *c.CHANGES, *c.BODY, *c.SITE, E.INVALID_TICKER),
        ADMIN,
        body=closed({"texts": {"type": "object", "additionalProperties": nullable(STRING)}}),
        params=(SITE_ID,),
    ),
    # supervision (CONTRACT 6.3)
    Operation(
        "get",
        "/api/v1/sites/{site}/reports",
        "A report of the record: local days from..to (at most 366 apart), one row per key",
        200,
        ref("Report"),
        (
            *c.SUPERVISOR,
            *c.SITE,
            *c.STORE,
            *PERIOD_ERRORS,
            E.INVALID_BY,
            E.INVALID_FORMAT,
            E.NO_ARCHIVE,
        ),  # fmt: skip
        SUPERVISOR,
        params=(
            SITE_ID,
            *PERIOD,
            Param("by", "query", {"enum": [by.value for by in By]}),
            FORMAT,
        ),
        other_media=FILES,
    ),
    Operation(
        "get",
        "/api/v1/sites/{site}/satisfaction",
        "Satisfaction of local days from..to: ratings, the SKM survey's nine elements and IKM, "
        "per service, counter, clerk and day, and the newest comments; CSV: the SKM "
        "respondents; XLSX: the yearly SKM report's processing sheet (docs/skm.md)",
        200,
        ref("Satisfaction"),
        (*c.SUPERVISOR, *c.SITE, *c.STORE, *PERIOD_ERRORS, E.INVALID_FORMAT, E.NO_ARCHIVE),
        SUPERVISOR,
        params=(SITE_ID, *PERIOD, FORMAT),
        other_media=FILES,
    ),
)
