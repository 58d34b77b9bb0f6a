"""The admin's word on a site's screens (server/screens.py): name one, or remove it from
the list. The list itself is GET /api/v1/sites/{site}/displays (api.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid
from loket.server.web import auth
from loket.server.web.body import field, json_object
from loket.server.web.state import service_of

SCREEN = "/api/v1/sites/{site}/displays/{display}"


async def rename_screen(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    site = service.site(request.path_params["site"])
    body = await json_object(request)
    if "name" not in body:  # null forgets the name: a forgotten field must not
        raise Invalid(
            "The field 'name' is required (null forgets the name).", ErrorCode.MISSING_FIELD
        )
    screen_id = request.path_params["display"]
    name = await service.screens.rename(site.id, screen_id, field(body, "name", str, None))
    return JSONResponse({"display": {"id": screen_id, "name": name}})


async def remove_screen(request: Request) -> Response:
    service = service_of(request)
    await auth.admin(request, service, request.method)
    site = service.site(request.path_params["site"])
    await service.screens.remove(site.id, request.path_params["display"])
    return Response(status_code=204)


ROUTES = [
    Route(SCREEN, rename_screen, methods=["PATCH"]),
    Route(SCREEN, remove_screen, methods=["DELETE"]),
]
