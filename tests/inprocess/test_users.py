"""Managing users (CONTRACT 6.6; issue 14, attacks 6 and 7): an admin changes a user's
password, role, counters or disables or deletes it; a user changes their own password.
A new password, disabling or deleting ends every session of the user at once — even one
this process remembers (the session cache) — and nobody can take away the last enabled
admin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from loket.server.login_throttle import PER_USER
from tests.inprocess.running import ADMIN_PASSWORD, Loket

CLERK_PASSWORD = "front-desk-tea"
NEW_PASSWORD = "quiet-river-lamp"


def code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me(loket: Loket, token: str) -> httpx.Response:
    return await loket.http.get("/api/v1/auth/me", headers=bearer(token))


async def add(loket: Loket, username: str = "clerk", **extra: Any) -> None:
    body = {"username": username, "password": CLERK_PASSWORD, "counters": ["demo/1"], **extra}
    answer = await loket.http.post("/api/v1/users", headers=await loket.auth(), json=body)
    assert answer.status_code == 201, answer.text


async def patch(loket: Loket, username: str, body: Any, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", None) or await loket.auth()
    return await loket.http.patch(f"/api/v1/users/{username}", headers=headers, json=body)


async def delete(loket: Loket, username: str, token: str | None = None) -> httpx.Response:
    headers = bearer(token) if token else await loket.auth()
    return await loket.http.delete(f"/api/v1/users/{username}", headers=headers)


async def login(loket: Loket, username: str, password: str) -> httpx.Response:
    return await loket.http.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def listed(loket: Loket) -> dict[str, dict[str, Any]]:
    answer = await loket.http.get("/api/v1/users", headers=await loket.auth())
    return {user["username"]: user for user in answer.json()["users"]}


async def test_a_new_password_ends_every_session_of_the_user_at_once(loket: Loket) -> None:
    await add(loket)
    phone, desk = (
        await loket.login("clerk", CLERK_PASSWORD),
        await loket.login("clerk", CLERK_PASSWORD),
    )
    for token in (phone, desk):  # both remembered by this process now
        assert (await me(loket, token)).status_code == 200
    changed = await patch(loket, "clerk", {"password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "user": {"username": "clerk", "role": "staff", "counters": ["demo/1"], "disabled": False}
    }
    for token in (phone, desk):
        assert code(await me(loket, token), 401) == "bad_token"
    answer = await loket.act("1", headers=bearer(phone))
    assert code(answer, 401) == "bad_token"
    assert code(await login(loket, "clerk", CLERK_PASSWORD), 401) == "bad_credentials"
    assert (await login(loket, "clerk", NEW_PASSWORD)).status_code == 200
    assert (await me(loket, loket.tokens["admin"])).status_code == 200, "others keep theirs"


async def test_a_disabled_user_cannot_log_in_and_loses_its_sessions(loket: Loket) -> None:
    await add(loket)
    token = await loket.login("clerk", CLERK_PASSWORD)
    assert (await me(loket, token)).status_code == 200
    changed = await patch(loket, "clerk", {"disabled": True})
    assert changed.json()["user"]["disabled"] is True
    assert code(await me(loket, token), 401) == "bad_token"
    # the right password is refused as a wrong one is: nobody learns who is disabled
    refused = await login(loket, "clerk", CLERK_PASSWORD)
    wrong = await login(loket, "clerk", "not-the-password")
    assert code(refused, 401) == code(wrong, 401) == "bad_credentials"
    assert refused.json() == wrong.json()
    assert (await listed(loket))["clerk"]["disabled"] is True
    enabled = await patch(loket, "clerk", {"disabled": False})
    assert enabled.json()["user"]["disabled"] is False
    assert code(await me(loket, token), 401) == "bad_token", "an ended session stays ended"
    assert (await login(loket, "clerk", CLERK_PASSWORD)).status_code == 200


async def test_a_deleted_user_is_gone_with_its_sessions(loket: Loket) -> None:
    await add(loket)
    token = await loket.login("clerk", CLERK_PASSWORD)
    assert (await me(loket, token)).status_code == 200
    answer = await delete(loket, "clerk")
    assert answer.status_code == 204 and answer.content == b""
    assert code(await me(loket, token), 401) == "bad_token"
    assert "clerk" not in await listed(loket)
    assert code(await login(loket, "clerk", CLERK_PASSWORD), 401) == "bad_credentials"
    assert code(await delete(loket, "clerk"), 404) == "unknown_user"
    assert code(await patch(loket, "clerk", {"disabled": True}), 404) == "unknown_user"
    assert code(await patch(loket, "Not A Name", {"disabled": True}), 404) == "unknown_user"
    # the name can be taken again, and the old session does not come back with it
    await add(loket)
    assert code(await me(loket, token), 401) == "bad_token"


async def test_a_new_role_or_counters_count_at_once(loket: Loket) -> None:
    await add(loket, "boss", role="admin", counters=None)
    token = await loket.login("boss", CLERK_PASSWORD)
    assert (await loket.http.get("/api/v1/users", headers=bearer(token))).status_code == 200
    demoted = await patch(loket, "boss", {"role": "staff", "counters": ["demo/2"]})
    assert demoted.json()["user"] == {
        "username": "boss",
        "role": "staff",
        "counters": ["demo/2"],
        "disabled": False,
    }
    users = await loket.http.get("/api/v1/users", headers=bearer(token))
    assert code(users, 403) == "admin_only", "the remembered session has the new role"
    assert code(await loket.act("1", headers=bearer(token)), 403) == "forbidden"
    everywhere = await patch(loket, "boss", {"counters": None})
    assert everywhere.json()["user"]["counters"] is None
    assert (await me(loket, token)).json()["user"]["counters"] is None, "not logged out"


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({}, 422, "missing_field"),
        ({"nickname": "x"}, 422, "missing_field"),
        ({"disabled": "yes"}, 422, "invalid_field"),
        ({"disabled": 1}, 422, "invalid_field"),
        ({"password": 12345678901}, 422, "invalid_field"),
        ({"counters": "demo/1"}, 422, "invalid_field"),
        ({"counters": ["demo/9"]}, 404, "unknown_counter"),
        ({"role": "king"}, 422, "invalid_role"),
        ({"password": "12345678"}, 422, "password_too_short"),
        ({"password": " " * 8}, 422, "password_too_short"),
        ({"password": "clerkclerkclerk"}, 422, "weak_password"),
        ({"password": "password1234"}, 422, "weak_password"),
        ({"password": "x" * 1025}, 422, "password_too_long"),
        ([1, 2], 422, "invalid_body"),
    ],
)
async def test_bad_changes_are_refused_and_change_nothing(
    loket: Loket, body: Any, status: int, expected: str
) -> None:
    await add(loket)
    token = await loket.login("clerk", CLERK_PASSWORD)
    assert code(await patch(loket, "clerk", body), status) == expected
    assert (await listed(loket))["clerk"]["counters"] == ["demo/1"]
    assert (await me(loket, token)).status_code == 200


async def test_only_an_admin_manages_users(loket: Loket) -> None:
    await add(loket)
    clerk = bearer(await loket.login("clerk", CLERK_PASSWORD))
    assert code(await patch(loket, "admin", {"disabled": True}, headers=clerk), 403) == (
        "admin_only"
    )
    answer = await loket.http.delete("/api/v1/users/admin", headers=clerk)
    assert code(answer, 403) == "admin_only"
    # the session cookie (of the last login) needs its CSRF token; without it, nobody asks
    assert code(await loket.http.delete("/api/v1/users/clerk"), 403) == "csrf_failed"
    loket.http.cookies.clear()
    assert code(await loket.http.delete("/api/v1/users/clerk"), 401) == "login_required"
    json_type = {"Content-Type": "application/json"}
    broken = await loket.http.patch(
        "/api/v1/users/clerk", headers={**await loket.auth(), **json_type}, content=b"{not json"
    )
    assert code(broken, 400) == "invalid_json"


async def test_nobody_takes_away_the_last_enabled_admin(loket: Loket) -> None:
    for body in ({"disabled": True}, {"role": "staff"}):
        answer = await patch(loket, "admin", body)
        assert code(answer, 409) == "last_admin"
        assert "administrator" in answer.json()["error"]["message"]
    assert code(await delete(loket, "admin"), 409) == "last_admin"
    assert (await listed(loket))["admin"] == {
        "username": "admin",
        "role": "admin",
        "counters": None,
        "disabled": False,
    }
    # with a second admin, the first may go; then the second is the last
    await add(loket, "second", role="admin", counters=None)
    second = await loket.login("second", CLERK_PASSWORD)
    assert (await patch(loket, "admin", {"disabled": True})).status_code == 200
    assert code(await me(loket, loket.tokens["admin"]), 401) == "bad_token"
    answer = await patch(loket, "second", {"role": "staff"}, headers=bearer(second))
    assert code(answer, 409) == "last_admin"
    assert code(await delete(loket, "second", second), 409) == "last_admin"
    # a disabled admin does not count: enabling one again makes the other free to go
    assert (await patch(loket, "admin", {"disabled": False}, headers=bearer(second))).is_success
    assert (await delete(loket, "second", second)).status_code == 204


async def test_own_password_change(loket: Loket) -> None:
    await add(loket)
    token = await loket.login("clerk", CLERK_PASSWORD)
    other = await loket.login("clerk", CLERK_PASSWORD)  # the same user on another desk
    url = "/api/v1/auth/password"
    wrong = await loket.http.post(
        url, headers=bearer(token), json={"old": "not-it-at-all", "new": NEW_PASSWORD}
    )
    assert code(wrong, 403) == "wrong_password"
    weak = await loket.http.post(
        url, headers=bearer(token), json={"old": CLERK_PASSWORD, "new": "clerk12345"}
    )
    assert code(weak, 422) == "weak_password"
    missing = await loket.http.post(url, headers=bearer(token), json={"old": CLERK_PASSWORD})
    assert code(missing, 422) == "missing_field"
    loket.http.cookies.clear()  # those of the last login
    assert code(await loket.http.post(url, json={"old": "a", "new": "b"}), 401) == (
        "login_required"
    )
    assert (await me(loket, token)).status_code == 200, "refusals end nothing"
    changed = await loket.http.post(
        url, headers=bearer(token), json={"old": CLERK_PASSWORD, "new": NEW_PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    assert fresh["user"]["username"] == "clerk" and fresh["token"] not in (token, other)
    cookies = " ".join(changed.headers.get_list("set-cookie"))
    assert f"loket_session={fresh['token']}" in cookies and "loket_csrf=" in cookies
    for ended in (token, other):
        assert code(await me(loket, ended), 401) == "bad_token"
    assert (await me(loket, fresh["token"])).status_code == 200
    assert (await login(loket, "clerk", NEW_PASSWORD)).status_code == 200


async def test_guessing_the_old_password_is_throttled(loket: Loket) -> None:
    token = await loket.login()
    url = "/api/v1/auth/password"
    for n in range(PER_USER):
        answer = await loket.http.post(
            url, headers=bearer(token), json={"old": f"guess-{n}", "new": NEW_PASSWORD}
        )
        assert code(answer, 403) == "wrong_password"
    answer = await loket.http.post(
        url, headers=bearer(token), json={"old": ADMIN_PASSWORD, "new": NEW_PASSWORD}
    )
    assert code(answer, 429) == "too_many_attempts"
    assert (await me(loket, token)).status_code == 200


async def test_a_new_user_needs_a_good_password(loket: Loket) -> None:
    auth = await loket.auth()
    for username, password, expected in [
        ("weak3", "weak3weak3", "weak_password"),
        ("siti", "12345678", "password_too_short"),
        ("siti", " " * 8, "password_too_short"),
        ("siti", "qwertyuiop", "weak_password"),
        ("siti", "siti-2024!", "weak_password"),
    ]:
        body = {"username": username, "password": password}
        answer = await loket.http.post("/api/v1/users", headers=auth, json=body)
        assert code(answer, 422) == expected, password
    assert set(await listed(loket)) == {"admin"}
