"""uvicorn's Config for `loket serve`, with the bounded protocols of this package."""

from __future__ import annotations

from typing import Any

from loket.server.settings import Settings
from loket.server.transport.addresses import AddressCounts, Trusted
from loket.server.transport.bounds import BoundedConfig, Bounds
from loket.server.transport.http import BoundedHttp
from loket.server.transport.websocket import BoundedWebSocket


def bounded_config(app: Any, settings: Settings, **options: Any) -> BoundedConfig:
    bounds = Bounds(
        connections=AddressCounts(
            settings.connections_per_address,
            Trusted(settings.trusted_proxies),
            "HTTP connections (LOKET_CONNECTIONS_PER_ADDRESS)",
        ),
        request_timeout=settings.request_timeout,
        ws_send_timeout=settings.ws_send_timeout,
    )
    return BoundedConfig(
        app,
        bounds,
        http=BoundedHttp,
        ws=BoundedWebSocket,
        timeout_keep_alive=settings.keepalive_timeout,
        # the scheme (https: Secure cookies) and client address from these proxies only
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies),
        **options,
    )
