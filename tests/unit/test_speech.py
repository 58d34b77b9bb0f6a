"""Sound: espeak-ng speech (server/announce/espeak.py), the chime, PCM/WAV handling
(server/announce/pcm.py) and the disk cache of rendered audio (server/announce/cache.py)."""

from __future__ import annotations

import io
import os
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

from loket.server.announce.cache import DiskCache
from loket.server.announce.chime import chime
from loket.server.announce.espeak import Espeak, SpeechError
from loket.server.announce.pcm import PEAK_LIMIT, TARGET_RMS_DBFS, AudioFormatError, Pcm, joined
from loket.server.announce.words import counter_words, ticket_words
from loket.server.domain.announcements import DEFAULT_TEMPLATES, Voice

RATE = 22050


@pytest.fixture(scope="module")
def espeak() -> Espeak:
    return Espeak()


def said(lang: str, number: str = "A015", counter: str = "3") -> str:
    return DEFAULT_TEMPLATES[lang].format(
        number=ticket_words(number, "A", lang), counter=counter_words(counter, lang)
    )


def read_wav(data: bytes) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(io.BytesIO(data)) as w:
        params = w.getparams()
        frames = w.readframes(w.getnframes())
    return params, np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0


def dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples**2))))


def tone(hz: float, seconds: float, amplitude: float, rate: int = RATE) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[np.argmax(spectrum)])


# -- speech ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en", "az", "ru"])
def test_each_language_is_spoken_as_a_plausible_wav(espeak: Espeak, lang: str) -> None:
    text = said(lang)
    params, samples = read_wav(espeak.speak(text, Voice(lang)).wav())
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, RATE)
    assert dbfs(samples) > -40, "silent"
    seconds = samples.size / RATE
    assert 0.05 * len(text) <= seconds <= 0.15 * len(text), f"{seconds:.2f} s for {text!r}"


@pytest.mark.parametrize("lang", ["id", "en", "az", "ru"])
def test_a_longer_text_takes_longer(espeak: Espeak, lang: str) -> None:
    short = espeak.speak(ticket_words("A015", "A", lang), Voice(lang))
    long = espeak.speak(said(lang), Voice(lang))
    assert long.seconds > 2 * short.seconds > 0


def test_a_slower_rate_takes_longer(espeak: Espeak) -> None:
    slow = espeak.speak(said("id"), Voice("id", rate=100))
    fast = espeak.speak(said("id"), Voice("id", rate=250))
    assert slow.seconds > 1.5 * fast.seconds


def test_an_unknown_voice_is_a_speech_error(espeak: Espeak) -> None:
    with pytest.raises(SpeechError, match="'zz'"):
        espeak.speak("satu", Voice("zz"))
    assert espeak.speak("satu", Voice("id")).seconds > 0.1  # the engine still works


def test_two_engines_on_two_threads_keep_their_own_speech(espeak: Espeak) -> None:
    """libespeak-ng has one state per process: the engines take turns, each gets its own."""
    other = Espeak()
    expected = {
        "id": espeak.speak(said("id"), Voice("id")).seconds,
        "en": espeak.speak(said("en", "A123"), Voice("en")).seconds,
    }
    results: dict[str, list[float]] = {"id": [], "en": []}

    def run(engine: Espeak, lang: str, number: str) -> None:
        for _ in range(5):
            results[lang].append(engine.speak(said(lang, number), Voice(lang)).seconds)

    threads = [
        threading.Thread(target=run, args=(espeak, "id", "A015")),
        threading.Thread(target=run, args=(other, "en", "A123")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for lang, seconds in results.items():
        assert seconds == pytest.approx([expected[lang]] * 5, abs=0.05), lang


# -- the chime -----------------------------------------------------------------------------


def test_the_chime_is_two_falling_tones_in_about_a_second() -> None:
    sound = chime()
    params, samples = read_wav(sound.wav())
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, RATE)
    assert 0.8 <= samples.size / RATE <= 1.3
    third = samples.size // 3
    assert dominant_hz(samples[:third], RATE) == pytest.approx(784, abs=8)
    assert dominant_hz(samples[-third:], RATE) == pytest.approx(622, abs=8)
    assert np.max(np.abs(samples)) <= PEAK_LIMIT + 1e-3
    assert abs(samples[0]) < 0.01, "starts with a click"


def test_the_chime_at_another_rate_keeps_its_pitch() -> None:
    sound = chime(48000)
    samples = sound.samples()
    assert sound.rate == 48000
    assert dominant_hz(samples[: samples.size // 3], 48000) == pytest.approx(784, abs=8)


# -- PCM and WAV ---------------------------------------------------------------------------


def wav_bytes(channels: list[np.ndarray], rate: int = RATE, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 2:
            frames = np.stack(channels, axis=1).ravel()
            w.writeframes((frames * 32767).round().astype("<i2").tobytes())
        else:
            w.writeframes(bytes(len(channels[0]) * len(channels)))
    return out.getvalue()


def test_wav_round_trip(tmp_path: Path) -> None:
    pcm = Pcm.of(tone(440, 0.5, 0.3, 16000), 16000)
    again = Pcm.from_wav(pcm.wav())
    assert again == pcm
    (tmp_path / "x.wav").write_bytes(pcm.wav())
    assert Pcm.from_wav(tmp_path / "x.wav") == pcm
    assert pcm.seconds == pytest.approx(0.5)


def test_stereo_is_mixed_down_to_mono() -> None:
    left, right = tone(440, 0.2, 0.4), tone(440, 0.2, 0.2)
    pcm = Pcm.from_wav(wav_bytes([left, right]))
    assert pcm.rate == RATE and pcm.seconds == pytest.approx(0.2)
    assert pcm.samples() == pytest.approx((left + right) / 2, abs=1e-3)


def test_not_16_bit_or_not_a_wav_is_refused() -> None:
    with pytest.raises(AudioFormatError, match="16-bit"):
        Pcm.from_wav(wav_bytes([np.zeros(100)], width=1))
    with pytest.raises(AudioFormatError, match="not a readable WAV"):
        Pcm.from_wav(b"ID3\x04 an mp3, not a wav")
    with pytest.raises(AudioFormatError):
        Pcm.from_wav(b"")


@pytest.mark.parametrize(("source", "target"), [(22050, 48000), (48000, 22050), (44100, 16000)])
def test_resampling_keeps_duration_and_pitch(source: int, target: int) -> None:
    pcm = Pcm.of(tone(500, 0.8, 0.5, source), source)
    out = pcm.resampled(target)
    assert out.rate == target
    assert out.seconds == pytest.approx(pcm.seconds, abs=1 / min(source, target))
    assert dominant_hz(out.samples(), target) == pytest.approx(500, abs=3)


def test_joining_is_back_to_back_at_one_rate() -> None:
    parts = [Pcm.of(tone(300, 0.25, 0.5, 16000), 16000), Pcm.of(tone(300, 0.5, 0.5), RATE)]
    whole = joined(parts, RATE)
    assert whole.rate == RATE and whole.seconds == pytest.approx(0.75, abs=1e-3)


@pytest.mark.parametrize("level_dbfs", [-45.0, -30.0, -20.0, -8.0])
def test_leveled_speech_meets_the_target_loudness(espeak: Espeak, level_dbfs: float) -> None:
    speech = espeak.speak(said("az"), Voice("az")).samples()
    speech = speech / np.sqrt(np.mean(speech**2)) * 10 ** (level_dbfs / 20)
    out = Pcm.of(np.clip(speech, -1, 1), RATE).leveled().samples()
    peak = float(np.max(np.abs(out)))
    assert 20 * np.log10(peak) <= -1.0 + 0.01
    if peak < PEAK_LIMIT - 0.01:  # not held back by the peak limit
        assert dbfs(out) == pytest.approx(TARGET_RMS_DBFS, abs=0.5)
    else:
        assert dbfs(out) <= TARGET_RMS_DBFS + 0.5


@pytest.mark.parametrize("amplitude", [0.01, 0.1, 0.9])
def test_a_steady_tone_is_leveled_to_the_target(amplitude: float) -> None:
    out = Pcm.of(tone(440, 1.0, amplitude), RATE).leveled().samples()
    assert dbfs(out) == pytest.approx(TARGET_RMS_DBFS, abs=0.5)
    assert np.max(np.abs(out)) <= PEAK_LIMIT


def test_clicks_are_held_under_the_peak_limit() -> None:
    samples = np.zeros(RATE)
    samples[::2205] = 0.5  # ten clicks: a huge crest factor
    out = Pcm.of(samples, RATE).leveled().samples()
    assert np.max(np.abs(out)) == pytest.approx(PEAK_LIMIT, abs=1e-3)


def test_silence_stays_silent() -> None:
    silence = Pcm.silence(500, RATE)
    assert silence.leveled() == silence
    assert silence.seconds == pytest.approx(0.5)
    assert Pcm(b"", RATE).leveled().data == b""


# -- the disk cache ---------------------------------------------------------------------------


def key(i: int, lang: str = "id") -> str:
    return f"{lang}/{i:032x}"


def test_get_and_put(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "audio", 10**6)
    assert cache.get(key(1)) is None
    cache.put(key(1), b"RIFF one")
    cache.put(key(2, "az"), b"RIFF two")
    assert cache.get(key(1)) == b"RIFF one"
    assert cache.get(key(2, "az")) == b"RIFF two"
    assert (tmp_path / "audio" / "az" / f"{2:032x}.wav").read_bytes() == b"RIFF two"
    assert DiskCache(tmp_path / "audio", 10**6).get(key(1)) == b"RIFF one"  # after a restart


def test_writes_leave_no_temporary_files_and_readers_never_see_half_a_file(
    tmp_path: Path,
) -> None:
    cache = DiskCache(tmp_path, 10**8)
    versions = [bytes([n]) * 200_000 for n in range(1, 6)]
    seen: list[bytes | None] = []
    writing = threading.Event()

    def write() -> None:
        writing.set()
        for _ in range(20):
            for version in versions:
                cache.put(key(7), version)

    writer = threading.Thread(target=write)
    writer.start()
    writing.wait(5)
    while writer.is_alive():
        seen.append(cache.get(key(7)))
    writer.join()
    assert all(data is None or data in versions for data in seen)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{7:032x}.wav"]


def test_eviction_keeps_the_most_recently_used_under_the_bound(tmp_path: Path) -> None:
    size = 1000
    cache = DiskCache(tmp_path, 10 * size)
    for i in range(10):
        cache.put(key(i), bytes(size))
    hour_ago = os.path.getmtime(tmp_path / "id" / f"{0:032x}.wav") - 3600
    for i in range(10):  # written over the last hour, key 0 first
        os.utime(tmp_path / "id" / f"{i:032x}.wav", (hour_ago + i, hour_ago + i))
    assert cache.get(key(0)) is not None  # played again now: the most recent
    cache.put(key(10), bytes(size))  # over the bound
    kept = {i for i in range(11) if (tmp_path / "id" / f"{i:032x}.wav").exists()}
    on_disk = sum(p.stat().st_size for p in tmp_path.rglob("*.wav"))
    assert on_disk <= 10 * size
    assert {0, 10} <= kept
    assert kept == {0, *range(11 - len(kept) + 1, 11)}, "evicted other than the oldest"
    assert len(kept) < 11


def test_a_restart_over_a_full_folder_evicts_on_the_next_put(tmp_path: Path) -> None:
    first = DiskCache(tmp_path, 10**6)
    for i in range(20):
        first.put(key(i), bytes(1000))
    smaller = DiskCache(tmp_path, 5000)
    smaller.put(key(99), bytes(1000))
    assert sum(p.stat().st_size for p in tmp_path.rglob("*.wav")) <= 5000
    assert smaller.get(key(99)) is not None


@pytest.mark.parametrize(
    "bad",
    [
        "../etc/passwd",
        "id/../../etc/passwd",
        f"id/{'0' * 31}",
        f"id/{'0' * 33}",
        f"ID/{'0' * 32}",
        f"id/{'A' * 32}",
        f"id/{'0' * 32}.wav",
        f"id/{'0' * 32}\n",
        f"/id/{'0' * 32}",
        f"id//{'0' * 32}",
        f"..\\{'0' * 32}",
        f"abcd/{'0' * 32}",
        "",
    ],
)
def test_keys_that_are_not_lang_and_32_hex_are_refused(tmp_path: Path, bad: str) -> None:
    cache = DiskCache(tmp_path / "audio", 10**6)
    with pytest.raises(ValueError):
        cache.get(bad)
    with pytest.raises(ValueError):
        cache.put(bad, b"RIFF")
    assert list(tmp_path.rglob("*.wav")) == []
