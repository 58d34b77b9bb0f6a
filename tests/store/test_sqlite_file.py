"""The SQLite file holds password hashes: it and its -wal/-shm are made for Loket's user
alone (issue 14, attack 10)."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

from loket.server.config import load_sites
from loket.server.store import Stamp
from loket.server.store.sqlite import SqliteStore


async def test_a_new_store_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "loket.db"
    store = SqliteStore(str(path))
    await store.open(tuple(load_sites(None)), lambda event: None)
    try:
        await store.issue("demo", "A", Stamp(datetime.now(UTC)))
        made = [path, *tmp_path.glob("loket.db-*")]
        assert len(made) == 3, made  # the database, its WAL and its shared memory
        for file in made:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    finally:
        await store.close()
