"""Ratings (CONTRACT 6.4) on real servers: two `loket serve` processes on one Redis keep a
ticket's rating once however many rate it at once, from either server; a desk device
enrolled on one rates on the other; a rating outlives a restart of both servers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import login
from tests.support.redis import RedisServer
from tests.support.server import LoketServer

COUNTER = "/api/v1/sites/demo/counters/1"


def served(http: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    """A ticket issued, called at counter 1 and done there."""
    ticket = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
    while True:
        called = http.post(f"{COUNTER}/call-next", headers=admin).json()["ticket"]
        assert http.post(f"{COUNTER}/done", headers=admin).status_code == 200
        if called["ref"] == ticket["ref"]:
            return dict(ticket)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[LoketServer]]:
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(tmp_path / "redis").running())
        running = []
        for name in ("a", "b"):
            workdir = tmp_path / name
            workdir.mkdir()
            server = LoketServer(workdir, "--store", redis.url())
            running.append(stack.enter_context(server.running()))
        yield running


def test_two_servers_keep_one_rating_per_ticket(servers: list[LoketServer]) -> None:
    one, two = servers
    with (
        httpx.Client(base_url=one.url, timeout=10) as first,
        httpx.Client(base_url=two.url, timeout=10) as second,
    ):
        admin = {"Authorization": f"Bearer {login(first)}"}
        ticket = served(first, admin)
        rating = f"/api/v1/tickets/{ticket['id']}/rating"
        clients = (first, second) * 8

        def rate(n: int) -> int:
            return clients[n].post(rating, json={"score": 1 + n % 4}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(rate, range(len(clients))))
        assert sorted(statuses) == [201] + [409] * 15
        kept = [c.get(f"/api/v1/tickets/{ticket['id']}").json()["rating"] for c in (first, second)]
        assert kept[0] == kept[1] and kept[0]["by"] == "holder"

        enrolled = first.post(
            "/api/v1/sites/demo/kiosks", json={"name": "Desk 1", "counter": "1"}, headers=admin
        )
        device = {"X-Kiosk-Key": enrolled.json()["key"]}
        desk = served(first, admin)
        answer = second.post(
            f"{COUNTER}/rating", json={"ref": desk["ref"], "score": 4}, headers=device
        )
        assert answer.status_code == 201, answer.text

    for server in servers:  # both restart; Redis keeps what they kept
        server.stop()
        server.start()
    with httpx.Client(base_url=two.url, timeout=10) as again:
        for each, score in ((ticket, kept[0]["score"]), (desk, 4)):
            shown = again.get(f"/api/v1/tickets/{each['id']}").json()["rating"]
            assert shown["score"] == score
        late = again.post(f"/api/v1/tickets/{desk['id']}/rating", json={"score": 1})
        assert late.json()["error"]["code"] == "already_rated"
