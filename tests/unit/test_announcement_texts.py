"""What is said for a call (server/announce/announcer.py) and the `[sites.announcements]`
table that shapes it (server/config/announcements.py)."""

from __future__ import annotations

import wave
from datetime import UTC, datetime
from pathlib import Path

import espeakng_loader
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loket.server.announce import Announcer
from loket.server.announce.cache import DiskCache
from loket.server.announce.library import AudioLibrary
from loket.server.config import ConfigError, load_sites, parse_sites
from loket.server.domain.announcements import Voice
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket

NOW = datetime(2026, 11, 28, 8, 15, 2, 123_000, tzinfo=UTC)
NOW_MS = 1_795_853_702_123  # 2026-11-28T08:15:02.123Z
DEMO = load_sites(None)[0]

# Four languages in an order of their own; names only in some of them.
SITE = """
[[sites]]
id = "hall"
name = {{ az = "ASAN", en = "ASAN", id = "ASAN", ru = "АСАН" }}
timezone = "Asia/Baku"
languages = ["az", "ru", "id", "en"]

[[sites.services]]
id = "B"
name = {{ az = "Pasport", en = "Passport", id = "Paspor", ru = "Паспорт" }}

[[sites.counters]]
id = "3"
name = {{ az = "Masa 3", en = "Desk 3", id = "Loket 3", ru = "Окно 3" }}
services = ["B"]

[[sites.counters]]
id = "VIP"
name = {{ az = "VIP masa" }}
services = ["B"]
{announcements}
"""

SAID = {
    "az": "Növbə nömrəsi B on beş, üç nömrəli masaya yaxınlaşın",
    "ru": "Номер очереди бэ пятнадцать, пройдите к окну номер три",
    "id": "Nomor antrian B lima belas, silakan menuju loket tiga",
    "en": "Number bee fifteen, please proceed to counter three",
}


def site(announcements: str = "", base: Path | None = None) -> Site:
    (parsed,) = parse_sites(SITE.format(announcements=announcements), "office.toml", base)
    return parsed


def ticket(number: str = "B015", service: str = "B", counter: str = "3") -> Ticket:
    return Ticket(
        id="t-1",
        site="hall",
        number=number,
        service=service,
        status=Status.CALLED,
        priority=False,
        issued_at=NOW,
        day=NOW.date(),
        serial=1,
        called_at=NOW,
        counter=counter,
    )


@pytest.fixture
def library(tmp_path: Path) -> AudioLibrary:
    # nothing here renders, so no speech process starts and there is nothing to close
    return AudioLibrary([DEMO, site()], DiskCache(tmp_path, 10**7))


# -- the texts ----------------------------------------------------------------------------


def test_the_demo_site_says_each_call_in_its_three_languages_in_order() -> None:
    segments = Announcer().segments(DEMO, "A015", "A", "2")
    assert [(s.lang, s.text) for s in segments] == [
        ("id", "Nomor antrian A lima belas, silakan menuju loket dua"),
        ("en", "Number ay fifteen, please proceed to counter two"),
        ("az", "Növbə nömrəsi A on beş, iki nömrəli masaya yaxınlaşın"),
    ]


def test_every_language_has_a_template_and_keeps_the_site_order() -> None:
    segments = Announcer().segments(site(), "B015", "B", "3")
    assert [s.lang for s in segments] == ["az", "ru", "id", "en"]
    assert {s.lang: s.text for s in segments} == SAID


def test_a_transferred_ticket_is_called_by_the_number_it_was_given() -> None:
    """A002 sent on to service B keeps its number: its letters are A's, said as such."""
    (segment, *_) = Announcer().segments(site(), "A002", "B", "3")
    assert segment.text == "Növbə nömrəsi A iki, üç nömrəli masaya yaxınlaşın"
    (segment, *_) = Announcer().segments(
        site("[sites.announcements]\ndigits = true"), "A002", "B", "3"
    )
    assert segment.text.startswith("Növbə nömrəsi A sıfır sıfır iki,")


def test_a_counter_that_is_not_a_number_is_said_as_written() -> None:
    (segment, *_) = Announcer().segments(site(), "B015", "B", "VIP")
    assert segment.text == "Növbə nömrəsi B on beş, VIP nömrəli masaya yaxınlaşın"


def test_the_announcement_starts_lead_ms_after_the_call_with_the_chime(
    library: AudioLibrary,
) -> None:
    hall = library.sites["hall"]
    announcement = Announcer(library).announcement(hall, ticket(), "3", NOW)
    assert announcement.start_at == NOW_MS + 1500
    assert announcement.chime == "/audio/chime/hall.wav"
    segments = announcement.segments
    assert [s.lang for s in segments] == ["az", "ru", "id", "en"]
    assert [s.text for s in segments] == list(SAID.values())
    for segment in segments:
        assert segment.url.startswith(f"/audio/{segment.lang}/")
        assert segment.url.endswith(".wav")
    assert len({s.url for s in segments}) == 4


def test_no_chime_when_the_site_turns_it_off(tmp_path: Path) -> None:
    quiet = site("[sites.announcements]\nchime = false")
    audio = AudioLibrary([quiet], DiskCache(tmp_path, 10**7))
    announcement = Announcer(audio).announcement(quiet, ticket(), "3", NOW)
    assert announcement.chime is None and "chime" not in announcement.to_json()
    assert len(announcement.segments) == 4


def test_the_same_text_gets_the_same_url_and_another_text_another(
    library: AudioLibrary,
) -> None:
    hall = library.sites["hall"]
    announcer = Announcer(library)
    first = announcer.segments(hall, "B015", "B", "3")
    assert announcer.segments(hall, "B015", "B", "3") == first
    other = announcer.segments(hall, "B016", "B", "3")
    assert not {s.url for s in first} & {s.url for s in other}


# -- overrides from the site file ------------------------------------------------------------


def test_templates_may_name_the_counter_and_the_service() -> None:
    hall = site(
        "[sites.announcements.templates]\n"
        'id = "Nomor {number}, silakan ke {counter_name} untuk {service}"\n'
        'en = "{service}: {number} to {counter_name} ({counter})"\n'
    )
    said = {s.lang: s.text for s in Announcer().segments(hall, "B015", "B", "3")}
    assert said["id"] == "Nomor B lima belas, silakan ke Loket 3 untuk Paspor"
    assert said["en"] == "Passport: bee fifteen to Desk 3 (three)"
    assert said["az"] == SAID["az"]  # the others keep the default


def test_a_name_missing_in_a_language_falls_back_to_the_first_language() -> None:
    hall = site('[sites.announcements.templates]\nen = "{number}, {counter_name}"')
    said = {s.lang: s.text for s in Announcer().segments(hall, "B015", "B", "VIP")}
    assert said["en"] == "bee fifteen, VIP masa"


def test_digits_and_lead_ms() -> None:
    hall = site("[sites.announcements]\ndigits = true\nlead_ms = 400")
    announcement = Announcer().announcement(hall, ticket(), "3", NOW)
    said = {s.lang: s.text for s in announcement.segments}
    assert said["id"] == "Nomor antrian B nol satu lima, silakan menuju loket tiga"
    assert said["en"] == "Number bee zero one five, please proceed to counter three"
    assert said["az"] == "Növbə nömrəsi B sıfır bir beş, üç nömrəli masaya yaxınlaşın"
    assert announcement.start_at == NOW_MS + 400


def test_voices_are_taken_and_change_the_url(tmp_path: Path) -> None:
    plain = site()
    tuned = site(
        "[sites.announcements.voices]\n"
        'id = { voice = "id+f3", rate = 120, pitch = 60 }\n'
        "en = { rate = 160 }\n"
    )
    assert tuned.announcements.voice("id") == Voice("id+f3", 120, 60)
    assert tuned.announcements.voice("en") == Voice("en", 160, 50)
    assert tuned.announcements.voice("az") == Voice("az")
    audio = AudioLibrary([plain], DiskCache(tmp_path, 10**7))
    before = {s.lang: s.url for s in Announcer(audio).segments(plain, "B015", "B", "3")}
    after = {s.lang: s.url for s in Announcer(audio).segments(tuned, "B015", "B", "3")}
    assert before["id"] != after["id"] and before["en"] != after["en"]
    assert before["az"] == after["az"] and before["ru"] == after["ru"]


def test_a_chime_file_and_voice_packs_resolve_from_the_site_file_folder(tmp_path: Path) -> None:
    write_wav(tmp_path / "ding.wav", width=2)
    (tmp_path / "packs").mkdir()
    hall = site('[sites.announcements]\nchime = "ding.wav"\nvoice_packs = "packs"', tmp_path)
    assert hall.announcements.chime_file == tmp_path / "ding.wav"
    assert hall.announcements.voice_packs == tmp_path / "packs"
    assert hall.announcements.chime


# -- validation ----------------------------------------------------------------------------------

PLACE = "sites[0].announcements"


def write_wav(path: Path, width: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(22050)
        out.writeframes(bytes(width * channels * 2205))
    return path


@pytest.mark.parametrize(
    ("table", "place", "problem"),
    [
        ("volume = 3", f"{PLACE}.volume", "unknown key"),
        ("digits = 1", f"{PLACE}.digits", "true or false"),
        ("lead_ms = -1", f"{PLACE}.lead_ms", "from 0 to 10000"),
        ("lead_ms = 60000", f"{PLACE}.lead_ms", "from 0 to 10000"),
        ("lead_ms = 1.5", f"{PLACE}.lead_ms", "whole number"),
        ("chime = 3", f"{PLACE}.chime", "true, false or the path"),
        ('templates = { az = "{nomre} masaya" }', f"{PLACE}.templates.az", "{nomre}"),
        ('templates = { az = "{number} {}" }', f"{PLACE}.templates.az", "unknown placeholder"),
        ('templates = { az = "{number.upper}" }', f"{PLACE}.templates.az", "unknown placeholder"),
        ('templates = { az = "masaya {counter}" }', f"{PLACE}.templates.az", "{number}"),
        ('templates = { az = "{{number}}" }', f"{PLACE}.templates.az", "{number}"),
        ('templates = { az = "{number" }', f"{PLACE}.templates.az", "not a valid template"),
        ('templates = { az = "{number} }" }', f"{PLACE}.templates.az", "not a valid template"),
        ('templates = { az = "  " }', f"{PLACE}.templates.az", "non-empty string"),
        ("templates = { az = 3 }", f"{PLACE}.templates.az", "non-empty string"),
        ('templates = { de = "{number}" }', f"{PLACE}.templates.de", "site's languages"),
        ('templates = "{number}"', f"{PLACE}.templates", "must be a table"),
        ('voices = { de = { voice = "de" } }', f"{PLACE}.voices.de", "site's languages"),
        ('voices = { az = { voice = "klingon" } }', f"{PLACE}.voices.az.voice", "'klingon'"),
        ('voices = { az = { voice = "az+nobody" } }', f"{PLACE}.voices.az.voice", "no voice"),
        ("voices = { az = { voice = 3 } }", f"{PLACE}.voices.az.voice", "no voice"),
        ("voices = { az = { rate = 10 } }", f"{PLACE}.voices.az.rate", "from 80 to 450"),
        ("voices = { az = { rate = 900 } }", f"{PLACE}.voices.az.rate", "from 80 to 450"),
        ("voices = { az = { pitch = 100 } }", f"{PLACE}.voices.az.pitch", "from 0 to 99"),
        ("voices = { az = { speed = 100 } }", f"{PLACE}.voices.az.speed", "unknown key"),
        ('voices = { az = "az" }', f"{PLACE}.voices.az", "must be a table"),
        ('chime = "missing.wav"', f"{PLACE}.chime", "no such file"),
        ('chime = "8bit.wav"', f"{PLACE}.chime", "16-bit"),
        ('chime = "notes.txt"', f"{PLACE}.chime", "not a readable WAV"),
        ('chime = ""', f"{PLACE}.chime", "must be a path"),
        ('voice_packs = "nowhere"', f"{PLACE}.voice_packs", "no such folder"),
        ('voice_packs = "notes.txt"', f"{PLACE}.voice_packs", "no such folder"),
    ],
)
def test_config_errors_name_the_place(tmp_path: Path, table: str, place: str, problem: str) -> None:
    write_wav(tmp_path / "8bit.wav", width=1)
    (tmp_path / "notes.txt").write_text("RIFF, but no WAV")
    with pytest.raises(ConfigError) as error:
        site(f"[sites.announcements]\n{table}", tmp_path)
    assert error.value.source == "office.toml"
    assert error.value.place == place
    assert problem in error.value.problem


def test_a_stereo_16_bit_chime_is_accepted(tmp_path: Path) -> None:
    write_wav(tmp_path / "stereo.wav", width=2, channels=2)
    hall = site('[sites.announcements]\nchime = "stereo.wav"', tmp_path)
    assert hall.announcements.chime_file == tmp_path / "stereo.wav"


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


PIECES = st.sampled_from(
    ["{number}", "{counter}", "{counter_name}", "{service}", "{", "}", "{{", "}}", ":", "!",
     "r", "s", "d", ">9", "number", "[0]", ".x", " ", "Nomor ", "masaya", "№", "\\", '"']
)  # fmt: skip
TEMPLATES = st.one_of(st.text(), st.lists(PIECES, max_size=8).map("".join))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(template=TEMPLATES)
def test_any_template_either_loads_or_gives_a_config_error(template: str) -> None:
    try:
        hall = site(f"[sites.announcements.templates]\naz = {toml_string(template)}")
    except ConfigError as error:
        assert error.place == f"{PLACE}.templates.az", error
        return
    assert hall.announcements.template("az") == template
    assert "number" in template


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@example(template="Nomor {number:d}")
@example(template="Nomor {number!x}")
@example(template="Nomor {number:{nomre}}")
@given(template=TEMPLATES)
def test_a_template_that_loads_can_be_said(template: str) -> None:
    try:
        hall = site(f"[sites.announcements.templates]\naz = {toml_string(template)}")
    except ConfigError:
        return
    for counter in ("3", "VIP"):
        Announcer().segments(hall, "B015", "B", counter)


@pytest.mark.parametrize("lang", ["jv", "ms"])
def test_a_site_either_refuses_a_language_it_cannot_say_or_says_it(lang: str) -> None:
    text = (
        SITE.format(announcements="")
        .replace('"az", "ru", "id", "en"', f'"{lang}", "en"')
        .replace('{ az = "VIP masa" }', '{ en = "VIP desk" }')
    )
    try:
        (hall,) = parse_sites(text, "office.toml")
    except ConfigError as error:
        assert error.place == "sites[0].languages[0]"
        return
    (segment, _) = Announcer().segments(hall, "B015", "B", "3")
    assert segment.lang == lang and "15" not in segment.text


@pytest.mark.parametrize("voice", ["en+F3", "en+alex", "en+Klatt"])
def test_a_voice_variant_is_refused_or_spelled_as_espeak_knows_it(voice: str) -> None:
    variants = {p.name for p in (Path(espeakng_loader.get_data_path()) / "voices" / "!v").iterdir()}
    try:
        hall = site(f'[sites.announcements.voices]\nen = {{ voice = "{voice}" }}')
    except ConfigError as error:
        assert error.place == f"{PLACE}.voices.en.voice"
        return
    assert hall.announcements.voice("en").name.partition("+")[2] in variants


def test_a_new_language_needs_its_announcement_template_not_code() -> None:
    """A fifth language is a catalog plus, in the site file, the sentence a call is said in."""
    demo = (Path(__file__).parents[2] / "server" / "demo.toml").read_text(encoding="utf-8")
    turkish = demo.replace('languages = ["id", "en", "az"]', 'languages = ["id", "tr"]')
    with pytest.raises(ConfigError) as refused:
        parse_sites(turkish, "office.toml")
    assert refused.value.place == "sites[0].languages[1]"
    assert "[sites.announcements.templates]" in refused.value.problem
    template = 'templates = { tr = "Sıra numarası {number}, lütfen {counter} numaralı gişeye" }'
    with_template = turkish.replace(
        "[[sites.services]]", f"[sites.announcements]\n{template}\n\n[[sites.services]]", 1
    )
    (hall,) = parse_sites(with_template, "office.toml")
    texts = [s.text for s in Announcer().segments(hall, "A015", "A", "3")]
    assert texts[1] == "Sıra numarası A onbeş, lütfen üç numaralı gişeye"  # num2words tr
