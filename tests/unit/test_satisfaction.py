"""The satisfaction summary (server/reports/satisfaction.py) and its SKM export
(server/reports/skm_export.py) from rated visits built here: every figure below is worked out
by hand from the regulation's formula (docs/skm.md)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from loket.server.config import load_sites
from loket.server.domain.rating import Rater, Rating
from loket.server.reports import skm_export
from loket.server.reports.rated import RatedVisit
from loket.server.reports.satisfaction import lowest, summarize

DEMO = load_sites(None)[0]  # Asia/Jakarta: UTC+7
DAY = date(2026, 12, 7)
MORNING = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta
NINE = [f"U{n}" for n in range(1, 10)]
# the docs' worked example: 29 respondents, the sums of their answers per element
SUMS = [105, 101, 100, 116, 102, 105, 106, 105, 115]


def visit(
    score: int,
    *,
    minutes: int = 0,
    by: Rater = Rater.HOLDER,
    service: str = "A",
    counter: str | None = "1",
    user: str | None = "ani",
    answers: Mapping[str, int] | None = None,
    comment: str | None = None,
    issued: datetime = MORNING,
) -> RatedVisit:
    finished = issued + timedelta(minutes=minutes + 10)
    rating = Rating(
        ref=f"r{minutes}-{score}",
        score=score,
        at=finished + timedelta(minutes=1),
        by=by,
        comment=comment,
        answers=answers or {},
        counter=counter if by is Rater.DESK else None,
    )
    return RatedVisit(rating, service, counter, user, issued, finished)


def the_docs_example() -> list[RatedVisit]:
    """Respondent i answers 4 to element U if i < (its sum - 3 × 29), else 3."""
    return [
        visit(
            4,
            minutes=i,
            answers={u: 4 if i < total - 87 else 3 for u, total in zip(NINE, SUMS, strict=True)},
        )
        for i in range(29)
    ]


def test_the_docs_worked_example_gives_91_48_grade_a() -> None:
    report = summarize(DEMO, DAY, DAY, the_docs_example())
    survey = report.to_json()["survey"]
    assert (survey["respondents"], survey["ikm"], survey["grade"]) == (29, 91.48, "A")
    elements = survey["elements"]
    assert [e["sum"] for e in elements] == SUMS
    assert [e["count"] for e in elements] == [29] * 9
    assert [e["avg"] for e in elements] == [
        3.6207, 3.4828, 3.4483, 4.0, 3.5172, 3.6207, 3.6552, 3.6207, 3.9655,
    ]  # fmt: skip
    assert elements[0]["weighted"] == round(105 / 29 / 9, 4) == 0.4023  # NRR × 1/9
    # the three lowest (U3 3.4483, U2 3.4828, U5 3.5172) stand out, nothing else
    assert [e["id"] for e in elements if e["lowest"]] == ["U2", "U3", "U5"]
    assert elements[2]["ikm"] == 86.21 and elements[2]["grade"] == "B"  # 3.4483 × 25


def test_scores_desk_and_phone_groups_and_a_skipped_element() -> None:
    rated = [
        visit(4, by=Rater.DESK, counter="1", user="ani"),
        visit(3, minutes=5, by=Rater.DESK, counter="2", user="budi", service="B"),
        visit(2, minutes=9, counter="2", user="budi", service="B", answers={"U1": 2, "U3": 1}),
        visit(3, minutes=20, answers={"U1": 4, "U3": 3, "U7": 4}),
        visit(1, issued=MORNING + timedelta(days=1)),  # issued the day after: not in the range
    ]
    data = summarize(DEMO, DAY, DAY, rated).to_json()
    # every rating: 4 + 3 + 2 + 3 = 12 over 4 = 3.0 → 75.00, C
    assert data["ratings"] == {"count": 4, "avg": 3.0, "ikm": 75.0, "grade": "C"}
    assert data["desk"] == {"count": 2, "avg": 3.5, "ikm": 87.5, "grade": "B"}
    assert data["phone"] == {"count": 2, "avg": 2.5, "ikm": 62.5, "grade": "D"}
    survey = data["survey"]
    # U1 (2+4)/2 = 3, U3 (1+3)/2 = 2, U7 4/1 = 4; three elements answered, each weighs 1/3:
    # (3 + 2 + 4) / 3 = 3 → 75.00, C; the others are left out, not counted as zero
    assert (survey["respondents"], survey["ikm"], survey["grade"]) == (2, 75.0, "C")
    figures = {e["id"]: e for e in survey["elements"]}
    assert (figures["U1"]["avg"], figures["U3"]["avg"], figures["U7"]["avg"]) == (3.0, 2.0, 4.0)
    assert figures["U1"]["weighted"] == 1.0 and figures["U3"]["weighted"] == 0.6667
    assert figures["U2"] == {
        "id": "U2", "name": "Sistem, Mekanisme, dan Prosedur", "count": 0, "sum": 0,
        "avg": None, "weighted": None, "ikm": None, "grade": None, "lowest": False,
    }  # fmt: skip
    # three answered: the two under the best stand out (never the best one)
    assert [e for e in figures if figures[e]["lowest"]] == ["U1", "U3"]
    by = data["by"]
    assert [g["key"] for g in by["service"]] == ["A", "B", "C"]
    service = {g["key"]: g for g in by["service"]}
    assert service["A"]["ratings"] == {"count": 2, "avg": 3.5, "ikm": 87.5, "grade": "B"}
    assert service["B"]["survey"]["ikm"] == 37.5  # (2 + 1) / 2 × 25
    assert service["C"] == {"key": "C", "ratings": None, "survey": None}
    counters = {g["key"]: g["ratings"] for g in by["counter"]}
    assert list(counters) == ["1", "2", "3", "4", "5", "6"]
    assert counters["2"] == {"count": 2, "avg": 2.5, "ikm": 62.5, "grade": "D"}
    assert [(g["key"], g["ratings"]["count"]) for g in by["user"]] == [("ani", 2), ("budi", 2)]
    assert [(g["key"], g["ratings"]["count"]) for g in by["day"]] == [("2026-12-07", 4)]


def test_comments_newest_first_with_their_ticket_and_local_time_bounded() -> None:
    rated = [
        visit(2, minutes=0, comment="Antrean terlalu lama"),
        visit(4, minutes=30, comment="Ramah sekali", service="B", counter="3"),
        visit(3, minutes=40),  # no comment
    ]
    report = summarize(DEMO, DAY, DAY, rated)
    comments = report.to_json()["comments"]
    assert comments == {
        "total": 2,
        "items": [
            {"score": 4, "comment": "Ramah sekali", "service": "B", "counter": "3",
             "at": "2026-12-07T09:40:00+07:00"},
            {"score": 2, "comment": "Antrean terlalu lama", "service": "A", "counter": "1",
             "at": "2026-12-07T09:10:00+07:00"},
        ],
    }  # fmt: skip
    assert "ref" not in str(comments) and "ani" not in str(comments)  # nothing of the visitor
    assert report.to_json(comments=1)["comments"]["items"][0]["comment"] == "Ramah sekali"


@pytest.mark.parametrize(
    ("total", "ikm", "letter"),
    [(8831, 88.31, "A"), (8830, 88.30, "B"), (6500, 65.0, "C"), (6499, 64.99, "D")],
)
def test_the_grade_at_the_table_s_bounds(total: int, ikm: float, letter: str) -> None:
    """2,500 scores adding up to `total`: an average of total / 2500, an IKM of total / 100."""
    low = total // 2500
    higher = total - low * 2500  # that many score one more
    scores = [low + 1] * higher + [low] * (2500 - higher)
    assert sum(scores) == total
    rated = [visit(s, minutes=i) for i, s in enumerate(scores)]
    data = summarize(DEMO, DAY, DAY, rated).to_json()
    assert (data["ratings"]["ikm"], data["ratings"]["grade"]) == (ikm, letter)


def test_lowest_names_up_to_three_lowest_whole_ties_never_the_best() -> None:
    assert lowest({"U1": 3.0, "U2": 3.0, "U3": 3.0}) == frozenset()
    assert lowest({"U1": 3.5, "U2": 3.5, "U3": 3.5, "U4": 3.0}) == {"U4"}
    spread = {"U1": 2.0, "U2": 2.5, "U3": 3.0, "U4": 3.0, "U5": 3.5, "U6": 4.0}
    assert lowest(spread) == {"U1", "U2"}  # the two at 3.0 would make four
    three = {"U1": 2.0, "U2": 2.5, "U3": 2.75, "U4": 3.0, "U5": 4.0}
    assert lowest(three) == {"U1", "U2", "U3"}
    # one respondent: one element at 2, three tied at 3, the rest 4: only the 2 stands out
    one = {"U1": 4.0, "U2": 2.0, "U3": 4.0, "U4": 3.0, "U5": 4.0, "U6": 3.0, "U9": 3.0}
    assert lowest(one) == {"U2"}
    # the lowest are tied four ways: they are all the lowest, all marked
    assert lowest({"U1": 2.0, "U2": 2.0, "U3": 2.0, "U4": 2.0, "U5": 3.0}) == {
        "U1",
        "U2",
        "U3",
        "U4",
    }
    assert lowest({"U1": 4.0, "U2": 1.0}) == {"U2"}


def test_nothing_rated_is_nulls_not_an_error() -> None:
    data = summarize(DEMO, DAY, DAY + timedelta(days=1), []).to_json()
    assert (data["ratings"], data["desk"], data["phone"], data["survey"]) == (None,) * 4
    assert [g["key"] for g in data["by"]["day"]] == ["2026-12-07", "2026-12-08"]
    assert data["comments"] == {"total": 0, "items": []}
    book = openpyxl.load_workbook(
        io.BytesIO(skm_export.to_xlsx(summarize(DEMO, DAY, DAY, []), "Hall", {}, {}))
    )
    cells = [c for row in book["Pengolahan SKM"].iter_rows(values_only=True) for c in row]
    assert "Belum ada responden survei pada periode ini." in cells


def test_the_processing_sheet_of_the_docs_example() -> None:
    """The XLSX as a hall files it: the respondents' rows, then Σ, NRR, NRR tertimbang, the
    IKM with mutu and kinerja; the desk ratings; the comments. The CSV: the respondents."""
    rated = [*the_docs_example(), visit(1, minutes=99, comment="Kursi kurang", service="B")]
    report = summarize(DEMO, DAY, DAY, rated)
    services, counters = {"A": "KTP Elektronik", "B": "Paspor"}, {"1": "Loket 1"}
    book = openpyxl.load_workbook(
        io.BytesIO(skm_export.to_xlsx(report, "Mal Pelayanan Publik", services, counters))
    )
    assert book.sheetnames == ["Pengolahan SKM", "Penilaian", "Komentar"]
    rows = [list(row) for row in book["Pengolahan SKM"].iter_rows(values_only=True)]
    labelled = {row[0]: row[1:] for row in rows if row and row[0] is not None}
    assert labelled["Unit pelayanan"][0] == "Mal Pelayanan Publik"
    assert labelled["Periode"][0] == "2026-12-07 s.d. 2026-12-07"
    head = rows.index(["No. responden", *NINE, "Layanan", "Loket", "Waktu"])
    first = rows[head + 1]
    assert first[:10] == [1, 4, 4, 4, 4, 4, 4, 4, 4, 4]  # respondent 0 answers 4 everywhere
    assert first[10:] == ["KTP Elektronik", "Loket 1", "2026-12-07 09:10"]
    assert rows[head + 29][0] == 29 and rows[head + 30][0] is None  # 29 respondents
    assert list(labelled["Σ nilai per unsur"][:9]) == SUMS
    assert labelled["NRR per unsur"][0] == 3.6207
    assert labelled["NRR tertimbang"][0] == 0.4023
    assert labelled["Unsur terendah"][:9] == [None, "▼", "▼", None, "▼", None, None, None, None]
    assert labelled["IKM (Σ NRR tertimbang × 25)"][0] == 91.48
    assert labelled["Mutu pelayanan"][0] == "A"
    assert labelled["Kinerja unit pelayanan"][0] == "Sangat Baik"
    assert labelled["U8"][0] == "Penanganan Pengaduan, Saran dan Masukan"
    scores = {row[0]: row for row in book["Penilaian"].iter_rows(values_only=True) if row[0]}
    # 29 fours and a 1: 117 / 30 = 3.9 → 97.50, A
    assert scores["Semua penilaian"][2:7] == (30, 3.9, 97.5, "A", "Sangat Baik")
    assert scores["B"][1:7] == ("Paspor", 1, 1, 25, "D", "Tidak Baik")
    comments = list(book["Komentar"].iter_rows(values_only=True))
    assert comments[-1] == (1, "2026-12-07 10:49", "Paspor", "Loket 1", 1, "Kursi kurang")
    lines = list(
        csv.reader(io.StringIO(skm_export.to_csv(report, services, counters).decode("utf-8-sig")))
    )
    assert lines[0] == ["respondent", *NINE, "service", "counter", "at"]
    assert len(lines) == 30 and lines[29][:2] == ["29", "3"]


FIXTURE = Path(__file__).resolve().parents[1] / "js" / "fixtures" / "satisfaction.json"


def the_fixture() -> dict[str, Any]:
    """What tests/js/reports.test.mjs reads as the satisfaction API's answer."""
    rated = [
        visit(4, by=Rater.DESK, counter="1", user="ani"),
        visit(3, minutes=5, by=Rater.DESK, counter="2", user="budi", service="B"),
        visit(2, minutes=9, counter="2", service="B", answers={"U1": 2, "U3": 1}, comment="Lama"),
        visit(3, minutes=20, answers={"U1": 4, "U3": 3, "U7": 4}, comment="Ramah"),
    ]
    return summarize(DEMO, DAY, DAY, rated).to_json(comments=1)


def test_the_js_fixture_is_the_summary_as_the_api_writes_it() -> None:
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == the_fixture()
