"""The HTML pages of CONTRACT section 5, rendered with Jinja2."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loket.server.domain.errors import NotFound
from loket.server.domain.site import Names, Site
from loket.server.i18n.calendar import calendar_names
from loket.server.i18n.formatting import day_text, moment_text
from loket.server.service import LoketService
from loket.server.web.assets import asset_version
from loket.server.web.language import choose, direction, language_name
from loket.server.web.multilingual import Labels
from loket.server.web.qr import qr_svg, ticket_url
from loket.server.web.ratelimit import limit
from loket.server.web.strings import page_strings
from loket.server.web.templating import PageTemplates
from loket.server.web.tickets import known_id


def templates(pseudo: bool = False) -> PageTemplates:
    return PageTemplates(pseudo=pseudo, version=asset_version())


def _service(request: Request) -> LoketService:
    service: LoketService = request.app.state.service
    return service


def _templates(request: Request) -> PageTemplates:
    page_templates: PageTemplates = request.app.state.templates
    return page_templates


def _languages(request: Request, site: Site | None) -> tuple[str, ...]:
    """What a page may speak: the site's languages first (without a site: the first site's)."""
    chosen = site or next(iter(_service(request).sites.values()))
    return _templates(request).languages(chosen.languages)


def _render(
    request: Request,
    name: str,
    site: Site | None,
    context: dict[str, Any],
    page: str,
    status: int = 200,
    preferred: str | None = None,
) -> Response:
    service = _service(request)
    languages = _languages(request, site)
    lang = choose(request, languages, preferred)
    fallback = site.languages[0] if site else languages[0]

    def tr(names: Names) -> str:
        return names.get(lang) or names.get(fallback) or next(iter(names.values()), "")

    config = context.pop("config", {})
    page_templates = _templates(request)
    config.update(lang=lang, strings=page_strings(page, page_templates.translations(lang)))
    if site is not None:
        config.update(
            site=site.id,
            ws=f"/ws/display/{site.id}",
            services={s.id: tr(s.name) for s in site.services},
            counters={c.id: tr(c.name) for c in site.counters},
        )
    return page_templates.get(lang).TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "dir": direction(lang),
            "version": page_templates.version,
            "tr": tr,
            "site": None if site is None else site.to_json(),
            "sites": [s.to_json() for s in service.sites.values()],
            "languages": [{"code": code, "name": language_name(code)} for code in languages],
            "config": config,
            **context,
        },
        status_code=status,
    )


async def index(request: Request) -> Response:
    return _render(request, "index.html", None, {}, "index")


SHOWN_SITE_ID = 60  # of a mistyped address, quoted back on the "site not found" page


async def display(request: Request) -> Response:
    try:
        site = _service(request).site(request.path_params["site"])
    except NotFound:
        asked = {"asked": request.path_params["site"][:SHOWN_SITE_ID]}
        return _render(request, "display_missing.html", None, asked, "display", status=404)
    lang = choose(request, _languages(request, site))
    ticker = site.text(site.ticker, lang) if site.ticker else ""
    zone = request.query_params.get("zone")
    labels = Labels(site, lang, _templates(request))
    # the running text in each language the labels show, in their order: one per pass
    tickers = [
        {"lang": code, "text": site.ticker[code]}
        for code in labels.languages
        if code in site.ticker
    ]
    return _render(
        request,
        "display.html",
        site,
        {
            "zone": zone,
            "ml": labels.text,
            "ml_names": labels.names,
            "config": {
                "ticker": ticker,
                "tickers": tickers,
                "zone": zone,
                "labels": labels.config(),
                "calendar": calendar_names(lang),
            },
        },
        "display",
    )


async def kiosk(request: Request) -> Response:
    site = _service(request).site(request.path_params["site"])
    public = request.app.state.public_url or str(request.base_url).rstrip("/")
    return _render(
        request,
        "kiosk.html",
        site,
        {
            "config": {
                "api": f"/api/v1/sites/{site.id}/tickets",
                "kiosk_api": f"/api/v1/sites/{site.id}/kiosk",
                "remote_tickets": site.remote_tickets,
                "public_url": public,
            }
        },
        "kiosk",
    )


async def counter(request: Request) -> Response:
    site = _service(request).site(request.path_params["site"])
    counter_obj = site.counter(request.path_params["counter"])
    return _render(
        request,
        "counter.html",
        site,
        {
            "counter": {
                "id": counter_obj.id,
                "name": counter_obj.name,
                "services": list(counter_obj.services),
            },
            "config": {
                "counter": counter_obj.id,
                "api": f"/api/v1/sites/{site.id}/counters/{counter_obj.id}",
                "counter_services": list(counter_obj.services),
            },
        },
        "counter",
    )


async def visitor_ticket(request: Request) -> Response:
    """The visitor's own ticket (mobile first), or with ?print=1 its 80 mm paper form.
    A ticket of an earlier day says so; an unknown one is a page, not JSON."""
    limit(request)
    service = _service(request)
    try:
        ticket_id = known_id(request.path_params["ticket_id"])
        ticket, position, estimate = await service.ticket_view(ticket_id)
    except NotFound:
        return _render(request, "ticket_missing.html", None, {}, "ticket_missing", status=404)
    site = service.site(ticket.site)
    lang = choose(request, _languages(request, site), ticket.lang)
    printing = request.query_params.get("print") == "1"
    link = ticket_url(request, ticket)
    view = {
        "ticket": ticket.holder_json(),
        "position": position,
        "estimate": None if estimate is None else estimate.to_json(),
    }
    chime = site.announcements.chime and service.audio is not None
    past = service.is_past(ticket)
    return _render(
        request,
        "ticket.html",
        site,
        {
            **view,
            "issued": moment_text(ticket.issued_at, lang, site.timezone),
            "print": printing,
            "past": past,
            "day": day_text(ticket.day, lang),
            "link": link,
            "qr": Markup(qr_svg(link, ticket.number)) if printing else "",
            "config": {
                **view,
                "past": past,
                "ticket_ws": f"/ws/ticket/{ticket.id}",
                "chime": f"/audio/chime/{site.id}.wav" if chime else None,
            },
        },
        "ticket",
        preferred=ticket.lang,  # the language chosen at the kiosk, unless ?lang= says otherwise
    )


async def admin(request: Request) -> Response:
    return _render(request, "admin.html", None, {}, "admin")


ROUTES = [
    Route("/", index),
    Route("/display/{site}", display),
    Route("/kiosk/{site}", kiosk),
    Route("/counter/{site}/{counter}", counter),
    Route("/t/{ticket_id}", visitor_ticket),
    Route("/admin", admin),
]
