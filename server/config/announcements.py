"""The `[sites.announcements]` table: templates, voices, number reading, chime, voice packs.

[sites.announcements]
digits = false                 # true: "A nol satu lima" instead of "A lima belas"
lead_ms = 1500                 # call → start_at: time for every TV to fetch the audio
chime = true                   # false: no chime; "file.wav": the office's own
voice_packs = "voicepacks"     # recorded clips, one folder per language
templates = { id = "Nomor {number}, silakan ke {counter_name}" }
voices = { id = { voice = "id", rate = 140, pitch = 50 } }
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from loket.server.announce.espeak import canonical_voice
from loket.server.announce.pcm import AudioFormatError, Pcm
from loket.server.announce.words import reads_numbers
from loket.server.domain.announcements import DEFAULT_TEMPLATES, PLACEHOLDERS, Announcements, Voice
from loket.server.reader import Reader

KEYS = {"digits", "lead_ms", "chime", "voice_packs", "templates", "voices"}
VOICE_KEYS = {"voice", "rate", "pitch"}


def parse_announcements(
    r: Reader, raw: Any, place: str, languages: tuple[str, ...]
) -> Announcements:
    table = r.table(raw, place)
    _known_keys(r, table, KEYS, place)
    chime = table.get("chime", True)
    if not isinstance(chime, bool | str):
        raise r.fail(f"{place}.chime", "must be true, false or the path of a WAV file")
    packs = table.get("voice_packs")
    return Announcements(
        templates=_templates(r, table.get("templates", {}), f"{place}.templates", languages),
        voices=_voices(r, table.get("voices", {}), f"{place}.voices", languages),
        digits=_bool(r, table.get("digits", False), f"{place}.digits"),
        lead_ms=_int(r, table.get("lead_ms", 1500), f"{place}.lead_ms", 0, 10_000),
        chime=chime is not False,
        chime_file=_chime(r, chime, f"{place}.chime") if isinstance(chime, str) else None,
        voice_packs=None if packs is None else _folder(r, packs, f"{place}.voice_packs"),
    )


def check_sayable(
    r: Reader, announcements: Announcements, languages: tuple[str, ...], place: str
) -> None:
    """Every site language is announced: its numbers must be readable and a voice must
    speak it, or every call would fail later."""
    for i, lang in enumerate(languages):
        if not reads_numbers(lang):
            raise r.fail(f"{place}[{i}]", f"numbers cannot be read out in {lang!r} (num2words)")
        if lang not in DEFAULT_TEMPLATES and lang not in announcements.templates:
            raise r.fail(
                f"{place}[{i}]",
                f"no announcement template for {lang!r}: add one under "
                f'[sites.announcements.templates], e.g. {lang} = "... {{number}} ... '
                f'{{counter}}"',
            )
        voice = announcements.voice(lang).name
        if canonical_voice(voice) is None:
            raise r.fail(
                f"{place}[{i}]",
                f"espeak-ng has no voice {voice!r} for {lang!r}; name one in "
                f"[sites.announcements.voices]",
            )


def _known_keys(r: Reader, table: dict[str, Any], keys: set[str], place: str) -> None:
    for key in table:
        if key not in keys:
            raise r.fail(f"{place}.{key}", f"unknown key (known: {', '.join(sorted(keys))})")


def _bool(r: Reader, value: Any, place: str) -> bool:
    if not isinstance(value, bool):
        raise r.fail(place, "must be true or false")
    return value


def _int(r: Reader, value: Any, place: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise r.fail(place, f"must be a whole number from {low} to {high}")
    return value


def _path(r: Reader, value: Any, place: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise r.fail(place, "must be a path")
    path = Path(value).expanduser()
    return path if path.is_absolute() or r.base is None else r.base / path


def _file(r: Reader, value: Any, place: str) -> Path:
    path = _path(r, value, place)
    if not path.is_file():
        raise r.fail(place, f"no such file: {path}")
    return path


def _chime(r: Reader, value: Any, place: str) -> Path:
    path = _file(r, value, place)
    try:
        Pcm.from_wav(path)
    except (OSError, AudioFormatError) as error:
        raise r.fail(place, f"{path}: {error}") from None
    return path


def _folder(r: Reader, value: Any, place: str) -> Path:
    path = _path(r, value, place)
    if not path.is_dir():
        raise r.fail(place, f"no such folder: {path}")
    return path


def _templates(r: Reader, raw: Any, place: str, languages: tuple[str, ...]) -> dict[str, str]:
    templates = r.table(raw, place)
    for lang, template in templates.items():
        where = f"{place}.{lang}"
        if lang not in languages:
            raise r.fail(where, f"not one of the site's languages {list(languages)}")
        if not isinstance(template, str) or not template.strip():
            raise r.fail(where, "must be a non-empty string")
        try:
            parts = list(string.Formatter().parse(template))
        except ValueError as error:
            raise r.fail(where, f"not a valid template: {error}") from None
        fields = {name for _, name, _, _ in parts if name is not None}
        for _, name, spec, conversion in parts:
            if spec or conversion:  # {number:d}, {number!r}: the words are said as they are
                raise r.fail(where, f"write {{{name}}} alone, without a format or conversion")
        unknown = fields - PLACEHOLDERS
        if unknown:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise r.fail(where, f"unknown placeholder {{{sorted(unknown)[0]}}} (known: {known})")
        if "number" not in fields:
            raise r.fail(where, "must say the ticket's {number}")
    return dict(templates)


def _voices(r: Reader, raw: Any, place: str, languages: tuple[str, ...]) -> dict[str, Voice]:
    voices = {}
    for lang, entry in r.table(raw, place).items():
        where = f"{place}.{lang}"
        if lang not in languages:
            raise r.fail(where, f"not one of the site's languages {list(languages)}")
        table = r.table(entry, where)
        _known_keys(r, table, VOICE_KEYS, where)
        asked = table.get("voice", lang)
        name = canonical_voice(asked) if isinstance(asked, str) else None
        if name is None:
            raise r.fail(f"{where}.voice", f"espeak-ng has no voice {asked!r}")
        voices[lang] = Voice(
            name=name,
            rate=_int(r, table.get("rate", Voice(name).rate), f"{where}.rate", 80, 450),
            pitch=_int(r, table.get("pitch", Voice(name).pitch), f"{where}.pitch", 0, 99),
        )
    return voices
