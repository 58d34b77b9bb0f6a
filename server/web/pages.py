"""The HTML pages of CONTRACT section 5, rendered with Jinja2."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loket.server.domain.errors import NotFound
from loket.server.domain.rating import Rater, window
from loket.server.domain.site import Names, Site
from loket.server.domain.skm import GRADES
from loket.server.domain.ticket import Status, Ticket
from loket.server.hall import site_version
from loket.server.i18n.calendar import (
    day_format,
    day_text,
    moment_format,
    moment_text,
    report_format,
    time_format,
)
from loket.server.i18n.pseudo import PSEUDO_LANG
from loket.server.web.assets import asset_version
from loket.server.web.language import choose, direction, language_name
from loket.server.web.multilingual import Labels
from loket.server.web.qr import qr_svg, ticket_url
from loket.server.web.ratelimit import limit
from loket.server.web.state import service_of
from loket.server.web.strings import page_strings
from loket.server.web.templating import PageTemplates
from loket.server.web.tickets import known_id


def templates(pseudo: bool = False) -> PageTemplates:
    return PageTemplates(pseudo=pseudo, version=asset_version())


def _templates(request: Request) -> PageTemplates:
    page_templates: PageTemplates = request.app.state.templates
    return page_templates


def _languages(request: Request, site: Site | None) -> tuple[str, ...]:
    """What ?lang= may ask a page for: the site's languages first (without a site: the first
    site's), then every other language Loket has a catalog for."""
    chosen = site or next(iter(service_of(request).sites.values()))
    return _templates(request).languages(chosen.languages)


def _offered(request: Request, site: Site | None) -> tuple[str, ...]:
    """What a page offers on its switcher and takes from Accept-Language: the languages the
    site's names are written in (without a site: every site's), so that no switcher leads to
    labels in one language over names in another."""
    sites = [site] if site else list(service_of(request).sites.values())
    wanted = tuple(dict.fromkeys(lang for each in sites for lang in each.languages))
    return wanted + ((PSEUDO_LANG,) if _templates(request).pseudo else ())


def _render(
    request: Request,
    name: str,
    site: Site | None,
    context: dict[str, Any],
    page: str,
    status: int = 200,
    preferred: str | None = None,
) -> Response:
    service = service_of(request)
    languages = _languages(request, site)
    offered = _offered(request, site)
    lang = choose(request, languages, preferred, offered)
    fallback = site.languages[0] if site else languages[0]
    # an explicit ?lang= outside the offered ones still shows where the page is
    switcher = offered if lang in offered else (*offered, lang)

    def tr_lang(names: Names) -> str:
        """The language a name is shown in: the page's, else the site's first, else any (a
        name in another language carries its own lang attribute, for hyphenation)."""
        return next((code for code in (lang, fallback) if names.get(code)), next(iter(names), lang))

    def tr(names: Names) -> str:
        return names.get(tr_lang(names), "")

    config = context.pop("config", {})
    page_templates = _templates(request)
    config.update(lang=lang, strings=page_strings(page, page_templates.translations(lang)))
    # dates and times as the server writes them (CLDR), for calendar.js formatMoment
    if page in ("kiosk", "ticket", "admin"):
        config.update(moment=moment_format(lang))  # tickets' and kiosks' dates with times
    if page in ("counter", "admin", "live"):
        config.update(time=time_format(lang))  # a time of day today
    if page == "reports" and site is not None:
        config.update(report=report_format(lang, site.timezone))
    if site is not None:
        version = site_version(site)  # its socket tells the page when the site changed
        config.update(
            site=site.id,
            site_version=version,
            ws=f"/ws/display/{site.id}?site={version}",
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
            "tr_lang": tr_lang,
            "site": None if site is None else site.to_json(),
            "sites": [s.to_json() for s in service.sites.values()],
            "languages": [{"code": code, "name": language_name(code)} for code in switcher],
            "config": config,
            **context,
        },
        status_code=status,
    )


def _paper(request: Request, site: Site) -> str:
    """The ticket printer's roll, in mm: the kiosk's own ?paper=58 or ?paper=80, else the
    site's `paper_mm`."""
    asked = request.query_params.get("paper")
    return asked if asked in ("58", "80") else str(site.paper_mm)


async def index(request: Request) -> Response:
    return _render(request, "index.html", None, {}, "index")


SHOWN_SITE_ID = 60  # of a mistyped address, quoted back on the "site not found" page


async def display(request: Request) -> Response:
    try:
        site = service_of(request).site(request.path_params["site"])
    except NotFound:
        asked = {"asked": request.path_params["site"][:SHOWN_SITE_ID]}
        return _render(request, "display_missing.html", None, asked, "display", status=404)
    lang = choose(request, _languages(request, site), None, _offered(request, site))
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
                # the date in each language the labels show, turning with them
                "calendars": {code: day_format(code) for code in labels.languages},
            },
        },
        "display",
    )


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _local_address(request: Request) -> str:
    """The kiosk's own address when its tickets' QR codes would lead to this machine
    only (no LOKET_PUBLIC_URL, the page opened as localhost): staff are warned."""
    if request.app.state.public_url or request.url.hostname not in LOCAL_HOSTS:
        return ""
    return str(request.base_url).rstrip("/")


async def kiosk(request: Request) -> Response:
    site = service_of(request).site(request.path_params["site"])
    public = request.app.state.public_url or str(request.base_url).rstrip("/")
    return _render(
        request,
        "kiosk.html",
        site,
        {
            "paper": _paper(request, site),
            "local_address": _local_address(request),
            "config": {
                "api": f"/api/v1/sites/{site.id}/tickets",
                "kiosk_api": f"/api/v1/sites/{site.id}/kiosk",
                "remote_tickets": site.remote_tickets,
                "public_url": public,
            },
        },
        "kiosk",
    )


async def counter(request: Request) -> Response:
    site = service_of(request).site(request.path_params["site"])
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


QUESTION_SECONDS = (60, 5, 240)  # the rating tablet's ?seconds=: default, least, most


def _question_seconds(request: Request) -> int:
    """How long the tablet asks after a ticket is done: its own ?seconds=, bounded below the
    desk's 5-minute window (server/domain/rating.py), else a minute."""
    default, least, most = QUESTION_SECONDS
    asked = request.query_params.get("seconds", "")
    return min(most, max(least, int(asked))) if asked.isdigit() else default


async def rate(request: Request) -> Response:
    """The desk's visitor-facing rating tablet (CONTRACT 6.4): its words in the site's
    languages, as the hall display shows them (server/web/multilingual.py)."""
    site = service_of(request).site(request.path_params["site"])
    counter_obj = site.counter(request.path_params["counter"])
    lang = choose(request, _languages(request, site), None, _offered(request, site))
    labels = Labels(site, lang, _templates(request))
    api = f"/api/v1/sites/{site.id}"
    return _render(
        request,
        "rate.html",
        site,
        {
            "counter": {"id": counter_obj.id, "name": counter_obj.name},
            "ml": labels.text,
            "ml_names": labels.names,
            "config": {
                "counter": counter_obj.id,
                "rating_api": f"{api}/counters/{counter_obj.id}/rating",
                "kiosk_api": f"{api}/kiosk",
                "seconds": _question_seconds(request),
                "labels": labels.config(),
            },
        },
        "rate",
    )


async def visitor_ticket(request: Request) -> Response:
    """The visitor's own ticket (mobile first), or with ?print=1 its 80 mm paper form.
    A ticket of an earlier day says so; an unknown one is a page, not JSON."""
    limit(request)
    service = service_of(request)
    try:
        ticket_id = known_id(request.path_params["ticket_id"])
        ticket, position, estimate = await service.ticket_view(ticket_id)
    except NotFound:
        return _render(request, "ticket_missing.html", None, {}, "ticket_missing", status=404)
    site = service.site(ticket.site)
    lang = choose(request, _languages(request, site), ticket.lang, _offered(request, site))
    printing = request.query_params.get("print") == "1"
    link = ticket_url(request, ticket)
    view = {
        "ticket": ticket.holder_json(),
        "position": position,
        "estimate": None if estimate is None else estimate.to_json(),
    }
    chime = site.announcements.chime and service.audio is not None
    past = service.is_past(ticket)
    kept = await service.ratings.of(ticket)
    closed = _rating_closed(ticket, service.clock())
    # served on an earlier day but within the 24 hours: its page still offers the rating
    rateable = past and ticket.status is Status.DONE and (kept is not None or not closed)
    return _render(
        request,
        "ticket.html",
        site,
        {
            **view,
            "issued": moment_text(ticket.issued_at, lang, site.timezone),
            "print": printing,
            "paper": _paper(request, site),
            "past": past,
            "rateable": rateable,
            "day": day_text(ticket.day, lang),
            "link": link,
            "qr": Markup(qr_svg(link, ticket.number)) if printing else "",
            "config": {
                **view,
                "past": past,
                "ticket_ws": f"/ws/ticket/{ticket.id}?site={site_version(site)}",
                "chime": f"/audio/chime/{site.id}.wav" if chime else None,
                "rating": {
                    "api": f"/api/v1/tickets/{ticket.id}/rating",
                    "kept": None if kept is None else kept.to_json(),
                    "closed": closed,
                },
            },
        },
        "ticket",
        preferred=ticket.lang,  # the language chosen at the kiosk, unless ?lang= says otherwise
    )


def _rating_closed(ticket: Ticket, now: datetime) -> bool:
    """Served longer ago than its holder may rate it (CONTRACT 6.4: 24 hours)."""
    done = ticket.finished_at
    return done is not None and now - done > window(Rater.HOLDER)


async def admin(request: Request) -> Response:
    return _render(request, "admin.html", None, {"language_name": language_name}, "admin")


async def live(request: Request) -> Response:
    """The supervisors' live view of one site, or of every site (/live)."""
    service = service_of(request)
    asked = request.path_params.get("site")
    shown = [service.site(asked)] if asked is not None else list(service.sites.values())
    sites = [{"id": s.id, "ws": f"/ws/display/{s.id}?site={site_version(s)}"} for s in shown]
    context = {"live_sites": [s.to_json() for s in shown], "config": {"sites": sites}}
    return _render(request, "live.html", shown[0] if asked else None, context, "live")


async def reports(request: Request) -> Response:
    """CONTRACT 6.3's reports of a site; the page asks the API, which checks the role."""
    site = service_of(request).site(request.path_params["site"])
    return _render(
        request,
        "reports.html",
        site,
        {
            "config": {
                "api": f"/api/v1/sites/{site.id}/reports",
                "satisfaction": f"/api/v1/sites/{site.id}/satisfaction",
                # the SKM's grade table (server/domain/skm.py), best first
                "grades": [{"letter": g.letter, "lowest": float(g.lowest)} for g in GRADES],
            }
        },
        "reports",
    )


ROUTES = [
    Route("/", index),
    Route("/display/{site}", display),
    Route("/kiosk/{site}", kiosk),
    Route("/counter/{site}/{counter}", counter),
    Route("/rate/{site}/{counter}", rate),
    Route("/t/{ticket_id}", visitor_ticket),
    Route("/admin", admin),
    Route("/live", live),
    Route("/live/{site}", live),
    Route("/reports/{site}", reports),
]
