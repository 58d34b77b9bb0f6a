"""Users on both stores (CONTRACT 6.6): changed, disabled, deleted, their sessions ended at
once, never the last enabled admin taken away (even by two admins at the same moment), and
what the previous release wrote still read. Processes sharing a store (two services here)
forget a session another process ended."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from loket.server.hub import Hub
from loket.server.service import LoketService
from loket.server.store import open_store
from loket.server.store.schema import MIGRATIONS, migrate
from loket.server.store.sqlite import USERS_POLL
from loket.server.users import NoAdminLeft, Role, User, UserChange
from tests.store import test_store_contract as contract
from tests.store.test_store_contract import SITES, Opened, now

# the contract suite's fixtures: each test runs on SQLite and on Redis
store_url = contract.store_url
opened = contract.opened

FOREVER = datetime(2999, 1, 1, tzinfo=UTC)
ADMIN = User("admin", Role.ADMIN)
CLERK = User("clerk", Role.STAFF, ("demo/1",))


async def test_a_user_is_changed_and_read_back(opened: Opened) -> None:
    store = opened.store
    assert await store.add_user(ADMIN, "admin-hash", now())
    assert await store.add_user(CLERK, "clerk-hash", now())
    change = UserChange(role=Role.ADMIN, set_counters=True, counters=None)
    boss = User("clerk", Role.ADMIN, None)
    assert await store.change_user("clerk", change) == boss
    assert await store.user_hash("clerk") == (boss, "clerk-hash")
    back = UserChange(role=Role.STAFF, set_counters=True, counters=("demo/2", "demo/3"))
    assert await store.change_user("clerk", back) == User("clerk", Role.STAFF, ("demo/2", "demo/3"))
    disabled = await store.change_user("clerk", UserChange(disabled=True))
    assert disabled is not None and disabled.disabled and disabled.counters == ("demo/2", "demo/3")
    assert [(u.username, u.disabled) for u in await store.users()] == [
        ("admin", False),
        ("clerk", True),
    ]
    store = await opened.reopen()
    assert (await store.users())[1] == disabled
    assert await store.change_user("nobody", UserChange(disabled=True)) is None
    assert not await store.delete_user("nobody")


async def test_a_new_password_disabling_or_deleting_ends_the_sessions(opened: Opened) -> None:
    store = opened.store
    await store.add_user(ADMIN, "admin-hash", now())
    await store.add_user(CLERK, "old-hash", now())
    await store.add_session("desk", "clerk", "c1", FOREVER)
    await store.add_session("phone", "clerk", "c2", FOREVER)
    await store.add_session("boss", "admin", "c3", FOREVER)
    # other changes keep the sessions, which see them
    await store.change_user("clerk", UserChange(set_counters=True, counters=("demo/4",)))
    desk = await store.session("desk", now())
    assert desk is not None and desk.user.counters == ("demo/4",)

    await store.change_user("clerk", UserChange(password_hash="new-hash"))
    assert await store.session("desk", now()) is None
    assert await store.session("phone", now()) is None
    assert await store.session("boss", now()) is not None, "another user's session stays"
    found = await store.user_hash("clerk")
    assert found is not None and found[1] == "new-hash"

    await store.add_session("later", "clerk", "c4", FOREVER)
    assert await store.session("later", now()) is not None
    await store.change_user("clerk", UserChange(disabled=True))
    assert await store.session("later", now()) is None
    await store.change_user("clerk", UserChange(disabled=False))
    assert await store.session("later", now()) is None, "enabling again revives nothing"

    await store.add_session("last", "clerk", "c5", FOREVER)
    assert await store.delete_user("clerk")
    assert await store.session("last", now()) is None
    assert await store.user_hash("clerk") is None
    await store.add_user(CLERK, "other-hash", now())  # the name taken again
    assert await store.session("last", now()) is None
    assert await store.session("desk", now()) is None


async def test_the_last_enabled_admin_stays(opened: Opened) -> None:
    store = opened.store
    await store.add_user(ADMIN, "h", now())
    await store.add_user(CLERK, "h", now())
    for change in (UserChange(disabled=True), UserChange(role=Role.STAFF)):
        with pytest.raises(NoAdminLeft):
            await store.change_user("admin", change)
    with pytest.raises(NoAdminLeft):
        await store.delete_user("admin")
    other = User("other", Role.ADMIN, disabled=True)
    await store.add_user(other, "h", now())  # a disabled admin does not count
    with pytest.raises(NoAdminLeft):
        await store.delete_user("admin")
    assert (await store.users())[0] == ADMIN, "nothing changed"
    await store.change_user("other", UserChange(disabled=False))
    assert await store.delete_user("admin")
    # changes that take no admin away are not refused, whoever is left
    assert await store.change_user("clerk", UserChange(disabled=True)) is not None


async def test_two_admins_disabling_each_other_at_once_leave_one(store_url: str) -> None:
    """Two processes, each an admin disabling the other: the check and the change are one
    transaction, so one of them is refused."""
    one, two = open_store(store_url), open_store(store_url)
    await one.open(SITES, lambda event: None)
    await two.open(SITES, lambda event: None)
    try:
        await one.add_user(ADMIN, "h", now())
        await one.add_user(User("second", Role.ADMIN), "h", now())
        for _ in range(5):
            outcomes = await asyncio.gather(
                one.change_user("admin", UserChange(disabled=True)),
                two.change_user("second", UserChange(disabled=True)),
                return_exceptions=True,
            )
            assert sum(isinstance(o, NoAdminLeft) for o in outcomes) == 1, outcomes
            assert [u.enabled_admin for u in await two.users()].count(True) == 1
            for name in ("admin", "second"):
                await one.change_user(name, UserChange(disabled=False))
    finally:
        await one.close()
        await two.close()


# -- processes sharing the store ------------------------------------------------------


@asynccontextmanager
async def service(url: str) -> AsyncIterator[LoketService]:
    running = LoketService(SITES, open_store(url), Hub())
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def refused_within(server: LoketService, token: str, seconds: float) -> float:
    """How long until `server` refuses the token; fails after `seconds`."""
    began = time.monotonic()
    while await server.session(token) is not None:
        assert time.monotonic() - began < seconds, f"still valid after {seconds} s"
        await asyncio.sleep(0.005)
    return time.monotonic() - began


@pytest.mark.parametrize("change", ["password", "disable", "delete"])
async def test_a_session_ended_on_another_process_is_refused_here_at_once(
    store_url: str, change: str
) -> None:
    """`server` remembers the clerk's session (30 s, SESSION_CACHE_SECONDS); `tool` (another
    process: a second server on Redis, `loket user` on the SQLite file) ends it."""
    async with service(store_url) as server, service(store_url) as tool:
        await server.ensure_admin("admin-test-pass")
        await server.add_user("clerk", "front-desk-tea", counters=["demo/1"])
        token, _ = await server.login("clerk", "front-desk-tea")
        assert await server.session(token) is not None  # remembered now
        await asyncio.sleep(0.05)
        assert await server.session(token) is not None
        if change == "password":
            await tool.change_user("clerk", password="quiet-river-lamp")
        elif change == "disable":
            await tool.change_user("clerk", disabled=True)
        else:
            await tool.delete_user("clerk")
        assert await tool.session(token) is None
        # Redis tells every process at once (pub/sub); SQLite cannot, and is polled
        bound = 0.2 if store_url.startswith("redis") else USERS_POLL + 0.2
        await refused_within(server, token, bound)


async def test_a_role_changed_on_another_process_counts_here_at_once(store_url: str) -> None:
    async with service(store_url) as server, service(store_url) as tool:
        await server.ensure_admin("admin-test-pass")
        await server.add_user("boss", "front-desk-tea", role="admin")
        token, _ = await server.login("boss", "front-desk-tea")
        assert (session := await server.session(token)) and session.user.role is Role.ADMIN
        await tool.change_user("boss", role="staff")
        began = time.monotonic()
        while (session := await server.session(token)) and session.user.role is Role.ADMIN:
            assert time.monotonic() - began < USERS_POLL + 0.2, "still an admin here"
            await asyncio.sleep(0.005)
        assert session is not None, "a new role ends no session"


# -- what the previous release wrote ------------------------------------------------


async def test_users_and_sessions_of_the_previous_redis_release(redis_url: str) -> None:
    """Its records have no "disabled" or "stamp": read as enabled, and its sessions count
    until the user's password changes."""
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    record = {"role": "staff", "counters": '["demo/1"]', "hash": "h", "created": "2026-01-01"}
    raw.hset("loket:users", "clerk", json.dumps(record))
    session = {"username": "clerk", "csrf": "c", "expires": FOREVER.isoformat()}
    raw.set("loket:session:old", json.dumps(session))
    box = Opened(redis_url)
    store = await box.reopen()
    try:
        assert await store.users() == [CLERK]
        found = await store.session("old", now())
        assert found is not None and found.user == CLERK
        await store.change_user("clerk", UserChange(set_counters=True, counters=None))
        assert await store.session("old", now()) is not None
        await store.change_user("clerk", UserChange(password_hash="new"))
        assert await store.session("old", now()) is None
    finally:
        await store.close()


async def test_users_and_sessions_of_the_previous_sqlite_schema(tmp_path: Path) -> None:
    path = tmp_path / "loket.db"
    with closing(sqlite3.connect(path)) as conn:
        for number, script in enumerate(MIGRATIONS[:2], start=1):
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("INSERT INTO meta VALUES ('epoch', 'e')")
        conn.execute("INSERT INTO users VALUES ('clerk', 'h', 'staff', '[\"demo/1\"]', 'x')")
        conn.execute("INSERT INTO sessions VALUES ('old', 'clerk', 'c', ?)", (FOREVER.isoformat(),))
        conn.commit()
    box = Opened(f"sqlite:///{path}")
    store = await box.reopen()
    try:
        assert await store.users() == [CLERK]
        assert await store.session("old", now()) is not None
        await store.change_user("clerk", UserChange(disabled=True))
        assert await store.session("old", now()) is None
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 6
        plan = conn.execute(
            "EXPLAIN QUERY PLAN DELETE FROM sessions WHERE username = 'clerk'"
        ).fetchall()
        assert "sessions_user" in str(plan), "a user's sessions are found by the index"
        migrate(conn)  # again: nothing to do
