"""Displays behind a faulty network, and a server that restarts and crashes.

A fault-injecting proxy (tests/support/proxy.py) sits between test displays
(tests/support/display_client.py) and a real `loket serve`: it cuts, stalls and blackholes
their connections while the counters call, recall and close tickets and the server is
restarted or killed. Afterwards every display must show the server's state, and must have
seen every call exactly once — live, or replayed after a `resume`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from tests.support.display_client import DisplayClient, full_view, view
from tests.support.proxy import FaultProxy
from tests.support.server import ADMIN_PASSWORD, LoketServer, free_port
from tests.support.waiting import receive, wait_until

SITE = "demo"
COUNTERS = ("1", "2", "3", "4", "5", "6")
SETTLE_TIMEOUT = 15.0
FAULTS = ("cut", "stall", "blackhole", "restart", "kill")


def history(server: LoketServer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The snapshot, and every event of the site from seq 1, by a direct resume from 0."""
    with connect(f"{server.ws_url}/ws/display/{SITE}", compression=None, open_timeout=5) as ws:
        snapshot = receive(ws)
        assert snapshot["type"] == "snapshot"
        ws.send(json.dumps({"type": "resume", "epoch": snapshot["epoch"], "seq": 0}))
        events: list[dict[str, Any]] = []
        while len(events) < snapshot["seq"]:
            message = receive(ws, skip_control=True)
            assert message["type"] != "snapshot", "history from seq 0 could not be replayed"
            events.append(message)
    assert [e["seq"] for e in events] == list(range(1, snapshot["seq"] + 1))
    assert all(e.get("replayed") is True for e in events)
    return snapshot, events


def calls_in(events: list[dict[str, Any]]) -> dict[int, tuple[str, int]]:
    return {
        e["seq"]: (e["data"]["ticket"]["ref"], e["data"]["recall"])
        for e in events
        if e["type"] == "ticket.called"
    }


@dataclass
class Rig:
    """A server on a fixed port, a proxy in front of it, displays behind the proxy."""

    server: LoketServer
    proxy: FaultProxy
    displays: list[DisplayClient]
    http: httpx.Client
    auth: dict[str, str] = field(default_factory=dict)
    epoch: str = ""
    called_seqs: set[int] = field(default_factory=set)  # from the counters' answers
    blackhole_until: float | None = None
    log: list[str] = field(default_factory=list)

    # -- the counters and the kiosk ------------------------------------------------

    def login(self) -> None:
        answer = self.http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        self.auth = {"Authorization": f"Bearer {answer.json()['token']}"}

    def issue(self, service: str) -> None:
        answer = self.http.post(f"/api/v1/sites/{SITE}/tickets", json={"service": service})
        assert answer.status_code == 201, answer.text

    def counter(self, counter: str, action: str) -> None:
        answer = self.http.post(
            f"/api/v1/sites/{SITE}/counters/{counter}/{action}", headers=self.auth
        )
        if answer.status_code == 409:
            code = answer.json()["error"]["code"]
            assert code == ("queue_empty" if action == "call-next" else "no_current_ticket")
            return
        assert answer.status_code == 200, answer.text
        if action in ("call-next", "recall"):
            self.called_seqs.add(answer.json()["seq"])

    def state(self) -> dict[str, Any]:
        answer = self.http.get(f"/api/v1/sites/{SITE}/state")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    # -- the faults ------------------------------------------------------------------

    def restart(self, kill: bool = False) -> None:
        if kill:
            self.server.kill()
        else:
            assert self.server.stop() == 0, "a SIGTERM stop should end cleanly"
        self.server.start()
        assert self.state()["epoch"] == self.epoch, "the epoch changed across a restart"

    def blackhole(self, seconds: float) -> None:
        self.proxy.blackhole(True)
        self.blackhole_until = time.monotonic() + seconds

    def tick(self) -> None:
        """End a blackhole whose time is up."""
        if self.blackhole_until is not None and time.monotonic() >= self.blackhole_until:
            self.proxy.blackhole(False)
            self.blackhole_until = None

    def heal(self) -> None:
        if self.blackhole_until is not None:
            self.proxy.blackhole(False)
            self.blackhole_until = None
        wait_until(lambda: not self.proxy.stalled, 2.0, "the stall ends")

    # -- the verdict ------------------------------------------------------------------

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> dict[str, Any]:
        """Heal the network, wait until every display has the server's state, check it all."""
        self.heal()
        server_state = self.state()
        expected = view(server_state)
        assert expected["epoch"] == self.epoch

        def converged() -> bool:
            return all(
                d.state() == expected and d.caught_up(expected["seq"]) for d in self.displays
            )

        try:
            wait_until(converged, timeout, "every display has the server's state")
        except AssertionError as failure:
            report = [f"server: {expected}"] + [
                f"{d.name}: {d.state()} complete_to={d.complete_to} problems={d.problems} "
                f"receipts={d.receipts[-12:]}"
                for d in self.displays
            ]
            raise AssertionError("\n".join([str(failure), *report, *self.log])) from None
        snapshot, events = history(self.server)
        assert snapshot["seq"] == expected["seq"]
        server_calls = calls_in(events)
        assert set(server_calls) == self.called_seqs, "a call answered is missing, or extra"
        wanted = full_view(server_state)
        for display in self.displays:
            assert display.problems == [], display.problems
            seen = display.calls()
            assert seen == server_calls, (display.name, sorted(seen), sorted(server_calls))
            # exactly once: no call (ticket, recall) under two seqs either
            assert len(set(seen.values())) == len(seen), (display.name, seen)
            # the tickets being served, field by field, not only their ids
            shown = display.full_state()
            assert shown["serving"] == wanted["serving"], display.name
            assert shown["recent"] == wanted["recent"], display.name
        return server_state


@contextmanager
def rig(workdir: Path, displays: int, seed: int = 0) -> Iterator[Rig]:
    with ExitStack() as stack:
        server = LoketServer(workdir, port=free_port())
        stack.enter_context(server.running())
        proxy = stack.enter_context(FaultProxy(server.port))
        http = stack.enter_context(httpx.Client(base_url=server.url, timeout=10))
        clients = [
            stack.enter_context(DisplayClient(proxy.ws_url, SITE, f"display{n}", seed=seed + n))
            for n in range(1, displays + 1)
        ]
        setup = Rig(server, proxy, clients, http)
        setup.login()
        setup.epoch = setup.state()["epoch"]
        wait_until(lambda: all(d.connections for d in clients), 10, "every display connects")
        yield setup


# -- one of each fault, in order ----------------------------------------------------------


def test_displays_recover_from_a_cut_a_stall_and_a_blackhole(tmp_path: Path) -> None:
    with rig(tmp_path, displays=2) as r:
        for _ in range(6):
            r.issue("A")
        r.counter("1", "call-next")
        r.settle()

        # a cut: every display reconnects at once while counters call
        assert r.proxy.cut() == 2
        r.counter("2", "call-next")
        r.counter("1", "recall")
        r.settle()

        # a stall: the links stay, the events wait, then all come through in order
        connections = [d.connections for d in r.displays]
        r.proxy.stall(0.8)
        r.counter("1", "call-next")  # closes A001 as done, calls A003
        r.counter("6", "call-next")
        time.sleep(0.2)  # time for the events to reach the displays, were they not stalled
        shown = [d.state()["seq"] for d in r.displays]
        assert r.proxy.stalled, "the stall ended before the displays were looked at"
        assert all(seq < r.state()["seq"] for seq in shown), "not stalled"
        r.settle()
        assert [d.connections for d in r.displays] == connections, "a stall cost a connection"

        # a blackhole: calls made meanwhile reach the displays only by replay
        r.proxy.blackhole(True)  # at once: every byte from here on is swallowed
        r.counter("2", "done")
        r.counter("2", "call-next")
        r.counter("6", "recall")
        time.sleep(0.5)  # the outage lasts a while (shorter than the displays' 3 s silence)
        r.proxy.blackhole(False)
        r.settle()
        for display in r.displays:
            replayed = {x.seq for x in display.receipts if x.replayed}
            assert replayed >= {max(r.called_seqs)}, (display.name, display.receipts[-6:])

        # a path that dies without a word: only the silence tells the displays
        r.proxy.blackhole(True)  # the links it takes stay dead after it (drop=False)
        r.proxy.blackhole(False, drop=False)
        r.counter("1", "recall")
        r.settle(timeout=10)
        assert all(d.dead_links >= 1 for d in r.displays)


def test_displays_follow_a_restart_and_a_crash(tmp_path: Path) -> None:
    with rig(tmp_path, displays=2) as r:
        for service in "AAB":
            r.issue(service)
        r.counter("1", "call-next")
        r.restart()
        r.counter("3", "call-next")
        r.settle()
        r.server.kill()
        r.server.start()  # the displays were away: the new server replays what they missed
        assert r.state()["epoch"] == r.epoch
        r.counter("1", "recall")  # the token survived: sessions are stored
        r.counter("6", "call-next")
        r.settle()


# -- a drawn schedule of everything ------------------------------------------------------

ARGUMENTS: dict[str, st.SearchStrategy[tuple[Any, ...]]] = {
    "issue": st.tuples(st.sampled_from("AABC"), st.integers(1, 3)),
    "call-next": st.tuples(st.sampled_from(["1", "2", "3", "5", "6", "6"])),  # 6: every service
    "recall": st.tuples(st.sampled_from(COUNTERS)),
    "done": st.tuples(st.sampled_from(COUNTERS)),
    "cut": st.just(()),
    "stall": st.tuples(st.floats(0.2, 1.0)),
    "blackhole": st.tuples(st.floats(0.5, 2.0)),
    "restart": st.just(()),
    "kill": st.just(()),
}


def steps(*kinds: str) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.sampled_from(kinds).flatmap(lambda kind: ARGUMENTS[kind].map(lambda a: (kind, *a)))


# A round: what the kiosk and the counters do, then perhaps a fault, then a pause; the next
# round's calls happen while the displays are away.
rounds = st.tuples(
    st.lists(steps("issue", "call-next", "call-next", "recall", "done"), min_size=1, max_size=3),
    st.none() | steps(*FAULTS),
    st.floats(0.0, 0.25),
)
schedules = st.lists(rounds, min_size=4, max_size=12)
queues = st.lists(st.sampled_from("AABC"), min_size=3, max_size=10)  # waiting at the start


def run_step(r: Rig, step: tuple[Any, ...]) -> None:
    kind = step[0]
    if kind == "issue":
        for _ in range(step[2]):
            r.issue(step[1])
    elif kind in ("call-next", "recall", "done"):
        r.counter(step[1], kind)
    elif kind == "cut":
        r.proxy.cut()
    elif kind == "stall":
        r.proxy.stall(step[1])
    elif kind == "blackhole":
        r.blackhole(step[1])
    elif kind in ("restart", "kill"):
        r.restart(kill=kind == "kill")


@settings(
    max_examples=25,
    deadline=None,
    # an example takes seconds: report the drawn schedule as it failed, do not shrink it
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    waiting=queues,
    schedule=schedules,
    displays=st.integers(2, 3),
    seed=st.integers(0, 2**16),
)
def test_every_display_converges_and_sees_every_call_once(
    tmp_path_factory: pytest.TempPathFactory,
    waiting: list[str],
    schedule: list[tuple[list[tuple[Any, ...]], tuple[Any, ...] | None, float]],
    displays: int,
    seed: int,
) -> None:
    with rig(tmp_path_factory.mktemp("faults"), displays, seed) as r:
        for service in waiting:
            r.issue(service)
        for actions, fault, pause in schedule:
            r.tick()
            for step in [*actions, *([fault] if fault else [])]:
                r.log.append(f"step {step} at seq {r.state()['seq']}")
                run_step(r, step)
            time.sleep(pause)  # drawn: how long the round lasts before the next one
        r.settle()
        for kind in sorted({fault[0] for _, fault, _ in schedule if fault}):
            event(f"fault: {kind}")
        event(f"calls: {min(len(r.called_seqs), 9) // 3 * 3}+")
        replayed = any(
            x.replayed and x.type == "ticket.called" for d in r.displays for x in d.receipts
        )
        event(f"a display learned of a call by replay: {replayed}")


# -- what the schedule found -------------------------------------------------------------


def test_recent_calls_are_the_same_after_a_restart(tmp_path: Path) -> None:
    """Two snapshots of the same epoch and seq must say the same. A recall makes the newest
    call; after a restart the server lists the recent calls by their first call instead, so
    every display's 'newest call' goes back to an older one when the server restarts."""
    with rig(tmp_path, displays=1) as r:
        for _ in range(3):
            r.issue("A")
        r.counter("1", "call-next")  # A001
        r.counter("2", "call-next")  # A002
        r.counter("1", "recall")  # A001 again: the newest call
        before = r.settle()  # the display, built from the events, agrees with the server
        r.restart()
        after = r.state()
        assert (after["epoch"], after["seq"]) == (before["epoch"], before["seq"])
        assert after["data"]["recent"] == before["data"]["recent"]


def test_recent_calls_with_a_transfer_are_the_same_after_a_restart(tmp_path: Path) -> None:
    """A transferred ticket stays in the recent calls (waiting again) until a restart,
    which drops it."""
    with rig(tmp_path, displays=1) as r:
        r.issue("A")
        r.counter("6", "call-next")
        answer = r.http.post(
            f"/api/v1/sites/{SITE}/counters/6/transfer", headers=r.auth, json={"service": "B"}
        )
        assert answer.status_code == 200, answer.text
        before = r.settle()
        r.restart()
        after = r.state()
        assert (after["epoch"], after["seq"]) == (before["epoch"], before["seq"])
        assert after["data"]["recent"] == before["data"]["recent"]
