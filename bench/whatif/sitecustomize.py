"""What-if switches for the `loket serve` subprocess of a benchmark, to measure ideas.

NOT part of Loket and never loaded by default. Python imports `sitecustomize` at start-up
from sys.path, so a benchmark can load this into the server process with

    --server-env PYTHONPATH=bench/whatif --server-env BENCH_WHATIF=gclog,gctune

and it patches that process only. The fixes first prototyped here (group commit, session
and number-word caches, direct fan-out, gc.freeze) are in the server now; what is left:

  gclog    log every garbage collection slower than 1 ms to $BENCH_GCLOG (a file), with
           time.monotonic() stamps to line up with the phase times the benchmarks print.
  gctune   replace the server's gc.set_threshold(50_000, 20, 10) (server/cli.py
           `_settle_memory`) with $BENCH_GC_THRESHOLD, e.g. "10000,20,10", set right after
           the server's own call.
  nolog    uvicorn's access log off (one log line per request; ~5% of the GIL-held time
           under call-next load).
  tracemalloc
           trace allocations from start-up; each SIGUSR1 dumps a snapshot to
           $BENCH_TRACEMALLOC/snap-N.pickle (N = 1, 2, ...), for the memory breakdown
           (see bench/whatif/memory.py).
  uvloop   asyncio.run() on uvloop's event loop (cli.py calls asyncio.run itself, so
           uvicorn's loop="auto" never gets to choose uvloop). Needs uvloop importable,
           e.g. `pip install --target DIR uvloop` and that DIR on PYTHONPATH.
"""

from __future__ import annotations

import os

_SWITCHES = {s.strip() for s in os.environ.get("BENCH_WHATIF", "").split(",") if s.strip()}


def _patch_gclog() -> None:
    import gc
    import time

    path = os.environ.get("BENCH_GCLOG", "/tmp/loket-gc.log")
    started: dict[str, float] = {}

    def callback(phase, info):  # type: ignore[no-untyped-def]
        if phase == "start":
            started["t"] = time.perf_counter()
            return
        took = (time.perf_counter() - started.get("t", time.perf_counter())) * 1000
        if took > 1.0:
            with open(path, "a") as log:
                log.write(
                    f"{time.monotonic():.3f} gen{info['generation']} {took:.1f} ms "
                    f"collected={info['collected']}\n"
                )

    gc.callbacks.append(callback)


def _patch_gctune() -> None:
    import gc

    from loket.server import cli

    threshold = tuple(
        int(x) for x in os.environ.get("BENCH_GC_THRESHOLD", "50000,20,10").split(",")
    )
    original = cli._settle_memory

    def settle_memory() -> None:
        original()
        gc.set_threshold(*threshold)

    cli._settle_memory = settle_memory


def _patch_nolog() -> None:
    import uvicorn

    original = uvicorn.Config.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **{**kwargs, "access_log": False})

    uvicorn.Config.__init__ = init  # type: ignore[method-assign]


def _patch_tracemalloc() -> None:
    import signal
    import tracemalloc

    folder = os.environ.get("BENCH_TRACEMALLOC", "/tmp")
    taken = [0]

    def dump(_signum, _frame):  # type: ignore[no-untyped-def]
        taken[0] += 1
        tracemalloc.take_snapshot().dump(os.path.join(folder, f"snap-{taken[0]}.pickle"))

    tracemalloc.start(1)
    signal.signal(signal.SIGUSR1, dump)


def _patch_uvloop() -> None:
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


_PATCHES = {
    "gclog": _patch_gclog,
    "gctune": _patch_gctune,
    "nolog": _patch_nolog,
    "tracemalloc": _patch_tracemalloc,
    "uvloop": _patch_uvloop,
}

for _name in sorted(_SWITCHES):
    if _name not in _PATCHES:
        raise SystemExit(f"BENCH_WHATIF: unknown switch {_name!r}")
    _PATCHES[_name]()
