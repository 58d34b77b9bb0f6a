"""The sites as they are now: the one place that holds them while the server runs.

Everything that needs a site asks here when it needs it (the service, pages, sockets,
the API), so a reload of the site file (server/hall.py) swaps them all at once by
replacing one dict, never by patching copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from loket.server.domain.site import Site


class Sites(Mapping[str, Site]):
    def __init__(self, sites: Iterable[Site]) -> None:
        self._by_id = {site.id: site for site in sites}

    def __getitem__(self, site_id: str) -> Site:
        return self._by_id[site_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def replace(self, sites: Iterable[Site]) -> None:
        """The new version of every site, in one assignment: a reader sees the old or the
        new ones, never a mix."""
        self._by_id = {site.id: site for site in sites}
