"""`kill -HUP` on a real `loket serve` reads its site file again (issue 16): connected
displays get the new names on the socket they have; a bad file, or one removing a service
people wait for, changes nothing and says why in the log; with `--workers 2` on Redis,
every worker follows."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection

from tests.integration.test_workers import Rig as WorkersRig
from tests.integration.test_workers import connections, display, wait_for_workers
from tests.support.redis import RedisServer
from tests.support.server import LoketServer
from tests.support.sitefiles import DEMO, demo_with, without_service_c
from tests.support.waiting import receive, wait_until

RENAMED = demo_with(('en = "Counter 1"', 'en = "Front desk"'))


def counter_names(server: LoketServer) -> dict[str, str]:
    site = httpx.get(f"{server.url}/api/v1/sites/demo").json()
    return {c["id"]: c["name"]["en"] for c in site["counters"]}


def hangup(server: LoketServer) -> None:
    assert server.process is not None
    server.process.send_signal(signal.SIGHUP)


def logged(server: LoketServer, text: str) -> None:
    wait_until(lambda: any(text in line for line in server.output), 10, f"the log says {text!r}")


def site_message(ws: ClientConnection) -> dict[str, Any]:
    message = receive(ws, timeout=10)
    assert message["type"] == "site" and message["seq"] is None, message
    return message


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[LoketServer]:
    (tmp_path / "site.toml").write_text(DEMO, encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(tmp_path / "site.toml")).running() as running:
        yield running


def test_sighup_renames_live_and_a_bad_file_changes_nothing(hall: LoketServer) -> None:
    site_file = hall.workdir / "site.toml"
    with display(hall) as ws:
        assert receive(ws)["type"] == "snapshot"
        site_file.write_text("[[sites]]\nid = 'demo'\n", encoding="utf-8")
        hangup(hall)
        logged(hall, "SIGHUP: the site file was not taken, nothing changed")
        logged(hall, f"{site_file}: sites[0]: missing required key 'languages'")
        assert counter_names(hall)["1"] == "Counter 1"

        site_file.write_text(RENAMED, encoding="utf-8")
        hangup(hall)
        told = site_message(ws)  # on the same socket: no reconnect
        assert told["data"]["counters"][0]["name"]["en"] == "Front desk"
        logged(hall, "site file reloaded: demo: counter 1 renamed")
        assert counter_names(hall)["1"] == "Front desk"
        page = httpx.get(f"{hall.url}/display/demo?lang=en").text
        assert "Front desk" in page


def test_sighup_refuses_to_remove_a_service_people_wait_for(hall: LoketServer) -> None:
    httpx.post(f"{hall.url}/api/v1/sites/demo/tickets", json={"service": "C"}).raise_for_status()
    (hall.workdir / "site.toml").write_text(without_service_c(), encoding="utf-8")
    hangup(hall)
    logged(hall, "Service C of site demo has 1 waiting (or held): it cannot be removed")
    site = httpx.get(f"{hall.url}/api/v1/sites/demo").json()
    assert [s["id"] for s in site["services"]] == ["A", "B", "C"]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[WorkersRig]:
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(tmp_path / "redis").running())
        workdir = tmp_path / "loket"
        workdir.mkdir()
        (workdir / "site.toml").write_text(DEMO, encoding="utf-8")
        server = LoketServer(
            workdir,
            "--store",
            redis.url(),
            "--workers",
            "2",
            "--config",
            str(workdir / "site.toml"),
        )
        yield WorkersRig(stack.enter_context(server.running()), redis)


def test_on_redis_every_worker_follows_a_sighup(workers: WorkersRig) -> None:
    pids = wait_for_workers(workers)
    with ExitStack() as opened:
        # displays on both workers (the kernel spreads them, unevenly when one is busy)
        sockets: list[ClientConnection] = []
        held = [0] * len(pids)
        while not all(held) and len(sockets) < 120:
            for _ in range(12):
                sockets.append(opened.enter_context(display(workers.server)))
                assert receive(sockets[-1])["type"] == "snapshot"
            held = [connections(pid, local=workers.port) for pid in pids]
        assert all(held), held
        (workers.server.workdir / "site.toml").write_text(RENAMED, encoding="utf-8")
        hangup(workers.server)  # the supervisor: one worker reloads, the other follows
        for ws in sockets:
            assert site_message(ws)["data"]["counters"][0]["name"]["en"] == "Front desk"
    logged(workers.server, "site file taken from another process: demo: counter 1 renamed")
    # a ticket for a service the new file adds is taken by whichever worker answers
    added = RENAMED.replace('services = ["C"]', 'services = ["C", "D"]') + (
        '\n[[sites.services]]\nid = "D"\nname = { en = "Taxes" }\n'
    )
    (workers.server.workdir / "site.toml").write_text(added, encoding="utf-8")
    hangup(workers.server)
    wait_until(
        lambda: all(
            "D"
            in [
                s["id"]
                for s in httpx.get(f"{workers.server.url}/api/v1/sites/demo").json()["services"]
            ]
            for _ in range(10)
        ),
        10,
        "every worker knows service D",
    )
    for _ in range(6):
        answer = httpx.post(
            f"{workers.server.url}/api/v1/sites/demo/tickets", json={"service": "D"}
        )
        assert answer.status_code == 201, answer.text
