"""Records the upgrade fixtures of a previous release (tests/upgrade/README.md):

    .venv/bin/python -m tests.upgrade.record --rev bed7891

Takes that release's source from git (`git archive`: nothing is checked out here), and
runs its `server` package (PYTHONPATH pointing at that source; this Python unless
--python names another, e.g. a venv with that release's own dependencies) on a fresh
SQLite file, then on a fresh redis-server of its own. On each it plays
`scenario.before()`: a morning of tickets, calls and displays, then SIGTERM mid-day.
It saves the stopped stores, then starts the same release again on a copy of each and
plays `scenario.after()`: `scenario.check()` must hold for the release on its own data,
and what it did (numbers, call order, the events the displays heard) is what the test
expects of the new release.

Writes tests/upgrade/release-<rev>/: loket.sqlite3, redis.json and expected.json.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.redis import RedisServer
from tests.upgrade import scenario
from tests.upgrade.stores import (
    checkpointed_copy,
    dump_redis,
    load_redis,
    read_dump,
    schema_version,
    write_json,
)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
READY = re.compile(r"Loket is ready at (http://\S+?)/?$")
SOURCE = re.compile(r"^loket source (\S+)$")
BOOT = (
    "import sys, server, server.cli; "
    "print('loket source', server.__file__, flush=True); "
    "sys.exit(server.cli.main())"
)
SQLITE_FILE = "loket.sqlite3"  # not *.db: .gitignore leaves those out
REDIS_FILE = "redis.json"
# the test's clock runs from a few minutes after the stop: that must still be the same day
MARGIN = timedelta(minutes=30)


class Release:
    """A release's `loket serve` from its source tree, in a subprocess."""

    def __init__(self, source: Path, python: str, store: str, workdir: Path) -> None:
        self.source = source
        self.python = python
        self.store = store
        self.workdir = workdir
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self.url = ""

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def start(self, timeout: float = 30) -> Release:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("LOKET_") and key not in ("PORT", "PYTHONPATH")
        }
        env |= {
            "PYTHONPATH": str(self.source),
            "LOKET_ADMIN_PASSWORD": scenario.ADMIN_PASSWORD,
            "LOKET_AUDIO_CACHE": str(self.workdir / "audio"),
        }
        command = [self.python, "-c", BOOT, "serve", "--port", "0", "--store", self.store]
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,  # sys.path[0]: nothing named `server` there
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + timeout
        source_seen = False
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            found = SOURCE.match(line.strip())
            if found:
                package = Path(found.group(1)).resolve()
                if not package.is_relative_to(self.source.resolve()):
                    self.stop()
                    raise RuntimeError(f"the release ran {package}, not from {self.source}")
                source_seen = True
            ready = READY.search(line.strip())
            if ready and source_seen:
                self.url = ready.group(1).replace("localhost", "127.0.0.1")
                return self
        self.stop()
        raise RuntimeError("the release did not start:\n" + "".join(self.output))

    def _drain(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, timeout: float = 20) -> int | None:
        """SIGTERM, as an operator stops it; its exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code


def export(rev: str, target: Path) -> str:
    """The release's tree at `target`; its full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True)
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return commit


def site_timezone(source: Path) -> ZoneInfo:
    with (source / "server" / "demo.toml").open("rb") as handle:
        config = tomllib.load(handle)
    return ZoneInfo(config["sites"][0]["timezone"])


def record_store(kind: str, source: Path, python: str, work: Path, out: Path) -> dict[str, Any]:
    """The morning on a fresh store of this kind, saved into `out`; then the release again
    on the saved store, checked. What expected.json holds for this store."""
    redis: RedisServer | None = None
    if kind == "sqlite":
        db = work / "loket.db"
        store = f"sqlite:///{db}"
    else:
        redis = RedisServer(work / "redis").start()
        store = redis.url()
    release = Release(source, python, store, work / "first").start()
    try:
        record = asyncio.run(
            scenario.before(release.url, release.ws_url, lambda: asyncio.to_thread(release.stop))
        )
    finally:
        release.stop()
    print(f"{kind}: stopped at seq {record['seq']} ({record['stopped_at']})", flush=True)
    if record["exit_status"] != 0:
        raise SystemExit(f"{kind}: the release exited with {record['exit_status']} on SIGTERM")
    if record["displays"]["last"]["close"] != scenario.SERVICE_RESTART:
        raise SystemExit(f"{kind}: the display was closed with {record['displays']['last']}")

    expected: dict[str, Any] = {}
    again = work / "again"
    again.mkdir()
    if kind == "sqlite":
        checkpointed_copy(db, out / SQLITE_FILE)
        expected["file"] = SQLITE_FILE
        expected["schema_version"] = schema_version(out / SQLITE_FILE)
        shutil.copyfile(out / SQLITE_FILE, again / "loket.db")
        store = f"sqlite:///{again / 'loket.db'}"
    else:
        assert redis is not None
        write_json(out / REDIS_FILE, dump_redis(store))
        redis.stop()
        expected["file"] = REDIS_FILE
        redis = RedisServer(again / "redis").start()
        store = redis.url()
        load_redis(store, read_dump(out / REDIS_FILE))
    try:
        release = Release(source, python, store, again).start()
        try:
            observed = asyncio.run(scenario.after(release.url, release.ws_url, record))
        finally:
            release.stop()
    finally:
        if redis is not None:
            redis.stop()
    problems = scenario.check(record, observed)
    if problems:
        raise SystemExit(
            f"{kind}: the release itself does not carry on after a restart on its saved "
            "store:\n- " + "\n- ".join(problems)
        )
    after = scenario.summary(observed)
    print(f"{kind}: after the restart, calls {_calls(after)}", flush=True)
    return {
        **expected,
        "next_numbers": scenario.next_numbers(record),
        "before": record,
        "after": after,
    }


def _calls(after: dict[str, Any]) -> str:
    return ", ".join(
        f"{c['counter']}:{c['ticket']['number']}" for c in after["calls"] if c["status"] == 200
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.upgrade.record", description=__doc__)
    parser.add_argument("--rev", required=True, help="the previous release's git revision")
    parser.add_argument("--out", type=Path, help="default: tests/upgrade/release-<rev>")
    parser.add_argument(
        "--python", default=sys.executable, help="the interpreter to run it (default: this one)"
    )
    args = parser.parse_args(argv)
    out = args.out or HERE / f"release-{args.rev}"
    python = str(Path(args.python).absolute()) if os.sep in args.python else args.python
    with tempfile.TemporaryDirectory(prefix="loket-upgrade-") as tmp:
        source = Path(tmp) / "source"
        commit = export(args.rev, source)
        zone = site_timezone(source)
        local = datetime.now(UTC).astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        if midnight - local < MARGIN:
            print(f"It is {local:%H:%M} at the site ({zone}): record after midnight.")
            return 1
        out.mkdir(parents=True, exist_ok=True)
        stores = {}
        for kind in ("sqlite", "redis"):
            stores[kind] = record_store(kind, source, python, Path(tmp) / kind, out)
        if stores["sqlite"]["after"] != stores["redis"]["after"]:
            print("warning: the two stores did not carry on alike", file=sys.stderr)
        write_json(
            out / "expected.json",
            {
                "release": args.rev,
                "commit": commit,
                "recorded_by": f"python -m tests.upgrade.record --rev {args.rev}",
                **stores,
            },
        )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
