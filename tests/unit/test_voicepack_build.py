"""`loket voicepack build` (server/announce/voicepack_build.py): a pack spoken by espeak-ng
that covers every announcement the site can make."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from loket.server.announce import Announcer
from loket.server.announce.voicepack import VoicePack
from loket.server.announce.voicepack_build import build, slug, write_pack
from loket.server.config import load_sites, parse_sites
from loket.server.domain.site import Site

DEMO = load_sites(None)[0]

# Every template placeholder, digit-by-digit numbers, counters that are not numbers.
OTHER = parse_sites(
    """
[[sites]]
id = "baku"
name = { az = "ASAN", en = "ASAN" }
timezone = "Asia/Baku"
languages = ["az", "en", "id"]
[sites.announcements]
digits = true
[sites.announcements.templates]
az = "{number}. {service}: {counter_name} ({counter})"
en = "{service} {number}, {counter_name}! Counter {counter}."
[[sites.services]]
id = "AB"
name = { az = "Pasport", en = "Passport & visa", id = "Paspor" }
[[sites.services]]
id = "Q"
name = { az = "Sürücülük vəsiqəsi", en = "Driving licence" }
[[sites.counters]]
id = "12"
name = { az = "Masa 12", en = "Desk twelve" }
services = ["AB", "Q"]
[[sites.counters]]
id = "3B"
name = { az = "İkinci mərtəbə, 3B", en = "Upstairs 3B" }
services = ["Q"]
""",
    "test",
)[0]


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], VoicePack]:
    root = tmp_path_factory.mktemp("voicepacks")
    built = {}
    for site in (DEMO, OTHER):
        for lang in ("id", "en", "az"):
            folder = root / site.id / lang
            write_pack(site, lang, folder)
            built[(site.id, lang)] = VoicePack.load(folder, lang)
    return built


def every_text(site: Site, lang: str) -> list[str]:
    announcer = Announcer()
    return [
        announcer.text(site, f"{service.id}{n:03d}", service.id, counter.id, lang)
        for service in site.services
        for n in range(1, 1000)
        for counter in site.counters
    ]


@pytest.mark.parametrize("site", [DEMO, OTHER], ids=["demo", "every-placeholder"])
@pytest.mark.parametrize("lang", ["id", "en", "az"])
def test_a_built_pack_covers_every_announcement(
    packs: dict[tuple[str, str], VoicePack], site: Site, lang: str
) -> None:
    pack = packs[(site.id, lang)]
    texts = every_text(site, lang)
    assert len(texts) == len(site.services) * 999 * len(site.counters)
    assert [text for text in texts if not pack.covers(text)] == []


def test_a_built_pack_is_what_an_office_would_record(
    packs: dict[tuple[str, str], VoicePack],
) -> None:
    pack = packs[("demo", "id")]
    manifest = tomllib.loads((pack.folder / "manifest.toml").read_text(encoding="utf-8"))
    clips = manifest["clips"]
    assert clips["nomor antrian"] == "nomor-antrian.wav"
    assert clips["silakan menuju loket"] == "silakan-menuju-loket.wav"
    assert clips["lima belas"] == "lima-belas.wav" and clips["a"] == "a.wav"
    assert "belas" not in clips  # a word no announcement says alone is not recorded
    assert len(clips) < 50
    text = "Nomor antrian A dua ratus lima belas, silakan menuju loket dua"
    assert pack.render(text).seconds > 2.0
    az = tomllib.loads((packs[("demo", "az")].folder / "manifest.toml").read_text("utf-8"))
    assert az["clips"]["növbə nömrəsi"] == "novbe-nomresi.wav"
    digits = tomllib.loads((packs[("baku", "id")].folder / "manifest.toml").read_text("utf-8"))
    assert "dua puluh" not in digits["clips"]  # digits mode: no tens, only counter 12
    assert digits["clips"]["dua belas"] == "dua-belas.wav"


def test_file_names_are_ascii() -> None:
    assert slug("Növbə nömrəsi") == "novbe-nomresi"
    assert slug("пройдите к окну номер") == "proydite-k-oknu-nomer"
    assert slug("twenty-one") == "twenty-one"
    assert slug("?!") == "phrase"


def test_the_command_refuses_to_overwrite_and_names_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "office" / "site.toml"
    assert build([DEMO], None, "id", tmp_path / "packs", config=config) == 0
    said = capsys.readouterr().out
    assert "41 clips" in said and 'voice_packs = "../packs"' in said
    assert build([DEMO], None, "id", tmp_path / "packs") == 1
    assert "already holds a voice pack" in capsys.readouterr().err
    assert build([DEMO], None, "id", tmp_path / "packs", force=True) == 0
    assert build([DEMO], None, "ru", tmp_path / "packs") == 2
    assert "does not speak 'ru'" in capsys.readouterr().err
    other = replace(DEMO, id="other")
    assert build([DEMO, other], None, "id", tmp_path / "x") == 2
    assert "choose one with --site" in capsys.readouterr().err
    assert build([DEMO, other], "nope", "id", tmp_path / "x") == 2
    assert build([DEMO, other], "other", "id", tmp_path / "x") == 0
