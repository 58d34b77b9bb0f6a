"""Issue 14, attack 1 on a real server: one address flooding `POST .../tickets` (2,000 fake
tickets in 5.6 s before) gets 3; an enrolled kiosk gets every ticket it asks for; on Redis
the count and the kiosks are shared by every server.

Phones reach the server through a reverse proxy on the same host, which names them by
X-Forwarded-For (uvicorn trusts it from 127.0.0.1); without it the caller is the machine
itself, which is never limited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from loket.server.kiosks import CACHE_SECONDS
from tests.integration.conftest import login
from tests.support.redis import RedisServer
from tests.support.server import LoketServer
from tests.support.waiting import wait_until

TICKETS = "/api/v1/sites/demo/tickets"
PHONE = {"X-Forwarded-For": "203.0.113.7"}
FLOOD = 300


def flood(url: str, headers: dict[str, str], count: int = FLOOD) -> list[int]:
    """`count` ticket requests, 8 at a time, as fast as they are answered."""

    with httpx.Client(base_url=url, timeout=10) as http, ThreadPoolExecutor(8) as pool:

        def one(_: int) -> int:
            return http.post(TICKETS, json={"service": "A"}, headers=headers).status_code

        return list(pool.map(one, range(count)))


def enrol(http: httpx.Client, name: str = "Entrance") -> tuple[str, str]:
    admin = {"Authorization": f"Bearer {login(http)}"}
    answer = http.post("/api/v1/sites/demo/kiosks", json={"name": name}, headers=admin)
    assert answer.status_code == 201, answer.text
    return answer.json()["kiosk"]["id"], answer.json()["key"]


def waiting(http: httpx.Client) -> int:
    return int(http.get("/api/v1/sites/demo/state").json()["data"]["waiting"]["A"])


def test_a_flood_from_one_address_gets_three_tickets_and_a_kiosk_gets_all(
    live_server: LoketServer,
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        statuses = flood(live_server.url, PHONE)
        assert statuses.count(201) == 3 and set(statuses) == {201, 429}
        refused = http.post(TICKETS, json={"service": "A"}, headers=PHONE)
        assert refused.json()["error"]["code"] in ("too_many_tickets", "rate_limited")
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        assert waiting(http) == 3

        _, key = enrol(http)
        started = time.monotonic()
        statuses = flood(live_server.url, {**PHONE, "X-Kiosk-Key": key})
        took = time.monotonic() - started
        assert statuses == [201] * FLOOD, f"{statuses.count(201)} issued in {took:.1f} s"
        assert waiting(http) == 3 + FLOOD
        # the machine itself (no proxy in between) is not limited either
        for _ in range(5):
            assert http.post(TICKETS, json={"service": "B"}).status_code == 201


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[LoketServer, LoketServer]]:
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(tmp_path / "redis").running())
        servers = []
        for name in ("a", "b"):
            workdir = tmp_path / name
            workdir.mkdir()
            server = LoketServer(workdir, "--store", redis.url())
            servers.append(stack.enter_context(server.running()))
        yield servers[0], servers[1]


def test_servers_on_one_redis_share_the_count_and_the_kiosks(
    two_servers: tuple[LoketServer, LoketServer],
) -> None:
    one, two = two_servers
    with (
        httpx.Client(base_url=one.url, timeout=10) as first,
        httpx.Client(base_url=two.url, timeout=10) as second,
    ):
        answers = [
            client.post(TICKETS, json={"service": "A"}, headers=PHONE).status_code
            for client in (first, second) * 4
        ]
        assert answers == [201, 201, 201, 429, 429, 429, 429, 429]

        kiosk_id, key = enrol(first)
        kiosk = {**PHONE, "X-Kiosk-Key": key}
        for client in (first, second) * 3:
            assert client.post(TICKETS, json={"service": "A"}, headers=kiosk).status_code == 201
        admin = {"Authorization": f"Bearer {login(first)}"}
        revoked = first.delete(f"/api/v1/sites/demo/kiosks/{kiosk_id}", headers=admin)
        assert revoked.status_code == 200
        # refused at once where it was revoked, and on the other server within the cache time
        answer = first.post(TICKETS, json={"service": "A"}, headers=kiosk)
        assert answer.json()["error"]["code"] == "invalid_kiosk_key"
        wait_until(
            lambda: second.post(TICKETS, json={"service": "A"}, headers=kiosk).status_code == 403,
            CACHE_SECONDS + 2,
            "the other server refuses the revoked key",
            poll=0.5,
        )
