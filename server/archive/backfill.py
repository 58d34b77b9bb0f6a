"""Folding events archived but not folded into visits: those archived before the visits
table existed (schema step 2), by an older release during an upgrade, or for a site this
process did not serve then. The archiver calls `fold_some` between batches, a chunk at a
time, so that a large archive is folded without holding up the live events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection

from loket.server.archive.visits import Archived, fold, lock_sites

CHUNK = 20_000  # events per transaction

SELECT = """
    SELECT epoch, seq, type, ts, actor, data FROM events
    WHERE site = %s AND NOT folded
    ORDER BY epoch, seq
    LIMIT %s
"""
MARK = """
    UPDATE events SET folded = true
    FROM unnest(%s::text[], %s::bigint[]) AS f(epoch, seq)
    WHERE events.site = %s AND events.epoch = f.epoch AND events.seq = f.seq
"""


async def fold_some(
    conn: AsyncConnection, zones: Mapping[str, ZoneInfo], chunk: int = CHUNK
) -> int:
    """Up to `chunk` unfolded events of each of the sites folded and marked, a site per
    transaction; how many (fewer than `chunk` per site: none left for now)."""
    done = 0
    for site, zone in sorted(zones.items()):
        async with conn.transaction(), conn.cursor() as cursor:
            await lock_sites(cursor, [site])  # the live fold's lock: never both at once
            await cursor.execute(SELECT, (site, chunk))
            rows = await cursor.fetchall()
            if not rows:
                continue
            by_epoch: dict[str, list[Archived]] = defaultdict(list)
            for epoch, seq, kind, ts, actor, data in rows:
                by_epoch[epoch].append(Archived(seq, kind, ts, actor, data))
            for epoch, events in by_epoch.items():
                await fold(cursor, site, epoch, zone, events)
            epochs = [str(row[0]) for row in rows]
            seqs = [int(row[1]) for row in rows]
            await cursor.execute(MARK, (epochs, seqs, site))
            done += len(rows)
    return done
