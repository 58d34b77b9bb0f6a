"""`loket serve --store redis://…`: several real servers on one real Redis act as one."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.integration.conftest import login
from tests.integration.test_faults import history
from tests.support.display_client import DisplayClient, view
from tests.support.redis import RedisServer, SentinelServer
from tests.support.server import LoketServer
from tests.support.waiting import receive, wait_until


@pytest.fixture
def redis(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RedisServer]:
    """With an append-only file unless a test asks otherwise (indirect param False)."""
    aof = getattr(request, "param", True)
    with RedisServer(tmp_path / "redis", aof=aof).running() as server:
        yield server


def serve(stack: ExitStack, redis: RedisServer, workdir: Path, *args: str) -> LoketServer:
    workdir.mkdir()
    server = LoketServer(workdir, "--store", redis.url(), *args)
    return stack.enter_context(server.running())


@pytest.fixture
def pair(redis: RedisServer, tmp_path: Path) -> Iterator[tuple[LoketServer, LoketServer]]:
    with ExitStack() as stack:
        yield serve(stack, redis, tmp_path / "a"), serve(stack, redis, tmp_path / "b")


def display(server: LoketServer) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/display/demo", compression=None, open_timeout=5)


def test_every_display_hears_every_server(pair: tuple[LoketServer, LoketServer]) -> None:
    a, b = pair
    with httpx.Client(base_url=a.url) as on_a, httpx.Client(base_url=b.url) as on_b:
        auth = {"Authorization": f"Bearer {login(on_a)}"}  # a session is good on both
        with display(a) as at_a, display(b) as at_b:
            first = [receive(at_a), receive(at_b)]
            assert [s["type"] for s in first] == ["snapshot", "snapshot"]
            assert first[0]["epoch"] == first[1]["epoch"] and first[0]["seq"] == 0
            issued = on_a.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()
            on_b.post("/api/v1/sites/demo/tickets", json={"service": "A", "priority": True})
            called = on_b.post("/api/v1/sites/demo/counters/1/call-next", headers=auth)
            assert called.status_code == 200 and called.json()["seq"] == 4  # opened: 3
            heard = [[receive(ws) for _ in range(4)] for ws in (at_a, at_b)]
            assert heard[0] == heard[1]  # the same messages, byte for byte once decoded
            assert [e["seq"] for e in heard[0]] == [1, 2, 3, 4]
            assert heard[0][3]["data"]["ticket"]["number"] == "A002"
        ticket = on_b.get(f"/api/v1/tickets/{issued['ticket']['id']}").json()
        assert ticket["position"] == 0
        states = [http.get("/api/v1/sites/demo/state").json() for http in (on_a, on_b)]
        assert [{**state, "ts": None} for state in states] == [{**states[0], "ts": None}] * 2


def test_clerks_on_both_servers_call_each_ticket_once(
    pair: tuple[LoketServer, LoketServer],
) -> None:
    servers = pair
    pick = random.Random(3)
    with httpx.Client(base_url=servers[0].url, timeout=10) as http:
        token = login(http)
    issued = []
    for n in range(120):
        with httpx.Client(base_url=servers[n % 2].url, timeout=10) as http:
            body = {"service": "A", "priority": pick.random() < 0.2}
            issued.append(http.post("/api/v1/sites/demo/tickets", json=body).json()["ticket"])

    def clerk(counter: int) -> list[tuple[int, str]]:
        server = servers[counter % 2]
        auth = {"Authorization": f"Bearer {token}"}
        calls = []
        with httpx.Client(base_url=server.url, timeout=10, headers=auth) as own:
            while True:
                answer = own.post(f"/api/v1/sites/demo/counters/{counter}/call-next")
                if answer.status_code == 409:
                    return calls
                assert answer.status_code == 200, answer.text
                calls.append((answer.json()["seq"], answer.json()["ticket"]["ref"]))

    with ThreadPoolExecutor(3) as pool:  # counters 1, 2 and 6 call from service A
        calls = sorted(c for counter in pool.map(clerk, (1, 2, 6)) for c in counter)
    order = sorted(range(len(issued)), key=lambda n: (not issued[n]["priority"], n))
    assert [ref for _, ref in calls] == [issued[n]["ref"] for n in order]


def test_without_redis_the_api_answers_503_then_recovers(
    pair: tuple[LoketServer, LoketServer], redis: RedisServer
) -> None:
    a, _ = pair
    with httpx.Client(base_url=a.url, timeout=10) as http:
        auth = {"Authorization": f"Bearer {login(http)}"}
        redis.stop()
        start = time.monotonic()
        refused = http.post("/api/v1/sites/demo/tickets", json={"service": "B"})
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "store_unavailable"
        assert time.monotonic() - start < 2.5
        assert http.get("/api/v1/sites/demo/state").status_code == 503
        called = http.post("/api/v1/sites/demo/counters/1/call-next", headers=auth)
        assert called.status_code == 503
        redis.start()  # with its append-only file: everything acknowledged is back
        answer = until_accepted(
            lambda: http.post("/api/v1/sites/demo/tickets", json={"service": "B"}), 5
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["ticket"]["number"] == "B001"


@pytest.mark.parametrize("redis", [False], indirect=True)
@pytest.mark.parametrize("loss", ["flushall", "restart"])
def test_a_redis_that_lost_its_data_makes_displays_start_over(
    pair: tuple[LoketServer, LoketServer], redis: RedisServer, loss: str
) -> None:
    a, b = pair
    with httpx.Client(base_url=b.url) as http, display(a) as ws:
        for _ in range(2):
            http.post("/api/v1/sites/demo/tickets", json={"service": "C"})
        old = receive(ws)["epoch"]
        assert [receive(ws)["seq"] for _ in range(2)] == [1, 2]
        if loss == "flushall":
            redis.flushall()
        else:
            redis.restart()  # without persistence: an empty Redis
        until_accepted(lambda: http.post("/api/v1/sites/demo/tickets", json={"service": "C"}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    with display(a) as again:
        snapshot = receive(again)
        assert snapshot["epoch"] != old and snapshot["seq"] == 1
        assert snapshot["data"]["waiting"]["C"] == 1


def until_accepted(send: Callable[[], httpx.Response], timeout: float = 10.0) -> httpx.Response:
    """Repeat a command while the store answers 503 (Redis is coming back)."""
    deadline = time.monotonic() + timeout
    while (answer := send()).status_code == 503:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.1)
    return answer


def test_displays_keep_their_board_while_redis_is_away_and_catch_up(
    pair: tuple[LoketServer, LoketServer], redis: RedisServer
) -> None:
    a, b = pair
    with (
        httpx.Client(base_url=a.url, timeout=10) as on_a,
        httpx.Client(base_url=b.url, timeout=10) as on_b,
        DisplayClient(a.ws_url, name="on-a") as at_a,
        DisplayClient(b.ws_url, name="on-b") as at_b,
    ):
        auth = {"Authorization": f"Bearer {login(on_a)}"}
        for service in "AAB":
            on_a.post("/api/v1/sites/demo/tickets", json={"service": service})
        assert on_b.post("/api/v1/sites/demo/counters/1/call-next", headers=auth).is_success
        # 3 issued, counter 1 opened to call (CONTRACT 6.2), the call
        wait_until(lambda: at_a.caught_up(5) and at_b.caught_up(5), 10, "both boards show seq 5")
        board = at_a.full_state()

        redis.stop()
        time.sleep(4)  # longer than a server takes to notice a silent subscription
        assert at_a.full_state() == board and at_b.full_state() == board
        assert at_a.connections == at_b.connections == 1  # their sockets stayed open
        with display(a) as newcomer:  # a display that comes now is told to come back
            refused = receive(newcomer)
            assert refused["type"] == "error"
            assert refused["data"]["code"] == "store_unavailable"
            with pytest.raises(ConnectionClosed) as closed:
                receive(newcomer)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013

        redis.start()  # with its append-only file: same epoch, same history
        issued = until_accepted(
            lambda: on_b.post("/api/v1/sites/demo/tickets", json={"service": "C"})
        )
        assert issued.status_code == 201
        wait_until(lambda: at_a.caught_up(6) and at_b.caught_up(6), 10, "both boards at seq 6")
        assert at_a.connections == at_b.connections == 1
        assert at_a.problems == [] and at_b.problems == []
        state = on_a.get("/api/v1/sites/demo/state").json()
        assert at_a.state() == at_b.state() == view(state)
    assert not any("Traceback" in line for line in a.output + b.output), "".join(a.output)


def test_a_redis_crash_with_aof_loses_nothing_acknowledged(
    pair: tuple[LoketServer, LoketServer], redis: RedisServer
) -> None:
    """Kiosks and clerks on both servers keep going while Redis is killed (-9) and comes
    back from its append-only file: every answer given before, during and after stands."""
    servers = pair
    with httpx.Client(base_url=servers[0].url, timeout=10) as http:
        token = login(http)
    issued: list[dict[str, Any]] = []
    called: list[tuple[int, dict[str, Any]]] = []
    refused: list[int] = []
    stop = threading.Event()

    def kiosk(n: int) -> None:
        with httpx.Client(base_url=servers[n % 2].url, timeout=10) as own:
            while not stop.is_set():
                answer = own.post("/api/v1/sites/demo/tickets", json={"service": "AB"[n % 2]})
                if answer.status_code == 201:
                    issued.append(answer.json()["ticket"])
                else:
                    refused.append(answer.status_code)
                    time.sleep(0.02)

    def clerk(counter: int) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=servers[counter % 2].url, timeout=10, headers=auth) as own:
            while not stop.is_set():
                answer = own.post(f"/api/v1/sites/demo/counters/{counter}/call-next")
                if answer.status_code == 200:
                    called.append((answer.json()["seq"], answer.json()["ticket"]))
                else:
                    refused.append(answer.status_code)
                    time.sleep(0.02)

    with display(servers[0]) as before:
        epoch = receive(before)["epoch"]
    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=clerk, args=(c,)) for c in (1, 2, 3, 4)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(called) >= 20, 15, "the clerks are calling")
        redis.kill()  # no shutdown, no last write: only what the file already holds
        time.sleep(1)
        redis.start()
        answered = len(issued) + len(called)
        wait_until(lambda: len(issued) + len(called) > answered + 20, 15, "work resumes")
    finally:
        stop.set()
        for thread in threads:
            thread.join(20)
    assert set(refused) <= {503, 409}, refused  # away: 503; nobody waiting: 409
    assert 503 in refused

    ids = {ticket["ref"]: ticket["id"] for ticket in issued}
    with httpx.Client(base_url=servers[1].url, timeout=10) as http:
        for ticket in issued:
            answer = http.get(f"/api/v1/tickets/{ticket['id']}")
            assert answer.status_code == 200, f"{ticket['number']} was acknowledged, then lost"
            assert answer.json()["ticket"]["number"] == ticket["number"]
        for _, ticket in called:
            if ticket["ref"] not in ids:  # its issue's answer was lost with Redis
                continue
            kept = http.get(f"/api/v1/tickets/{ids[ticket['ref']]}").json()["ticket"]
            assert kept["status"] in ("called", "done"), kept
    assert len({ticket["ref"] for _, ticket in called}) == len(called)  # none called twice
    assert len({ticket["number"] for ticket in issued}) == len(issued)
    snapshot, events = history(servers[0])
    assert snapshot["epoch"] == epoch  # the same history: displays resume, nothing resets
    calls = {e["seq"]: e["data"]["ticket"]["ref"] for e in events if e["type"] == "ticket.called"}
    assert all(calls.get(seq) == ticket["ref"] for seq, ticket in called)


@pytest.fixture
def sentinel(tmp_path: Path) -> Iterator[tuple[RedisServer, RedisServer, SentinelServer]]:
    """A master, its replica and a sentinel watching them, as processes of the test's own."""
    with ExitStack() as stack:
        master = stack.enter_context(RedisServer(tmp_path / "master", aof=True).running())
        replica = RedisServer(tmp_path / "replica", aof=True, replica_of=master.port)
        stack.enter_context(replica.running())
        watcher = stack.enter_context(SentinelServer(tmp_path / "sentinel", master.port).running())
        wait_until(
            lambda: (
                b"master_link_status:up" in replica.command("INFO", "replication")
                and f"{replica.port}".encode()
                in watcher.command("SENTINEL", "replicas", SentinelServer.SERVICE)
            ),
            20,
            "the replica is in sync and the sentinel knows it",
        )
        yield master, replica, watcher


def test_a_sentinel_failover_loses_nothing_acknowledged(
    sentinel: tuple[RedisServer, RedisServer, SentinelServer], tmp_path: Path
) -> None:
    master, replica, watcher = sentinel
    url = watcher.url() + "?replicas=1"  # an answer waits until the replica has it too
    with ExitStack() as stack:
        a, b = (LoketServer(tmp_path / name, "--store", url) for name in "ab")
        for server in (a, b):
            server.workdir.mkdir()
            stack.enter_context(server.running())
        on_a = stack.enter_context(httpx.Client(base_url=a.url, timeout=10))
        on_b = stack.enter_context(httpx.Client(base_url=b.url, timeout=10))
        board = stack.enter_context(DisplayClient(b.ws_url, name="on-b"))
        auth = {"Authorization": f"Bearer {login(on_a)}"}
        issued = [
            on_a.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
            for _ in range(10)
        ]
        called = on_a.post("/api/v1/sites/demo/counters/1/call-next", headers=auth).json()
        # 10 issued, counter 1 opened to call (CONTRACT 6.2), the call
        wait_until(lambda: board.caught_up(12), 10, "the board shows the call")
        epoch = board.state()["epoch"]

        master.kill()  # the sentinel promotes the replica
        after = until_accepted(
            lambda: on_b.post("/api/v1/sites/demo/counters/2/call-next", headers=auth), 30
        )
        assert watcher.master_port_now() == replica.port
        assert after.status_code == 200 and after.json()["ticket"]["number"] == "A002"
        assert after.json()["seq"] == 14  # the same history goes on: nothing was lost
        wait_until(lambda: board.caught_up(14), 15, "the board shows the call after")
        assert board.state()["epoch"] == epoch and board.problems == []
        assert board.connections == 1  # the same socket, caught up from the new master
        for ticket in issued:
            assert on_b.get(f"/api/v1/tickets/{ticket['id']}").status_code == 200
        first = next(t for t in issued if t["ref"] == called["ticket"]["ref"])
        assert on_a.get(f"/api/v1/tickets/{first['id']}").json()["position"] is None


def test_a_call_made_on_one_server_is_spoken_by_the_other(
    pair: tuple[LoketServer, LoketServer],
) -> None:
    """Each server renders audio on its own disk: the one a TV asks must know what a URL
    of another's call says (hall TVs behind a proxy ask any of them)."""
    a, b = pair
    with httpx.Client(base_url=a.url) as on_a, httpx.Client(base_url=b.url) as on_b:
        with display(b) as ws:
            receive(ws)
            on_a.post("/api/v1/sites/demo/tickets", json={"service": "A"})
            auth = {"Authorization": f"Bearer {login(on_a)}"}
            on_a.post("/api/v1/sites/demo/counters/1/call-next", headers=auth)
            call = [receive(ws) for _ in range(3)][2]  # issued, counter.opened, called
        segments = call["data"]["announcement"]["segments"]
        assert [s["lang"] for s in segments] == ["id", "en", "az"]
        for segment in segments:
            sound = on_b.get(segment["url"])
            assert sound.status_code == 200 and sound.content.startswith(b"RIFF")
        assert on_b.get("/audio/id/" + "0" * 32 + ".wav").status_code == 404  # unknown
