"""Speech in its own process: the order of jobs (server/announce/backlog.py), the renderer
that feeds the speech process one job at a time (renderer.py), the process itself
(speaker.py, speaker_link.py) and what the library makes of it (library.py)."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from server.announce import Announcer
from server.announce.backlog import Backlog
from server.announce.cache import DiskCache
from server.announce.library import LATE_S, AudioLibrary
from server.announce.pcm import Pcm
from server.announce.renderer import Renderer
from server.announce.speaker_link import SpeakerGone, SpeakerLink
from server.announce.speech_errors import SpeechBusy, SpeechLate, SpeechUnavailable
from server.announce.voicepack import load_packs
from server.config import load_sites, parse_sites

NOW = 1_800_000_000.0
DEMO = load_sites(None)[0]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def job(key: str) -> dict[str, Any]:
    return {"key": key}


def seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getnframes() / w.getframerate()


def alive(pid: int) -> bool:
    """Whether a process with this id runs (a zombie has ended: its parent's business)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


# -- the order (pure) ------------------------------------------------------------------------


async def test_calls_go_before_speculation_and_the_newest_call_first() -> None:
    backlog = Backlog(clock=Clock())
    backlog.add("ahead", job("ahead"), False, NOW + 5, NOW + 60)
    backlog.add("older", job("older"), True, NOW - 2, NOW + 4)
    backlog.add("newest", job("newest"), True, NOW, NOW + 4)
    backlog.add("old", job("old"), True, NOW - 1, NOW + 4)
    taken = [backlog.take() for _ in range(5)]
    assert [j.key if j else None for j in taken] == ["newest", "old", "older", "ahead", None]


async def test_asking_again_raises_a_job_instead_of_queueing_it_twice() -> None:
    backlog = Backlog(clock=Clock())
    first = backlog.add("next", job("next"), False, NOW - 10, NOW + 60)
    backlog.add("call", job("call"), True, NOW - 1, NOW + 4)
    again = backlog.add("next", job("next"), True, NOW, NOW + 4)
    assert again is first and len(backlog) == 2
    taken = backlog.take()
    assert taken is not None and taken.key == "next"
    assert taken.urgent and taken.moment == NOW and taken.deadline == NOW + 60


async def test_stale_calls_are_dropped_with_a_clear_error() -> None:
    clock = Clock()
    backlog = Backlog(clock=clock)
    stale = backlog.add("stale", job("stale"), True, NOW, NOW + 4)
    fresh = backlog.add("fresh", job("fresh"), True, NOW - 1, NOW + 10)
    clock.now = NOW + 5
    taken = backlog.take()
    assert taken is not None and taken.key == "fresh" and taken.future is fresh
    with pytest.raises(SpeechLate):
        stale.result()
    assert backlog.take() is None


async def test_a_full_backlog_drops_its_lowest_job() -> None:
    backlog = Backlog(limit=3, clock=Clock())
    ahead = backlog.add("ahead", job("ahead"), False, NOW + 1, NOW + 60)
    oldest = backlog.add("oldest", job("oldest"), True, NOW - 3, NOW + 4)
    backlog.add("old", job("old"), True, NOW - 2, NOW + 4)
    backlog.add("new", job("new"), True, NOW - 1, NOW + 4)
    with pytest.raises(SpeechBusy):
        ahead.result()  # speculation goes first, even when newer
    backlog.add("newest", job("newest"), True, NOW, NOW + 4)
    with pytest.raises(SpeechBusy):
        oldest.result()
    late = backlog.add("late", job("late"), True, NOW - 9, NOW + 4)
    with pytest.raises(SpeechBusy):
        late.result()  # older than all it would push out: refused at once
    assert len(backlog) == 3
    assert [j.key for j in iter(backlog.take, None)] == ["newest", "new", "old"]


# -- the renderer, with a speech process that does what the test says ----------------------


class HeldLink(SpeakerLink):
    """Renders nothing: records the order of jobs, each held until the test releases it."""

    def __init__(self) -> None:
        super().__init__(Path("/nonexistent"), 0)
        self.order: list[str] = []
        self.release = asyncio.Event()
        self.closed = False

    async def render(self, job: dict[str, Any]) -> str | None:
        self.order.append(job["key"])
        await self.release.wait()
        return None

    async def close(self) -> None:
        self.closed = True


async def test_the_order_is_decided_when_the_speech_process_is_free() -> None:
    link = HeldLink()
    renderer = Renderer(link, lambda key: f"wav of {key}".encode(), clock=Clock())
    first = renderer.submit("first", job("first"), True, NOW - 5, NOW + 60)
    await asyncio.sleep(0.01)  # in the speech process now
    futures = [
        renderer.submit("ahead", job("ahead"), False, NOW, NOW + 60),
        renderer.submit("old call", job("old call"), True, NOW - 1, NOW + 60),
        renderer.submit("new call", job("new call"), True, NOW, NOW + 60),
    ]
    assert renderer.submit("first", job("first"), True, NOW, NOW + 60) is first
    link.release.set()
    assert await asyncio.wait_for(first, 10) == b"wav of first"
    await asyncio.wait_for(asyncio.gather(*futures), 10)
    assert link.order == ["first", "new call", "old call", "ahead"]
    await renderer.close()
    assert link.closed


async def test_closing_fails_whoever_still_waits_or_comes_later() -> None:
    link = HeldLink()
    renderer = Renderer(link, lambda key: b"", clock=Clock())
    busy = renderer.submit("busy", job("busy"), True, NOW, NOW + 60)
    waiting = renderer.submit("waiting", job("waiting"), True, NOW, NOW + 60)
    await asyncio.sleep(0.01)
    await renderer.close()
    late = renderer.submit("late", job("late"), True, NOW, NOW + 60)
    for future in (busy, waiting, late):
        with pytest.raises(SpeechUnavailable):
            future.result()
    assert link.order == ["busy"]  # nothing more reached the speech process


# -- the real speech process ----------------------------------------------------------------


@pytest.fixture
async def library(tmp_path: Path) -> AsyncIterator[AudioLibrary]:
    audio = AudioLibrary([DEMO], DiskCache(tmp_path / "audio", 10**8))
    yield audio
    await audio.close()


def urls(audio: AudioLibrary, number: str) -> list[str]:
    return [s.url for s in Announcer(audio).segments(DEMO, number, "A", "1")]


def key(url: str) -> str:
    return url.removeprefix("/audio/").removesuffix(".wav")


async def test_a_call_is_spoken_in_every_language_by_the_speech_process(
    library: AudioLibrary,
) -> None:
    called = urls(library, "A015")
    library.prepare(called, int(NOW * 1000))
    files = await asyncio.wait_for(asyncio.gather(*(library.wav(key(u)) for u in called)), 30)
    texts = [s.text for s in Announcer().segments(DEMO, "A015", "A", "1")]
    for data, text in zip(files, texts, strict=True):
        assert data is not None
        assert 0.05 * len(text) <= seconds(data) <= 0.15 * len(text)
        assert Pcm.from_wav(data).rms_dbfs() > -40
    assert all(library.cache.has(key(u)) for u in called)  # shared with other processes
    pid = library.renderer.link.pid
    assert pid is not None and alive(pid)
    await library.close()
    assert library.renderer.link.pid is None and not alive(pid)


async def test_a_stale_call_is_shed_but_a_display_asking_for_it_still_gets_it(
    library: AudioLibrary,
) -> None:
    clock = Clock()
    library.clock = library.renderer.backlog.clock = clock
    busy = HeldLink()  # the speech process is busy with something else meanwhile
    real, library.renderer.link = library.renderer.link, busy
    (first, *_) = urls(library, "A020")
    library.prepare([urls(library, "A019")[0]], int(NOW * 1000))
    await asyncio.sleep(0.01)
    library.prepare([first], int(NOW * 1000))
    shed = library.renderer.submit(key(first), {}, True, NOW, NOW)  # that same job's future
    clock.now = NOW + LATE_S + 1
    library.renderer.link = real
    busy.release.set()
    with pytest.raises(SpeechLate):
        await asyncio.wait_for(shed, 10)
    data = await asyncio.wait_for(library.wav(key(first)), 30)
    assert data is not None and seconds(data) > 1


async def test_an_unknown_segment_is_none_and_starts_no_speech_process(
    library: AudioLibrary,
) -> None:
    assert await library.wav("id/" + "0" * 32) is None
    assert library.renderer.link.pid is None


async def test_voice_pack_clips_are_joined_by_the_speech_process(tmp_path: Path) -> None:
    from tests.unit.test_voicepack import make_pack, tone

    folder = tmp_path / "packs" / "id"
    folder.mkdir(parents=True)
    tone(folder / "satu.wav", 300)
    tone(folder / "dua.wav", 500)
    make_pack(folder, {"satu": "satu.wav", "dua": "dua.wav"})
    (hall,) = parse_sites(
        '[[sites]]\nid = "hall"\nname = { id = "Aula" }\ntimezone = "Asia/Jakarta"\n'
        'languages = ["id"]\n[sites.announcements]\nvoice_packs = "packs"\n'
        '[[sites.services]]\nid = "A"\nname = { id = "Umum" }\n'
        '[[sites.counters]]\nid = "1"\nname = { id = "Loket 1" }\nservices = ["A"]\n',
        "hall.toml",
        tmp_path,
    )
    audio = AudioLibrary([hall], DiskCache(tmp_path / "audio", 10**8), load_packs([hall]))
    try:
        url = audio.url(hall, "id", "satu, dua")
        data = await asyncio.wait_for(audio.wav(key(url)), 30)
    finally:
        await audio.close()
    assert data is not None
    # two clips, each trimmed to 20 ms either side of its tone, and the pause at the comma
    assert seconds(data) == pytest.approx(0.3 + 0.5 + 4 * 0.02 + 0.2, abs=0.01)


# -- a speech process that dies, hangs or is orphaned ----------------------------------------


def program(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


async def test_a_speech_process_that_dies_fails_its_job_and_is_replaced(tmp_path: Path) -> None:
    dies = program("import sys; sys.stdin.readline(); sys.exit(3)")
    link = SpeakerLink(tmp_path, 10**6, program=dies)
    renderer = Renderer(link, lambda key: b"RIFF")
    try:
        first = renderer.submit("id/" + "1" * 32, {}, True, NOW, 2 * NOW)
        with pytest.raises(SpeechUnavailable, match="exit 3"):
            await asyncio.wait_for(first, 20)
        second = renderer.submit("id/" + "2" * 32, {}, True, NOW, 2 * NOW)
        with pytest.raises(SpeechUnavailable):
            await asyncio.wait_for(second, 20)
        assert link.started == 2
    finally:
        await renderer.close()


async def test_a_speech_process_that_hangs_or_garbles_is_killed_and_reaped(
    tmp_path: Path,
) -> None:
    for code, problem in (
        ("import time; time.sleep(600)", "did not answer"),
        (
            "import sys, time; sys.stdin.readline(); print('??', flush=True); time.sleep(600)",
            "answered b'\\?\\?",
        ),
    ):
        link = SpeakerLink(tmp_path, 10**6, timeout=0.5, program=program(code))
        with pytest.raises(SpeakerGone, match=problem):
            await asyncio.wait_for(link.render({}), 20)
        assert link.started == 1 and link.pid is None


async def test_the_speech_process_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from server.announce.speaker_link import SpeakerLink\n"
        "async def main():\n"
        "    link = SpeakerLink(Path(sys.argv[1]), 10**6)\n"
        "    print(await link.render({'key': 'id/' + '0' * 32, 'lang': 'id', 'text': 'satu',"
        " 'voice': ['id', 145, 50], 'pack': None}), link.pid, flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n"
    )
    here = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", parent, str(tmp_path), stdout=asyncio.subprocess.PIPE, env=env
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    error, pid = line.decode().split()
    assert error == "None" and alive(int(pid))
    process.kill()
    await process.wait()
    for _ in range(100):  # its stdin closes with its parent; it then ends (and init reaps it)
        if not alive(int(pid)):
            break
        await asyncio.sleep(0.1)
    assert not alive(int(pid))
    assert np.frombuffer((tmp_path / "id" / f"{'0' * 32}.wav").read_bytes()[44:], "<i2").any()


# -- what a display is answered ------------------------------------------------------------


class Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def wav(self, key: str) -> bytes | None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (SpeechLate("shed"), "speech_late"),
        (SpeechBusy("full"), "speech_busy"),
        (SpeechUnavailable("the speech process ended"), "speech_failed"),
    ],
)
async def test_speech_that_cannot_be_had_is_a_503_with_its_reason(
    error: Exception, code: str
) -> None:
    import httpx
    from starlette.applications import Starlette

    from server.web import audio
    from server.web.errors import HANDLERS

    app = Starlette(routes=audio.ROUTES, exception_handlers=HANDLERS)
    app.state.service = SimpleNamespace(audio=Refusing(error))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://loket") as client:
        answer = await client.get(f"/audio/id/{'0' * 32}.wav")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == code
