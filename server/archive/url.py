"""The archive's URL (`--archive`, LOKET_ARCHIVE), checked before anything starts."""

from __future__ import annotations

import psycopg

from loket.server.store import is_shared

SCHEMES = ("postgresql://", "postgres://")
USAGE = "use postgresql://USER@HOST:PORT/DB"


def safe(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.partition(':')[0]}{at}{host}" if at else url


def check_archive(store: str, archive: str | None) -> None:
    """ValueError (a start-up error) for an archive URL that cannot work, or an archive
    asked of a store that keeps its own record (SQLite: the same file)."""
    if archive is None:
        return
    if not archive.startswith(SCHEMES):
        raise ValueError(f"unsupported archive URL {safe(archive)!r}: {USAGE}")
    try:
        psycopg.conninfo.conninfo_to_dict(archive)
    except psycopg.ProgrammingError as error:
        raise ValueError(f"malformed archive URL {safe(archive)!r}: {error}") from error
    if not is_shared(store):
        raise ValueError(
            "--archive (LOKET_ARCHIVE) goes with a Redis store (--store redis://…): "
            "an SQLite store keeps its record in its own file"
        )
