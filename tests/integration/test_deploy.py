"""The sample deployment in deploy/, run as docs/deploy.md sets it up: Redis with
deploy/redis-loket.conf, the systemd unit's command with its environment file (4 workers),
a second host running the same, and nginx with deploy/nginx-loket.conf in front of both.
Only the paths and ports are the test's own."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.display_client import DisplayClient, view
from tests.support.nginx import Nginx
from tests.support.redis import RedisServer
from tests.support.server import LoketServer, free_port, loket_command
from tests.support.waiting import receive, wait_until

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def unit_command() -> list[str]:
    """The words of the unit's ExecStart after `loket serve`."""
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "loket.service")
    words = shlex.split(unit["Service"]["ExecStart"])
    assert words[0].endswith("/bin/loket") and words[1] == "serve", words
    return words[2:]


def with_port(words: list[str], port: int) -> list[str]:
    at = words.index("--port")
    return [*words[: at + 1], str(port), *words[at + 2 :]]


def env_file(redis: RedisServer, workdir: Path) -> dict[str, str]:
    """deploy/loket.env, its paths moved into the test's folder (as the docs copy them)."""
    env = {}
    for line in (DEPLOY / "loket.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    sites = workdir / "sites.toml"
    shutil.copy(ROOT / "server" / "demo.toml", sites)
    assert env["LOKET_STORE"].startswith("redis://127.0.0.1:6379/")
    env["LOKET_STORE"] = env["LOKET_STORE"].replace("127.0.0.1:6379", f"127.0.0.1:{redis.port}")
    env["LOKET_CONFIG"] = str(sites)
    env["LOKET_AUDIO_CACHE"] = str(workdir / "audio")
    return env


@dataclass
class Deployment:
    redis: RedisServer
    hosts: list[LoketServer]
    nginx: Nginx
    password: str


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    with ExitStack() as stack:
        redis = RedisServer(tmp_path / "redis", config=DEPLOY / "redis-loket.conf")
        stack.enter_context(redis.running())
        env = env_file(redis, tmp_path)
        hosts = []
        for name in ("host-a", "host-b"):
            workdir = tmp_path / name
            workdir.mkdir()
            words = with_port(unit_command(), free_port())
            server = LoketServer(workdir, *words, env=env, own_store=False)
            hosts.append(stack.enter_context(server.running()))
        ports = [int(host.url.rsplit(":", 1)[1]) for host in hosts]
        nginx = stack.enter_context(
            Nginx(tmp_path / "nginx", DEPLOY / "nginx-loket.conf", ports).running()
        )
        yield Deployment(redis, hosts, nginx, env["LOKET_ADMIN_PASSWORD"])


def log_in(http: httpx.Client, password: str) -> dict[str, str]:
    answer = http.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_redis_runs_with_the_sample_persistence(deployment: Deployment) -> None:
    def setting(name: str) -> bytes:
        return deployment.redis.command("CONFIG", "GET", name).split(b"\r\n")[-2]

    assert setting("appendonly") == b"yes"
    assert setting("appendfsync") == b"always"
    assert setting("maxmemory-policy") == b"noeviction"


def test_pages_api_and_sockets_work_through_nginx(deployment: Deployment) -> None:
    nginx = deployment.nginx
    with httpx.Client(base_url=nginx.url, timeout=10) as http, ExitStack() as stack:
        page = http.get("/display/demo")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert http.get("/static/css/loket.css").status_code == 200
        auth = log_in(http, deployment.password)  # the environment file's first password
        boards = [stack.enter_context(DisplayClient(nginx.ws_url, name=f"tv{n}")) for n in range(8)]
        wait_until(lambda: all(b.connections == 1 for b in boards), 10, "every board is up")
        for service in "AAB":
            http.post("/api/v1/sites/demo/tickets", json={"service": service}).raise_for_status()
        called = http.post("/api/v1/sites/demo/counters/1/call-next", headers=auth)
        assert called.status_code == 200 and called.json()["ticket"]["number"] == "A001"
        # seq 5: three tickets, the counter opened by the call (CONTRACT 6.2), the call
        wait_until(lambda: all(b.caught_up(5) for b in boards), 10, "every board shows the call")
        state = view(http.get("/api/v1/sites/demo/state").json())
        assert all(b.state() == state and b.problems == [] for b in boards)
        with connect(f"{nginx.ws_url}/ws/display/demo", open_timeout=5) as ws:
            snapshot = receive(ws)
            ws.send(json.dumps({"type": "resume", "epoch": snapshot["epoch"], "seq": 4}))
            call = receive(ws)
        assert call["type"] == "ticket.called" and call["replayed"] is True
        for segment in call["data"]["announcement"]["segments"]:  # the audio comes through
            sound = http.get(segment["url"])
            assert sound.status_code == 200 and sound.content.startswith(b"RIFF")


def test_a_browser_on_the_proxys_address_is_the_servers_own(deployment: Deployment) -> None:
    """nginx passes Host as the browser sent it, port included: a page served through it
    may log in and open its socket; another site's page may do neither."""
    nginx = deployment.nginx
    credentials = {"username": "admin", "password": deployment.password}
    with httpx.Client(base_url=nginx.url, timeout=10) as http:
        page = http.get("/kiosk/demo")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        own = http.post("/api/v1/auth/login", json=credentials, headers={"Origin": nginx.url})
        assert own.status_code == 200, own.text
        assert "secure" not in own.headers["set-cookie"].lower()  # plain http here
        foreign = {"Origin": "http://evil.example"}
        refused = http.post("/api/v1/auth/login", json=credentials, headers=foreign)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "bad_origin"
    with connect(f"{nginx.ws_url}/ws/display/demo", origin=nginx.url, open_timeout=5) as ws:
        assert receive(ws)["type"] == "snapshot"
    with pytest.raises(InvalidStatus) as socket_refused:
        connect(f"{nginx.ws_url}/ws/display/demo", origin="http://evil.example", open_timeout=5)
    assert socket_refused.value.response.status_code == 403


def test_a_host_that_goes_away_behind_nginx_loses_no_call(deployment: Deployment) -> None:
    nginx = deployment.nginx
    with httpx.Client(base_url=nginx.url, timeout=10) as http, ExitStack() as stack:
        auth = log_in(http, deployment.password)
        for _ in range(12):
            http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).raise_for_status()
        boards = [stack.enter_context(DisplayClient(nginx.ws_url, name=f"tv{n}")) for n in range(8)]
        wait_until(lambda: all(b.caught_up(12) for b in boards), 10, "every board is up")
        called = []
        for n in range(6):
            if n == 2:
                assert deployment.hosts[1].stop() == 0  # host b shuts down (SIGTERM)
            answer = http.post("/api/v1/sites/demo/counters/1/call-next", headers=auth)
            assert answer.status_code == 200, answer.text  # nginx passes it to host a
            called.append(answer.json()["seq"])
        last = called[-1]
        wait_until(lambda: all(b.caught_up(last) for b in boards), 15, "every board catches up")
        assert all(b.problems == [] for b in boards)
        assert any(b.connections > 1 for b in boards), "no board was on the host that left"
        for board in boards:
            assert set(called) <= set(board.calls()), board.name


def test_the_systemd_unit_passes_systemd_verify(tmp_path: Path) -> None:
    unit = (DEPLOY / "loket.service").read_text()
    unit = unit.replace("/opt/loket/.venv/bin/loket", loket_command())
    unit = unit.replace("/etc/loket/loket.env", str(DEPLOY / "loket.env"))
    unit = unit.replace("/var/lib/loket", str(tmp_path))
    rendered = tmp_path / "loket.service"
    rendered.write_text(unit)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(rendered)], capture_output=True, text=True, timeout=60
    )
    problems = [line for line in done.stderr.splitlines() if "loket.service" in line]
    assert done.returncode == 0 and not problems, done.stderr
    limit = re.search(r"^LimitNOFILE=(\d+)$", unit, re.M)
    assert limit is not None and int(limit.group(1)) >= 65536, "sockets need descriptors"
