"""GET /api/v1/sites/{site}/satisfaction (issue 18): a supervisor's or an admin's
satisfaction report of a period, as JSON, the SKM processing sheet as CSV, or the yearly SKM
report's workbook (XLSX). The query is read as a report's (server/web/reports.py)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from loket.server.domain.error_codes import ErrorCode
from loket.server.reports import skm_export
from loket.server.reports.row import By
from loket.server.web import auth
from loket.server.web.reports import FORMATS, XLSX, attachment, choice, names_of, period
from loket.server.web.state import service_of


async def satisfaction(request: Request) -> Response:
    service = service_of(request)
    await auth.supervisor(request, service, request.method)
    site = service.site(request.path_params["site"])
    first, last = period(request)
    kind = choice(request, "format", FORMATS, "json", ErrorCode.INVALID_FORMAT)
    report = await service.satisfaction(site.id, first, last)
    if kind == "json":
        return JSONResponse(report.to_json())
    services, counters = names_of(site, By.SERVICE), names_of(site, By.COUNTER)
    if kind == "csv":
        body = skm_export.to_csv(report, services, counters)
        return attachment(body, "text/csv; charset=utf-8", skm_export.filename(report, kind))
    name = site.text(site.name, site.languages[0])
    # a year of respondents in pure Python: off the event loop
    body = await asyncio.to_thread(skm_export.to_xlsx, report, name, services, counters)
    return attachment(body, XLSX, skm_export.filename(report, kind))
