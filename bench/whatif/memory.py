"""Where the memory of an idle display goes: tracemalloc in `loket serve`, by file and package.

    .venv/bin/python bench/whatif/memory.py --n 2000

Starts Loket with the `tracemalloc` switch of bench/whatif/sitecustomize.py, connects a
few displays and closes them (warm-up), snapshots, connects N lean displays (as
fanout.py does), waits 1 s, snapshots again, and prints the traced growth per display.
Tracing makes the process bigger and slower; the figures are for the breakdown, the
RSS per display is fanout.py's to give.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import _harness as h  # noqa: E402
import fanout as fo  # noqa: E402


def package(filename: str) -> str:
    for marker in ("/uvicorn/", "/starlette/", "/websockets/", "/asyncio/", "/server/"):
        if marker in filename:
            return marker.strip("/")
    return Path(filename).name


def snapshot(server: h.Server, folder: Path, k: int) -> tracemalloc.Snapshot:
    path = folder / f"snap-{k}.pickle"
    os.kill(server.pid, signal.SIGUSR1)
    for _ in range(600):
        if path.exists():
            size = path.stat().st_size
            time.sleep(0.2)
            if size and path.stat().st_size == size:
                return tracemalloc.Snapshot.load(str(path))
        time.sleep(0.1)
    raise RuntimeError("no snapshot from the server")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    h.raise_nofile()
    folder = Path(tempfile.mkdtemp(prefix="loket-tracemalloc-"))
    env = {
        "PYTHONPATH": str(HERE),
        "BENCH_WHATIF": "tracemalloc",
        "BENCH_TRACEMALLOC": str(folder),
    }
    server = h.start_loket(env)
    pool = fo.Pool(2, "lean")
    try:
        pool.connect("loket", server.port, 8)
        pool.close("loket")
        time.sleep(0.5)
        before = snapshot(server, folder, 1)
        rss0 = server.rss_kb()
        connected, _took = pool.connect("loket", server.port, args.n)
        time.sleep(1.0)
        rss = (server.rss_kb() - rss0) / connected
        after = snapshot(server, folder, 2)
        diff = after.compare_to(before, "lineno")
        by_file: Counter[str] = Counter()
        by_package: Counter[str] = Counter()
        by_line: Counter[str] = Counter()
        for stat in diff:
            frame = stat.traceback[0]
            by_line[f"{frame.filename}:{frame.lineno}"] += stat.size_diff
            by_file[frame.filename] += stat.size_diff
            by_package[package(frame.filename)] += stat.size_diff
        total = sum(by_package.values())
        print(
            f"{connected} idle displays — traced {total / connected / 1024:.1f} KB each "
            f"(RSS under tracing {rss:.1f} KB each) — {h.machine_line()}"
        )
        table = h.Table(["package", "KB per display"])
        for name, size in by_package.most_common():
            if abs(size) / connected >= 50:
                table.add(name, size / connected / 1024)
        print(table.render())
        table = h.Table(["allocated at", "KB per display"])
        for line, size in by_line.most_common(args.top):
            short = re.sub(r"^.*/(site-packages|python3\.\d+)/", "", line)
            short = short.replace(str(h.ROOT) + "/", "")
            table.add(short, size / connected / 1024)
        print(table.render())
        pool.close("loket")
    finally:
        pool.stop()
        server.stop()
        for path in folder.glob("*.pickle"):
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
