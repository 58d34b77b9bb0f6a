"""Announcement audio (GitHub issue 4): how long speech takes to make, to serve, and to reach
a display after a call.

1. Synthesis of one call's three segments (the demo site: id, en, az texts from the
   Announcer), each spoken by libespeak-ng, leveled and encoded as WAV and written to the
   disk cache — what the speech process does for a URL it has not made yet.
   - cold: a fresh Python process (COLD_RUNS times): the first Espeak() and the first
     segment of each language. Imports are timed apart (server start-up pays them once).
   - warm: engine up, a new ticket number each round (so new texts): the three segments
     through AudioLibrary.wav(), as a display's GET asks for them (the speech process
     renders, the file is read back from the disk cache); plus each stage alone.
2. Cache hits: AudioLibrary.wav(key) for a segment in memory, and for one only on disk (a
   fresh AudioLibrary over a warm cache folder: what a restart or another process sees).
3. Call to sound, against a real `loket serve` (fresh SQLite, fresh audio cache): one
   display socket listens; t0 just before POST …/call-next leaves; when ticket.called
   arrives the display GETs its three segment URLs at once (three keep-alive connections,
   as a browser would) — the time to the last 200. Two orders of calls:
   - one counter: every call at counter 1, numbers in order; since counters 1, 2 and 6
     share service A, the server does not render the next number ahead (it would before
     issue 12), so this is rendered on demand as well;
   - two counters: counters 1 and 2 take turns, every call rendered on demand.
   Calls are CALL_GAP_S apart (a hall: tens of seconds); the first call of a fresh server
   (engine start) is shown apart.

    .venv/bin/python bench/announce.py            # ~30 s
    .venv/bin/python bench/announce.py --quick    # < 15 s

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

sys.path[:0] = h.code_path().split(os.pathsep)  # the checkout's code, whatever the venv holds

LANGS = ("id", "en", "az")
CALL_GAP_S = 0.25


# -- in-process pieces (synthesis, cache) ------------------------------------------------------


def demo_texts(number: int, counter: str = "1") -> dict[str, str]:
    from loket.server.announce import Announcer
    from loket.server.config import load_sites

    (site,) = load_sites(None)
    return {lang: Announcer().text(site, f"A{number:03d}", "A", counter, lang) for lang in LANGS}


def cold_child() -> None:
    """Run in a fresh process: prints one JSON line of figures (ms)."""
    t0 = time.perf_counter()
    from loket.server.announce.cache import DiskCache
    from loket.server.announce.espeak import Espeak
    from loket.server.announce.keys import segment_key
    from loket.server.domain.announcements import Voice

    texts = demo_texts(15, "3")
    t1 = time.perf_counter()
    engine = Espeak()
    t2 = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="loket-bench-audio-"))
    try:
        cache = DiskCache(folder, 10**8)
        firsts = {}
        for lang in LANGS:
            start = time.perf_counter()
            data = engine.speak(texts[lang], Voice(lang)).leveled().wav()
            cache.put(segment_key(lang, texts[lang], "bench"), data)
            firsts[lang] = (time.perf_counter() - start) * 1000
        t3 = time.perf_counter()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        json.dumps(
            {
                "imports": (t1 - t0) * 1000,
                "init": (t2 - t1) * 1000,
                "firsts": firsts,
                "engine_and_three": (t3 - t1) * 1000,
            }
        )
    )


def measure_cold(runs: int) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": h.code_path()}
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [h.PYTHON, __file__, "--cold-child"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cold run failed:\n{done.stderr[-2000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


@dataclass
class Warm:
    library_ms: list[float] = field(default_factory=list)  # three segments via AudioLibrary
    stages: dict[str, list[float]] = field(default_factory=dict)  # per stage, per language
    seconds_of_speech: list[float] = field(default_factory=list)
    memory_us: list[float] = field(default_factory=list)
    disk_us: list[float] = field(default_factory=list)
    wav_kb: list[float] = field(default_factory=list)


async def measure_warm(rounds: int, hits: int) -> Warm:
    from loket.server.announce import Announcer
    from loket.server.announce.cache import DiskCache
    from loket.server.announce.espeak import Espeak
    from loket.server.announce.library import AudioLibrary
    from loket.server.announce.pcm import Pcm
    from loket.server.config import load_sites
    from loket.server.domain.announcements import Voice

    (site,) = load_sites(None)
    warm = Warm()
    folder = Path(tempfile.mkdtemp(prefix="loket-bench-audio-"))
    try:
        library = AudioLibrary([site], DiskCache(folder, 10**9))
        announcer = Announcer(library)
        keys: list[str] = []

        def urls(number: int, counter: str) -> list[str]:
            segments = announcer.segments(site, f"A{number:03d}", "A", counter)
            return [s.url.removeprefix("/audio/").removesuffix(".wav") for s in segments]

        # engine up, every language spoken once
        await asyncio.gather(*(library.wav(key) for key in urls(900, "6")))
        for n in range(1, rounds + 1):
            round_keys = urls(n, str(1 + n % 6))
            start = time.perf_counter_ns()
            files = await asyncio.gather(*(library.wav(key) for key in round_keys))
            warm.library_ms.append((time.perf_counter_ns() - start) / 1e6)
            assert all(files)
            warm.wav_kb.extend(len(f or b"") / 1024 for f in files)
            warm.seconds_of_speech.append(
                sum(Pcm.from_wav(f).seconds for f in files if f is not None)
            )
            keys.extend(round_keys)

        # each stage alone, on the caller's thread (the same texts again, other numbers)
        engine = Espeak()
        cache = DiskCache(folder / "stages", 10**9)
        for n in range(rounds):
            for lang, text in demo_texts(500 + n, str(1 + n % 6)).items():
                t0 = time.perf_counter_ns()
                pcm = engine.speak(text, Voice(lang))
                t1 = time.perf_counter_ns()
                leveled = pcm.leveled()
                t2 = time.perf_counter_ns()
                data = leveled.wav()
                t3 = time.perf_counter_ns()
                cache.put(f"{lang}/{n:032x}", data)
                t4 = time.perf_counter_ns()
                for stage, ns in (
                    ("speak", t1 - t0),
                    ("level", t2 - t1),
                    ("wav", t3 - t2),
                    ("disk put", t4 - t3),
                ):
                    warm.stages.setdefault(f"{stage} {lang}", []).append(ns / 1e6)

        # cache hits: in memory (the latest files) …
        recent = keys[-3:]
        for i in range(hits):
            key = recent[i % 3]
            start = time.perf_counter_ns()
            await library.wav(key)
            warm.memory_us.append((time.perf_counter_ns() - start) / 1e3)
        await library.close()

        # … and only on disk: a fresh library knows no texts, reads the folder
        fresh = AudioLibrary([site], DiskCache(folder, 10**9))
        await fresh.wav(keys[0])  # the default executor's thread starts once
        for key in keys[1:]:
            start = time.perf_counter_ns()
            found = await fresh.wav(key)
            warm.disk_us.append((time.perf_counter_ns() - start) / 1e3)
            assert found is not None
        await fresh.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return warm


# -- call to sound, against a real server ---------------------------------------------------------


@dataclass
class Round:
    reply_ms: float
    event_ms: float
    first_ms: float
    all_ms: float


@dataclass
class Scenario:
    name: str
    first: Round | None = None
    rounds: list[Round] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


async def call_to_sound(
    port: int, token: str, scenario: Scenario, counters: list[str], calls: int
) -> None:
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future[tuple[bytes, int]] | None = None

    def on_text(_client: h.WsClient, payload: bytes, t: int) -> None:
        if b'"type":"ticket.called"' in payload and arrived is not None and not arrived.done():
            arrived.set_result((payload, t))

    display = await h.open_ws(port, "/ws/display/demo", on_text)
    post = await h.AsyncHttp.open(port)
    fetchers = [await h.AsyncHttp.open(port) for _ in LANGS]
    issue = h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": "A"})
    try:
        for _ in range(calls):
            status, _body = await post.request(issue)
            assert status == 201, status

        async def timed(http: h.AsyncHttp, raw: bytes) -> tuple[int, int]:
            status, _ = await http.request(raw)
            return status, h.now_ns()

        for i in range(calls):
            counter = counters[i % len(counters)]
            arrived = loop.create_future()
            request = h.http_request(
                "POST", f"/api/v1/sites/demo/counters/{counter}/call-next", token=token
            )
            t0 = h.now_ns()
            replied = asyncio.ensure_future(timed(post, request))
            payload, t_event = await asyncio.wait_for(arrived, 30)
            urls = [s["url"] for s in json.loads(payload)["data"]["announcement"]["segments"]]
            gets = [h.http_request("GET", url) for url in urls]
            fetched = await asyncio.wait_for(
                asyncio.gather(
                    *(timed(http, raw) for http, raw in zip(fetchers, gets, strict=True))
                ),
                30,
            )
            status, t_reply = await replied
            assert status == 200, status
            scenario.statuses.extend(s for s, _ in fetched)
            done = [t for _, t in fetched]
            measured = Round(
                reply_ms=(t_reply - t0) / 1e6,
                event_ms=(t_event - t0) / 1e6,
                first_ms=(min(done) - t0) / 1e6,
                all_ms=(max(done) - t0) / 1e6,
            )
            if scenario.first is None and not scenario.rounds:
                scenario.first = measured
            else:
                scenario.rounds.append(measured)
            await asyncio.sleep(CALL_GAP_S)  # pacing between calls, as in a hall
    finally:
        display.close()
        post.close()
        for http in fetchers:
            http.close()


def measure_call_to_sound(calls: int, server_env: dict[str, str]) -> list[Scenario]:
    scenarios = []
    for name, counters in (("one counter", ["1"]), ("two counters", ["1", "2"])):
        audio = Path(tempfile.mkdtemp(prefix="loket-bench-audio-"))
        server = h.start_loket({"LOKET_AUDIO_CACHE": str(audio), **server_env})
        try:
            token = h.login(server.port)
            scenario = Scenario(name)
            asyncio.run(call_to_sound(server.port, token, scenario, counters, calls))
            scenarios.append(scenario)
        finally:
            server.stop()
            shutil.rmtree(audio, ignore_errors=True)
    return scenarios


# -- report --------------------------------------------------------------------------------------


def spread(values: list[float]) -> tuple[float, float, float, float]:
    return (
        h.median(values),
        h.percentile(values, 90),
        min(values, default=float("nan")),
        max(values, default=float("nan")),
    )


def report(cold: list[dict[str, Any]], warm: Warm, scenarios: list[Scenario], quick: bool) -> str:
    synth = h.Table(["phase", "runs", "median", "p90", "min", "max", "unit"])
    engine_and_three = [c["engine_and_three"] for c in cold]
    synth.add("cold: imports (numpy, num2words, espeakng_loader, server)", len(cold),
              *spread([c["imports"] for c in cold]), "ms")  # fmt: skip
    synth.add("cold: Espeak() (espeak_Initialize; voices load on first use)", len(cold),
              *spread([c["init"] for c in cold]), "ms")  # fmt: skip
    for lang in LANGS:
        synth.add(f"cold: first segment {lang} (speak+level+wav+disk)", len(cold),
                  *spread([c["firsts"][lang] for c in cold]), "ms")  # fmt: skip
    synth.add("cold: Espeak() + three segments", len(cold), *spread(engine_and_three), "ms")
    synth.add("warm: three segments via AudioLibrary.wav()", len(warm.library_ms),
              *spread(warm.library_ms), "ms")  # fmt: skip
    synth.add("cache hit, memory: AudioLibrary.wav(key)", len(warm.memory_us),
              *spread(warm.memory_us), "µs")  # fmt: skip
    synth.add("cache hit, disk only: AudioLibrary.wav(key)", len(warm.disk_us),
              *spread(warm.disk_us), "µs")  # fmt: skip

    stages = h.Table(["phase", *LANGS])
    for stage in ("speak", "level", "wav", "disk put"):
        stages.add(stage, *(h.median(warm.stages[f"{stage} {lang}"]) for lang in LANGS))

    e2e = h.Table(["phase", "calls", "POST reply", "event at display", "first segment",
                   "all three segments", "non-200"])  # fmt: skip
    for s in scenarios:
        bad = sum(1 for status in s.statuses if status != 200)
        if s.first is not None:
            f = s.first
            e2e.add(f"{s.name}: first call (engine starts)", 1, f.reply_ms, f.event_ms,
                    f.first_ms, f.all_ms, "")  # fmt: skip
        r = s.rounds

        def both(values: list[float]) -> str:
            return f"{h.median(values):.1f} / {h.percentile(values, 90):.1f}"

        e2e.add(f"{s.name}: the others (p50 / p90)", len(r), both([x.reply_ms for x in r]),
                both([x.event_ms for x in r]), both([x.first_ms for x in r]),
                both([x.all_ms for x in r]), bad)  # fmt: skip

    speech = h.median(warm.seconds_of_speech)
    return h.paragraphs(
        f"announce — {h.machine_line()}" + (" (quick)" if quick else ""),
        f"Synthesis of one call, demo site, {', '.join(LANGS)}: about {speech:.1f} s of "
        f"speech in all, {h.median(warm.wav_kb):.0f} KB of WAV per segment:",
        synth,
        "Warm, each stage alone, median ms per segment:",
        stages,
        "Call to sound against `loket serve`: ms from POST call-next sent "
        f"(calls {CALL_GAP_S * 1000:.0f} ms apart):",
        e2e,
        "Targets: warm ≤ 50 ms for all three segments; cache hit ≤ 1 ms.",
    )


def main() -> None:
    parser = h.bench_parser(__doc__, "fewer runs and calls (< 15 s)")
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        cold_child()
        return
    started = time.monotonic()
    print("cold …", file=sys.stderr)
    cold = measure_cold(2 if args.quick else 7)
    print("warm …", file=sys.stderr)
    warm = asyncio.run(measure_warm(10 if args.quick else 50, 200 if args.quick else 2000))
    print("call to sound …", file=sys.stderr)
    scenarios = measure_call_to_sound(8 if args.quick else 50, h.env_pairs(args.server_env))
    print(report(cold, warm, scenarios, args.quick))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "cold": cold,
                    "warm": vars(warm),
                    "call_to_sound": [
                        {
                            "name": s.name,
                            "first": None if s.first is None else vars(s.first),
                            "rounds": [vars(r) for r in s.rounds],
                        }
                        for s in scenarios
                    ],
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
