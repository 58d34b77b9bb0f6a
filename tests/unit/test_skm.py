"""The SKM definitions (PermenPANRB 14/2017, docs/skm.md): the index, its grade at every bound
of the regulation's table, and the checks of a rating's body (CONTRACT 6.4)."""

from decimal import Decimal

import pytest

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.skm import (
    ELEMENTS,
    GRADES,
    grade,
    ikm,
    ikm_of_scores,
    rating_input,
    round_ikm,
)
from loket.server.errors import Invalid
from loket.server.i18n.catalogs import Catalogs
from loket.server.web.survey_strings import SURVEY_STRINGS

NINE = [element.id for element in ELEMENTS]


def test_the_nine_elements_are_the_regulation_s() -> None:
    assert NINE == ["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"]
    assert ELEMENTS[1].name == "Sistem, Mekanisme, dan Prosedur"
    assert ELEMENTS[7].name == "Penanganan Pengaduan, Saran dan Masukan"
    assert ELEMENTS[8].name == "Sarana dan Prasarana"


@pytest.mark.parametrize(("score", "expected"), [(4, 100.0), (1, 25.0), (3, 75.0)])
def test_all_answers_alike_give_that_score_times_25(score: int, expected: float) -> None:
    assert ikm(dict.fromkeys(NINE, float(score))) == pytest.approx(expected)
    assert ikm_of_scores(score) == expected


def test_the_survey_asks_one_question_per_element_with_four_answers() -> None:
    expected = {
        f"skm_{element.lower()}{suffix}"
        for element in NINE
        for suffix in ("", "_1", "_2", "_3", "_4")
    }
    assert set(SURVEY_STRINGS) == expected
    assert all(text.strip() for text in SURVEY_STRINGS.values())


@pytest.mark.parametrize("lang", ["id", "en", "az", "ru"])
def test_the_survey_is_translated_in_every_language(lang: str) -> None:
    pgettext = Catalogs().get(lang).pgettext
    translated = {key: pgettext(key, text) for key, text in SURVEY_STRINGS.items()}
    answers = [translated[f"skm_u1_{n}"] for n in range(1, 5)]
    assert len(set(answers)) == 4  # four different words, not one repeated
    if lang != "en":
        assert translated["skm_u3"] != SURVEY_STRINGS["skm_u3"]


def test_the_indonesian_answers_are_the_regulation_s_words() -> None:
    pgettext = Catalogs().get("id").pgettext
    words = [pgettext(f"skm_u1_{n}", SURVEY_STRINGS[f"skm_u1_{n}"]) for n in range(1, 5)]
    assert words == ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"]
    assert pgettext("skm_u8_4", SURVEY_STRINGS["skm_u8_4"]) == "Dikelola dengan baik"
    assert pgettext("skm_u4_4", SURVEY_STRINGS["skm_u4_4"]) == "Gratis"


def test_the_ikm_weighs_each_element_one_ninth() -> None:
    # 29 respondents' totals per element, U1..U9: the elements' averages (NRR per unsur)
    totals = [105, 101, 100, 116, 102, 105, 106, 105, 115]
    averages = {element: total / 29 for element, total in zip(NINE, totals, strict=True)}
    expected = sum(average * (1 / 9) for average in averages.values()) * 25
    assert ikm(averages) == pytest.approx(expected)
    assert round_ikm(ikm(averages)) == Decimal("91.48")  # 955 / (29 * 9) * 25
    assert grade(ikm(averages)).letter == "A"


def test_elements_nobody_answered_do_not_count_as_zero() -> None:
    assert ikm({"U1": 4.0, "U2": 2.0}) == pytest.approx(75.0)


@pytest.mark.parametrize(
    "averages", [{}, {"U10": 3.0}, {"U1": 0.5}, {"U1": 4.5}, {"Persyaratan": 3.0}]
)
def test_the_ikm_refuses_what_is_no_average_of_elements(averages: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ikm(averages)


@pytest.mark.parametrize("average", [0.0, 0.99, 4.01])
def test_the_ikm_of_scores_refuses_an_average_off_the_scale(average: float) -> None:
    with pytest.raises(ValueError):
        ikm_of_scores(average)


@pytest.mark.parametrize(
    ("value", "letter", "words"),
    [
        (100.0, "A", "Sangat Baik"),
        (88.31, "A", "Sangat Baik"),
        (88.305, "A", "Sangat Baik"),  # shown as 88.31
        (88.30, "B", "Baik"),
        (88.3049, "B", "Baik"),  # shown as 88.30
        (76.61, "B", "Baik"),
        (76.60, "C", "Kurang Baik"),
        (76.605, "B", "Baik"),
        (65.00, "C", "Kurang Baik"),
        (64.995, "C", "Kurang Baik"),  # shown as 65.00
        (64.99, "D", "Tidak Baik"),
        (64.994, "D", "Tidak Baik"),
        (25.0, "D", "Tidak Baik"),
    ],
)
def test_the_grade_at_every_bound_of_the_table(value: float, letter: str, words: str) -> None:
    assert (grade(value).letter, grade(value).words) == (letter, words)
    assert round_ikm(value) >= grade(value).lowest
    assert round_ikm(value) <= grade(value).highest


def test_float_error_does_not_move_a_bound() -> None:
    # 3.5324 is the table's lowest average of A; times 25 it is 88.31 (float: 88.30999...)
    assert grade(3.5324 * 25).letter == "A"
    assert grade(3.532 * 25).letter == "B"  # 88.30
    assert grade(3.0644 * 25).letter == "B"  # 76.61
    assert grade(3.064 * 25).letter == "C"  # 76.60
    assert grade(2.60 * 25).letter == "C"  # 65.00
    assert grade(2.5996 * 25).letter == "D"  # 64.99


def test_the_table_covers_25_to_100_without_overlap() -> None:
    assert GRADES[0].highest == Decimal("100.00")
    assert GRADES[-1].lowest == Decimal("25.00")
    for better, worse in zip(GRADES, GRADES[1:], strict=False):
        assert better.lowest - worse.highest == Decimal("0.01")
    assert [row.perception for row in GRADES] == [4, 3, 2, 1]


@pytest.mark.parametrize("value", [24.99, 100.01, -1.0])
def test_the_grade_refuses_an_ikm_off_the_scale(value: float) -> None:
    with pytest.raises(ValueError):
        grade(value)


def test_a_full_rating_body_is_taken() -> None:
    body = {"score": 4, "comment": "  Fast and kind. ", "answers": dict.fromkeys(NINE, 3)}
    rating = rating_input(body)
    assert rating.score == 4
    assert rating.comment == "Fast and kind."
    assert rating.answers == dict.fromkeys(NINE, 3)


def test_a_score_alone_is_a_rating() -> None:
    rating = rating_input({"score": 1})
    assert (rating.score, rating.comment, rating.answers) == (1, None, None)
    assert rating_input({"score": 2, "comment": "   ", "answers": None}).comment is None


def test_some_elements_may_be_left_unanswered() -> None:
    assert rating_input({"score": 3, "answers": {"U9": 2, "U1": 4}}).answers == {
        "U1": 4,
        "U9": 2,
    }


def test_a_comment_of_500_characters_is_taken() -> None:
    assert rating_input({"score": 3, "comment": "x" * 500}).comment == "x" * 500


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, ErrorCode.MISSING_FIELD),
        ({"score": 0}, ErrorCode.INVALID_SCORE),
        ({"score": 5}, ErrorCode.INVALID_SCORE),
        ({"score": 3.0}, ErrorCode.INVALID_SCORE),
        ({"score": "3"}, ErrorCode.INVALID_SCORE),
        ({"score": True}, ErrorCode.INVALID_SCORE),
        ({"score": None}, ErrorCode.INVALID_SCORE),
        ({"score": 3, "comment": "x" * 501}, ErrorCode.INVALID_COMMENT),
        ({"score": 3, "comment": 5}, ErrorCode.INVALID_COMMENT),
        ({"score": 3, "answers": {}}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": [3, 3]}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": {"U10": 3}}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": {"u1": 3}}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": {"U1": 0}}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": {"U1": 5}}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": {"U1": 2.5}}, ErrorCode.INVALID_ANSWERS),
        ({"score": 3, "answers": {"U1": False}}, ErrorCode.INVALID_ANSWERS),
    ],
)
def test_a_malformed_rating_is_invalid_with_its_code(body: dict[str, object], code: str) -> None:
    with pytest.raises(Invalid) as refused:
        rating_input(body)
    assert refused.value.status == 422
    assert refused.value.code == code
    assert refused.value.message
