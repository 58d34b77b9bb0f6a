"""The fixtures the reports page's JS tests read are what the server writes: a report as
server/reports/row.py's Report.to_json() writes it (the API's shape), and config.report
as the page gets it in English at a site in Jakarta (server/i18n/calendar.py)."""

import json
from datetime import date
from pathlib import Path

from loket.server.i18n.calendar import report_format
from loket.server.reports.row import By, Report, Row, Stats

FIXTURES = Path(__file__).resolve().parents[1] / "js" / "fixtures"
FIXTURE = FIXTURES / "report_service.json"
FORMAT = FIXTURES / "report_format_en.json"


def the_report() -> Report:
    return Report(
        site="demo",
        first=date(2026, 12, 1),
        last=date(2026, 12, 6),
        by=By.SERVICE,
        rows=[
            Row(
                "A",
                issued=1204,
                called=1180,
                served=1102,
                no_show=61,
                transferred=17,
                wait_s=Stats(avg=750.44, p50=601.0, p90=1500.0, max=4210.0),
                service_s=Stats(avg=130.21, p50=118.0, p90=262.5, max=900.0),
                within_target=0.75453,
            ),
            Row(
                "B",
                issued=40,
                called=40,
                served=39,
                no_show=1,
                transferred=0,
                wait_s=Stats(avg=45.0, p50=40.0, p90=59.0, max=60.0),
                service_s=Stats(avg=300.0, p50=300.0, p90=360.0, max=420.0),
                within_target=1.0,
            ),
            Row("C"),  # no activity: zeros and nulls, never an error
        ],
        total=Row(
            "total",
            issued=1244,
            called=1220,
            served=1141,
            no_show=62,
            transferred=17,
            wait_s=Stats(avg=727.34, p50=590.0, p90=1490.0, max=4210.0),
            service_s=Stats(avg=136.2, p50=120.0, p90=270.0, max=900.0),
            within_target=0.76311,
        ),
    )


def test_the_js_fixture_is_a_report_as_the_api_writes_it() -> None:
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == the_report().to_json()


def test_the_js_fixture_is_the_format_the_page_is_given() -> None:
    assert json.loads(FORMAT.read_text(encoding="utf-8")) == report_format("en", "Asia/Jakarta")


def test_a_week_starts_where_the_site_is_whatever_the_language() -> None:
    assert report_format("en", "Asia/Jakarta")["first_week_day"] == 6  # Sunday in Indonesia
    assert report_format("ru", "Asia/Jakarta")["first_week_day"] == 6
    assert report_format("en", "Asia/Baku")["first_week_day"] == 0  # Monday in Azerbaijan
    assert report_format("id", "UTC")["first_week_day"] == 0  # no country: the language's


def test_durations_have_every_plural_form_of_the_language_and_no_per_unit() -> None:
    units = report_format("ru", "Europe/Moscow")["units"]
    assert isinstance(units, dict)
    assert units["minute"] == {f: "{0} мин" for f in ("one", "few", "many", "other")}
    assert report_format("id", "Asia/Jakarta")["units"] == {
        "hour": {"other": "{0} j"},
        "minute": {"other": "{0} mnt"},
        "second": {"other": "{0} dtk"},
    }


if __name__ == "__main__":  # writes the fixtures anew after a change of shape
    FIXTURE.write_text(json.dumps(the_report().to_json(), indent=1) + "\n", encoding="utf-8")
    text = json.dumps(report_format("en", "Asia/Jakarta"), indent=1, ensure_ascii=False)
    FORMAT.write_text(text + "\n", encoding="utf-8")
