"""`GET /metrics` (CONTRACT 6.8): this process's figures in Prometheus' text format, to an
admin's token, or to anyone on the server's own machine (a scraper beside it).

Behind a reverse proxy on the same machine, the proxy must pass the caller's address
(X-Forwarded-For, which uvicorn takes from 127.0.0.1): else every caller looks local.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loket.server.metrics import Metrics
from loket.server.web import auth
from loket.server.web.ratelimit import from_this_machine
from loket.server.web.state import service_of


async def metrics(request: Request) -> Response:
    if not from_this_machine(request):
        await auth.admin(request, service_of(request), request.method)
    figures: Metrics = request.app.state.metrics
    return Response(figures.text(), media_type=CONTENT_TYPE_LATEST)


ROUTES = [Route("/metrics", metrics)]
