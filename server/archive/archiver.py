"""The archiver: a task of each process run with `--archive`, moving the sites' events from
their Redis streams into PostgreSQL, each event once whatever the number of processes.

Each round takes a batch (entries a dead consumer left unacknowledged first, then new
ones), inserts it in one transaction (ON CONFLICT DO NOTHING: a batch inserted twice, after
a crash between commit and acknowledgement, adds nothing) with the fold of its new events
into the tickets' visits (visits.py), then acknowledges it in Redis. After each, it takes
the ratings kept meanwhile (ratings.py); between batches it folds, a chunk at a time,
events archived unfolded (backfill.py).
When Redis or PostgreSQL fails, the batch is kept and tried again with a growing pause; no
new entry is read meanwhile, so the streams keep them (see docs/deploy.md for how long).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

import psycopg
from psycopg import AsyncConnection
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from loket.server.archive.backfill import CHUNK, fold_some
from loket.server.archive.ratings import RatingStreams
from loket.server.archive.rows import Batch, insert
from loket.server.archive.schema import migrate
from loket.server.archive.stream import Streams, missing_group
from loket.server.archive.url import safe as _safe
from loket.server.domain.site import Site
from loket.server.store.redis.connection import READ_TIMEOUT

log = logging.getLogger("loket.archive")

BATCH = 500  # entries per stream read
BLOCK_S = READ_TIMEOUT / 2  # a read waits this long for new entries (under the socket timeout)
CLAIM_IDLE_S = 60.0  # an entry unacknowledged this long is its consumer's no more
CHECK_S = 60.0  # how often the streams are checked for events trimmed unarchived...
FORGET_S = 86_400.0  # ...and for consumers (processes) that did nothing for this long
PAUSE_S = 0.5  # the first pause after a failure, doubled after each until...
MAX_PAUSE_S = 30.0  # ...this
CONNECT_TIMEOUT_S = 5


class ArchiveUnavailable(Exception):
    """The archive cannot be opened at start-up: its URL or the server is wrong."""


async def connect_archive(url: str) -> AsyncConnection:
    try:
        return await AsyncConnection.connect(url, connect_timeout=CONNECT_TIMEOUT_S)
    except (psycopg.Error, ValueError) as error:
        raise ArchiveUnavailable(f"the archive {_safe(url)} cannot be opened: {error}") from error


def consumer_name() -> str:
    """This process's name in the groups: unique, and telling whose it was."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Archiver:
    def __init__(
        self,
        client: Redis,
        archive_url: str,
        sites: Callable[[], Iterable[Site]],
        claim_idle_s: float = CLAIM_IDLE_S,
        batch: int = BATCH,
        chunk: int = CHUNK,
    ) -> None:
        self.streams = Streams(client, consumer_name())
        self.ratings = RatingStreams(client, self.streams.consumer, claim_idle_s, batch)
        self.archive_url = archive_url
        self.sites = sites
        self.claim_idle_s = claim_idle_s
        self.batch = batch
        self.chunk = chunk
        self._conn: AsyncConnection | None = None
        self._joined: set[str] = set()
        self._claimed_at = float("-inf")
        self._checked_at = float("-inf")
        self._unfolded = True  # events archived unfolded may wait (checked at start)
        self._unfolded_at = float("-inf")
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect to the archive and bring its schema up to date; raises
        ArchiveUnavailable when it cannot (a start-up error, not a retry)."""
        conn = await connect_archive(self.archive_url)
        try:
            await migrate(conn)
            await conn.set_autocommit(True)
        except psycopg.Error as error:
            await conn.close()
            raise ArchiveUnavailable(f"the archive {_safe(self.archive_url)}: {error}") from error
        self._conn = conn

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="archiver")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def run(self) -> None:
        pending: list[Batch] = []
        pause = PAUSE_S
        while True:
            try:
                if not pending:
                    pending = await self._next(wait=not self._unfolded)
                if pending:
                    await insert(await self._archive(), pending, self._zone)
                    for batch in pending:
                        await self.streams.ack(batch)
                    pending = []
                await self.ratings.move(await self._archive(), self._site_ids())
                await self._fold_unfolded()
                pause = PAUSE_S
            except (psycopg.Error, RedisError, OSError) as error:
                if isinstance(error, ResponseError) and missing_group(error):
                    self._joined.clear()  # a stream gone with its group: join again now
                    self.ratings.joined.clear()
                    continue
                log.warning("archive: %s; trying again in %.1f s", error, pause)
                await self._drop_broken(error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_S)
            except Exception:  # a bug, or an entry it cannot read: said, and tried again
                log.exception("archive: failed; trying again in %.1f s", MAX_PAUSE_S)
                await asyncio.sleep(MAX_PAUSE_S)

    def _zones(self) -> dict[str, ZoneInfo]:
        return {site.id: ZoneInfo(site.timezone) for site in self.sites()}

    def _zone(self, site: str) -> ZoneInfo | None:
        return self._zones().get(site)

    async def _fold_unfolded(self) -> None:
        """A chunk of the events archived unfolded, while some are left; otherwise a look
        for them every CHECK_S (an older release may still be archiving during an upgrade)."""
        now = time.monotonic()
        if not self._unfolded and now - self._unfolded_at < CHECK_S:
            return
        self._unfolded_at = now
        self._unfolded = (
            await fold_some(await self._archive(), self._zones(), self.chunk) >= self.chunk
        )

    async def _archive(self) -> AsyncConnection:
        if self._conn is None or self._conn.closed:
            self._conn = await AsyncConnection.connect(
                self.archive_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
            )
        return self._conn

    async def _drop_broken(self, error: Exception) -> None:
        if isinstance(error, psycopg.Error) and self._conn is not None:
            await self._conn.close()  # a fresh connection next time
            self._conn = None

    def _site_ids(self) -> list[str]:
        return sorted(site.id for site in self.sites())

    async def _next(self, wait: bool = True) -> list[Batch]:
        """The next batches; `wait`: block a while for new entries when there are none."""
        sites = self._site_ids()
        for site in sites:
            if site not in self._joined:
                await self.streams.join(site)
                self._joined.add(site)
        now = time.monotonic()
        if now - self._checked_at >= CHECK_S:
            self._checked_at = now
            for site in sites:
                await self.streams.check_gap(site)
                await self.streams.forget_idle(site, FORGET_S)
                await self.ratings.forget_idle(site, FORGET_S)
        if now - self._claimed_at >= self.claim_idle_s / 2:
            self._claimed_at = now
            claimed = []
            for site in sites:
                claimed += await self.streams.claim(site, self.claim_idle_s, self.batch)
            if claimed:
                if any(len(batch.entries) >= self.batch for batch in claimed):
                    self._claimed_at = float("-inf")  # more left: claim again next round
                return claimed
        if not sites:
            await asyncio.sleep(BLOCK_S)
            return []
        return await self.streams.read(sites, self.batch, int(BLOCK_S * 1000) if wait else None)
