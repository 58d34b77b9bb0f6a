"""`loket serve --workers N`: one address, N supervised server processes on one Redis."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.redis import RedisServer
from tests.support.server import LoketServer, loket_command
from tests.support.waiting import receive, wait_until

WORKERS = 2


def workers_of(server: LoketServer) -> list[int]:
    assert server.process is not None
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sorted(int(child) for child in children)


def connections(pid: int, local: int | None = None, remote: int | None = None) -> int:
    """The process's established TCP connections on that local or remote port (its
    socket inodes matched against /proc/net/tcp)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        remote_port = int(fields[2].split(":")[1], 16)
        established = fields[3] == "01"
        if established and fields[9] in inodes:
            count += (local is None or local_port == local) and (
                remote is None or remote_port == remote
            )
    return count


def wait_for_workers(rig: Rig, timeout: float = 20.0) -> list[int]:
    """The workers, once there are WORKERS of them and each is subscribed to Redis."""
    found: list[int] = []

    def ready() -> bool:
        found[:] = workers_of(rig.server)
        try:
            return len(found) == WORKERS and all(
                connections(p, remote=rig.redis.port) for p in found
            )
        except FileNotFoundError:  # one just ended
            return False

    try:
        wait_until(ready, timeout, f"{WORKERS} workers are subscribed to Redis", poll=0.1)
    except AssertionError as failure:
        raise AssertionError(f"{failure}; the workers now: {found}") from None
    return found


@dataclass
class Rig:
    server: LoketServer
    redis: RedisServer

    @property
    def port(self) -> int:
        return int(self.server.url.rsplit(":", 1)[1])


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(tmp_path / "redis").running())
        workdir = tmp_path / "loket"
        workdir.mkdir()
        server = LoketServer(workdir, "--store", redis.url(), "--workers", str(WORKERS))
        yield Rig(stack.enter_context(server.running()), redis)


def display(server: LoketServer) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/display/demo", compression=None, open_timeout=5)


def test_every_worker_serves_and_hears_every_event(rig: Rig) -> None:
    pids = wait_for_workers(rig)
    with ExitStack() as opened:
        # The kernel spreads the displays over the workers, but not evenly when one of
        # them is busy: open more until each holds some (a busy machine made 12 too few).
        sockets: list[ClientConnection] = []
        held = [0] * len(pids)
        while not all(held) and len(sockets) < 120:
            for _ in range(12):
                sockets.append(opened.enter_context(display(rig.server)))
                assert receive(sockets[-1])["type"] == "snapshot"
            held = [connections(pid, local=rig.port) for pid in pids]
        assert sum(held) == len(sockets) and all(held), held  # both workers hold displays
        with httpx.Client(base_url=rig.server.url) as http:
            http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).raise_for_status()
        heard = [receive(ws) for ws in sockets]
        assert {(m["type"], m["seq"]) for m in heard} == {("ticket.issued", 1)}


def test_a_dead_worker_is_replaced_and_the_others_keep_serving(rig: Rig) -> None:
    first, second = wait_for_workers(rig)
    os.kill(first, signal.SIGKILL)
    with httpx.Client(base_url=rig.server.url, timeout=5) as http:
        for _ in range(20):  # new connections go to a live worker
            answer = http.post("/api/v1/sites/demo/tickets", json={"service": "B"})
            assert answer.status_code == 201
    replaced = wait_for_workers(rig)
    assert second in replaced and first not in replaced
    assert any("restarting" in line for line in rig.server.output)


def test_sigterm_stops_every_worker_and_closes_sockets_with_1012(rig: Rig) -> None:
    pids = wait_for_workers(rig)
    with ExitStack() as opened:
        sockets = [opened.enter_context(display(rig.server)) for _ in range(6)]
        for ws in sockets:
            ws.recv(timeout=5)
        assert rig.server.process is not None
        rig.server.process.send_signal(signal.SIGTERM)
        for ws in sockets:
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    assert rig.server.stop() == 0
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def test_workers_on_an_sqlite_file_are_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [loket_command(), "serve", "--workers", "2", "--store", f"sqlite:///{tmp_path / 'x.db'}"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "--workers needs a shared store" in done.stderr
