"""Ticket numbers and counters written out in words, per language."""

from __future__ import annotations

from functools import cache

from num2words import num2words

from loket.server.domain.numbers import spoken_parts

# English reads a lone "A" as the article: spell letters by their names.
_ENGLISH_LETTERS = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "ay bee see dee ee eff gee aitch eye jay kay el em en oh pee cue ar ess tee you vee "
        "double-you ex why zed".split(),
        strict=True,
    )
)

# Russian voices read Latin letters as English or not at all: say their Russian names.
_RUSSIAN_LETTERS = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            "а бэ цэ дэ е эф гэ аш и йот ка эль эм эн о пэ ку эр эс тэ у вэ дубль-вэ икс игрек зэт"
        ).split(),
        strict=True,
    )
)
_LETTER_NAMES = {"en": _ENGLISH_LETTERS, "ru": _RUSSIAN_LETTERS}


@cache  # a hall reads the same few hundred numbers all day
def cardinal(value: int, lang: str) -> str:
    # "one thousand, two hundred": a comma inside a number makes the voice pause
    return str(num2words(value, lang=lang)).replace(",", "")


def reads_numbers(lang: str) -> bool:
    """Whether numbers can be written out in words in this language (num2words)."""
    try:
        cardinal(1, lang)
    except NotImplementedError:
        return False
    return True


def letters(prefix: str, lang: str) -> str:
    names = _LETTER_NAMES.get(lang, {})
    return " ".join(names.get(ch, ch) for ch in prefix.upper())


def ticket_words(number: str, service: str, lang: str, digits: bool = False) -> str:
    """'A015' → 'A lima belas' (id), 'ay fifteen' (en); with `digits` 'A nol satu lima'."""
    parts = spoken_parts(number, service)
    if parts is None:
        return number
    prefix, written = parts
    if digits:
        return " ".join([letters(prefix, lang), *(cardinal(int(d), lang) for d in written)])
    return f"{letters(prefix, lang)} {cardinal(int(written), lang)}"


def counter_words(counter_id: str, lang: str) -> str:
    """A counter is read as a cardinal number when it is one, else as written."""
    return cardinal(int(counter_id), lang) if counter_id.isdigit() else counter_id
