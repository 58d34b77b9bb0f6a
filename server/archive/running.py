"""The archiver in a server's life: opened with it (an archive that cannot be opened stops
start-up), stopped with it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from loket.server.archive.archiver import CLAIM_IDLE_S, Archiver, ArchiveUnavailable
from loket.server.domain.site import Site
from loket.server.store.redis.connection import Address, connect

log = logging.getLogger("loket.archive")


@asynccontextmanager
async def archiving(
    store_url: str,
    archive_url: str | None,
    sites: Callable[[], Iterable[Site]],
    claim_idle_s: float = CLAIM_IDLE_S,
) -> AsyncIterator[None]:
    """Archive the events of `sites()` (the sites served now: a reload may add some) from
    the Redis store at `store_url` into `archive_url`; nothing when that is None."""
    if archive_url is None:
        yield
        return
    client = connect(Address.parse(store_url))
    archiver = Archiver(client, archive_url, sites, claim_idle_s)
    try:
        await archiver.open()
    except ArchiveUnavailable as error:
        log.error("loket: %s", error)
        await client.aclose()
        raise
    archiver.start()
    try:
        yield
    finally:
        await archiver.stop()
        await client.aclose()
