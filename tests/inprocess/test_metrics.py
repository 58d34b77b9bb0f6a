"""GET /metrics (CONTRACT 6.8): Prometheus text, to an admin's token or to the server's own
machine; requests counted by route template (never by raw path), store operations timed
by name, open sockets by kind."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from loket.server.app import create_app
from loket.server.settings import Settings
from tests.inprocess.running import Loket, running_loket

ELSEWHERE = ("203.0.113.9", 4000)  # a guest on the hall's Wi-Fi


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of a Prometheus text (0 when it is not there)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        sample, _, number = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', sample))
        found.pop("pid", None)  # every series has it: this process's
        if sample.split("{")[0] == name and found == labels:
            return float(number)
    return 0.0


@pytest.fixture
async def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    async with running_loket(tmp_path, monkeypatch, client=ELSEWHERE) as running:
        yield running


async def test_from_the_servers_machine_without_credentials(loket: Loket) -> None:
    answer = await loket.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE loket_http_requests_total counter" in answer.text
    assert "# TYPE loket_store_seconds histogram" in answer.text
    assert f'loket_open_sockets{{kind="display",pid="{os.getpid()}"}} 0.0' in answer.text
    assert "process_resident_memory_bytes" in answer.text


async def test_from_elsewhere_only_to_an_admin(remote: Loket) -> None:
    refused = await remote.http.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "login_required"
    await remote.http.post(
        "/api/v1/users",
        json={"username": "clerk", "password": "counter desk lamp 7", "counters": ["demo/1"]},
        headers=await remote.auth(),
    )
    await remote.login("clerk", "counter desk lamp 7")
    clerk = await remote.http.get("/metrics", headers=await remote.auth("clerk"))
    assert clerk.status_code == 403 and clerk.json()["error"]["code"] == "admin_only"
    admin = await remote.http.get("/metrics", headers=await remote.auth())
    assert admin.status_code == 200 and "loket_http_requests_total" in admin.text


async def test_issuing_and_calling_move_the_counters(loket: Loket) -> None:
    before = (await loket.http.get("/metrics")).text
    ticket = await loket.issue()
    await loket.call("1")
    await loket.http.get(f"/api/v1/tickets/{ticket['ticket']['id']}")
    await loket.http.get("/api/v1/tickets/not-a-ticket-at-all")
    after = (await loket.http.get("/metrics")).text

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    issue = {"route": "/api/v1/sites/{site}/tickets", "method": "POST", "status": "2xx"}
    assert moved("loket_http_requests_total", **issue) == 1
    call = {"route": "/api/v1/sites/{site}/counters/{counter}/call-next", "method": "POST"}
    assert moved("loket_http_requests_total", **call, status="2xx") == 1
    reads = {"route": "/api/v1/tickets/{ticket_id}", "method": "GET"}
    assert moved("loket_http_requests_total", **reads, status="2xx") == 1
    assert moved("loket_http_requests_total", **reads, status="4xx") == 1
    assert ticket["ticket"]["id"] not in after and "not-a-ticket" not in after  # no raw path
    for operation in ("issue", "call_next"):
        assert moved("loket_store_seconds_count", operation=operation) == 1
        assert moved("loket_store_operations_total", operation=operation, outcome="ok") == 1


async def test_a_refused_command_and_an_unknown_path(loket: Loket) -> None:
    assert (await loket.act("1")).status_code == 409  # nobody waits
    await loket.http.get("/no/such/page/12345")
    await loket.http.request("BREW", "/api/v1/sites")
    text = (await loket.http.get("/metrics")).text
    refused = {"operation": "call_next", "outcome": "refused"}
    assert value(text, "loket_store_operations_total", **refused) == 1
    assert value(text, "loket_http_requests_total", route="unmatched", method="GET",
                 status="4xx") == 1  # fmt: skip
    assert value(text, "loket_http_requests_total", route="/api/v1/sites", method="OTHER",
                 status="4xx") == 1  # fmt: skip
    assert "12345" not in text and "BREW" not in text


async def test_open_sockets_by_kind(loket: Loket) -> None:
    ticket = await loket.issue()
    async with loket.display() as display, loket.phone(ticket["ticket"]["id"]) as phone:
        await display.receive()
        await phone.receive()
        text = (await loket.http.get("/metrics")).text
        assert value(text, "loket_open_sockets", kind="display") == 1
        assert value(text, "loket_open_sockets", kind="ticket") == 1
    text = (await loket.http.get("/metrics")).text
    assert value(text, "loket_open_sockets", kind="display") == 0


async def test_speech_rendered_is_counted(loket: Loket) -> None:
    await loket.issue()
    async with loket.display() as display:
        await display.receive()  # the snapshot
        seq = (await loket.call("1"))["seq"]
        called = (await display.until(seq))[-1]
    segments = called["data"]["announcement"]["segments"]
    for segment in segments:
        assert (await loket.http.get(segment["url"])).status_code == 200
    # a file in the disk cache is served before its render job is counted as settled
    for _ in range(100):
        text = (await loket.http.get("/metrics")).text
        rendered = value(text, "loket_announcement_segments_total", outcome="rendered")
        if rendered >= len(segments):
            break
        await asyncio.sleep(0.02)
    assert rendered >= len(segments)
    assert value(text, "loket_announcement_segments_total", outcome="failed") == 0


def test_two_apps_in_one_process_keep_their_own_figures(tmp_path: Path) -> None:
    one = create_app(Settings(store=f"sqlite:///{tmp_path}/a.db"))
    two = create_app(Settings(store=f"sqlite:///{tmp_path}/b.db"))
    one.state.metrics.request("/x", "GET", 200, 0.01)
    assert "/x" in one.state.metrics.text().decode()
    assert "/x" not in two.state.metrics.text().decode()
