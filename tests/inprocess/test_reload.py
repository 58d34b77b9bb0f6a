"""Changing the hall without a restart (issue 16): the admin's reload of the site file and
the running text, through the HTTP API, as the admin page and the screens see them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.inprocess.running import Loket, running_loket
from tests.support.sitefiles import DEMO, demo_with, without_service_c

COUNTER_7 = """
[[sites.counters]]
id = "7"
name = { id = "Loket 7", en = "Counter 7", az = "Masa 7" }
services = ["D"]
"""
SERVICE_D = """
[[sites.services]]
id = "D"
name = { id = "Pajak", en = "Taxes", az = "Vergilər" }
"""


@pytest.fixture
async def hall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    config = tmp_path / "site.toml"
    config.write_text(DEMO, encoding="utf-8")
    async with running_loket(tmp_path, monkeypatch, config=config) as running:
        yield running


def site_file(loket: Loket) -> Path:
    return loket.workdir / "site.toml"


async def reload(loket: Loket, user: str = "admin") -> Any:
    return await loket.http.post("/api/v1/admin/reload", headers=await loket.auth(user))


async def names(loket: Loket) -> dict[str, str]:
    site = (await loket.http.get("/api/v1/sites/demo")).json()
    return {c["id"]: c["name"]["en"] for c in [*site["counters"], *site["services"]]}


async def test_a_reload_renames_and_adds_and_every_display_hears_it_live(hall: Loket) -> None:
    async with hall.display() as display:
        await display.event()  # the snapshot
        site_file(hall).write_text(
            demo_with(('en = "Counter 1"', 'en = "Desk One"'), more=SERVICE_D + COUNTER_7),
            encoding="utf-8",
        )
        answer = await reload(hall)
        told = await display.receive()
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] == [
        "demo: service D added",
        "demo: counter 7 added",
        "demo: counter 1 renamed",
    ]
    assert told["type"] == "site" and told["seq"] is None
    counters = {c["id"]: c for c in told["data"]["counters"]}
    assert counters["1"]["name"]["en"] == "Desk One"
    assert counters["7"]["services"] == ["D"]
    assert (await names(hall))["7"] == "Counter 7"
    # the new service takes tickets at once, and the new counter calls them
    ticket = await hall.issue("D")
    called = await hall.call("7")
    assert called["ticket"]["number"] == ticket["ticket"]["number"] == "D001"
    assert (await hall.http.get("/api/v1/sites/demo/state")).json()["data"]["waiting"]["D"] == 0


async def test_a_file_that_does_not_read_changes_nothing_and_says_why(hall: Loket) -> None:
    site_file(hall).write_text(
        demo_with(('en = "Counter 1"', 'en = "Desk One"'), ('id = "3"', 'id = "3 3"')),
        encoding="utf-8",
    )
    async with hall.display() as display:
        await display.event()
        answer = await reload(hall)
        assert await display.quiet() == []
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_site_file"
    assert "site.toml" in error["message"] and "sites[0].counters[2].id" in error["message"]
    assert "Nothing was changed" in error["message"]
    assert (await names(hall))["1"] == "Counter 1"


async def test_a_service_people_wait_for_cannot_be_removed(hall: Loket) -> None:
    await hall.issue("C")
    site_file(hall).write_text(without_service_c(), encoding="utf-8")
    answer = await reload(hall)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "service_in_use"
    assert "Service C of site demo has 1 waiting" in answer.json()["error"]["message"]
    assert "C" in await names(hall)  # nothing changed: C still takes tickets
    await hall.issue("C")
    # once nobody waits for it, it goes
    await hall.call("5")
    await hall.call("5")
    await hall.act("5", "done")
    answer = await reload(hall)
    assert answer.status_code == 200, answer.text
    assert "demo: service C removed" in answer.json()["changed"]
    refused = await hall.http.post("/api/v1/sites/demo/tickets", json={"service": "C"})
    assert refused.status_code == 404
    assert "C" not in (await hall.http.get("/api/v1/sites/demo/state")).json()["data"]["waiting"]


async def test_a_counter_serving_someone_cannot_be_removed(hall: Loket) -> None:
    await hall.issue("C")
    await hall.call("5")
    text = DEMO.replace('services = ["C"]', 'services = ["C"]\n# gone')
    start = text.index('[[sites.counters]]\nid = "5"')
    end = text.index('[[sites.counters]]\nid = "6"')
    site_file(hall).write_text(text[:start] + text[end:], encoding="utf-8")
    answer = await reload(hall)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "counter_in_use"
    await hall.act("5", "done")
    assert (await reload(hall)).json()["changed"] == ["demo: counter 5 removed"]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('id = "demo"', 'id = "hall"'), "adds hall; removes demo"),
        (('timezone = "Asia/Jakarta"', 'timezone = "Asia/Baku"'), "timezone of site demo"),
        (('languages = ["id", "en", "az"]', 'languages = ["id", "en"]'), "languages"),
    ],
)
async def test_what_takes_a_restart_is_refused(
    hall: Loket, change: tuple[str, str], said: str
) -> None:
    site_file(hall).write_text(demo_with(change), encoding="utf-8")
    answer = await reload(hall)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "reload_refused"
    assert said in answer.json()["error"]["message"]


async def test_only_an_admin_may_reload_or_edit_the_running_text(hall: Loket) -> None:
    await hall.service.add_user("clerk", "clerk-password-7", "staff")
    await hall.login("clerk", "clerk-password-7")
    assert (await reload(hall, "clerk")).status_code == 403
    answer = await hall.http.put(
        "/api/v1/sites/demo/ticker", json={"texts": {"en": "x"}}, headers=await hall.auth("clerk")
    )
    assert answer.status_code == 403
    hall.http.cookies.clear()  # the clerk's login set its session cookie
    anonymous = await hall.http.post("/api/v1/admin/reload", json={})
    assert anonymous.status_code == 401, anonymous.text
    assert (await hall.http.get("/api/v1/sites/demo/ticker")).status_code == 401


async def put_ticker(loket: Loket, texts: Any, site: str = "demo") -> Any:
    return await loket.http.put(
        f"/api/v1/sites/{site}/ticker", json={"texts": texts}, headers=await loket.auth()
    )


async def test_the_running_text_is_edited_live_per_language_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_loket(tmp_path, monkeypatch) as loket:
        async with loket.display() as display:
            await display.event()
            answer = await put_ticker(loket, {"en": "  Closed at  noon\ntoday. "})
            told = await display.receive()
        assert answer.status_code == 200, answer.text
        assert told["type"] == "site"
        assert told["data"]["ticker"]["en"] == "Closed at noon today."
        assert told["data"]["ticker"]["id"].startswith("Selamat datang")  # the file's, still
        assert answer.json()["edited"] == {"en": "Closed at noon today."}
        page = await loket.http.get("/display/demo?lang=en")
        assert "Closed at noon today." in page.text
    # kept across a restart, until cleared
    async with running_loket(tmp_path, monkeypatch) as loket:
        shown = await loket.http.get("/api/v1/sites/demo/ticker", headers=await loket.auth())
        assert shown.json()["shown"]["en"] == "Closed at noon today."
        cleared = await put_ticker(loket, {"en": None})
        assert cleared.json()["edited"] == {}
        assert cleared.json()["shown"]["en"].startswith("Welcome to the Public Service Mall")


@pytest.mark.parametrize(
    ("texts", "said"),
    [
        ({"ru": "Привет"}, "'ru' is not a language of site demo"),
        ({"en": "x" * 501}, "501 characters; at most 500"),
        ({"en": 5}, "must be a string or null"),
        ({}, "at least one language"),
        ("en", "must be a object"),
    ],
)
async def test_a_bad_running_text_is_refused(loket: Loket, texts: Any, said: str) -> None:
    answer = await put_ticker(loket, texts)
    assert answer.status_code == 422
    assert said in answer.json()["error"]["message"]


async def test_a_screen_that_missed_a_change_is_told_when_it_reconnects(hall: Loket) -> None:
    page = await hall.http.get("/display/demo")
    version = page.text.split('"site_version": "')[1].split('"')[0]
    site_file(hall).write_text(demo_with(('en = "Counter 1"', 'en = "Desk One"')), "utf-8")
    assert (await reload(hall)).status_code == 200
    async with hall.display(query=f"site={version}") as display:
        await display.event()
        told = await display.receive()
    assert told["type"] == "site" and told["data"]["counters"][0]["name"]["en"] == "Desk One"
    fresh = told["data"]["version"]
    async with hall.display(query=f"site={fresh}") as display:
        await display.event()
        assert await display.quiet() == []
