"""Start, stop, kill and restart a real server; the CLI's other commands."""

import signal
import subprocess
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.integration.conftest import login
from tests.support.server import LoketServer, loket_command
from tests.support.waiting import receive


def test_numbering_seq_and_epoch_survive_kill_9(tmp_path: Path) -> None:
    server = LoketServer(tmp_path).start()
    with httpx.Client(base_url=server.url) as http:
        auth = {"Authorization": f"Bearer {login(http)}"}
        numbers = [
            http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"][
                "number"
            ]
            for _ in range(5)
        ]
        called = http.post("/api/v1/sites/demo/counters/1/call-next", headers=auth).json()
        before = http.get("/api/v1/sites/demo/state").json()
    server.kill()
    server.start()
    with httpx.Client(base_url=server.url) as http:
        after = http.get("/api/v1/sites/demo/state").json()
        assert (after["epoch"], after["seq"]) == (before["epoch"], before["seq"])
        assert after["data"]["waiting"]["A"] == 4
        assert after["data"]["now_serving"][0]["ticket"] == called["ticket"]
        next_one = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()
        assert numbers == ["A001", "A002", "A003", "A004", "A005"]
        assert next_one["ticket"]["number"] == "A006"
        # the session token was stored too: the clerk stays logged in
        auth = {"Authorization": f"Bearer {login(http)}"}
        again = http.post("/api/v1/sites/demo/counters/1/call-next", headers=auth).json()
        assert again["ticket"]["number"] == "A002" and again["seq"] == before["seq"] + 3
    server.stop()


def test_sigterm_closes_sockets_with_1012_and_exits_cleanly(tmp_path: Path) -> None:
    server = LoketServer(tmp_path).start()
    with connect(f"{server.ws_url}/ws/display/demo", open_timeout=5) as ws:
        receive(ws)
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        try:
            ws.recv(timeout=10)
            raise AssertionError("the socket stayed open")
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 1012
    assert server.stop() == 0


def test_generated_admin_password_is_printed_once(tmp_path: Path) -> None:
    server = LoketServer(tmp_path, env={"LOKET_ADMIN_PASSWORD": ""}).start()
    printed = [line for line in server.output if "'admin' with the password" in line]
    assert len(printed) == 1
    password = printed[0].rsplit(": ", 1)[1].strip()
    with httpx.Client(base_url=server.url) as http:
        assert login(http, "admin", password)
    server.stop()
    server.start()
    assert not [line for line in server.output if "with the password" in line][1:]
    server.stop()


def test_a_bad_config_stops_start_up_with_status_2(tmp_path: Path) -> None:
    config = tmp_path / "office.toml"
    config.write_text('[[sites]]\nid = "Bad Id"\n', encoding="utf-8")
    done = subprocess.run(
        [loket_command(), "serve", "--config", str(config), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert f"{config}: sites[0].id:" in done.stderr and "not a valid site id" in done.stderr


def test_a_bad_store_url_stops_start_up_with_status_2() -> None:
    done = subprocess.run(
        [loket_command(), "serve", "--store", "redis+sentinel://s1:26379"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "SERVICE" in done.stderr and "Traceback" not in done.stderr


def test_user_add_from_the_command_line(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'loket.db'}"
    added = subprocess.run(
        [
            loket_command(),
            "user",
            "add",
            "siti",
            "--counter",
            "demo/3",
            "--password-stdin",
            "--store",
            store,
        ],
        input="siti-secret-pw\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    refused = subprocess.run(
        [
            loket_command(),
            "user",
            "add",
            "budi",
            "--counter",
            "demo/99",
            "--password-stdin",
            "--store",
            store,
        ],
        input="budi-secret-pw\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "no counter '99'" in refused.stderr
    server = LoketServer(tmp_path).start()
    with httpx.Client(base_url=server.url) as http:
        clerk = {"Authorization": f"Bearer {login(http, 'siti', 'siti-secret-pw')}"}
        assert http.post("/api/v1/sites/demo/counters/3/recall", headers=clerk).status_code == 409
        assert http.post("/api/v1/sites/demo/counters/4/recall", headers=clerk).status_code == 403
    server.stop()
    listed = subprocess.run(
        [loket_command(), "user", "list", "--store", store],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "siti\tstaff\tdemo/3" in listed.stdout
