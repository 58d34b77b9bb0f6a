"""Kiosks (CONTRACT 6.7): an admin enrols, lists and revokes them; a kiosk asks who it is;
and who may take a ticket — an enrolled kiosk, the server's own machine, or anyone else
within their address's allowance, unless the site takes tickets from kiosks only.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.site import Site
from loket.server.errors import Forbidden
from loket.server.kiosks import Kiosk
from loket.server.service import LoketService
from loket.server.web import auth
from loket.server.web.body import field, json_object
from loket.server.web.ratelimit import client_address, is_loopback, limit
from loket.server.web.state import service_of

KIOSK_HEADER = "x-kiosk-key"


async def ticket_taker(request: Request, service: LoketService, site: Site) -> str | None:
    """Checks who asks for a ticket at `site`: None when no allowance counts (a kiosk
    with a valid key, the server's own machine), else the address whose allowance the
    ticket takes. A key that is not valid is refused (403 invalid_kiosk_key) rather than
    taken as no key: a revoked kiosk notices and can be enrolled again."""
    key = request.headers.get(KIOSK_HEADER)
    if key is not None:
        if not service.kiosks.known(site.id, key):
            await checked_kiosk(request, service, site, key)
        return None
    address = client_address(request)
    if is_loopback(address):
        return None
    limit(request)
    if not site.remote_tickets:
        raise Forbidden("This site issues tickets at its kiosks only.", ErrorCode.KIOSK_ONLY)
    return address


async def checked_kiosk(request: Request, service: LoketService, site: Site, key: str) -> Kiosk:
    """The key's kiosk, read from the store. A wrong key costs its address a token of the
    ticket endpoints' bucket (server/web/ratelimit.py), and an address with none left
    gets no more reads for keys: guessing keys is as bounded as guessing ticket ids."""
    limit(request, spend=False)
    try:
        return await service.kiosks.check(site.id, key)
    except Forbidden:
        limit(request)
        raise


async def this_kiosk(request: Request) -> Response:
    """The kiosk whose X-Kiosk-Key this is: the kiosk page checks its key with it."""
    service = service_of(request)
    site = service.site(request.path_params["site"])
    key = request.headers.get(KIOSK_HEADER)
    if key is None:
        raise Forbidden("Send the kiosk's key as X-Kiosk-Key.", ErrorCode.INVALID_KIOSK_KEY)
    kiosk = await checked_kiosk(request, service, site, key)
    return JSONResponse({"kiosk": {"id": kiosk.id, "name": kiosk.name, "counter": kiosk.counter}})


async def list_kiosks(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    site = service.site(request.path_params["site"])
    kiosks = await service.kiosks.list(site.id)
    return JSONResponse({"kiosks": [kiosk.to_json() for kiosk in kiosks]})


async def enrol_kiosk(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    site = service.site(request.path_params["site"])
    body = await json_object(request)
    name, counter = field(body, "name", str), field(body, "counter", str, None)
    if counter is not None:
        site.counter(counter)  # 404 unknown_counter
    kiosk, key = await service.kiosks.enrol(site.id, name, counter)
    return JSONResponse({"kiosk": kiosk.to_json(), "key": key}, status_code=201)


async def revoke_kiosk(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    site = service.site(request.path_params["site"])
    await service.kiosks.revoke(site.id, request.path_params["kiosk"])
    return JSONResponse({"status": "ok"})


ROUTES = [
    Route("/api/v1/sites/{site}/kiosk", this_kiosk),
    Route("/api/v1/sites/{site}/kiosks", list_kiosks),
    Route("/api/v1/sites/{site}/kiosks", enrol_kiosk, methods=["POST"]),
    Route("/api/v1/sites/{site}/kiosks/{kiosk}", revoke_kiosk, methods=["DELETE"]),
]
