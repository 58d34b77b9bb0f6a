"""What supervisors see (CONTRACT 6.3): the live view of a site, read from the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from loket.server.domain.site import Site
from loket.server.reports.live import live_counters, live_services, live_view
from loket.server.reports.row import By, Report
from loket.server.store.base import NoArchive

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
        now = self._clock()
        snapshot = await self._store.snapshot(site.id, now)
        waiting = await self._store.waiting_since(site.id)
        serving = {entry["counter"]: entry["ticket"] for entry in snapshot.data["now_serving"]}
        states = {
            state.counter: state.to_json(staff=True)
            for state in await self._store.counter_states(site.id, now)
        }
        today = await self._today(site, now)
        served = {} if today is None else {row.key: row.served for row in today.rows}
        counters = live_counters(site, states, serving, served, now)
        total = None if today is None else today.total
        return live_view(counters, live_services(site, waiting, now), total, site.id, now)

    async def _today(self, site: Site, now: datetime) -> Report | None:
        """Today by counter, from the record; None for a Redis store without an archive
        (the live view then has no figures of the day)."""
        day = site.local_day(now)
        try:
            return await self._store.report(site.id, day, day, By.COUNTER)
        except NoArchive:
            return None
