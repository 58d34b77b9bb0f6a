"""A stopped site's store as a fixture: an SQLite file with everything in the main file,
and every key of a Redis as JSON (type, value, time to live; streams with their entry ids)
that loads into another, empty Redis."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import redis

DUMP_FORMAT = 1


# -- SQLite -------------------------------------------------------------------------


def checkpointed_copy(source: Path, target: Path) -> None:
    """Copies a closed store's file after moving what its WAL holds into it (a clean stop
    leaves no WAL, but make sure: the copy is the main file alone)."""
    conn = sqlite3.connect(source)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise RuntimeError(f"{source} is still in use: stop the server first")
        problems = conn.execute("PRAGMA integrity_check").fetchall()
        if problems != [("ok",)]:
            raise RuntimeError(f"{source} is damaged: {problems}")
    finally:
        conn.close()
    for extra in ("-wal", "-shm"):
        leftover = source.with_name(source.name + extra)
        if leftover.exists() and leftover.stat().st_size:
            raise RuntimeError(f"{leftover} still holds data after the checkpoint")
    shutil.copyfile(source, target)


def schema_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)  # leaves no -shm beside it
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


# -- Redis --------------------------------------------------------------------------


def dump_redis(url: str) -> dict[str, Any]:
    """Every key of the database at `url`, sorted by name."""
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        found: dict[str, Any] = {}
        for name in sorted(client.scan_iter(count=1000)):
            kind = client.type(name)
            entry: dict[str, Any] = {"type": kind, "pttl": client.pttl(name)}
            if kind == "string":
                entry["value"] = client.get(name)
            elif kind == "hash":
                entry["value"] = dict(sorted(client.hgetall(name).items()))
            elif kind == "list":
                entry["value"] = client.lrange(name, 0, -1)
            elif kind == "set":
                entry["value"] = sorted(client.smembers(name))
            elif kind == "zset":
                entry["value"] = [[m, s] for m, s in client.zrange(name, 0, -1, withscores=True)]
            elif kind == "stream":
                info = client.xinfo_stream(name)
                entry["last_id"] = info["last-generated-id"]
                entry["value"] = [
                    [entry_id, [part for pair in fields.items() for part in pair]]
                    for entry_id, fields in client.xrange(name)
                ]
            else:
                raise RuntimeError(f"{name}: a {kind} cannot be dumped here")
            found[name] = entry
        version = client.info("server")["redis_version"]
        return {"format": DUMP_FORMAT, "redis_version": version, "keys": found}
    finally:
        client.close()


def load_redis(url: str, dump: dict[str, Any]) -> None:
    """Writes a dump into the database at `url`, which must be empty; each key with the
    time to live it had left when it was dumped."""
    if dump.get("format") != DUMP_FORMAT:
        raise ValueError(f"unknown dump format {dump.get('format')!r}")
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        if client.dbsize():
            raise RuntimeError(f"{url} is not empty")
        pipe = client.pipeline(transaction=True)
        for name, entry in dump["keys"].items():
            kind, value = entry["type"], entry["value"]
            if kind == "string":
                pipe.set(name, value)
            elif kind == "hash":
                pipe.hset(name, mapping=value)
            elif kind == "list":
                pipe.rpush(name, *value)
            elif kind == "set":
                pipe.sadd(name, *value)
            elif kind == "zset":
                pipe.zadd(name, {member: score for member, score in value})
            elif kind == "stream":
                for entry_id, parts in value:
                    pipe.xadd(name, dict(zip(parts[::2], parts[1::2], strict=True)), id=entry_id)
                if value:
                    pipe.execute_command("XSETID", name, entry["last_id"])
                else:  # an empty stream that remembers its last id
                    pipe.xadd(name, {"-": "-"}, id=entry["last_id"], maxlen=0)
            else:
                raise ValueError(f"{name}: unknown type {kind!r}")
            if entry["pttl"] > 0:
                pipe.pexpire(name, entry["pttl"])
        pipe.execute()
    finally:
        client.close()


def read_dump(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False, sort_keys=False) + "\n")
