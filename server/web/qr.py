"""The QR code on a visitor's ticket: a link to its page, drawn by segno as SVG.

The link is built on the site's public address (LOKET_PUBLIC_URL), else on the address
this request came to — right when phones reach the server the way the kiosk does.
`/t/{ticket_id}/qr.svg` serves it for the kiosk's on-screen and printed ticket; the
print view of the ticket page has it inline.
"""

from __future__ import annotations

from urllib.parse import quote

import segno
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from loket.server.domain.ticket import Ticket
from loket.server.web.ratelimit import limit
from loket.server.web.state import service_of
from loket.server.web.tickets import known_id

# the link never changes for a ticket; a day covers its whole life. Private: it holds the
# visitor's secret link, which no shared cache may keep
CACHE = "private, max-age=86400"


def ticket_url(conn: HTTPConnection, ticket: Ticket) -> str:
    """The visitor's page of `ticket`, in the language it was taken in."""
    base = conn.app.state.public_url or str(conn.base_url).rstrip("/")
    query = f"?lang={quote(ticket.lang)}" if ticket.lang else ""
    return f"{base}/t/{quote(ticket.id)}{query}"


def qr_svg(url: str, title: str) -> str:
    """An inline <svg> (no size of its own: CSS sizes it), dark on white, 4 modules of
    quiet zone, medium error correction (a crumpled or smudged print still reads)."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(
        scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, light="#fff", title=title
    )
    return svg.replace("<svg ", '<svg shape-rendering="crispEdges" ', 1)


async def ticket_qr(request: Request) -> Response:
    limit(request)
    service = service_of(request)
    ticket, _ = await service.ticket(known_id(request.path_params["ticket_id"]))
    svg = qr_svg(ticket_url(request, ticket), ticket.number)
    body = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": CACHE})


ROUTES = [Route("/t/{ticket_id}/qr.svg", ticket_qr)]
