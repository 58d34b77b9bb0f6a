"""An admin names and removes screens (PATCH / DELETE /api/v1/sites/{site}/displays/{id}):
the name is listed and outlasts a restart; a removed screen leaves the list and its name,
and comes back only when it reports again; bad input and anyone but an admin are refused
plainly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.inprocess.running import Loket, running_loket
from tests.inprocess.wsclient import WsClient

HALL_B = "Hall B, left of the entrance"


def hello(screen_id: str, page: str = "display") -> dict[str, Any]:
    return {"type": "hello", "display": {"id": screen_id, "page": page, "zone": "hall"}}


async def report(ws: WsClient, screen_id: str) -> None:
    """The screen's hello, and a ping answered: the server has read the hello."""
    await ws.send(hello(screen_id))
    await ws.send({"type": "ping", "t": 1})
    while (await ws.receive())["type"] != "pong":
        pass


@asynccontextmanager
async def screen(loket: Loket, screen_id: str) -> AsyncIterator[WsClient]:
    """A screen connected and reported, for the block."""
    async with loket.display() as ws:
        await ws.receive()  # its snapshot
        await report(ws, screen_id)
        yield ws


async def listed(loket: Loket) -> dict[str, dict[str, Any]]:
    answer = await loket.http.get("/api/v1/sites/demo/displays", headers=await loket.auth())
    assert answer.status_code == 200, answer.text
    return {display["id"]: display for display in answer.json()["displays"]}


async def rename(loket: Loket, screen_id: str, body: Any, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", None) or await loket.auth()
    path = kwargs.pop("path", f"/api/v1/sites/demo/displays/{screen_id}")
    return await loket.http.patch(path, headers=headers, json=body)


async def remove(loket: Loket, screen_id: str, headers: dict[str, str] | None = None) -> int:
    answer = await loket.http.delete(
        f"/api/v1/sites/demo/displays/{screen_id}", headers=headers or await loket.auth()
    )
    return answer.status_code


def code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


async def test_a_named_screen_is_listed_by_name_and_keeps_it_in_the_store(
    loket: Loket, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with screen(loket, "469a58cd-tv"), screen(loket, "counter-page-3"):
        assert {d["name"] for d in (await listed(loket)).values()} == {None}
        answer = await rename(loket, "469a58cd-tv", {"name": f"  {HALL_B} "})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"display": {"id": "469a58cd-tv", "name": HALL_B}}
        screens = await listed(loket)
        assert screens["469a58cd-tv"]["name"] == HALL_B
        assert screens["counter-page-3"]["name"] is None
    # the name is in the store: a restarted server (here a second one on the same file,
    # its registry empty) names the TV when it reports again
    async with running_loket(tmp_path, monkeypatch) as again:
        assert await listed(again) == {}
        async with screen(again, "469a58cd-tv"):
            assert (await listed(again))["469a58cd-tv"]["name"] == HALL_B
            # null, or nothing but spaces, forgets the name
            assert (await rename(again, "469a58cd-tv", {"name": "   "})).json()["display"] == {
                "id": "469a58cd-tv",
                "name": None,
            }
            assert (await listed(again))["469a58cd-tv"]["name"] is None
            await rename(again, "469a58cd-tv", {"name": "Lobby"})
            assert (await rename(again, "469a58cd-tv", {"name": None})).status_code == 200
            assert (await listed(again))["469a58cd-tv"]["name"] is None


async def test_a_removed_screen_leaves_the_list_and_comes_back_at_its_next_hello(
    loket: Loket,
) -> None:
    async with screen(loket, "tv-old"):
        await rename(loket, "tv-old", {"name": "Old TV by the stairs"})
    async with screen(loket, "tv-live") as live:
        await rename(loket, "tv-live", {"name": "Hall B"})
        assert set(await listed(loket)) == {"tv-old", "tv-live"}
        assert not (await listed(loket))["tv-old"]["connected"]

        assert await remove(loket, "tv-old") == 204  # offline: gone for good
        assert await remove(loket, "tv-live") == 204  # still connected
        assert await listed(loket) == {}
        assert await remove(loket, "tv-old") == 404  # nothing left to remove

        await live.send({"type": "ping", "t": 2})  # other messages do not bring it back
        await live.receive()
        assert await listed(loket) == {}
        await report(live, "tv-live")  # its next hello does, without its old name
        back = await listed(loket)
        assert set(back) == {"tv-live"}
        assert back["tv-live"]["name"] is None and back["tv-live"]["connected"]


async def test_a_removal_on_one_process_hides_the_screen_from_another(
    loket: Loket, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes on one store (as `--workers` on Redis): the TV reported to one of
    them; removed through the other, it is gone from both lists until it reports again."""
    async with running_loket(tmp_path, monkeypatch) as other:
        async with screen(other, "tv-1") as tv:
            # unnamed, the other process does not know it; named, every process does
            assert code(await rename(loket, "tv-1", {"name": "B"}), 404) == "unknown_display"
            assert (await rename(other, "tv-1", {"name": "Hall B"})).status_code == 200
            assert (await listed(other))["tv-1"]["name"] == "Hall B"
            assert await remove(loket, "tv-1") == 204
            assert await listed(other) == {}
            await report(tv, "tv-1")
            assert (await listed(other))["tv-1"]["name"] is None


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"name": "x" * 81}, 422, "invalid_field"),
        ({"name": "Hall B\nsecond line"}, 422, "invalid_field"),
        ({"name": 3}, 422, "invalid_field"),
        ({"name": ["Hall B"]}, 422, "invalid_field"),
        ({}, 422, "missing_field"),
        ({"title": "Hall B"}, 422, "missing_field"),
        ("Hall B", 422, "invalid_body"),
    ],
)
async def test_a_bad_name_is_refused_and_changes_nothing(
    loket: Loket, body: Any, status: int, expected: str
) -> None:
    async with screen(loket, "tv-1"):
        await rename(loket, "tv-1", {"name": "Hall B"})
        assert code(await rename(loket, "tv-1", body), status) == expected
        assert (await listed(loket))["tv-1"]["name"] == "Hall B"
        longest = "Ж" * 80
        assert (await rename(loket, "tv-1", {"name": longest})).json()["display"]["name"] == (
            longest
        )


async def test_unknown_screens_and_sites_are_404(loket: Loket) -> None:
    answer = await rename(loket, "no-such-tv", {"name": "Hall B"})
    assert code(answer, 404) == "unknown_display"
    assert "no-such-tv" in answer.json()["error"]["message"]
    answer = await loket.http.delete(
        "/api/v1/sites/demo/displays/no-such-tv", headers=await loket.auth()
    )
    assert code(answer, 404) == "unknown_display"
    long_id = "x" * 500
    assert code(await rename(loket, long_id, {"name": "Hall B"}), 404) == "unknown_display"
    async with screen(loket, "tv-1"):
        answer = await rename(loket, "tv-1", {"name": "B"}, path="/api/v1/sites/nope/displays/tv-1")
        assert code(answer, 404) == "unknown_site"
        assert (await listed(loket))["tv-1"]["name"] is None


async def test_only_an_admin_names_or_removes_screens(loket: Loket) -> None:
    body = {"username": "clerk", "password": "front-desk-tea", "counters": ["demo/1"]}
    added = await loket.http.post("/api/v1/users", headers=await loket.auth(), json=body)
    assert added.status_code == 201, added.text
    clerk = {"Authorization": f"Bearer {await loket.login('clerk', 'front-desk-tea')}"}
    async with screen(loket, "tv-1"):
        assert code(await rename(loket, "tv-1", {"name": "B"}, headers=clerk), 403) == (
            "admin_only"
        )
        answer = await loket.http.delete("/api/v1/sites/demo/displays/tv-1", headers=clerk)
        assert code(answer, 403) == "admin_only"
        loket.http.cookies.clear()
        answer = await loket.http.patch("/api/v1/sites/demo/displays/tv-1", json={"name": "B"})
        assert code(answer, 401) == "login_required"
        answer = await loket.http.delete("/api/v1/sites/demo/displays/tv-1")
        assert code(answer, 401) == "login_required"
        screens = await listed(loket)
        assert screens["tv-1"]["name"] is None  # nothing changed


async def test_names_are_capped_per_site(loket: Loket, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("loket.server.screens.MAX_PER_SITE", 2)
    async with screen(loket, "tv-1"), screen(loket, "tv-2"), screen(loket, "tv-3"):
        for n in (1, 2):
            assert (await rename(loket, f"tv-{n}", {"name": f"TV {n}"})).status_code == 200
        answer = await rename(loket, "tv-3", {"name": "TV 3"})
        assert code(answer, 409) == "too_many_screens"
        assert (await rename(loket, "tv-2", {"name": "TV two"})).status_code == 200
        assert [d["name"] for d in (await listed(loket)).values()] == ["TV 1", "TV two", None]


async def test_a_name_no_store_can_keep_is_refused(loket: Loket) -> None:
    """JSON can carry a lone surrogate; kept as text it would fail in the store (a 500)."""
    headers = {**await loket.auth(), "Content-Type": "application/json"}
    async with screen(loket, "tv-1"):
        answer = await loket.http.patch(
            "/api/v1/sites/demo/displays/tv-1", headers=headers, content=b'{"name": "B \\ud800"}'
        )
        assert code(answer, 422) == "invalid_field"
        assert (await listed(loket))["tv-1"]["name"] is None
