"""Speech under load (GitHub issue 12): how many calls one speech process voices, and how
soon a call's audio can be fetched when calls come faster than that.

1. `--speaker`: the checkout's Renderer and its speech process alone (no server): CALLS
   calls of the demo site (id, en, az; a new number each, so new texts) submitted at once as
   calls being made, timed until the last segment is in the disk cache. Calls per second =
   CALLS / that time; also the same with one call at a time (each awaited).
2. `--rates R …`: against a real `loket serve` (fresh SQLite, fresh audio cache), calls at R
   per second, open loop, round robin over counters 1–6, for --seconds. One display socket
   hears every ticket.called and at once GETs its three segment URLs, each on a connection
   of its own (the server, not a pool of connections here, sets the pace). Per call: call →
   all three answered 200 ("fetchable"; the call time is the announcement's start_at −
   lead_ms, on the server's wall clock, the same machine clock here); how many calls had
   all three by start_at (what a TV needs to play them in time); calls with any segment
   refused (503: speech shed or failed), by error code. The server's code is the checkout
   this script sits in: run a copy of it in another worktree to measure that one.

    .venv/bin/python bench/speech_load.py --speaker
    .venv/bin/python bench/speech_load.py --rates 5 15 30 --seconds 20

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

sys.path[:0] = h.code_path().split(os.pathsep)  # the checkout's code, whatever the venv holds

COUNTERS = ("1", "2", "3", "4", "5", "6")
SERVICE_OF = {"1": "A", "2": "A", "3": "B", "4": "B", "5": "C", "6": "A"}
LEAD_MS = 1500  # the demo site's lead_ms
NO_ANSWER_S = 60.0  # a GET still unanswered after this is counted as such


# -- one speech process alone ---------------------------------------------------------------


async def speaker_rate(calls: int, together: bool) -> tuple[float, float]:
    """(calls per second, seconds) for `calls` calls of three segments."""
    from loket.server.announce import Announcer
    from loket.server.announce.cache import DiskCache
    from loket.server.announce.library import AudioLibrary
    from loket.server.config import load_sites

    (site,) = load_sites(None)
    folder = Path(tempfile.mkdtemp(prefix="loket-bench-speech-"))
    library = AudioLibrary([site], DiskCache(folder, 10**9))
    announcer = Announcer(library)
    try:

        def keys(n: int) -> list[tuple[str, dict[str, object]]]:
            out = []
            for s in announcer.segments(site, f"A{n:03d}", "A", str(1 + n % 6)):
                key = s.url.removeprefix("/audio/").removesuffix(".wav")
                recipe = library._recipe(key)
                assert recipe is not None
                out.append((key, recipe.job(key)))
            return out

        far = time.time() + 3600  # nothing is shed here: this is the speech process's pace
        library.renderer.backlog.limit = 3 * calls + 3
        for key, job in keys(999):  # the process starts, every voice loads once
            await library.renderer.submit(key, job, True, time.time(), far)
        start = time.perf_counter()
        if together:
            futures = [
                library.renderer.submit(key, job, True, float(n), far)
                for n in range(1, calls + 1)
                for key, job in keys(n)
            ]
            await asyncio.gather(*futures)
        else:
            for n in range(1, calls + 1):
                await asyncio.gather(
                    *(
                        library.renderer.submit(key, job, True, float(n), far)
                        for key, job in keys(n)
                    )
                )
        elapsed = time.perf_counter() - start
    finally:
        await library.close()
        shutil.rmtree(folder, ignore_errors=True)
    return calls / elapsed, elapsed


# -- calls at a rate against a server -------------------------------------------------------


@dataclass
class Load:
    rate: float
    calls: int = 0
    fetchable_ms: list[float] = field(default_factory=list)  # call → all three 200
    in_time: int = 0  # all three 200 by start_at
    refused: Counter[str] = field(default_factory=Counter)  # calls with a non-200, by code
    answered_ms: list[float] = field(default_factory=list)  # call → last answer, any status
    drained_s: float = 0.0  # after the last call, until every GET was answered


async def drive(port: int, token: str, load: Load, seconds: float) -> None:
    pending: list[asyncio.Task[None]] = []

    async def fetch(raw: bytes) -> tuple[int, bytes, float]:
        # a fresh connection per GET: an idle keep-alive one may be closed by the server
        http = await h.AsyncHttp.open(port)
        try:
            status, body = await http.request(raw)
            return status, body, time.time() * 1000
        finally:
            http.close()

    async def fetch_call(announcement: dict[str, object]) -> None:
        start_at = float(announcement["start_at"])  # type: ignore[arg-type]
        called = start_at - LEAD_MS
        futures = [
            fetch(h.http_request("GET", segment["url"]))
            for segment in announcement["segments"]  # type: ignore[attr-defined]
        ]
        try:
            answers = await asyncio.wait_for(asyncio.gather(*futures), NO_ANSWER_S)
        except TimeoutError:
            load.refused[f"no answer in {NO_ANSWER_S:.0f} s"] += 1
            return
        last = max(t for _, _, t in answers)
        load.answered_ms.append(last - called)
        bad = [(s, b) for s, b, _ in answers if s != 200]
        if bad:
            status, body = bad[0]
            try:
                code = json.loads(body)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = str(status)
            load.refused[code] += 1
            return
        load.fetchable_ms.append(last - called)
        load.in_time += last <= start_at

    def on_text(_client: h.WsClient, payload: bytes, _t: int) -> None:
        if b'"type":"ticket.called"' in payload:
            data = json.loads(payload)["data"]
            pending.append(asyncio.ensure_future(fetch_call(data["announcement"])))

    display = await h.open_ws(port, "/ws/display/demo", on_text)
    post = await h.AsyncHttp.open(port)
    try:
        total = int(load.rate * seconds) + 1
        for service in "ABC":  # enough for every counter to call all the time
            issue = h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": service})
            for _ in range(total + 5):
                status, _ = await post.request(issue)
                assert status == 201, status
        begin = time.perf_counter()
        for i in range(total):
            await asyncio.sleep(max(0.0, begin + i / load.rate - time.perf_counter()))
            counter = COUNTERS[i % len(COUNTERS)]
            call = h.http_request(
                "POST", f"/api/v1/sites/demo/counters/{counter}/call-next", token=token
            )
            status, _ = await post.request(call)
            if status == 200:
                load.calls += 1
        ended = time.perf_counter()
        await asyncio.sleep(1.0)  # the last events reach the display
        await asyncio.gather(*pending)  # each bounded by NO_ANSWER_S
        load.drained_s = max(0.0, time.perf_counter() - ended - 1.0)
    finally:
        display.close()
        post.close()


def measure_rate(rate: float, seconds: float) -> Load:
    audio = Path(tempfile.mkdtemp(prefix="loket-bench-audio-"))
    server = h.start_loket({"LOKET_AUDIO_CACHE": str(audio)})
    try:
        token = h.login(server.port)
        load = Load(rate)
        asyncio.run(drive(server.port, token, load, seconds))
        return load
    finally:
        server.stop()
        shutil.rmtree(audio, ignore_errors=True)


def report_loads(loads: list[Load]) -> str:
    table = h.Table(
        [
            "calls/s",
            "calls",
            "fetchable p50 ms",
            "p99 ms",
            "all three by start_at",
            "refused (code: calls)",
            "last answer p99 ms",
            "drained s",
        ]  # fmt: skip
    )
    for load in loads:
        refused = ", ".join(f"{code}: {n}" for code, n in load.refused.most_common()) or "0"
        table.add(
            load.rate,
            load.calls,
            h.median(load.fetchable_ms),
            h.percentile(load.fetchable_ms, 99),
            f"{load.in_time} ({100 * load.in_time / max(1, load.calls):.0f}%)",
            refused,
            h.percentile(load.answered_ms, 99),
            load.drained_s,
        )
    return table.render()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speaker", action="store_true", help="one speech process alone")
    parser.add_argument("--calls", type=int, default=200, help="calls for --speaker")
    parser.add_argument("--rates", type=float, nargs="*", default=[], help="calls per second")
    parser.add_argument("--seconds", type=float, default=20.0, help="per rate")
    args = parser.parse_args()
    print(f"speech_load — {h.machine_line()}")
    if args.speaker:
        together, t1 = asyncio.run(speaker_rate(args.calls, together=True))
        alone, t2 = asyncio.run(speaker_rate(args.calls, together=False))
        print(
            f"\none speech process, {args.calls} calls × 3 segments (id, en, az):\n"
            f"  all submitted at once: {together:.1f} calls/s ({1000 / together:.1f} ms a call)\n"
            f"  one call at a time:    {alone:.1f} calls/s ({1000 / alone:.1f} ms a call)"
        )
    loads = []
    for rate in args.rates:
        print(f"{rate} calls/s …", file=sys.stderr)
        loads.append(measure_rate(rate, args.seconds))
    if loads:
        print(f"\ncalls for {args.seconds:.0f} s at each rate, counters 1–6, one display:\n")
        print(report_loads(loads))


if __name__ == "__main__":
    main()
