"""Guessing passwords stops (CONTRACT 6.6; issue 14, attack 6): 5 failures for a user from
one address, or 20 from one address, within 15 minutes answer 429 too_many_attempts with a
Retry-After; another address is not locked out; failures are logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from loket.server.login_throttle import PER_ADDRESS, PER_USER, WINDOW
from tests.inprocess.running import ADMIN_PASSWORD, Loket

LOGIN = "/api/v1/auth/login"


def client(loket: Loket, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=loket.app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def login(http: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await http.post(LOGIN, json={"username": username, "password": password})


async def test_a_guessed_user_waits_at_that_address_only(
    loket: Loket, caplog: pytest.LogCaptureFixture
) -> None:
    async with client(loket, "10.0.0.66") as guesser, client(loket, "10.0.0.7") as clerk:
        with caplog.at_level(logging.WARNING, logger="loket"):
            for n in range(PER_USER):
                answer = await login(guesser, "admin", f"guess-{n}")
                assert answer.status_code == 401
        assert sum("failed login for 'admin' from 10.0.0.66" in m for m in caplog.messages) == 5
        refused = await login(guesser, "admin", ADMIN_PASSWORD)  # even the right one
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(refused.headers["Retry-After"]) <= WINDOW.total_seconds()
        assert (await login(clerk, "admin", ADMIN_PASSWORD)).status_code == 200


async def test_an_address_guessing_many_users_waits(loket: Loket) -> None:
    async with client(loket, "10.0.0.66") as guesser:
        for n in range(PER_ADDRESS):
            assert (await login(guesser, f"user{n}", "guess")).status_code == 401
        assert (await login(guesser, "admin", ADMIN_PASSWORD)).status_code == 429


async def test_the_wait_ends_with_the_window(loket: Loket) -> None:
    start = datetime.now(UTC)
    loket.service.clock = lambda: start
    async with client(loket, "10.0.0.66") as guesser:
        for n in range(PER_USER):
            await login(guesser, "admin", f"guess-{n}")
        assert (await login(guesser, "admin", ADMIN_PASSWORD)).status_code == 429
        loket.service.clock = lambda: start + WINDOW + timedelta(seconds=1)
        assert (await login(guesser, "admin", ADMIN_PASSWORD)).status_code == 200
