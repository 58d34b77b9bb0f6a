"""Voice packs (server/announce/voicepack.py): matching, gapless joining, loudness, errors."""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from loket.server.announce.pcm import Pcm
from loket.server.announce.voicepack import VoicePack, load_packs, runs, split
from loket.server.config import ConfigError, load_sites


def tone(path: Path, ms: int, amplitude: float = 0.3, rate: int = 22050, pad_ms: int = 300) -> None:
    """A tone of `ms` between `pad_ms` of silence on each side, as 16-bit mono WAV."""
    t = np.arange(rate * ms // 1000) / rate
    pad = np.zeros(rate * pad_ms // 1000)
    samples = np.concatenate([pad, amplitude * np.sin(2 * np.pi * 220 * t), pad])
    path.write_bytes(Pcm.of(samples, rate).wav())


def stereo(path: Path, ms: int, rate: int = 44100) -> None:
    t = np.arange(rate * ms // 1000) / rate
    mono = (0.3 * np.sin(2 * np.pi * 330 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(mono, 2).tobytes())


def make_pack(folder: Path, clips: dict[str, str], extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [extra, "[clips]", *(f'"{words}" = "{file}"' for words, file in clips.items())]
    (folder / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "packs" / "id"
    folder.mkdir(parents=True)
    tone(folder / "nomor-antrian.wav", 700)
    tone(folder / "a.wav", 200)
    tone(folder / "lima.wav", 300)
    tone(folder / "belas.wav", 310)
    tone(folder / "lima-belas.wav", 450)
    stereo(folder / "loket.wav", 350)  # stereo, at another rate
    return make_pack(
        folder,
        {
            "Nomor antrian": "nomor-antrian.wav",
            "A": "a.wav",
            "lima": "lima.wav",
            "belas": "belas.wav",
            "lima belas": "lima-belas.wav",
            "loket": "loket.wav",
        },
    )


def test_texts_are_words_in_runs_between_pauses() -> None:
    assert runs("Number ay twenty-one, please proceed to counter A.") == [
        ("number", "ay", "twenty-one"),
        ("please", "proceed", "to", "counter", "a"),
    ]
    assert runs("İki «nömrə»") == [("iki", "nömrə")]  # Azerbaijani İ is a plain i
    assert runs("A & B") == [("a", "&", "b")]  # a symbol is a token no phrase matches


def test_greedy_takes_the_longest_phrase() -> None:
    known = {("lima",), ("belas",), ("lima", "belas"), ("a",)}
    assert split(("a", "lima", "belas"), known, 2) == [("a",), ("lima", "belas")]
    assert split(("lima", "x"), known, 2) == [("lima",), ("x",)]


def test_covers_only_when_every_word_has_a_clip(pack_dir: Path) -> None:
    pack = VoicePack.load(pack_dir, "id")
    assert pack.covers("Nomor antrian A lima belas, loket lima.")
    assert not pack.covers("Nomor antrian A enam belas")
    assert not pack.covers("A & lima")
    assert not pack.covers(", .")  # nothing to say: left to speech


def test_clips_join_back_to_back_with_pauses_at_punctuation(pack_dir: Path) -> None:
    pack = VoicePack.load(pack_dir, "id")
    assert pack.rate == 44100  # the highest rate of the pack's clips
    for clip in pack.clips.values():
        assert clip.rate == 44100
    # trimmed: the 300 ms of silence around each tone is gone (20 ms kept each side)
    assert pack.clips[("a",)].seconds == pytest.approx(0.2 + 0.04, abs=0.002)
    sound = pack.render("Nomor antrian A lima belas, loket")
    clips = [("nomor", "antrian"), ("a",), ("lima", "belas"), ("loket",)]  # longest phrase
    expected = sum(len(pack.clips[c].data) for c in clips) + 2 * (44100 * 200 // 1000)
    assert sound.rate == 44100 and len(sound.data) == expected
    with pytest.raises(ValueError, match="does not cover"):
        pack.render("enam")


def test_a_quiet_and_a_loud_clip_come_out_equally_loud(tmp_path: Path) -> None:
    folder = tmp_path / "en"
    folder.mkdir()
    tone(folder / "quiet.wav", 400, amplitude=0.02)
    tone(folder / "loud.wav", 400, amplitude=0.8)
    pack = VoicePack.load(make_pack(folder, {"quiet": "quiet.wav", "loud": "loud.wav"}), "en")
    sound = pack.render("quiet loud")
    half = len(pack.clips[("quiet",)].data)
    quiet, loud = Pcm(sound.data[:half], sound.rate), Pcm(sound.data[half:], sound.rate)
    assert abs(quiet.rms_dbfs() - loud.rms_dbfs()) < 1.0


def test_the_fingerprint_changes_when_a_clip_is_replaced(pack_dir: Path) -> None:
    before = VoicePack.load(pack_dir, "id").fingerprint
    assert VoicePack.load(pack_dir, "id").fingerprint == before
    tone(pack_dir / "lima.wav", 300, amplitude=0.5)  # same length, another recording
    assert VoicePack.load(pack_dir, "id").fingerprint != before


def test_pause_ms_is_the_office_s_to_set(pack_dir: Path) -> None:
    text = (pack_dir / "manifest.toml").read_text(encoding="utf-8")
    (pack_dir / "manifest.toml").write_text("pause_ms = 500\n" + text, encoding="utf-8")
    pack = VoicePack.load(pack_dir, "id")
    pause = 2 * (pack.rate * 500 // 1000)  # bytes of 500 ms
    assert len(pack.render("a, a").data) == 2 * len(pack.clips[("a",)].data) + pause


def broken(pack_dir: Path, file: str, content: bytes | None) -> None:
    make_pack(pack_dir, {"A": file})
    if content is not None:
        (pack_dir / file).write_bytes(content)


@pytest.mark.parametrize(
    ("file", "content", "problem"),
    [
        ("a.mp3", b"ID3\x03" + bytes(200), "MP3 is refused"),
        ("a.wav", b"ID3\x03" + bytes(200), "MP3 is refused"),  # an MP3 by another name
        ("a.wav", b"\xff\xfb\x90\x00" + bytes(200), "MP3 is refused"),
        ("a.opus", b"OggS" + bytes(200), "Opus/Ogg clips are not read"),
        ("gone.wav", None, "no such file"),
        ("a.wav", b"RIFF not really a wave file", "not a readable WAV file"),
        ("a.wav", Pcm.silence(300, 22050).wav(), "is silent"),
    ],
)
def test_a_bad_clip_is_a_config_error_naming_the_file(
    pack_dir: Path, file: str, content: bytes | None, problem: str
) -> None:
    broken(pack_dir, file, content)
    with pytest.raises(ConfigError) as error:
        VoicePack.load(pack_dir, "id")
    assert error.value.source == str(pack_dir / "manifest.toml")
    assert error.value.place == 'clips."A"'
    assert str(pack_dir / file) in error.value.problem and problem in error.value.problem


def test_an_eight_bit_wav_is_refused(pack_dir: Path) -> None:
    with wave.open(str(pack_dir / "a.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * 20)
    with pytest.raises(ConfigError, match="a.wav: must be 16-bit PCM WAV"):
        VoicePack.load(pack_dir, "id")


@pytest.mark.parametrize(
    ("manifest", "place", "problem"),
    [
        ('[clips\n"a" = "a.wav"', "", "not valid TOML"),
        ('voice = "x"\n[clips]\n"a" = "a.wav"', "voice", "unknown key"),
        ("[clips]\n", "clips", "is empty"),
        ('pause_ms = -1\n[clips]\n"a" = "a.wav"', "pause_ms", "from 0 to 2000"),
        ('[clips]\n"lima, belas" = "a.wav"', 'clips."lima, belas"', "without punctuation"),
        ('[clips]\n"a" = "a.wav"\n"A" = "a.wav"', 'clips."A"', 'same words as clips."a"'),
        ('[clips]\n"a" = 3', 'clips."a"', "must be the name of a WAV file"),
    ],
)
def test_a_bad_manifest_is_a_config_error(
    pack_dir: Path, manifest: str, place: str, problem: str
) -> None:
    (pack_dir / "manifest.toml").write_text(manifest, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        VoicePack.load(pack_dir, "id")
    assert str(pack_dir / "manifest.toml") in str(error.value)
    assert error.value.place == place and problem in error.value.problem


def test_a_pack_folder_without_a_manifest_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "id").mkdir()
    with pytest.raises(ConfigError, match=r"id/manifest.toml: cannot read"):
        VoicePack.load(tmp_path / "id", "id")


def test_each_site_language_with_a_folder_gets_its_pack(pack_dir: Path) -> None:
    (demo,) = load_sites(None)
    root = pack_dir.parent
    (root / "fr").mkdir()  # not a language of the site: not read
    site = replace(demo, announcements=replace(demo.announcements, voice_packs=root))
    other = replace(site, id="other")
    packs = load_packs([site, other, demo])
    assert set(packs) == {("demo", "id"), ("other", "id")}
    assert packs[("demo", "id")] is packs[("other", "id")]  # one folder is read once
    assert packs[("demo", "id")].covers("Nomor antrian A lima")
