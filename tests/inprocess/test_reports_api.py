"""GET /api/v1/sites/{site}/reports (CONTRACT 6.3) as a supervisor's browser or script
uses it: JSON, CSV that Excel opens with the right letters, XLSX; who may ask; every bad
query answered 422 with its own code."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from loket.server.config import load_sites
from loket.server.domain.site import Names
from tests.inprocess.running import Loket, running_loket

DEMO = load_sites(None)[0]
URL = "/api/v1/sites/demo/reports"


def today() -> date:
    return DEMO.local_day(datetime.now(UTC))


async def get(loket: Loket, headers: dict[str, str], **params: Any) -> Any:
    return await loket.http.get(URL, params=params, headers=headers)


def named(service_names: dict[str, Names]) -> Any:
    """The demo site, some services named anew, and a target for A (10 min)."""
    services = tuple(
        replace(
            s, name=service_names.get(s.id, s.name), target_wait_min=10 if s.id == "A" else None
        )
        for s in DEMO.services
    )
    return (replace(DEMO, services=services),)


@pytest.fixture
async def hall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A morning: four tickets, two served at counter 1, one still waiting."""
    async with running_loket(tmp_path, monkeypatch, sites=named({})) as loket:
        for service in "AAAB":
            await loket.issue(service)
        await loket.call("1")
        await loket.call("1")  # closes A001 as done
        done = await loket.act("1", "done")
        assert done.status_code == 200, done.text
        await loket.call("3")
        yield loket


async def test_a_supervisor_gets_todays_report_by_service(hall: Loket) -> None:
    lead = await hall.user_headers("lead", "supervisor")
    day = today().isoformat()
    answer = await get(hall, lead, **{"from": day, "to": day, "by": "service"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["site"], report["from"], report["to"], report["by"]) == (
        "demo",
        day,
        day,
        "service",
    )
    rows = {row["key"]: row for row in report["rows"]}
    assert list(rows) == ["A", "B", "C"]
    a = rows["A"]
    assert (a["issued"], a["called"], a["served"], a["no_show"]) == (3, 2, 2, 0)
    assert a["wait_s"]["max"] >= a["wait_s"]["p50"] >= 0 and a["service_s"] is not None
    assert a["within_target"] == 1.0  # served within A's 10 minutes
    assert rows["B"]["issued"] == 1 and rows["B"]["within_target"] is None  # no target
    assert rows["C"] == {
        "key": "C", "issued": 0, "called": 0, "served": 0, "no_show": 0, "transferred": 0,
        "wait_s": None, "service_s": None, "within_target": None, "rating": None,
    }  # fmt: skip
    assert report["total"]["issued"] == 4 and report["total"]["served"] == 2
    by_counter = await get(hall, lead, **{"from": day, "to": day, "by": "counter"})
    counters = {row["key"]: row["served"] for row in by_counter.json()["rows"]}
    assert counters == {"1": 2, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0}


async def test_a_range_without_activity_has_rows_of_zeros(hall: Loket) -> None:
    last_year = today() - timedelta(days=400)
    answer = await get(
        hall,
        await hall.auth(),  # an admin may too
        **{"from": last_year.isoformat(), "to": (last_year + timedelta(days=6)).isoformat()},
        by="day",
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert len(report["rows"]) == 7
    assert all(row["issued"] == 0 and row["wait_s"] is None for row in report["rows"])
    assert report["total"]["issued"] == 0


async def test_staff_may_not_see_reports_and_nobody_logged_out(hall: Loket) -> None:
    clerk = await hall.user_headers("clerk", "staff")
    day = today().isoformat()
    refused = await get(hall, clerk, **{"from": day, "to": day, "by": "service"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "supervisor_only"
    hall.http.cookies.clear()  # the logins' session cookies
    anonymous = await hall.http.get(URL, params={"from": day, "to": day, "by": "service"})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"to": "2026-01-31", "by": "service"}, "missing_parameter"),
        ({"from": "2026-01-01", "to": "2026-01-31"}, "missing_parameter"),
        ({"from": "2026-02-30", "to": "2026-03-01", "by": "day"}, "invalid_date"),
        ({"from": "yesterday", "to": "2026-03-01", "by": "day"}, "invalid_date"),
        ({"from": "20260101", "to": "2026-03-01", "by": "day"}, "invalid_date"),
        ({"from": "2026-01-01", "to": "2026-W09-1", "by": "day"}, "invalid_date"),
        ({"from": "2026-03-02", "to": "2026-03-01", "by": "day"}, "dates_reversed"),
        ({"from": "2025-01-01", "to": "2026-01-03", "by": "day"}, "range_too_long"),
        ({"from": "2026-01-01", "to": "2026-01-02", "by": "clerk"}, "invalid_by"),
        (
            {"from": "2026-01-01", "to": "2026-01-02", "by": "day", "format": "pdf"},
            "invalid_format",
        ),
    ],
)
async def test_a_bad_query_is_a_422_with_its_code(
    hall: Loket, params: dict[str, str], code: str
) -> None:
    answer = await get(hall, await hall.auth(), **params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code


async def test_366_days_apart_is_the_longest_range(hall: Loket) -> None:
    first = date(2024, 1, 1)
    answer = await get(
        hall,
        await hall.auth(),
        **{"from": first.isoformat(), "to": (first + timedelta(days=366)).isoformat()},
        by="weekday",
    )
    assert answer.status_code == 200, answer.text
    assert [row["key"] for row in answer.json()["rows"]] == [str(n) for n in range(1, 8)]


async def test_an_unknown_site_is_a_404(hall: Loket) -> None:
    answer = await hall.http.get(
        "/api/v1/sites/nowhere/reports",
        params={"from": "2026-01-01", "to": "2026-01-01", "by": "day"},
        headers=await hall.auth(),
    )
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_site"


async def test_csv_opens_in_excel_with_the_right_letters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Services named in Azerbaijani and in Russian: the CSV starts with a BOM, so Excel
    reads it as UTF-8; a header line, one line per row (its key, then its name), then the
    total."""
    lang = DEMO.languages[0]
    names = {"A": {lang: "Sağlamlıq"}, "B": {lang: "Кириллица"}}
    async with running_loket(tmp_path, monkeypatch, sites=named(names)) as loket:
        headers = await loket.user_headers("lead", "supervisor")
        await loket.issue("A")
        await loket.issue("B")
        await loket.call("1")
        day = today().isoformat()
        answer = await get(
            loket, headers, **{"from": day, "to": day, "by": "service", "format": "csv"}
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="loket-demo-{day}-{day}-service.csv"'
    )
    assert answer.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["service", "name", "issued", "called"]
    assert lines[0][6:] == [
        "transferred",
        *(f"wait_{s}_s" for s in ("avg", "p50", "p90", "max")),
        *(f"service_{s}_s" for s in ("avg", "p50", "p90", "max")),
        "within_target",
        "rating_count",
        "rating_avg",
        "rating_ikm",
    ]
    assert [line[:4] for line in lines[1:]] == [
        ["A", "Sağlamlıq", "1", "1"],
        ["B", "Кириллица", "1", "0"],
        ["C", DEMO.text(DEMO.service("C").name, lang), "0", "0"],
        ["total", "", "2", "1"],
    ]
    assert lines[1][7] == lines[1][8] == lines[1][10] != ""  # one wait: avg = p50 = max


async def test_xlsx_has_the_rows_and_the_total(hall: Loket) -> None:
    day = today().isoformat()
    answer = await get(
        hall, await hall.auth(), **{"from": day, "to": day, "by": "service", "format": "xlsx"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f"loket-demo-{day}-{day}-service.xlsx" in answer.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["service", "name", "issued", "called"]
    assert [(row[0], row[2], row[3]) for row in rows[1:]] == [
        ("A", 3, 2),
        ("B", 1, 1),
        ("C", 0, 0),
        ("total", 4, 3),
    ]


async def test_a_rating_shows_in_the_row_of_its_ticket_as_json_and_csv(hall: Loket) -> None:
    """Ticket A001, served at counter 1 by the admin, rated 3 by its holder: its rows (its
    counter's, its clerk's) and the total have the rating (CONTRACT 6.3); the others null."""
    day = today()
    [(ticket_id,)] = hall.sql("SELECT id FROM tickets WHERE number = 'A001'")
    rated = await hall.http.post(f"/api/v1/tickets/{ticket_id}/rating", json={"score": 3})
    assert rated.status_code == 201, rated.text
    lead = await hall.user_headers("lead", "supervisor")
    query = {"from": day.isoformat(), "to": day.isoformat()}
    three = {"count": 1, "avg": 3.0, "ikm": 75.0}
    by_counter = (await get(hall, lead, **query, by="counter")).json()
    assert [(row["key"], row["rating"]) for row in by_counter["rows"][:2]] == [
        ("1", three),
        ("2", None),
    ]
    assert by_counter["total"]["rating"] == three
    by_user = (await get(hall, lead, **query, by="user")).json()
    assert [(row["key"], row["rating"]) for row in by_user["rows"]] == [("admin", three)]
    answer = await get(hall, lead, **query, by="counter", format="csv")
    lines = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert lines[1][0] == "1" and lines[1][-3:] == ["1", "3.0", "75.0"]
    assert lines[2][0] == "2" and lines[2][-3:] == ["", "", ""]
