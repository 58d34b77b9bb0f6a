"""`loket serve --store redis://… --archive postgresql://…`: real servers on a real Redis
fill a real PostgreSQL, each event once; an archive that cannot work stops start-up."""

from __future__ import annotations

import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
import redis

from loket.server.archive.stream import GROUP
from tests.support.postgres import PostgresServer
from tests.support.server import ADMIN_PASSWORD, LoketServer, loket_command


def archived_seqs(archive_url: str) -> list[int]:
    with psycopg.connect(archive_url) as conn:
        rows = conn.execute("SELECT seq FROM events WHERE site = 'demo' ORDER BY seq").fetchall()
    return [int(row[0]) for row in rows]


def test_two_servers_archive_every_event_once(
    redis_url: str, postgres_url: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            server = LoketServer(tmp_path / name, "--store", redis_url, "--archive", postgres_url)
            servers.append(stack.enter_context(server.running()))
        for i in range(20):
            with httpx.Client(base_url=servers[i % 2].url, timeout=10) as http:
                answer = http.post("/api/v1/sites/demo/tickets", json={"service": "A"})
                assert answer.status_code == 201, answer.text
        seq = int(redis.Redis.from_url(redis_url).get("loket:site:demo:seq") or 0)
        assert seq >= 20
        deadline = time.monotonic() + 20
        while len(archived_seqs(postgres_url)) < seq and time.monotonic() < deadline:
            time.sleep(0.1)
    assert archived_seqs(postgres_url) == list(range(1, seq + 1))


def test_a_server_killed_holding_events_loses_none(
    redis_url: str, postgres_url: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """PostgreSQL down, server a holds events it read and could not archive, and dies
    (SIGKILL); once PostgreSQL is back, b archives them and its own, each once."""
    fast = {"LOKET_ARCHIVE_CLAIM_S": "1"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = LoketServer(tmp_path / "a", "--store", redis_url, "--archive", postgres_url, env=fast)
    b = LoketServer(tmp_path / "b", "--store", redis_url, "--archive", postgres_url, env=fast)
    with a.running(), b.running():
        postgres_server.stop()
        try:
            for i in range(30):
                with httpx.Client(base_url=(a, b)[i % 2].url, timeout=10) as http:
                    answer = http.post("/api/v1/sites/demo/tickets", json={"service": "A"})
                    assert answer.status_code == 201, answer.text
            held = redis.Redis.from_url(redis_url, decode_responses=True)
            assert a.process is not None
            of_a = f":{a.process.pid}:"  # its consumer's name has its pid

            def holding() -> int:  # what a read and could not archive
                consumers = held.xinfo_consumers("loket:site:demo:events", GROUP)
                return sum(int(c["pending"]) for c in consumers if of_a in c["name"])

            deadline = time.monotonic() + 10
            while not holding() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert holding() > 0
            a.kill()
        finally:
            postgres_server.start()
        seq = int(held.get("loket:site:demo:seq") or 0)
        deadline = time.monotonic() + 30
        while len(archived_seqs(postgres_url)) < seq and time.monotonic() < deadline:
            time.sleep(0.1)
        assert archived_seqs(postgres_url) == list(range(1, seq + 1))
        assert held.xpending("loket:site:demo:events", GROUP)["pending"] == 0


def refused(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"LOKET_ADMIN_PASSWORD": ADMIN_PASSWORD, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [loket_command(), "serve", "--port", "0", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_archive_with_sqlite_is_refused(tmp_path: Path, postgres_url: str) -> None:
    done = refused(tmp_path, "--store", f"sqlite:///{tmp_path / 'x.db'}", "--archive", postgres_url)
    assert done.returncode == 2
    assert "--archive (LOKET_ARCHIVE) goes with a Redis store" in done.stderr


def test_an_archive_url_that_is_not_postgresql_is_refused(tmp_path: Path, redis_url: str) -> None:
    done = refused(tmp_path, "--store", redis_url, "--archive", "mysql://u@h/db")
    assert done.returncode == 2
    assert "unsupported archive URL 'mysql://u@h/db': use postgresql://" in done.stderr


def test_an_archive_that_cannot_be_reached_stops_start_up(tmp_path: Path, redis_url: str) -> None:
    archive = "postgresql://loket:hush@127.0.0.1:1/none"
    done = refused(tmp_path, "--store", redis_url, "--archive", archive)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "the archive postgresql://loket@127.0.0.1:1/none cannot be opened" in output
    assert "hush" not in output
    assert "Loket is ready" not in output


def test_reports_and_the_live_view_read_the_archive(
    redis_url: str, postgres_url: str, tmp_path: Path
) -> None:
    """On Redis, a supervisor's report and today's figures come from PostgreSQL."""
    server = LoketServer(tmp_path, "--store", redis_url, "--archive", postgres_url)
    with server.running(), httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["token"]
        staff = {"Authorization": f"Bearer {token}"}
        issued = [
            http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
            for _ in range(3)
        ]
        for action in ("call-next", "done", "call-next"):
            answer = http.post(f"/api/v1/sites/demo/counters/1/{action}", headers=staff)
            assert answer.status_code == 200, answer.text
        survey = {f"U{n}": 3 for n in range(1, 10)}
        rated = http.post(
            f"/api/v1/tickets/{issued[0]['id']}/rating", json={"score": 4, "answers": survey}
        )
        assert rated.status_code == 201, rated.text
        day = http.get("/api/v1/sites/demo/state").json()["data"]["now_serving"][0]["ticket"]
        today = day["ref"][:8]
        iso = f"{today[:4]}-{today[4:6]}-{today[6:]}"
        query = {"from": iso, "to": iso, "by": "counter"}
        deadline = time.monotonic() + 20
        while True:
            report = http.get("/api/v1/sites/demo/reports", params=query, headers=staff)
            assert report.status_code == 200, report.text
            total = report.json()["total"]
            # the archive follows the stream: wait until it has every event
            if total["called"] == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert (total["issued"], total["called"], total["served"]) == (3, 2, 1)
        counters = {row["key"]: row for row in report.json()["rows"]}
        assert counters["1"]["served"] == 1
        # the rating too reaches the archive, and the satisfaction report is summed up there
        satisfaction = "/api/v1/sites/demo/satisfaction"
        while True:
            summed = http.get(satisfaction, params={"from": iso, "to": iso}, headers=staff)
            assert summed.status_code == 200, summed.text
            if summed.json()["ratings"] is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert summed.json()["ratings"]["count"] == 1
        assert summed.json()["survey"]["ikm"] == 75.0
        live = http.get("/api/v1/sites/demo/live", headers=staff).json()
        assert live["today"]["served"] == 1
        assert live["counters"][0]["served_today"] == 1
        first = live["counters"][0]
        assert (first["status"], first["user"], first["current"]["number"]) == (
            "open",
            "admin",
            "A002",
        )
