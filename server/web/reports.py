"""GET /api/v1/sites/{site}/reports (CONTRACT 6.3): a supervisor's or an admin's report,
as JSON, CSV or XLSX. Every query parameter is checked first: a 422 with its own code."""

from __future__ import annotations

import asyncio
import re
from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.site import Site
from loket.server.errors import Invalid
from loket.server.reports import export
from loket.server.reports.row import By
from loket.server.web import auth
from loket.server.web.state import service_of

MAX_DAYS_APART = 366
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FORMATS = ("json", "csv", "xlsx")
BYS = tuple(by.value for by in By)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def reports(request: Request) -> Response:
    service = service_of(request)
    await auth.supervisor(request, service, request.method)
    site = service.site(request.path_params["site"])
    first, last = period(request)
    by = choice(request, "by", BYS, _param(request, "by"), ErrorCode.INVALID_BY)
    kind = choice(request, "format", FORMATS, "json", ErrorCode.INVALID_FORMAT)
    report = await service.report(site.id, first, last, By(by))
    if kind == "json":
        return JSONResponse(report.to_json())
    names = names_of(site, report.by)
    if kind == "csv":
        body, media = export.to_csv(report, names), "text/csv; charset=utf-8"
    else:  # a few hundred rows of pure Python: off the event loop
        body, media = await asyncio.to_thread(export.to_xlsx, report, names), XLSX
    return attachment(body, media, export.filename(report, kind))


def period(request: Request) -> tuple[date, date]:
    """`from` and `to` (CONTRACT 6.3): local days, in order, at most 366 days apart."""
    first, last = _day(request, "from"), _day(request, "to")
    if first > last:
        raise Invalid("'from' comes after 'to'.", ErrorCode.DATES_REVERSED)
    if (last - first).days > MAX_DAYS_APART:
        raise Invalid(
            f"'from' and 'to' are at most {MAX_DAYS_APART} days apart.", ErrorCode.RANGE_TOO_LONG
        )
    return first, last


def attachment(body: bytes, media: str, name: str) -> Response:
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def names_of(site: Site, by: By) -> dict[str, str]:
    """The names of a report's keys, for people: in the site's first language."""
    lang = site.languages[0]
    if by is By.SERVICE:
        return {s.id: site.text(s.name, lang) for s in site.services}
    if by is By.COUNTER:
        return {c.id: site.text(c.name, lang) for c in site.counters}
    return {}


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None or not value:
        raise Invalid(f"Give the query parameter '{name}'.", ErrorCode.MISSING_PARAMETER)
    return value


def _day(request: Request, name: str) -> date:
    text = _param(request, name)
    try:
        if not DAY.fullmatch(text):  # fromisoformat would take 2026-W01-1 too
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"'{name}' must be a date as YYYY-MM-DD (the site's local day).", ErrorCode.INVALID_DATE
        ) from None


def choice(
    request: Request, name: str, allowed: tuple[str, ...], default: str, code: ErrorCode
) -> str:
    value = request.query_params.get(name) or default
    if value not in allowed:
        raise Invalid(f"'{name}' is one of {', '.join(allowed)}.", code)
    return value
