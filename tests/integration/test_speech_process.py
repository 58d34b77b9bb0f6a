"""The real speech process (server/announce/speaker.py, speaker_link.py), a child process
of its own, and what the library (library.py) makes of it: speech in every language,
voice pack clips joined, a process that dies, hangs, garbles or is orphaned. The order of
jobs and the renderer on their own: tests/unit/test_speech_process.py."""

from __future__ import annotations

import asyncio
import io
import sys
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from loket.server.announce import Announcer
from loket.server.announce.cache import DiskCache
from loket.server.announce.library import LATE_S, AudioLibrary
from loket.server.announce.pcm import Pcm
from loket.server.announce.renderer import Renderer
from loket.server.announce.speaker_link import SpeakerGone, SpeakerLink
from loket.server.announce.speech_errors import SpeechLate, SpeechUnavailable
from loket.server.announce.voicepack import load_packs
from loket.server.config import load_sites, parse_sites
from tests.support.waiting import wait_until_async
from tests.unit.test_speech_process import NOW, Clock, HeldLink

DEMO = load_sites(None)[0]


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
    await wait_until_async(lambda: busy.order, 5, "the speech process is busy")
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
        "from loket.server.announce.speaker_link import SpeakerLink\n"
        "async def main():\n"
        "    link = SpeakerLink(Path(sys.argv[1]), 10**6)\n"
        "    print(await link.render({'key': 'id/' + '0' * 32, 'lang': 'id', 'text': 'satu',"
        " 'voice': ['id', 145, 50], 'pack': None}), link.pid, flush=True)\n"
        "    await asyncio.sleep(600)\n"
        "asyncio.run(main())\n"
    )
    process = await asyncio.create_subprocess_exec(  # the installed package, as every test
        sys.executable, "-c", parent, str(tmp_path), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    error, pid = line.decode().split()
    assert error == "None" and alive(int(pid))
    process.kill()
    await process.wait()
    # its stdin closes with its parent; it then ends (and init reaps it)
    await wait_until_async(lambda: not alive(int(pid)), 10, "the orphan has ended", poll=0.1)
    assert np.frombuffer((tmp_path / "id" / f"{'0' * 32}.wav").read_bytes()[44:], "<i2").any()
