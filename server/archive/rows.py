"""Stream entries as archive rows, and their insertion with the fold of their visits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from loket.server.archive.visits import Archived, fold, lock_sites
from loket.server.store.redis.entries import Entry

# one statement per batch; RETURNING names the events new to the archive, the only ones
# folded. `folded` is false for a site whose zone is unknown here: archive/backfill.py
# folds them later, in a process that serves the site
INSERT = """
    INSERT INTO events (site, epoch, seq, type, ts, actor, data, folded)
    SELECT %s, %s, seq, type, ts, actor, data::jsonb, %s
    FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[], %b::text[], %b::text[])
        AS e(seq, type, ts, actor, data)
    ON CONFLICT DO NOTHING
    RETURNING seq
"""

Zones = Callable[[str], ZoneInfo | None]  # a site's time zone; None: a site not served here


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries read from one site's stream, all of one epoch; `ids`: the stream ids to
    acknowledge once they are in PostgreSQL."""

    site: str
    epoch: str
    entries: tuple[Entry, ...]

    @property
    def ids(self) -> list[str]:
        return [f"{entry.seq}-0" for entry in self.entries]


def archived(entry: Entry) -> Archived:
    return Archived.from_text(
        entry.seq, entry.type, datetime.fromisoformat(entry.ts), entry.actor, entry.data
    )


async def insert(conn: AsyncConnection, batches: Sequence[Batch], zones: Zones) -> int:
    """All the batches and the fold of their new events in one transaction (an event
    already there is left as it is, and not folded again: a batch is inserted again after
    a crash between the commit and the acknowledgement); how many events are new."""
    new = 0
    async with conn.transaction(), conn.cursor() as cursor:
        await lock_sites(cursor, (batch.site for batch in batches))
        for batch in batches:
            zone = zones(batch.site)
            entries = batch.entries
            await cursor.execute(
                INSERT,
                (
                    batch.site,
                    batch.epoch,
                    zone is not None,
                    [e.seq for e in entries],
                    [e.type for e in entries],
                    [datetime.fromisoformat(e.ts) for e in entries],
                    [e.actor for e in entries],
                    [e.data for e in entries],
                ),
            )
            inserted = {int(row[0]) for row in await cursor.fetchall()}
            new += len(inserted)
            if zone is not None and inserted:
                fresh = (archived(e) for e in entries if e.seq in inserted)
                await fold(cursor, batch.site, batch.epoch, zone, fresh)
    return new
