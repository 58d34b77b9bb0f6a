"""The app factory: wires settings, store, hub and service into Starlette in a lifespan."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from loket.server.announce import Announcer
from loket.server.announce.cache import DiskCache
from loket.server.announce.library import AudioLibrary
from loket.server.announce.voicepack import load_packs
from loket.server.archive.running import archiving
from loket.server.archive.url import check_archive
from loket.server.config import load_sites
from loket.server.domain.site import Site
from loket.server.hub import Hub
from loket.server.metrics import Metrics
from loket.server.service import LoketService, utcnow
from loket.server.settings import Settings, default_audio_cache
from loket.server.store import open_store
from loket.server.store.metered import metered
from loket.server.transport.addresses import AddressCounts, Trusted
from loket.server.web import (
    api,
    audio,
    hall,
    kiosks,
    metrics,
    openapi,
    pages,
    qr,
    ratings,
    screens,
    supervision,
)
from loket.server.web.assets import ASSET_MOUNTS
from loket.server.web.capped import Capped
from loket.server.web.errors import HANDLERS
from loket.server.web.guard import RequestGuard
from loket.server.web.headers import SecurityHeaders, content_security_policy, security_headers
from loket.server.web.instrument import Instrument
from loket.server.web.ratelimit import TokenBuckets
from loket.server.web.sockets import DisplaySocket
from loket.server.web.ticket_socket import TicketSocket


class LoketApp(Starlette):
    """Starlette with the security headers outermost: on its 500 answers too, which
    Starlette's own error middleware sends from outside every user middleware."""

    def __init__(self, headers: tuple[tuple[bytes, bytes], ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.security_headers = headers

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), self.security_headers)


def _announce_password(password: str) -> None:
    print(
        f"\n  Created the user 'admin' with the password: {password}\n"
        "  It is shown only this once. Set LOKET_ADMIN_PASSWORD to choose it yourself.\n",
        flush=True,
    )


def create_app(
    settings: Settings,
    sites: tuple[Site, ...] | None = None,
    on_generated_password: Callable[[str], None] = _announce_password,
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """`clock`: the service's time (None: the real one); tests set it, e.g. to carry on a
    day recorded earlier (tests/integration/test_upgrade.py)."""
    check_archive(settings.store, settings.archive)
    chosen_sites = sites if sites is not None else load_sites(settings.config)
    packs = load_packs(chosen_sites)  # here, not in the lifespan: a broken pack stops start-up
    figures = Metrics(speech=lambda: _speech_counts(app))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        cache = DiskCache(
            settings.audio_cache or default_audio_cache(os.environ),
            settings.audio_cache_mb * 1024 * 1024,
        )
        library = AudioLibrary(chosen_sites, cache, packs)
        await library.start()  # its speech process, so that the first call need not wait
        service = LoketService(
            chosen_sites,
            metered(open_store(settings.store, settings.archive), figures.store_operation),
            Hub(),
            announcer=Announcer(library),
            audio=library,
            clock=clock or utcnow,
            config=settings.config,
        )
        await service.start()
        try:
            generated = await service.ensure_admin(settings.admin_password)
            if generated is not None:
                on_generated_password(generated)
            app.state.service = service
            archive = archiving(
                settings.store,
                settings.archive,
                lambda: list(service.sites.values()),  # those served now: a reload may add some
                settings.archive_claim_s,
            )
            async with archive:
                maintenance = asyncio.create_task(service.maintain())
                yield
                maintenance.cancel()
        finally:
            await service.stop()

    trusted = Trusted(settings.trusted_proxies)  # not capped: they name their clients
    displays = AddressCounts(
        settings.display_sockets_per_address,
        trusted,
        "display sockets (LOKET_DISPLAY_SOCKETS_PER_ADDRESS)",
    )
    phones = AddressCounts(
        settings.ticket_sockets_per_address,
        trusted,
        "ticket sockets (LOKET_TICKET_SOCKETS_PER_ADDRESS)",
    )
    routes = [
        *api.ROUTES,
        *kiosks.ROUTES,
        *ratings.ROUTES,
        *screens.ROUTES,
        *supervision.ROUTES,
        *hall.ROUTES,
        *openapi.ROUTES,
        *metrics.ROUTES,
        *audio.ROUTES,
        *pages.ROUTES,
        *qr.ROUTES,
        WebSocketRoute("/ws/display/{site}", Capped(DisplaySocket(), displays, "display")),
        WebSocketRoute("/ws/ticket/{ticket_id}", Capped(TicketSocket(), phones, "ticket")),
        *(
            Mount(prefix, StaticFiles(packages=[package]))
            for prefix, package in ASSET_MOUNTS.items()
        ),
    ]
    page_templates = pages.templates(pseudo=settings.pseudo_locale)
    csp = content_security_policy((page_templates.import_map.sha256,), settings.public_url)
    app = LoketApp(
        security_headers(csp),
        routes=routes,
        lifespan=lifespan,
        exception_handlers=HANDLERS,
        middleware=[
            Middleware(Instrument, metrics=figures, routes=routes),  # refusals counted too
            Middleware(RequestGuard, public_url=settings.public_url),
        ],
    )
    app.state.metrics = figures
    app.state.templates = page_templates
    app.state.public_url = settings.public_url
    app.state.ticket_limits = TokenBuckets(settings.ticket_rate, settings.ticket_burst)
    return app


def _speech_counts(app: Starlette) -> tuple[int, int] | None:
    """(rendered, failed) speech segments, once the app runs with audio."""
    service: LoketService | None = getattr(app.state, "service", None)
    if service is None or service.audio is None:
        return None
    renderer = service.audio.renderer
    return renderer.rendered, renderer.failed
