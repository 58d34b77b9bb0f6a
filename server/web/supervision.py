"""The supervisors' API (CONTRACT 6.3): a site's live view."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from loket.server.web import auth
from loket.server.web.state import service_of


async def live(request: Request) -> Response:
    service = service_of(request)
    await auth.supervisor(request, service, request.method)
    return JSONResponse(await service.supervision.live(request.path_params["site"]))


ROUTES = [Route("/api/v1/sites/{site}/live", live)]
