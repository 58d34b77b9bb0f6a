"""What bench/soak.py loads into its `loket serve` (never loaded otherwise).

Python imports `sitecustomize` at start-up from sys.path; soak.py puts this folder on the
server's PYTHONPATH (after the checkout). It changes no behaviour of the server:

- Thread names: CPython 3.11 does not name OS threads, so every thread's
  /proc/PID/task/TID/comm is the process's. Each Python thread writes its own name there
  when it starts (ThreadPoolExecutor-0_3 → pool-0_3; the kernel keeps 15 bytes), so the
  soak can tell the CPU of each thread from outside.
- The week (soak.py --week) only, when $BENCH_CLOCK_FILE is set: the service's clock runs
  that many seconds (a float, the file's content) ahead of the real one, read again on
  SIGUSR2, so the bench can move the server to the next morning. `LoketService` takes a
  `clock=`; the wrapper passes one unless the caller gave its own. With
  $BENCH_MAINTAIN_S, the service's periodic maintenance (store pruning, every 600 s)
  runs that often instead: a simulated day lasts minutes, not 24 hours.
- With $BENCH_WHATIF set (soak.py --tracemalloc sets `tracemalloc`), the switches of
  bench/whatif/sitecustomize.py too: only one `sitecustomize` is ever imported.
"""

from __future__ import annotations

import os
import re
import runpy
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import Any


def _short(name: str) -> str:
    return re.sub(r"^ThreadPoolExecutor-", "pool-", name)[:15]


def _name_threads() -> None:
    original = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def bootstrap_inner(self: threading.Thread) -> None:
        try:
            with open(f"/proc/self/task/{threading.get_native_id()}/comm", "w") as comm:
                comm.write(_short(self.name))
        except OSError:
            pass
        original(self)

    threading.Thread._bootstrap_inner = bootstrap_inner  # type: ignore[attr-defined]


_offset = [timedelta(0)]


def _read_offset(*_: Any) -> None:
    try:
        with open(os.environ["BENCH_CLOCK_FILE"]) as file:
            _offset[0] = timedelta(seconds=float(file.read().strip() or 0))
    except (OSError, ValueError):
        pass  # keep the last one


def shifted_now() -> datetime:
    return datetime.now(UTC) + _offset[0]


def _shift_clock() -> None:
    from loket.server import service

    _read_offset()
    signal.signal(signal.SIGUSR2, _read_offset)
    init = service.LoketService.__init__
    maintain = service.LoketService.maintain
    every = float(os.environ.get("BENCH_MAINTAIN_S") or service.MAINTENANCE_INTERVAL)

    def shifted_init(self: service.LoketService, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("clock", shifted_now)
        init(self, *args, **kwargs)

    async def often(self: service.LoketService, *_: Any) -> None:
        await maintain(self, every)

    service.LoketService.__init__ = shifted_init  # type: ignore[method-assign]
    service.LoketService.maintain = often  # type: ignore[method-assign]


_name_threads()
if os.environ.get("BENCH_CLOCK_FILE"):
    _shift_clock()
if os.environ.get("BENCH_WHATIF"):
    runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "whatif", "sitecustomize.py"))
