"""Rendered audio on disk, by key, bounded in size: the oldest-used files go first.

Several processes (and restarts) may share the folder; writes are atomic renames, so a
reader never sees half a file.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

KEY = re.compile(r"[a-z]{2,3}/[0-9a-f]{32}")  # "id/<digest>": lang folder, file name


class DiskCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self._size = sum(size for _, size, _ in self._files())

    def _path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.folder / f"{key}.wav"

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            os.utime(path)  # used now: evicted last
        except OSError:
            return None
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        temporary.write_bytes(data)
        try:
            replaced = path.stat().st_size  # rendered twice (two processes): counted once
        except OSError:
            replaced = 0
        os.replace(temporary, path)
        with self._lock:
            self._size += len(data) - replaced
            if self._size > self.max_bytes:
                self._evict()

    def _files(self) -> list[tuple[float, int, Path]]:
        found = []
        for path in self.folder.glob("*/*.wav"):
            try:
                stat = path.stat()
            except OSError:
                continue  # removed meanwhile by another process
            found.append((stat.st_mtime, stat.st_size, path))
        return found

    def _evict(self) -> None:
        """Down to 90% of the bound, so that eviction does not run on every put."""
        files = sorted(self._files())
        self._size = sum(size for _, size, _ in files)
        for _, size, path in files:
            if self._size <= self.max_bytes * 0.9:
                break
            path.unlink(missing_ok=True)
            self._size -= size
