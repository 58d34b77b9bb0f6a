"""The SQLite schema, versioned by PRAGMA user_version and upgraded step by step."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Sequence

from loket.server.domain.site import Site
from loket.server.store.visits import backfill

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE sites (id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        number TEXT NOT NULL,
        service TEXT NOT NULL,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL,
        issued_at TEXT NOT NULL,
        day TEXT NOT NULL,
        serial INTEGER NOT NULL,
        lang TEXT,
        called_at TEXT,
        counter TEXT,
        recalls INTEGER NOT NULL DEFAULT 0,
        finished_at TEXT
    );
    CREATE INDEX tickets_live ON tickets (site, status) WHERE status IN ('waiting', 'called');
    CREATE INDEX tickets_called ON tickets (site, called_at);
    CREATE TABLE numbers (
        site TEXT NOT NULL, service TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (site, service)
    );
    CREATE TABLE events (
        site TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, ts TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (site, seq)
    ) WITHOUT ROWID;
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        counters TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE idempotency (
        username TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
        PRIMARY KEY (username, key)
    );
    """,
    # 2: who did it: the user who made each event, and who called each ticket
    """
    ALTER TABLE events ADD COLUMN actor TEXT;
    ALTER TABLE tickets ADD COLUMN called_by TEXT;
    """,
    # 3: tickets found by their public ref (day and number), as events name them
    """
    CREATE INDEX tickets_ref ON tickets (site, day, number);
    """,
    # 4: enrolled kiosks (CONTRACT 6.7); only a hash of each key is kept
    """
    CREATE TABLE kiosks (
        site TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        PRIMARY KEY (site, id)
    );
    """,
    # 5: users an admin disabled; a user's sessions found at once (to end them all)
    """
    ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX sessions_user ON sessions (username);
    """,
    # 6: the clerk's line (CONTRACT 6.5): tickets waiting for one counter, sent to the head
    # of a line, or held (live too)
    """
    ALTER TABLE tickets ADD COLUMN desk TEXT;
    ALTER TABLE tickets ADD COLUMN ahead_at TEXT;
    DROP INDEX tickets_live;
    CREATE INDEX tickets_live ON tickets (site, status)
        WHERE status IN ('waiting', 'called', 'held');
    """,
    # 7: the admin's names for screens, and the screens removed from the list (when, in
    # ms since the epoch: a screen that reports after it is listed again)
    """
    CREATE TABLE screen_names (
        site TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (site, id)
    ) WITHOUT ROWID;
    CREATE TABLE screen_removals (
        site TEXT NOT NULL, id TEXT NOT NULL, removed_ms INTEGER NOT NULL,
        PRIMARY KEY (site, id)
    ) WITHOUT ROWID;
    """,
    # 8: the running text an admin set on the admin page, per site and language: it wins
    # over the site file's until cleared
    """
    CREATE TABLE tickers (
        site TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (site, lang)
    );
    """,
    # 9: the record (CONTRACT 6.3): events are kept for years; each ticket's life folded
    # into one row (record/visit.py), written with its events, indexed for the reports,
    # and each past day summarized for them (report_days.py);
    # `history_from`: a display's resume is answered from the events after it (older
    # ones are kept but too many to replay). Filled for the tickets already kept (BACKFILL)
    """
    CREATE TABLE visits (
        site TEXT NOT NULL,
        ref TEXT NOT NULL,
        service TEXT NOT NULL,
        priority INTEGER NOT NULL,
        issued_at TEXT NOT NULL,
        day TEXT NOT NULL,
        hour INTEGER NOT NULL,
        weekday INTEGER NOT NULL,
        state TEXT NOT NULL,
        state_seq INTEGER NOT NULL,
        counter TEXT,
        user TEXT,
        first_called_at TEXT,
        last_called_at TEXT,
        last_call_seq INTEGER NOT NULL,
        finished_at TEXT,
        transfers INTEGER NOT NULL,
        issued_seen INTEGER NOT NULL,
        wait_s REAL,
        service_s REAL,
        PRIMARY KEY (site, ref)
    );
    CREATE INDEX visits_day ON visits (site, day);
    CREATE TABLE report_days (
        site TEXT NOT NULL,
        day TEXT NOT NULL,
        grouping TEXT NOT NULL,
        key TEXT,
        service TEXT NOT NULL,
        issued INTEGER NOT NULL,
        served INTEGER NOT NULL,
        no_show INTEGER NOT NULL,
        transferred INTEGER NOT NULL,
        waits BLOB NOT NULL,
        services BLOB NOT NULL
    );
    CREATE INDEX report_days_range ON report_days (site, grouping, day);
    CREATE TABLE report_days_done (
        site TEXT NOT NULL, day TEXT NOT NULL,
        PRIMARY KEY (site, day)
    ) WITHOUT ROWID;
    ALTER TABLE sites ADD COLUMN history_from INTEGER NOT NULL DEFAULT 0;
    """,
    # 10: each counter's status as last set (CONTRACT 6.2); none kept: closed, or open
    # while it serves someone (data of the release before statuses)
    """
    CREATE TABLE counters (
        site TEXT NOT NULL, counter TEXT NOT NULL, status TEXT NOT NULL,
        services TEXT NOT NULL, since TEXT NOT NULL, user TEXT, reason TEXT,
        PRIMARY KEY (site, counter)
    ) WITHOUT ROWID;
    """,
    # 11: satisfaction ratings (CONTRACT 6.4), one per ticket (the key says once); kept
    # for good, like the record; `answers`: the SKM elements as JSON ({} : none)
    """
    CREATE TABLE ratings (
        site TEXT NOT NULL,
        ref TEXT NOT NULL,
        score INTEGER NOT NULL,
        comment TEXT,
        answers TEXT NOT NULL,
        at TEXT NOT NULL,
        by TEXT NOT NULL,
        counter TEXT,
        PRIMARY KEY (site, ref)
    ) WITHOUT ROWID;
    """,
    # 12: a kiosk enrolled as a desk's rating device names its counter (CONTRACT 6.4)
    """
    ALTER TABLE kiosks ADD COLUMN counter TEXT;
    """,
]
# what a migration fills in from the data already kept, in the same transaction
BACKFILL: dict[int, Callable[[sqlite3.Connection, Sequence[Site]], None]] = {9: backfill}


def migrate(conn: sqlite3.Connection, sites: Sequence[Site] = ()) -> None:
    """Bring the schema up to the newest version, each step in its own transaction.
    `sites`: as configured (their time zones and services read the data kept)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"the store has schema version {version}, newer than this Loket knows "
            f"({len(MIGRATIONS)}): upgrade Loket"
        )
    for number in range(version + 1, len(MIGRATIONS) + 1):
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            for statement in MIGRATIONS[number - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            if number == 1:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('epoch', ?)", (secrets.token_hex(8),)
                )
            if number in BACKFILL:
                BACKFILL[number](conn, sites)
            conn.execute(f"PRAGMA user_version = {number}")
