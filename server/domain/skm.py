"""Indonesia's public satisfaction survey (Survei Kepuasan Masyarakat, SKM), as PermenPANRB
No. 14 Tahun 2017 defines it: the nine elements U1..U9 rated 1 to 4, the index IKM (25-100)
and its grade. Pure: no I/O. docs/skm.md cites the regulation and says what Loket does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeGuard

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid


@dataclass(frozen=True)
class Element:
    id: str  # "U1".."U9", the regulation's numbering
    name: str  # the regulation's Indonesian name (unsur pelayanan)


ELEMENTS: tuple[Element, ...] = (
    Element("U1", "Persyaratan"),
    Element("U2", "Sistem, Mekanisme, dan Prosedur"),
    Element("U3", "Waktu Penyelesaian"),
    Element("U4", "Biaya/Tarif"),
    Element("U5", "Produk Spesifikasi Jenis Pelayanan"),
    Element("U6", "Kompetensi Pelaksana"),
    Element("U7", "Perilaku Pelaksana"),
    Element("U8", "Penanganan Pengaduan, Saran dan Masukan"),
    Element("U9", "Sarana dan Prasarana"),
)
ELEMENT_IDS = frozenset(element.id for element in ELEMENTS)
LOWEST_SCORE = 1
HIGHEST_SCORE = 4
CONVERSION = 25  # the regulation's base value: a 1-4 average times 25 is the IKM, 25-100
MAX_COMMENT = 500  # characters (CONTRACT 6.4)


@dataclass(frozen=True)
class Grade:
    """One row of the regulation's table: the IKM from `lowest` to `highest` (both included,
    two decimals) is quality `letter` (mutu pelayanan), performance `words` (kinerja unit
    pelayanan), perception value `perception` (nilai persepsi)."""

    letter: str
    words: str
    perception: int
    lowest: Decimal
    highest: Decimal


GRADES: tuple[Grade, ...] = (  # best first
    Grade("A", "Sangat Baik", 4, Decimal("88.31"), Decimal("100.00")),
    Grade("B", "Baik", 3, Decimal("76.61"), Decimal("88.30")),
    Grade("C", "Kurang Baik", 2, Decimal("65.00"), Decimal("76.60")),
    Grade("D", "Tidak Baik", 1, Decimal("25.00"), Decimal("64.99")),
)
_CENT = Decimal("0.01")
_NOISE = Decimal("1e-9")  # below any real difference; hides float error (3.5322 * 25)


def round_ikm(value: float) -> Decimal:
    """The IKM as the regulation's table writes it: two decimals, halves up."""
    exact = Decimal(value).quantize(_NOISE, rounding=ROUND_HALF_UP)
    return exact.quantize(_CENT, rounding=ROUND_HALF_UP)


def grade(value: float) -> Grade:
    """The grade of an IKM. The table's bounds have two decimals with gaps between rows
    (88.30 | 88.31), so the IKM is rounded to two decimals first: the figure shown and its
    grade always agree (88.304 shows 88.30, B; 88.305 shows 88.31, A)."""
    shown = round_ikm(value)
    if not GRADES[-1].lowest <= shown <= GRADES[0].highest:
        raise ValueError(f"an IKM is 25 to 100, not {value}")
    return next(row for row in GRADES if shown >= row.lowest)


def ikm(element_averages: Mapping[str, float]) -> float:
    """The IKM of the elements' average scores (nilai rata-rata per unsur): their weighted
    average, each weighing the same (1/9 with the nine), times 25. The regulation divides by
    the elements filled in, so an element nobody answered does not count as a zero."""
    if not element_averages:
        raise ValueError("no element to average")
    for element, average in element_averages.items():
        if element not in ELEMENT_IDS:
            raise ValueError(f"{element!r} is no SKM element")
        _check_average(average)
    weight = 1 / len(element_averages)
    return sum(average * weight for average in element_averages.values()) * CONVERSION


def ikm_of_scores(average_score: float) -> float:
    """The IKM of ratings given as one score each, without the elements (CONTRACT 6.4)."""
    _check_average(average_score)
    return average_score * CONVERSION


def _check_average(average: float) -> None:
    if not LOWEST_SCORE <= average <= HIGHEST_SCORE:
        raise ValueError(f"an average score is 1 to 4, not {average}")


@dataclass(frozen=True)
class RatingInput:
    """A rating's body (CONTRACT 6.4) once checked."""

    score: int
    comment: str | None = None
    answers: Mapping[str, int] | None = None


def rating_input(body: Mapping[str, Any]) -> RatingInput:
    """Check `{"score", "comment"?, "answers"?}`: anything malformed is Invalid (422)."""
    return RatingInput(
        score=score_of(body),
        comment=comment(body.get("comment")),
        answers=answers(body.get("answers")),
    )


def score_of(body: Mapping[str, Any]) -> int:
    """The body's required `score` (the desk sends only it and the ticket's ref)."""
    if "score" not in body:
        raise Invalid("The field 'score' is required.", ErrorCode.MISSING_FIELD)
    return score(body["score"])


def score(value: object) -> int:
    """A whole number 1 to 4 (JSON true, 3.0 or "3" are not)."""
    if not _is_score(value):
        raise Invalid("The score is a whole number from 1 to 4.", ErrorCode.INVALID_SCORE)
    return value


def comment(value: object) -> str | None:
    """Optional text of at most 500 characters; blank is none."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_COMMENT:
        raise Invalid(
            f"The comment is a text of at most {MAX_COMMENT} characters.",
            ErrorCode.INVALID_COMMENT,
        )
    return value.strip() or None


def answers(value: object) -> dict[str, int] | None:
    """Optional `{"U1": 1-4, ..., "U9": 1-4}`: some or all of the nine, nothing else."""
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise Invalid(
            "The answers are an object of the elements U1 to U9, each scored 1 to 4.",
            ErrorCode.INVALID_ANSWERS,
        )
    unknown = sorted(str(key) for key in value if key not in ELEMENT_IDS)
    if unknown:
        raise Invalid(
            f"No such survey element: {', '.join(unknown)} (they are U1 to U9).",
            ErrorCode.INVALID_ANSWERS,
        )
    return {key: _answer(key, value[key]) for key in sorted(value, key=_element_order)}


def _answer(element: str, value: object) -> int:
    if not _is_score(value):
        raise Invalid(
            f"The answer to {element} is a whole number from 1 to 4.", ErrorCode.INVALID_ANSWERS
        )
    return value


def _is_score(value: object) -> TypeGuard[int]:
    # type(), not isinstance(): JSON true is a bool, which Python counts as an int
    return type(value) is int and LOWEST_SCORE <= value <= HIGHEST_SCORE


def _element_order(element: str) -> int:
    return int(element[1:])
