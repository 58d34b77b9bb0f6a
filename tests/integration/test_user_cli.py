"""`loket user passwd|disable|enable|delete NAME` against the store of a running server, on
SQLite and on Redis (CONTRACT 6.6): the server refuses the user's sessions right after;
refusals exit with status 2 and say why. A weak LOKET_ADMIN_PASSWORD stops start-up."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import login
from tests.support.redis import RedisServer
from tests.support.server import LoketServer, loket_command

CLERK_PASSWORD = "front-desk-tea"
NEW_PASSWORD = "quiet-river-lamp"


def loket_user(store: str, *words: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [loket_command(), "user", *words, "--store", store],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'loket.db'}"
        return
    with RedisServer(tmp_path / "redis").running() as redis:
        yield redis.url()


def refused_soon(http: httpx.Client, token: str) -> float:
    """Seconds until the server refuses `token` (SQLite: polled; Redis: told at once)."""
    began = time.monotonic()
    while http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).is_success:
        assert time.monotonic() - began < 2.0, "the session still works"
        time.sleep(0.01)
    return time.monotonic() - began


def test_managing_a_user_from_the_command_line(store: str, tmp_path: Path) -> None:
    server = LoketServer(tmp_path, "--store", store, "--port", "0", own_store=False)
    with server.running(), httpx.Client(base_url=server.url) as http:
        added = loket_user(store, "add", "clerk", "--password-stdin", stdin=CLERK_PASSWORD)
        assert added.returncode == 0, added.stderr
        token = login(http, "clerk", CLERK_PASSWORD)

        changed = loket_user(store, "passwd", "clerk", stdin=NEW_PASSWORD + "\n")
        assert changed.returncode == 0, changed.stderr
        assert "Changed the password of 'clerk'" in changed.stdout
        assert refused_soon(http, token) < 1.0
        token = login(http, "clerk", NEW_PASSWORD)

        disabled = loket_user(store, "disable", "clerk")
        assert disabled.returncode == 0 and "Disabled 'clerk'" in disabled.stdout
        refused_soon(http, token)
        answer = http.post(
            "/api/v1/auth/login", json={"username": "clerk", "password": NEW_PASSWORD}
        )
        assert answer.status_code == 401
        listed = loket_user(store, "list")
        assert "clerk\tstaff\tevery counter\tdisabled" in listed.stdout
        assert loket_user(store, "enable", "clerk").returncode == 0
        token = login(http, "clerk", NEW_PASSWORD)

        deleted = loket_user(store, "delete", "clerk")
        assert deleted.returncode == 0 and "Deleted 'clerk'" in deleted.stdout
        refused_soon(http, token)
        assert "clerk" not in loket_user(store, "list").stdout


@pytest.mark.parametrize(
    ("words", "stdin", "said"),
    [
        (("passwd", "nobody"), NEW_PASSWORD, "There is no user 'nobody'"),
        (("passwd", "admin"), "admin12345", "must not be built on the username"),
        (("passwd", "admin"), "12345678", "at least 10 characters"),
        (("passwd", "admin"), "qwertyuiop", "commonly used"),
        (("disable", "admin"), "", "no enabled administrator"),
        (("delete", "admin"), "", "no enabled administrator"),
        (("delete", "nobody"), "", "There is no user 'nobody'"),
        (("add", "weak3", "--password-stdin"), "weak3weak3", "built on the username"),
    ],
)
def test_refusals_exit_2_and_say_why(
    tmp_path: Path, words: tuple[str, ...], stdin: str, said: str
) -> None:
    store = f"sqlite:///{tmp_path / 'loket.db'}"
    made = loket_user(
        store, "add", "admin", "--role", "admin", "--password-stdin", stdin=NEW_PASSWORD
    )
    assert made.returncode == 0, made.stderr
    refused = loket_user(store, *words, stdin=stdin)
    assert refused.returncode == 2, refused
    assert said in refused.stderr and "Traceback" not in refused.stderr
    assert "admin\tadmin\tevery counter\n" in loket_user(store, "list").stdout


@pytest.mark.parametrize("password", ["a", "12345678", "admin12345", "qwertyuiop", " " * 10])
def test_a_weak_admin_password_stops_start_up(tmp_path: Path, password: str) -> None:
    done = subprocess.run(
        [loket_command(), "serve", "--port", "0", "--store", f"sqlite:///{tmp_path / 'x.db'}"],
        env={**LoketServer(tmp_path).env, "LOKET_ADMIN_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "LOKET_ADMIN_PASSWORD is refused" in done.stderr
    assert "Traceback" not in done.stderr and "Loket is ready" not in done.stdout
    assert not (tmp_path / "x.db").exists(), "stopped before anything was made"
