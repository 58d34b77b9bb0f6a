"""Changing the hall while running (server/hall.py): the admin's reload of the site file,
and the running text per language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loket.server.web import auth
from loket.server.web.body import field, json_object
from loket.server.web.state import service_of


async def reload_sites(request: Request) -> Response:
    """200 with what changed; 422 (the file does not read) or 409 (refused): nothing did."""
    service = service_of(request)
    await auth.admin(request, service, request.method)
    changed = await service.hall.reload()
    sites = [site.to_json() for site in service.sites.values()]
    return JSONResponse({"changed": changed, "sites": sites})


async def ticker(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    return JSONResponse(service.hall.ticker(request.path_params["site"]))


async def set_ticker(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    site_id = service.site(request.path_params["site"]).id
    texts = field(await json_object(request), "texts", dict)
    return JSONResponse(await service.hall.set_ticker(site_id, texts))


ROUTES = [
    Route("/api/v1/admin/reload", reload_sites, methods=["POST"]),
    Route("/api/v1/sites/{site}/ticker", ticker),
    Route("/api/v1/sites/{site}/ticker", set_ticker, methods=["PUT"]),
]
