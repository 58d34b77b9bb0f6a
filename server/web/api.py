"""The HTTP API of CONTRACT section 3, plus a few additions (auth/me, logout, users) and
the users of section 6.6."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loket.server.config import LANG
from loket.server.domain.commands import Destination, StatusChange
from loket.server.domain.counter_state import MAX_REASON, CounterStatus
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import NotFound
from loket.server.errors import Invalid
from loket.server.protocol import snapshot_message
from loket.server.service import UNCHANGED, LoketService
from loket.server.store import Result
from loket.server.users import USERNAME, Session, User
from loket.server.web import auth, reports, satisfaction
from loket.server.web.body import field, json_object, string_list
from loket.server.web.kiosks import ticket_taker
from loket.server.web.ratelimit import client_address, limit
from loket.server.web.state import service_of
from loket.server.web.tickets import known_id

MAX_IDEMPOTENCY_KEY = 200
MAX_TICKET_NAME = 40  # a ref (20261206-A015) or a number, with room for long prefixes
MAX_SERVICES = 100  # services named when opening a counter (a site has far fewer)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def sites(request: Request) -> Response:
    return JSONResponse({"sites": [s.to_json() for s in service_of(request).sites.values()]})


async def site(request: Request) -> Response:
    return JSONResponse(service_of(request).site(request.path_params["site"]).to_json())


async def state(request: Request) -> Response:
    service = service_of(request)
    snapshot = await service.snapshot(request.path_params["site"])
    return JSONResponse(
        snapshot_message(service.epoch, snapshot.seq, service.clock(), snapshot.data)
    )


async def issue(request: Request) -> Response:
    service = service_of(request)
    site_obj = service.site(request.path_params["site"])
    body = await json_object(request)
    lang = field(body, "lang", str, None)
    if lang is not None and not LANG.fullmatch(lang):
        raise Invalid("The field 'lang' must be a language code.", ErrorCode.INVALID_FIELD)
    service_id, priority = field(body, "service", str), field(body, "priority", bool, False)
    counted = await ticket_taker(request, service, site_obj)
    result = await service.issue(site_obj.id, service_id, priority, lang, counted)
    ticket = {"id": result.ticket_id, **result.ticket}  # the holder's: with its secret id
    return JSONResponse({"ticket": ticket, "position": result.position}, status_code=201)


async def ticket(request: Request) -> Response:
    limit(request)
    ticket_id = known_id(request.path_params["ticket_id"])
    service = service_of(request)
    found, position, estimate = await service.ticket_view(ticket_id)
    rating = await service.ratings.of(found)
    return JSONResponse(
        {
            "ticket": found.holder_json(),
            "position": position,
            "estimate": None if estimate is None else estimate.to_json(),
            "rating": None if rating is None else rating.to_json(),
        }
    )


async def login(request: Request) -> Response:
    service = service_of(request)
    body = await json_object(request)
    address = client_address(request)
    username, password = field(body, "username", str), field(body, "password", str)
    token, session = await service.login(username, password, address)
    return _session_answer(request, token, session)


def _session_answer(request: Request, token: str, session: Session) -> Response:
    """A new session: its token and CSRF token in the body, and as cookies."""
    response = JSONResponse({"token": token, "csrf": session.csrf, "user": session.user.to_json()})
    auth.set_session_cookies(response, request, token, session.csrf)
    return response


async def change_password(request: Request) -> Response:
    """The user's own new password: every session of theirs ends, and the answer is a new
    one (as a login's), so the page goes on working."""
    service = service_of(request)
    user = await auth.staff(request, service, request.method)
    body = await json_object(request)
    old, new = field(body, "old", str), field(body, "new", str)
    address = client_address(request)
    token, session = await service.change_own_password(user, old, new, address)
    return _session_answer(request, token, session)


async def logout(request: Request) -> Response:
    service = service_of(request)
    await auth.session_of(request, service, request.method)
    token, _ = auth.request_token(request)
    assert token is not None
    await service.logout(token)
    response = JSONResponse({"status": "ok"})
    auth.clear_session_cookies(response, request)
    return response


async def me(request: Request) -> Response:
    user = await auth.staff(request, service_of(request), request.method)
    return JSONResponse({"user": user.to_json()})


async def list_users(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    return JSONResponse({"users": [u.to_json() for u in await service.users()]})


async def add_user(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    body = await json_object(request)
    user = await service.add_user(
        field(body, "username", str),
        field(body, "password", str),
        field(body, "role", str, "staff"),
        string_list(body, "counters"),
    )
    return JSONResponse({"user": user.to_json()}, status_code=201)


def _username(request: Request) -> str:
    username: str = request.path_params["username"]
    if not USERNAME.fullmatch(username):
        raise NotFound("user", username[:64])
    return username


async def change_user(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    username = _username(request)
    body = await json_object(request)
    if not body.keys() & {"password", "role", "counters", "disabled"}:
        raise Invalid(
            "Give at least one of 'password', 'role', 'counters', 'disabled'.",
            ErrorCode.MISSING_FIELD,
        )
    user = await service.change_user(
        username,
        password=field(body, "password", str, None),
        role=field(body, "role", str, None),
        counters=string_list(body, "counters") if "counters" in body else UNCHANGED,
        disabled=field(body, "disabled", bool, None),
    )
    return JSONResponse({"user": user.to_json()})


async def delete_user(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    await service.delete_user(_username(request))
    return Response(status_code=204)


async def displays(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    return JSONResponse({"displays": await service.display_list(request.path_params["site"])})


CounterAction = Callable[[LoketService, User, str, str, Request], Awaitable[Result]]


def counter_route(path: str, action: CounterAction) -> Route:
    """A staff action at one counter: authenticate, act, answer {ticket, seq}."""

    async def endpoint(request: Request) -> Response:
        service = service_of(request)
        user = await auth.staff(request, service, request.method)
        params = request.path_params
        result = await action(service, user, params["site"], params["counter"], request)
        return JSONResponse(result.to_json())

    return Route(f"/api/v1/sites/{{site}}/counters/{{counter}}/{path}", endpoint, methods=["POST"])


async def _call_next(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    key = r.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= MAX_IDEMPOTENCY_KEY):
        raise Invalid(
            f"An Idempotency-Key has 1 to {MAX_IDEMPOTENCY_KEY} characters.",
            ErrorCode.INVALID_HEADER,
        )
    return await s.call_next(u, site_id, c, key)


async def _recall(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    return await s.recall(u, site_id, c)


async def _done(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    return await s.done(u, site_id, c)


async def _no_show(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    return await s.no_show(u, site_id, c)


async def _transfer(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    body = await json_object(r)
    return await s.transfer(u, site_id, c, destination(body))


def destination(body: dict[str, Any]) -> Destination:
    """{"service": "B"} (v1), {"service": "B", "first": true} or {"counter": "3"}."""
    service = field(body, "service", str, None)
    counter = field(body, "counter", str, None)
    first = field(body, "first", bool, False)
    if service is None and counter is None:  # v1 clients heard missing_field
        raise Invalid("The field 'service' (or 'counter') is required.", ErrorCode.MISSING_FIELD)
    if service is not None and counter is not None:
        raise Invalid(
            "Name either a 'service' or a 'counter' to transfer to.", ErrorCode.INVALID_BODY
        )
    if counter is not None and first:
        raise Invalid("'first' goes with a service, not a counter.", ErrorCode.INVALID_FIELD)
    return Destination(service=service, first=first, counter=counter)


async def _call(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    name = field(await json_object(r), "ticket", str)
    if not 0 < len(name) <= MAX_TICKET_NAME:
        raise Invalid(
            f"A ticket is named by its ref or number: 1 to {MAX_TICKET_NAME} characters.",
            ErrorCode.INVALID_FIELD,
        )
    return await s.call(u, site_id, c, name.strip())


async def _hold(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    return await s.hold(u, site_id, c)


async def _open(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    services = string_list(await json_object(r, required=False), "services")
    if services is not None and len(services) > MAX_SERVICES:
        raise Invalid(f"At most {MAX_SERVICES} services.", ErrorCode.INVALID_FIELD)
    chosen = None if services is None else tuple(dict.fromkeys(services))  # once each
    return await s.set_status(u, site_id, c, StatusChange(CounterStatus.OPEN, services=chosen))


async def _pause(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    reason = field(await json_object(r, required=False), "reason", str, None)
    if reason is not None:
        reason = reason.strip()
        if len(reason) > MAX_REASON:
            raise Invalid(f"A reason has at most {MAX_REASON} characters.", ErrorCode.INVALID_FIELD)
    change = StatusChange(CounterStatus.PAUSED, reason=reason or None)
    return await s.set_status(u, site_id, c, change)


async def _close(s: LoketService, u: User, site_id: str, c: str, r: Request) -> Result:
    return await s.set_status(u, site_id, c, StatusChange(CounterStatus.CLOSED))


async def counter_queue(request: Request) -> Response:
    service = service_of(request)
    user = await auth.staff(request, service, request.method)
    params = request.path_params
    return JSONResponse(await service.line(user, params["site"], params["counter"]))


ROUTES = [
    Route("/healthz", healthz),
    Route("/api/v1/sites", sites),
    Route("/api/v1/sites/{site}", site),
    Route("/api/v1/sites/{site}/state", state),
    Route("/api/v1/sites/{site}/tickets", issue, methods=["POST"]),
    Route("/api/v1/tickets/{ticket_id}", ticket),
    Route("/api/v1/auth/login", login, methods=["POST"]),
    Route("/api/v1/auth/logout", logout, methods=["POST"]),
    Route("/api/v1/auth/me", me),
    Route("/api/v1/auth/password", change_password, methods=["POST"]),
    Route("/api/v1/sites/{site}/displays", displays),
    Route("/api/v1/users", list_users),
    Route("/api/v1/users", add_user, methods=["POST"]),
    Route("/api/v1/users/{username}", change_user, methods=["PATCH"]),
    Route("/api/v1/users/{username}", delete_user, methods=["DELETE"]),
    counter_route("call-next", _call_next),
    counter_route("recall", _recall),
    counter_route("done", _done),
    counter_route("no-show", _no_show),
    counter_route("transfer", _transfer),
    counter_route("call", _call),
    counter_route("hold", _hold),
    counter_route("open", _open),
    counter_route("pause", _pause),
    counter_route("close", _close),
    Route("/api/v1/sites/{site}/counters/{counter}/queue", counter_queue),
    Route("/api/v1/sites/{site}/reports", reports.reports),
    Route("/api/v1/sites/{site}/satisfaction", satisfaction.satisfaction),
]
