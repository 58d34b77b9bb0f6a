"""The desk's rating tablet page, /rate/{site}/{counter} (CONTRACT 6.4): its words in every
language of the site, the endpoints it uses, how long it asks; an unknown counter is 404."""

import json
import re

import pytest

from tests.inprocess.running import Loket


def config_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="loket-config">(.*?)</script>', page)
    assert found
    config: dict = json.loads(found.group(1))
    return config


async def test_the_tablet_page_asks_in_every_site_language(loket: Loket) -> None:
    answer = await loket.http.get("/rate/demo/3?lang=en")
    assert answer.status_code == 200
    page = answer.text
    assert '<html lang="en"' in page
    # each face's word in the demo site's languages, the page's first (as on the hall TV)
    for word in ('lang="en" data-i="0">Very satisfied<', 'lang="id" data-i="1"'):
        assert word in page
    assert page.count('class="face face-') == 4
    config = config_of(page)
    assert config["counter"] == "3"
    assert config["rating_api"] == "/api/v1/sites/demo/counters/3/rating"
    assert config["kiosk_api"] == "/api/v1/sites/demo/kiosk"
    assert config["ws"].startswith("/ws/display/demo?site=")
    assert config["seconds"] == 60
    assert config["labels"]["langs"] == ["en", "id", "az"]
    assert set(config["strings"]) >= {"signed_in_key", "login_failed", "session_expired"}


@pytest.mark.parametrize(("asked", "seconds"), [("20", 20), ("1", 5), ("9999", 240), ("x", 60)])
async def test_a_tablet_asks_as_long_as_its_address_says_within_bounds(
    loket: Loket, asked: str, seconds: int
) -> None:
    answer = await loket.http.get(f"/rate/demo/1?seconds={asked}")
    assert config_of(answer.text)["seconds"] == seconds


@pytest.mark.parametrize("path", ["/rate/demo/99", "/rate/nowhere/1"])
async def test_an_unknown_counter_or_site_has_no_tablet(loket: Loket, path: str) -> None:
    answer = await loket.http.get(path)
    assert answer.status_code == 404
