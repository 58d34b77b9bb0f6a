"""Sessions as a client sees them: a token or the session cookie (with its CSRF token for
changes), refused once logged out. A process remembers a session for
SESSION_CACHE_SECONDS (server/service.py), but forgets it as soon as it hears of a change
made elsewhere: another process writing the SQLite file (`loket user`, an admin's tool) is
noticed within USERS_POLL (server/store/sqlite.py), long before the cache would forget."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.inprocess.running import ADMIN_PASSWORD, Loket, running_loket, token_hash

CACHE_S = 30.0  # remembered far longer than the tests wait
NOTICED_S = 0.25 + 0.25  # USERS_POLL, and a margin


@pytest.fixture
async def loket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    monkeypatch.setattr("loket.server.service.SESSION_CACHE_SECONDS", CACHE_S)
    async with running_loket(tmp_path, monkeypatch) as running:
        yield running


def code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


async def me(loket: Loket, token: str) -> httpx.Response:
    return await loket.http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_a_session_ended_elsewhere_is_refused_once_the_change_is_noticed(
    loket: Loket,
) -> None:
    token = await loket.login()
    assert (await me(loket, token)).json()["user"]["username"] == "admin"
    # another process sharing the store logs this session out
    loket.sql("DELETE FROM sessions WHERE token_hash = ?", token_hash(token))
    await asyncio.sleep(NOTICED_S)
    assert code(await me(loket, token), 401) == "bad_token"
    answer = await loket.act("1", headers={"Authorization": f"Bearer {token}"})
    assert code(answer, 401) == "bad_token"


async def test_a_session_whose_user_is_gone_is_refused(loket: Loket) -> None:
    created = await loket.http.post(
        "/api/v1/users",
        headers=await loket.auth(),
        json={"username": "clerk", "password": "front-desk-tea", "counters": ["demo/1"]},
    )
    assert created.status_code == 201, created.text
    token = await loket.login("clerk", "front-desk-tea")
    assert (await me(loket, token)).json()["user"] == {
        "username": "clerk",
        "role": "staff",
        "counters": ["demo/1"],
        "disabled": False,
    }
    loket.sql("DELETE FROM users WHERE username = 'clerk'")
    await asyncio.sleep(NOTICED_S)
    assert code(await me(loket, token), 401) == "bad_token"


async def test_a_session_past_its_lifetime_is_refused(loket: Loket) -> None:
    token = await loket.login()
    loket.sql(
        "UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00' WHERE token_hash = ?",
        token_hash(token),
    )
    assert code(await me(loket, token), 401) == "bad_token"  # never asked before: not cached


async def test_a_logout_here_is_refused_at_once_even_while_remembered(loket: Loket) -> None:
    token = await loket.login()
    other = await loket.login()  # the same user on another device keeps its session
    headers = {"Authorization": f"Bearer {token}"}
    assert (await me(loket, token)).status_code == 200  # remembered now
    out = await loket.http.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 200 and out.json() == {"status": "ok"}
    assert code(await me(loket, token), 401) == "bad_token"
    assert code(await loket.http.post("/api/v1/auth/logout", headers=headers), 401) == "bad_token"
    assert (await me(loket, other)).status_code == 200


async def test_the_session_cookie_and_its_csrf_token(loket: Loket) -> None:
    answer = await loket.http.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert answer.status_code == 200
    csrf = answer.json()["csrf"]
    assert loket.http.cookies["loket_csrf"] == csrf
    assert "HttpOnly" in " ".join(answer.headers.get_list("set-cookie"))
    # reads need no CSRF token, changes do
    assert (await loket.http.get("/api/v1/auth/me")).status_code == 200
    assert code(await loket.http.post("/api/v1/auth/logout"), 403) == "csrf_failed"
    wrong = {"X-CSRF-Token": csrf + "x"}
    assert code(await loket.http.post("/api/v1/auth/logout", headers=wrong), 403) == "csrf_failed"
    out = await loket.http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200
    cleared = " ".join(out.headers.get_list("set-cookie"))
    assert "loket_session=" in cleared and "loket_csrf=" in cleared and "Max-Age=0" in cleared
    assert code(await loket.http.get("/api/v1/auth/me"), 401) == "login_required"


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (None, "login_required"),
        ("Basic YWRtaW46YWRtaW4=", "bad_authorization"),
        ("Bearer ", "bad_authorization"),
        ("Bearer not-a-token", "bad_token"),
    ],
)
async def test_who_is_asking(loket: Loket, authorization: str | None, expected: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = await loket.http.get("/api/v1/auth/me", headers=headers)
    assert code(answer, 401) == expected


async def test_staff_may_act_only_at_their_counters_and_not_as_admin(loket: Loket) -> None:
    created = await loket.http.post(
        "/api/v1/users",
        headers=await loket.auth(),
        json={"username": "clerk", "password": "front-desk-tea", "counters": ["demo/1"]},
    )
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {await loket.login('clerk', 'front-desk-tea')}"}
    await loket.issue()
    own = await loket.http.post("/api/v1/sites/demo/counters/1/call-next", headers=headers)
    assert own.status_code == 200 and own.json()["ticket"]["service"] == "A"
    other = await loket.http.post("/api/v1/sites/demo/counters/2/call-next", headers=headers)
    assert code(other, 403) == "forbidden"
    assert code(await loket.http.get("/api/v1/users", headers=headers), 403) == "admin_only"
    listed = await loket.http.get("/api/v1/users", headers=await loket.auth())
    assert [u["username"] for u in listed.json()["users"]] == ["admin", "clerk"]


async def test_a_supervisor_acts_at_every_counter_but_does_not_manage_users(
    loket: Loket,
) -> None:
    """CONTRACT 6.3: a supervisor may open, pause and close (and so call at) any counter."""
    created = await loket.http.post(
        "/api/v1/users",
        headers=await loket.auth(),
        json={"username": "lead", "password": "floor-watch-42", "role": "supervisor"},
    )
    assert created.status_code == 201 and created.json()["user"]["role"] == "supervisor"
    headers = {"Authorization": f"Bearer {await loket.login('lead', 'floor-watch-42')}"}
    await loket.issue()
    called = await loket.http.post("/api/v1/sites/demo/counters/2/call-next", headers=headers)
    assert called.status_code == 200
    assert code(await loket.http.get("/api/v1/users", headers=headers), 403) == "admin_only"
