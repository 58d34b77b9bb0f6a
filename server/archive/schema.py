"""The archive's schema in PostgreSQL, versioned and upgraded step by step.

Every process that archives migrates at start; an advisory lock makes concurrent starts
take turns, so each step runs once.
"""

from __future__ import annotations

from typing import LiteralString

from psycopg import AsyncConnection

LOCK = 0x6C6F6B6574  # "loket": the advisory lock the migrations take

MIGRATIONS: list[LiteralString] = [
    # 1: every event ever, keyed by site, the epoch of the Redis history it came from (a
    # Redis that lost its data starts a new epoch, and seqs over) and its seq
    """
    CREATE TABLE events (
        site text NOT NULL,
        epoch text NOT NULL,
        seq bigint NOT NULL,
        type text NOT NULL,
        ts timestamptz NOT NULL,
        actor text,
        data jsonb NOT NULL,
        PRIMARY KEY (site, epoch, seq)
    );
    CREATE INDEX events_site_ts ON events (site, ts);
    """,
    # 2: one row per ticket (record/visit.py's Visit) for the reports, kept by the archiver
    # in the transaction that inserts its events; `folded` marks the events in it (those
    # archived before this step, or by an older release meanwhile, are folded later: see
    # archive/backfill.py); wait_s and service_s are Visit's, for the SQL to aggregate
    """
    ALTER TABLE events ADD COLUMN folded boolean NOT NULL DEFAULT false;
    CREATE INDEX events_unfolded ON events (site, epoch, seq) WHERE NOT folded;
    CREATE TABLE visits (
        site text NOT NULL,
        epoch text NOT NULL,
        ref text NOT NULL,
        service text NOT NULL,
        priority boolean NOT NULL,
        issued_at timestamptz NOT NULL,
        day date NOT NULL,
        hour smallint NOT NULL,
        weekday smallint NOT NULL,
        state text NOT NULL,
        state_seq bigint NOT NULL,
        counter text,
        clerk text,
        first_called_at timestamptz,
        last_called_at timestamptz,
        last_call_seq bigint NOT NULL,
        finished_at timestamptz,
        transfers integer NOT NULL,
        issued_seen boolean NOT NULL,
        wait_s double precision,
        service_s double precision,
        PRIMARY KEY (site, epoch, ref)
    );
    -- the reports read this index alone (an index-only scan, in day order)
    CREATE INDEX visits_site_day ON visits (site, day)
        INCLUDE (service, counter, clerk, hour, weekday, state, transfers, wait_s, service_s);
    """,
    # 3: satisfaction ratings (CONTRACT 6.4), one per ticket, each with the epoch it was
    # kept in (its ticket's visit has the same site, epoch and ref) and its ticket's day
    # as its ref names it (archive/ratings.py); `rater` is Rating.by (a word of SQL's)
    """
    CREATE TABLE ratings (
        site text NOT NULL,
        epoch text NOT NULL,
        ref text NOT NULL,
        day date NOT NULL,
        score smallint NOT NULL,
        comment text,
        answers jsonb NOT NULL,
        at timestamptz NOT NULL,
        rater text NOT NULL,
        counter text,
        PRIMARY KEY (site, epoch, ref)
    );
    CREATE INDEX ratings_site_day ON ratings (site, day);
    """,
]


async def migrate(conn: AsyncConnection) -> int:
    """Bring the archive's schema up to date; its version."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)")
        cursor = await conn.execute("SELECT version FROM schema_version")
        row = await cursor.fetchone()
        version = 0 if row is None else int(row[0])
        if row is None:
            await conn.execute("INSERT INTO schema_version VALUES (0)")
        for step, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            await conn.execute(sql)
            await conn.execute("UPDATE schema_version SET version = %s", (step,))
    return len(MIGRATIONS)
