"""GET /api/v1/sites/{site}/satisfaction (issue 18) as a supervisor uses it: ratings given
over the rating API (CONTRACT 6.4) after tickets were served, read back as JSON, as the SKM
respondents' CSV and as the yearly SKM workbook; who may ask; every bad query a 422."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest

from tests.inprocess.running import Loket
from tests.inprocess.test_ratings_api import rate, rate_at, served

URL = "/api/v1/sites/demo/satisfaction"
ALL_FOURS = {f"U{n}": 4 for n in range(1, 10)}


@pytest.fixture
async def rated(loket: Loket) -> dict[str, Any]:
    """A morning at the demo hall: three visitors served and rated, 10 minutes apart.

    09:00 A at counter 1, its holder: 4, every element 4 but U3 2, "Cepat dan ramah";
    09:10 B at counter 3, the desk: 2; 09:20 A at counter 1, its holder: 3, U1 3 and U3 1
    only, "Antre lama".
    """
    morning = loket.pin_morning()
    admin = await loket.auth()
    first = await served(loket, "1", "A")
    answer = await rate(
        loket,
        first["id"],
        {"score": 4, "answers": {**ALL_FOURS, "U3": 2}, "comment": "Cepat dan ramah"},
    )
    assert answer.status_code == 201, answer.text
    loket.pin_clock(morning + timedelta(minutes=10))
    second = await served(loket, "3", "B")
    answer = await rate_at(loket, "3", {"ref": second["ref"], "score": 2}, admin)
    assert answer.status_code == 201, answer.text
    loket.pin_clock(morning + timedelta(minutes=20))
    third = await served(loket, "1", "A")
    answer = await rate(
        loket, third["id"], {"score": 3, "answers": {"U1": 3, "U3": 1}, "comment": "Antre lama"}
    )
    assert answer.status_code == 201, answer.text
    day = loket.service.site("demo").local_day(morning).isoformat()
    return {"day": day, "headers": await loket.user_headers("lead", "supervisor")}


async def get(loket: Loket, rated: dict[str, Any], **params: str) -> Any:
    query = {"from": rated["day"], "to": rated["day"], **params}
    return await loket.http.get(URL, params=query, headers=rated["headers"])


async def test_a_supervisor_reads_the_day_s_satisfaction(
    loket: Loket, rated: dict[str, Any]
) -> None:
    answer = await get(loket, rated)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["site"], data["from"], data["to"]) == ("demo", rated["day"], rated["day"])
    # 4, 2, 3: 3.0 → 75.00, C; the desk's 2 → 50.00, D; the phones' 4 and 3 → 87.50, B
    assert data["ratings"] == {"count": 3, "avg": 3.0, "ikm": 75.0, "grade": "C"}
    assert data["desk"] == {"count": 1, "avg": 2.0, "ikm": 50.0, "grade": "D"}
    assert data["phone"] == {"count": 2, "avg": 3.5, "ikm": 87.5, "grade": "B"}
    # U1 (4 + 3) / 2 = 3.5, U3 (2 + 1) / 2 = 1.5, the seven others 4:
    # (3.5 + 1.5 + 7 × 4) / 9 = 3.6667 → 91.67, A; U3 and U1 stand out
    survey = data["survey"]
    assert (survey["respondents"], survey["ikm"], survey["grade"]) == (2, 91.67, "A")
    elements = {e["id"]: e for e in survey["elements"]}
    assert (elements["U1"]["avg"], elements["U3"]["avg"], elements["U9"]["avg"]) == (3.5, 1.5, 4.0)
    assert (elements["U1"]["count"], elements["U2"]["count"]) == (2, 1)
    assert elements["U3"]["weighted"] == round(1.5 / 9, 4)
    assert [e for e, figures in elements.items() if figures["lowest"]] == ["U1", "U3"]
    by = data["by"]
    services = {g["key"]: g["ratings"] for g in by["service"]}
    assert services["A"] == {"count": 2, "avg": 3.5, "ikm": 87.5, "grade": "B"}
    assert services["B"] == {"count": 1, "avg": 2.0, "ikm": 50.0, "grade": "D"}
    assert services["C"] is None
    counters = {g["key"]: g["ratings"] for g in by["counter"]}
    assert (counters["1"]["count"], counters["3"]["count"], counters["2"]) == (2, 1, None)
    assert [(g["key"], g["ratings"]["count"]) for g in by["user"]] == [("admin", 3)]
    assert [(g["key"], g["ratings"]["count"]) for g in by["day"]] == [(rated["day"], 3)]
    comments = data["comments"]
    assert comments["total"] == 2
    assert [(c["comment"], c["score"], c["service"], c["counter"]) for c in comments["items"]] == [
        ("Antre lama", 3, "A", "1"),
        ("Cepat dan ramah", 4, "A", "1"),
    ]
    assert comments["items"][0]["at"].startswith(f"{rated['day']}T09:20")
    assert comments["items"][0]["at"].endswith("+07:00")  # Jakarta's local time
    assert "ref" not in comments["items"][0] and "id" not in comments["items"][0]


async def test_the_csv_is_the_respondents_sheet(loket: Loket, rated: dict[str, Any]) -> None:
    answer = await get(loket, rated, format="csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    day = rated["day"]
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="loket-demo-{day}-{day}-skm.csv"'
    )
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert lines[0] == ["respondent", *ALL_FOURS, "service", "counter", "at"]
    assert lines[1] == [
        "1", "4", "4", "2", "4", "4", "4", "4", "4", "4",
        "KTP Elektronik", "Loket 1", f"{day} 09:00",
    ]  # fmt: skip
    assert lines[2] == ["2", "3", "", "1", *[""] * 6, "KTP Elektronik", "Loket 1", f"{day} 09:20"]
    assert len(lines) == 3  # the desk's rating has no answers: not a respondent


async def test_the_xlsx_is_the_yearly_skm_report_s_shape(
    loket: Loket, rated: dict[str, Any]
) -> None:
    answer = await get(loket, rated, format="xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "-skm.xlsx" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Pengolahan SKM", "Penilaian", "Komentar"]
    labelled = {
        row[0]: row[1:] for row in book["Pengolahan SKM"].iter_rows(values_only=True) if row[0]
    }
    assert labelled["Unit pelayanan"][0] == "Mal Pelayanan Publik"  # the site's first language
    assert labelled["Σ nilai per unsur"][:9] == (7, 4, 3, 4, 4, 4, 4, 4, 4)
    assert labelled["NRR per unsur"][:3] == (3.5, 4, 1.5)
    assert labelled["IKM (Σ NRR tertimbang × 25)"][0] == 91.67
    assert (labelled["Mutu pelayanan"][0], labelled["Kinerja unit pelayanan"][0]) == (
        "A",
        "Sangat Baik",
    )
    scores = {row[0]: row for row in book["Penilaian"].iter_rows(values_only=True) if row[0]}
    assert scores["Semua penilaian"][2:7] == (3, 3, 75, "C", "Kurang Baik")
    assert scores["Di loket (perangkat meja)"][2:7] == (1, 2, 50, "D", "Tidak Baik")
    assert scores["B"][:7] == ("B", "Paspor", 1, 2, 50, "D", "Tidak Baik")
    comments = list(book["Komentar"].iter_rows(values_only=True))
    assert [row[2:] for row in comments[-2:]] == [
        ("KTP Elektronik", "Loket 1", 3, "Antre lama"),
        ("KTP Elektronik", "Loket 1", 4, "Cepat dan ramah"),
    ]


async def test_a_period_without_ratings_is_nulls(loket: Loket, rated: dict[str, Any]) -> None:
    answer = await loket.http.get(
        URL, params={"from": "2020-01-01", "to": "2020-01-03"}, headers=rated["headers"]
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["ratings"], data["survey"], data["comments"]["total"]) == (None, None, 0)
    assert [g["key"] for g in data["by"]["day"]] == ["2020-01-01", "2020-01-02", "2020-01-03"]


@pytest.mark.parametrize(
    ("first", "last"), [("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31")]
)
async def test_the_calendar_s_ends_are_periods_too(loket: Loket, first: str, last: str) -> None:
    """The ratings of a period are looked for a few days wider: never past the calendar."""
    answer = await loket.http.get(
        URL, params={"from": first, "to": last}, headers=await loket.auth()
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["ratings"] is None


async def test_only_supervisors_and_admins(loket: Loket, rated: dict[str, Any]) -> None:
    clerk = await loket.user_headers("clerk", "staff")
    query = {"from": rated["day"], "to": rated["day"]}
    refused = await loket.http.get(URL, params=query, headers=clerk)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "supervisor_only"
    assert (await loket.http.get(URL, params=query, headers=await loket.auth())).status_code == 200
    loket.http.cookies.clear()
    anonymous = await loket.http.get(URL, params=query)
    assert anonymous.status_code == 401
    unknown = await loket.http.get(
        "/api/v1/sites/nowhere/satisfaction", params=query, headers=rated["headers"]
    )
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_site"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"to": "2026-01-31"}, "missing_parameter"),
        ({"from": "2026-01-01"}, "missing_parameter"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "invalid_date"),
        ({"from": "2026-01-01", "to": "2026-W09-1"}, "invalid_date"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "dates_reversed"),
        ({"from": "2025-01-01", "to": "2026-01-03"}, "range_too_long"),
        ({"from": "2026-01-01", "to": "2026-01-02", "format": "pdf"}, "invalid_format"),
    ],
)
async def test_a_bad_query_is_a_422_with_its_code(
    loket: Loket, params: dict[str, str], code: str
) -> None:
    answer = await loket.http.get(URL, params=params, headers=await loket.auth())
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
