"""Numbers, letters and counters as spoken (server/announce/words.py), checked against hand
rules written here from the languages' grammar, not against num2words again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.server.announce.words import (
    cardinal,
    counter_words,
    letters,
    ticket_words,
)

# -- hand rules ----------------------------------------------------------------------------

ID_ONES = "nol satu dua tiga empat lima enam tujuh delapan sembilan".split()
AZ_ONES = "sıfır bir iki üç dörd beş altı yeddi səkkiz doqquz".split()
AZ_TENS = "_ on iyirmi otuz qırx əlli altmış yetmiş səksən doxsan".split()
EN_ONES = "zero one two three four five six seven eight nine".split()
EN_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def scaled(n: int, unit: int, one: str, many: str, say: Callable[[int], str]) -> str:
    """n from `unit` (100, 1000) up: `one` for a single unit, else its count and `many`;
    then the rest, if any ("seratus lima", "dua ratus"; "yüz beş", "iki yüz")."""
    count, rest = divmod(n, unit)
    head = one if count == 1 else f"{say(count)} {many}"
    return head + (f" {say(rest)}" if rest else "")


def indonesian(n: int) -> str:
    """sepuluh, sebelas, dua belas; dua puluh satu; seratus, dua ratus; seribu, dua ribu."""
    if n < 10:
        return ID_ONES[n]
    if n == 10:
        return "sepuluh"
    if n == 11:
        return "sebelas"
    if n < 20:
        return f"{ID_ONES[n - 10]} belas"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{ID_ONES[tens]} puluh" + (f" {ID_ONES[ones]}" if ones else "")
    if n < 1000:
        return scaled(n, 100, "seratus", "ratus", indonesian)
    return scaled(n, 1000, "seribu", "ribu", indonesian)


def azerbaijani(n: int) -> str:
    """on bir, iyirmi beş; yüz (never "bir yüz"), iki yüz; min (never "bir min"), iki min."""
    if n < 10:
        return AZ_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return AZ_TENS[tens] + (f" {AZ_ONES[ones]}" if ones else "")
    if n < 1000:
        return scaled(n, 100, "yüz", "yüz", azerbaijani)
    return scaled(n, 1000, "min", "min", azerbaijani)


def english(n: int) -> str:
    """British style, as num2words writes it: "twenty-one", "one hundred and five"."""
    if n < 10:
        return EN_ONES[n]
    if n < 20:
        return EN_TEENS[n - 10]
    if n < 100:
        tens, ones = divmod(n, 10)
        return EN_TENS[tens] + (f"-{EN_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{EN_ONES[hundreds]} hundred" + (f" and {english(rest)}" if rest else "")


RULES = {"id": indonesian, "az": azerbaijani, "en": english}


# -- cardinals -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(RULES))
def test_every_number_up_to_999_reads_as_the_hand_rule_says(lang: str) -> None:
    wrong = {n: (cardinal(n, lang), RULES[lang](n)) for n in range(1000)}
    wrong = {n: pair for n, pair in wrong.items() if pair[0] != pair[1]}
    assert not wrong, f"{lang}: (num2words, hand rule) differ at {dict(list(wrong.items())[:10])}"


@pytest.mark.parametrize("lang", ["id", "az"])
def test_four_figure_numbers_read_as_the_hand_rule_says(lang: str) -> None:
    """A busy hall passes 999 in one service on one day (A1000)."""
    wrong = [n for n in range(1000, 10_000) if cardinal(n, lang) != RULES[lang](n)]
    assert not wrong, f"{lang}: differs at {wrong[:10]}"


@pytest.mark.parametrize(
    ("n", "lang", "spoken"),
    [
        (0, "id", "nol"),
        (11, "id", "sebelas"),
        (15, "id", "lima belas"),
        (100, "id", "seratus"),
        (101, "id", "seratus satu"),
        (111, "id", "seratus sebelas"),
        (200, "id", "dua ratus"),
        (0, "az", "sıfır"),
        (15, "az", "on beş"),
        (40, "az", "qırx"),
        (100, "az", "yüz"),
        (105, "az", "yüz beş"),
        (200, "az", "iki yüz"),
        (999, "az", "doqquz yüz doxsan doqquz"),
        (21, "en", "twenty-one"),
        (105, "en", "one hundred and five"),
        (3, "ru", "три"),
        (15, "ru", "пятнадцать"),
    ],
)
def test_well_known_numbers(n: int, lang: str, spoken: str) -> None:
    assert cardinal(n, lang) == spoken


# -- letters ---------------------------------------------------------------------------------


def test_english_letters_are_spelled_by_name_so_a_is_never_the_article() -> None:
    assert letters("A", "en") == "ay"
    names = [letters(ch, "en") for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    assert len(set(names)) == 26
    assert all(len(name) >= 2 and name.isascii() for name in names)
    assert letters("AB", "en") == "ay bee"
    assert letters("ab", "en") == "ay bee"  # as the prefix is upper-cased


def test_russian_letters_are_said_in_russian() -> None:
    names = [letters(ch, "ru") for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    assert len(set(names)) == 26
    assert not any(ch.isascii() and ch.isalpha() for name in names for ch in name)


@pytest.mark.parametrize("lang", ["id", "az"])
def test_languages_that_read_a_letter_as_itself_keep_it(lang: str) -> None:
    assert letters("ABC", lang) == "A B C"


# -- ticket numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "spoken"),
    [("id", "A lima belas"), ("en", "ay fifteen"), ("az", "A on beş"), ("ru", "а пятнадцать")],
)
def test_a_ticket_number_is_its_letters_then_a_cardinal(lang: str, spoken: str) -> None:
    assert ticket_words("A015", "A", lang) == spoken


@given(
    service=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=3),
    n=st.integers(1, 9999),
    lang=st.sampled_from(sorted(RULES)),
)
def test_any_ticket_reads_its_number_by_the_hand_rule(service: str, n: int, lang: str) -> None:
    spoken = ticket_words(f"{service}{n:03d}", service, lang)
    if lang == "en" and n >= 1000:
        assert spoken.startswith(letters(service, lang) + " ")
        return  # the English hand rule stops at 999
    assert spoken == f"{letters(service, lang)} {RULES[lang](n)}"


@pytest.mark.parametrize(
    ("number", "lang", "spoken"),
    [
        ("A015", "id", "A nol satu lima"),
        ("A015", "en", "ay zero one five"),
        ("A015", "az", "A sıfır bir beş"),
        ("B100", "id", "B satu nol nol"),
        ("B100", "az", "B bir sıfır sıfır"),
    ],
)
def test_digit_by_digit(number: str, lang: str, spoken: str) -> None:
    assert ticket_words(number, number[0], lang, digits=True) == spoken


def test_a_number_without_figures_after_the_prefix_is_read_as_written() -> None:
    assert ticket_words("VIP", "V", "id") == "VIP"
    assert ticket_words("A1B", "A", "en") == "A1B"


# -- counters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counter", "lang", "spoken"),
    [
        ("3", "id", "tiga"),
        ("3", "en", "three"),  # a cardinal, never "third"
        ("3", "az", "üç"),
        ("3", "ru", "три"),
        ("12", "id", "dua belas"),
        ("12", "az", "on iki"),
        ("21", "en", "twenty-one"),
        ("VIP", "en", "VIP"),
        ("3-A", "id", "3-A"),
        ("B", "az", "B"),
    ],
)
def test_counters_are_cardinals_or_read_as_written(counter: str, lang: str, spoken: str) -> None:
    assert counter_words(counter, lang) == spoken


@given(n=st.integers(0, 999), lang=st.sampled_from(sorted(RULES)))
def test_numeric_counters_follow_the_hand_rule(n: int, lang: str) -> None:
    assert counter_words(str(n), lang) == RULES[lang](n)


# -- the next number ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("A001", "а один"),  # "номер" is masculine: один, not одна / одно
        ("A002", "а два"),  # два, not две
        ("B021", "бэ двадцать один"),
        ("B022", "бэ двадцать два"),
        ("C101", "цэ сто один"),
        ("C112", "цэ сто двенадцать"),
        ("A200", "а двести"),
        ("A999", "а девятьсот девяносто девять"),
    ],
)
def test_russian_numbers_are_masculine_cardinals_after_nomer(number: str, words: str) -> None:
    assert ticket_words(number, number[0], "ru") == words


def test_russian_counters_are_read_after_okno_nomer() -> None:
    assert [counter_words(c, "ru") for c in ("1", "2", "21", "VIP")] == [
        "один",
        "два",
        "двадцать один",
        "VIP",
    ]
