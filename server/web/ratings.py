"""The rating endpoints (CONTRACT 6.4): the holder's, from the ticket page, and the desk's,
from the visitor-facing device at a counter (a staff session of the counter, or a device
enrolled for it with its kiosk key)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.rating import Rating
from loket.server.domain.skm import rating_input, score_of
from loket.server.errors import Forbidden, Invalid
from loket.server.service import LoketService
from loket.server.web import auth
from loket.server.web.body import field, json_object
from loket.server.web.kiosks import KIOSK_HEADER, checked_kiosk
from loket.server.web.ratelimit import limit
from loket.server.web.state import service_of
from loket.server.web.tickets import known_id

MAX_REF = 40  # 20261206-A015, with room for long prefixes


async def holder_rating(request: Request) -> Response:
    limit(request)  # no login: one address's ratings are bounded like its ticket reads
    ticket_id = known_id(request.path_params["ticket_id"])
    given = rating_input(await json_object(request))
    return _kept(await service_of(request).ratings.by_holder(ticket_id, given))


async def desk_rating(request: Request) -> Response:
    service = service_of(request)
    site_id, counter = request.path_params["site"], request.path_params["counter"]
    await _desk(request, service, site_id, counter)
    body = await json_object(request)
    ref = field(body, "ref", str)
    if not 0 < len(ref) <= MAX_REF:
        raise Invalid("The field 'ref' must name a ticket.", ErrorCode.INVALID_FIELD)
    return _kept(await service.ratings.at_desk(site_id, counter, ref, score_of(body)))


async def _desk(request: Request, service: LoketService, site_id: str, counter: str) -> None:
    """Who rates at the desk: the device enrolled for this counter, or its clerk's session."""
    key = request.headers.get(KIOSK_HEADER)
    if key is None:
        service.at_counter(await auth.staff(request, service, request.method), site_id, counter)
        return
    kiosk = await checked_kiosk(request, service, service.site(site_id), key)
    if kiosk.counter != counter:
        raise Forbidden(
            f"This device is not enrolled as counter {counter}'s rating device.",
            ErrorCode.INVALID_KIOSK_KEY,
        )


def _kept(rating: Rating) -> Response:
    return JSONResponse({"rating": rating.to_json()}, status_code=201)


ROUTES = [
    Route("/api/v1/tickets/{ticket_id}/rating", holder_rating, methods=["POST"]),
    Route("/api/v1/sites/{site}/counters/{counter}/rating", desk_rating, methods=["POST"]),
]
