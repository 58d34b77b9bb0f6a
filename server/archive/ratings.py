"""Ratings (CONTRACT 6.4) from Redis into the archive's `ratings` table.

The step that keeps a rating in Redis (rate.lua) also adds it, with the epoch it was kept
in, to its site's stream `rated`. The archiver reads those streams with the consumer group
its events have (stream.py): its own entries a failed round left unacknowledged first,
now and then those a dead process left, then new ones. It inserts them (ON CONFLICT DO
NOTHING: a rating delivered again, after a crash between the commit and the
acknowledgement, is kept once), then acknowledges and deletes them: a stream holds only
what PostgreSQL has yet to take.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from loket.server.archive.stream import GROUP, forget_idle, missing_group
from loket.server.domain.rating import Rating
from loket.server.domain.ticket import parse_ref
from loket.server.store.redis import keys

log = logging.getLogger("loket.archive")

INSERT = """
    INSERT INTO ratings (site, epoch, ref, day, score, comment, answers, at, rater, counter)
    VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)
    ON CONFLICT DO NOTHING
"""


@dataclass(frozen=True, slots=True)
class Rated:
    """One entry of a site's stream: a rating kept in `epoch`; None: unreadable (logged,
    acknowledged and dropped, so that it does not stop the others)."""

    site: str
    entry_id: str
    epoch: str
    rating: Rating | None


def rated_of(site: str, entry_id: str, fields: dict[str, Any]) -> Rated:
    try:
        data = json.loads(str(fields["rating"]))
        rating = Rating.from_json(data)
        if parse_ref(rating.ref) is None:
            raise ValueError(f"{rating.ref!r} is no ref")
        return Rated(site, entry_id, str(fields["epoch"]), rating)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        log.error("archive: %s's rating %s is unreadable, not archived: %r", site, entry_id, error)
        return Rated(site, entry_id, "", None)


def row_of(rated: Rated, rating: Rating) -> tuple[Any, ...]:
    parsed = parse_ref(rating.ref)
    assert parsed is not None  # rated_of checked it
    return (
        rated.site,
        rated.epoch,
        rating.ref,
        parsed[0],  # the ticket's day, as its ref names it
        rating.score,
        rating.comment,
        json.dumps(dict(rating.answers)),
        rating.at,
        rating.by.value,
        rating.counter,
    )


async def insert_ratings(conn: AsyncConnection, taken: Iterable[Rated]) -> None:
    """The readable ratings, in one transaction; one archived already is left as it is."""
    rows = [row_of(rated, rated.rating) for rated in taken if rated.rating is not None]
    if rows:
        async with conn.transaction(), conn.cursor() as cursor:
            await cursor.executemany(INSERT, rows)


def _by_stream(answer: Any) -> list[tuple[str, list[Any]]]:
    """XREADGROUP's answer as (stream key, [(id, fields)]) whatever shape redis-py gives."""
    if not answer:
        return []
    if isinstance(answer, dict):
        return [(str(key), list(value)) for key, value in answer.items()]
    return [(str(key), list(value)) for key, value in answer]


class RatingStreams:
    """The sites' rating streams as one archiving process (`consumer`) reads them."""

    def __init__(self, client: Redis, consumer: str, claim_idle_s: float, count: int) -> None:
        self.client = client
        self.consumer = consumer
        self.claim_idle_s = claim_idle_s
        self.count = count
        self.joined: set[str] = set()
        self._claimed_at = float("-inf")

    async def move(self, conn: AsyncConnection, sites: Sequence[str]) -> int:
        """Take a batch of each site's ratings into the archive; how many were taken
        (a failure raises, and leaves them to be taken again)."""
        await self._join(sites)
        taken = await self._take(sites)
        await insert_ratings(conn, taken)
        for site in {rated.site for rated in taken}:
            ids = [rated.entry_id for rated in taken if rated.site == site]
            await self._done(site, ids)
        return len(taken)

    async def forget_idle(self, site: str, idle_s: float) -> int:
        return await forget_idle(self.client, keys.rated(site), self.consumer, idle_s)

    async def _join(self, sites: Sequence[str]) -> None:
        for site in sites:
            if site in self.joined:
                continue
            try:
                await self.client.xgroup_create(keys.rated(site), GROUP, id="0", mkstream=True)
            except ResponseError as error:
                if not str(error).startswith("BUSYGROUP"):
                    raise
            self.joined.add(site)

    async def _take(self, sites: Sequence[str]) -> list[Rated]:
        if not sites:
            return []
        taken = await self._read(sites, "0")  # ours, left by a round that failed
        if taken:
            return taken
        now = time.monotonic()
        if now - self._claimed_at >= self.claim_idle_s / 2:
            self._claimed_at = now
            for site in sites:
                taken += await self._claim(site)
            if taken:
                return taken
        return await self._read(sites, ">")

    async def _read(self, sites: Sequence[str], start: str) -> list[Rated]:
        streams: dict[Any, Any] = {keys.rated(site): start for site in sites}
        try:
            answer = await self.client.xreadgroup(GROUP, self.consumer, streams, count=self.count)
        except ResponseError as error:
            if missing_group(error):  # a stream gone with its group (Redis lost its data)
                self.joined.clear()
                return []
            raise
        site_of = {keys.rated(site): site for site in sites}
        return [
            rated_of(site_of[key], str(entry_id), fields)
            if fields
            else Rated(site_of[key], str(entry_id), "", None)  # trimmed away meanwhile
            for key, entries in _by_stream(answer)
            for entry_id, fields in entries
        ]

    async def _claim(self, site: str) -> list[Rated]:
        """Entries a consumer (a dead one, most likely) read but left for claim_idle_s."""
        key = keys.rated(site)
        try:
            answer = await self.client.xautoclaim(
                key, GROUP, self.consumer, int(self.claim_idle_s * 1000), "0-0", count=self.count
            )
        except ResponseError as error:
            if missing_group(error):
                self.joined.discard(site)
                return []
            raise
        deleted = list(answer[2]) if len(answer) > 2 else []
        if deleted:
            log.error(
                "archive: %d ratings of %s were trimmed from Redis before they were "
                "archived: PostgreSQL was unreachable too long",
                len(deleted),
                site,
            )
            await self.client.xack(key, GROUP, *deleted)
        return [rated_of(site, str(eid), fields) for eid, fields in answer[1] if eid and fields]

    async def _done(self, site: str, ids: Sequence[str]) -> None:
        """Acknowledged and deleted: PostgreSQL has them (an entry without fields, one
        trimmed away meanwhile, is acknowledged too)."""
        key = keys.rated(site)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(key, GROUP, *ids)
            pipe.xdel(key, *ids)
            await pipe.execute()
