"""What supervisors see (CONTRACT 6.3): the live view of a site, read from the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from loket.server.domain.site import Site
from loket.server.reports.live import live_counters, live_services, live_view

if TYPE_CHECKING:
    from loket.server.store import Store


class Supervision:
    def __init__(
        self, store: Store, site: Callable[[str], Site], clock: Callable[[], datetime]
    ) -> None:
        self._store = store
        self._site = site  # a site by id; NotFound (404 unknown_site) for another
        self._clock = clock

    async def live(self, site_id: str) -> dict[str, Any]:
        site = self._site(site_id)
        snapshot = await self._store.snapshot(site.id)
        waiting = await self._store.waiting_since(site.id)
        now = self._clock()
        serving = {entry["counter"]: entry["ticket"] for entry in snapshot.data["now_serving"]}
        states = {state["counter"]: state for state in snapshot.data.get("counters", [])}
        counters = live_counters(site, states, serving, {}, now)
        return live_view(counters, live_services(site, waiting, now), None, site.id, now)
