"""Stream entries as archive rows, and their insertion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection

from loket.server.store.redis.entries import Entry

INSERT = """
    INSERT INTO events (site, epoch, seq, type, ts, actor, data)
    VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)
    ON CONFLICT DO NOTHING
"""


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


def values(epoch: str, entry: Entry) -> tuple[object, ...]:
    ts = datetime.fromisoformat(entry.ts)
    return (entry.site, epoch, entry.seq, entry.type, ts, entry.actor, entry.data)


async def insert(conn: AsyncConnection, batches: Sequence[Batch]) -> int:
    """All the batches in one transaction (an event already there is left as it is: a
    batch is inserted again after a crash between the commit and the acknowledgement);
    how many rows are new."""
    new = 0
    async with conn.transaction(), conn.cursor() as cursor:
        for batch in batches:
            rows = [values(batch.epoch, entry) for entry in batch.entries]
            await cursor.executemany(INSERT, rows, returning=False)
            new += max(cursor.rowcount, 0)
    return new
