"""The reports page (CONTRACT 6.3) as the server renders it: the site's names in the page's
language, the reports API it asks, and how dates, weeks and durations are written there."""

import json
import re

from tests.inprocess.running import Loket


def config_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="loket-config">(.*?)</script>', page)
    assert found is not None
    return json.loads(found.group(1))


async def test_the_page_is_given_its_api_names_and_cldr_formats(loket: Loket) -> None:
    answer = await loket.http.get("/reports/demo?lang=az")
    assert answer.status_code == 200
    page = answer.text
    assert "Hesabatlar" in page and "İctimai Xidmət Mərkəzi" in page  # translated, site named
    config = config_of(page)
    assert config["api"] == "/api/v1/sites/demo/reports"
    assert config["services"]["A"] == "Şəxsiyyət vəsiqəsi"
    report = config["report"]
    assert report["first_week_day"] == 6  # the demo is in Jakarta: weeks start on Sunday
    assert report["number"] == {"group": ".", "decimal": ",", "percent": "#,##0%"}
    assert report["weekdays"][0] == "Bazar ertəsi"  # stand-alone: a row's name
    assert report["units"]["minute"]["other"] == "{0} dəq"
    assert config["strings"]["total"] == "Cəmi"
    # every control a supervisor needs, the key choices as the API names them
    for name in ("preset", "from", "to", "by"):
        assert f'name="{name}"' in page
    for by in ("service", "counter", "user", "hour", "day", "weekday"):
        assert f'<option value="{by}">' in page
    assert 'id="download-csv"' in page and 'id="download-xlsx"' in page
    # the satisfaction section (issue 18): its API, the SKM grade table, its words translated
    assert config["satisfaction"] == "/api/v1/sites/demo/satisfaction"
    assert config["grades"] == [
        {"letter": "A", "lowest": 88.31},
        {"letter": "B", "lowest": 76.61},
        {"letter": "C", "lowest": 65.0},
        {"letter": "D", "lowest": 25.0},
    ]
    assert config["strings"]["grade_a"] == "Çox yaxşı" and "Məmnunluq" in page
    assert 'id="download-skm"' in page


async def test_the_index_links_each_sites_reports(loket: Loket) -> None:
    page = (await loket.http.get("/?lang=en")).text
    assert 'href="/reports/demo?lang=en"' in page


async def test_an_unknown_site_has_no_reports_page(loket: Loket) -> None:
    answer = await loket.http.get("/reports/nowhere")
    assert answer.status_code == 404
