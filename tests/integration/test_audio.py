"""Announcement audio against a real `loket serve`: every segment URL of a call answers a WAV
of that speech (CONTRACT section 4), cached forever, also after a restart; bad names get a
JSON 404, never a 500."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.integration.conftest import login
from tests.support.server import LoketServer
from tests.support.waiting import receive, wait_until

COUNTER = "/api/v1/sites/demo/counters"
FOREVER = "immutable"


@contextmanager
def open_display(server: LoketServer, site: str = "demo") -> Iterator[ClientConnection]:
    """A display socket, past its snapshot."""
    with connect(f"{server.ws_url}/ws/display/{site}", compression=None, open_timeout=5) as ws:
        assert receive(ws)["type"] == "snapshot"
        yield ws


def next_call(ws: ClientConnection) -> dict[str, Any]:
    """The data of the next ticket.called on this display socket."""
    for _ in range(50):
        message = receive(ws, 10)
        if message["type"] == "ticket.called":
            return dict(message["data"])
    raise AssertionError("no ticket.called")


def call(
    server: LoketServer, http: httpx.Client, counter: str = "3", service: str = "B"
) -> dict[str, Any]:
    """Issue a ticket, call it at the counter, return the ticket.called the display got."""
    auth = {"Authorization": f"Bearer {login(http)}"}
    with open_display(server) as ws:
        assert http.post("/api/v1/sites/demo/tickets", json={"service": service}).is_success
        answer = http.post(f"{COUNTER}/{counter}/call-next", headers=auth)
        assert answer.status_code == 200, answer.text
        data = next_call(ws)
    assert data["ticket"]["ref"] == answer.json()["ticket"]["ref"]
    return data


def check_wav(data: bytes, text: str | None = None) -> float:
    """A 16-bit mono 22,050 Hz WAV, not silent; its length in seconds."""
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
    assert 20 * np.log10(np.sqrt(np.mean(samples**2))) > -40, "silent"
    seconds = samples.size / 22050
    if text is not None:
        assert 0.05 * len(text) <= seconds <= 0.15 * len(text), f"{seconds:.2f} s: {text!r}"
    return seconds


def raw_get(server: LoketServer, path: str) -> tuple[int, bytes]:
    """GET exactly this path, not normalised by a client library ("..", "%2f" stay)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_every_segment_of_a_call_answers_its_speech(
    server: LoketServer, http: httpx.Client
) -> None:
    data = call(server, http)
    announcement = data["announcement"]
    segments = announcement["segments"]
    assert [s["lang"] for s in segments] == ["id", "en", "az"]
    for segment in segments:
        answer = http.get(segment["url"])
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "audio/wav"
        assert FOREVER in answer.headers["cache-control"]
        check_wav(answer.content, segment["text"])
    chime = http.get(announcement["chime"])
    assert chime.status_code == 200 and chime.headers["content-type"] == "audio/wav"
    assert 0.8 <= check_wav(chime.content) <= 1.3


def test_a_recall_says_the_same_so_it_has_the_same_urls(
    server: LoketServer, http: httpx.Client
) -> None:
    first = call(server, http, counter="4")
    auth = {"Authorization": f"Bearer {login(http)}"}
    with open_display(server) as ws:
        assert http.post(f"{COUNTER}/4/recall", headers=auth).status_code == 200
        again = next_call(ws)
    assert again["recall"] == 1 and again["ticket"]["ref"] == first["ticket"]["ref"]
    assert again["announcement"]["segments"] == first["announcement"]["segments"]
    assert again["announcement"]["start_at"] > first["announcement"]["start_at"]


def test_many_displays_asking_at_once_get_the_same_file(server: LoketServer) -> None:
    """Every TV of the hall fetches the call the moment it arrives, before it is rendered."""

    async def fetch_all(urls: list[str]) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            return await asyncio.gather(*(client.get(url) for url in urls for _ in range(6)))

    with httpx.Client(base_url=server.url, timeout=10) as http:
        auth = {"Authorization": f"Bearer {login(http)}"}
        with open_display(server) as ws:
            http.post("/api/v1/sites/demo/tickets", json={"service": "C"})
            http.post(f"{COUNTER}/5/call-next", headers=auth)
            segments = next_call(ws)["announcement"]["segments"]
            answers = asyncio.run(fetch_all([s["url"] for s in segments]))
    assert [a.status_code for a in answers] == [200] * 18
    for i in range(0, 18, 6):
        assert len({a.content for a in answers[i : i + 6]}) == 1
    assert len({a.content for a in answers}) == 3


def json_404(status: int, body: bytes) -> None:
    assert status == 404, body[:200]
    error = json.loads(body)["error"]
    assert error["code"] and error["message"]


def test_an_unknown_digest_is_a_json_404(server: LoketServer) -> None:
    json_404(*raw_get(server, f"/audio/id/{'0' * 32}.wav"))
    json_404(*raw_get(server, "/audio/chime/nowhere.wav"))


@pytest.mark.parametrize(
    "path",
    [
        "/audio/id/../x",
        "/audio/id/../../etc/passwd",
        "/audio/id/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/audio/id/abc.mp3",
        "/audio/id/abc.wav",
        f"/audio/ID/{'0' * 32}.wav",
        f"/audio/id/{'A' * 32}.wav",
        f"/audio/id/{'0' * 32}.mp3",
        f"/audio/id/{'0' * 32}",
        f"/audio/id/{'0' * 32}.wav.wav",
        f"/audio/id/{'0' * 32}%00.wav",
        f"/audio/abcd/{'0' * 32}.wav",
        f"/audio/i/{'0' * 32}.wav",
        f"/audio/..%2fid/{'0' * 32}.wav",
        "/audio/chime/..%2f..%2fserver.wav",
        "/audio/chime/.wav",
        "/audio/",
    ],
)
def test_malformed_names_are_a_json_404_never_a_500(server: LoketServer, path: str) -> None:
    json_404(*raw_get(server, path))


def test_after_a_restart_the_urls_are_served_from_the_disk_cache(tmp_path: Path) -> None:
    with LoketServer(tmp_path).running() as first:
        with httpx.Client(base_url=first.url, timeout=10) as http:
            segments = call(first, http)["announcement"]["segments"]
            before = {s["url"]: http.get(s["url"]).content for s in segments}
    for url, content in before.items():
        assert (tmp_path / "audio" / url.removeprefix("/audio/")).read_bytes() == content
    with LoketServer(tmp_path).running() as second:
        with httpx.Client(base_url=second.url, timeout=10) as http:
            for url, content in before.items():
                answer = http.get(url)
                assert answer.status_code == 200, answer.text
                assert answer.content == content
                assert FOREVER in answer.headers["cache-control"]


SITE = """
[[sites]]
id = "quiet"
name = { en = "Quiet hall" }
timezone = "Asia/Jakarta"
languages = ["en", "id"]
[sites.announcements]
chime = false
digits = true
lead_ms = 250
templates = { en = "{number} to {counter_name}" }
voices = { id = { voice = "id+f3", rate = 130 } }
[[sites.services]]
id = "A"
name = { en = "Everything" }
[[sites.counters]]
id = "7"
name = { en = "Desk seven", id = "Meja tujuh" }
services = ["A"]
"""


def test_the_site_file_shapes_what_is_said(tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(SITE, encoding="utf-8")
    with LoketServer(tmp_path, "--config", str(tmp_path / "sites.toml")).running() as server:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            auth = {"Authorization": f"Bearer {login(http)}"}
            with open_display(server, "quiet") as ws:
                http.post("/api/v1/sites/quiet/tickets", json={"service": "A"})
                http.post("/api/v1/sites/quiet/counters/7/call-next", headers=auth)
                announcement = next_call(ws)["announcement"]
            assert "chime" not in announcement
            said = [(s["lang"], s["text"]) for s in announcement["segments"]]
            assert said == [
                ("en", "ay zero zero one to Desk seven"),
                ("id", "Nomor antrian A nol nol satu, silakan menuju loket tujuh"),
            ]
            for segment in announcement["segments"]:
                answer = http.get(segment["url"])
                assert answer.status_code == 200
                check_wav(answer.content, segment["text"])
            json_404(*raw_get(server, "/audio/chime/quiet.wav"))


def speech_processes(pid: int) -> list[int]:
    """The speech processes (server/announce/speaker.py) among a process's children."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [
        int(child)
        for child in children
        if b"loket.server.announce.speaker" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]


def test_speech_runs_in_one_child_that_is_replaced_when_killed_and_ends_with_the_server(
    tmp_path: Path,
) -> None:
    with LoketServer(tmp_path).running() as server:
        assert server.process is not None
        pid = server.process.pid
        with httpx.Client(base_url=server.url, timeout=10) as http:
            (first,) = speech_processes(pid)  # started with the server, ahead of any call
            for segment in call(server, http)["announcement"]["segments"]:
                assert http.get(segment["url"]).status_code == 200
            assert speech_processes(pid) == [first]
            os.kill(first, signal.SIGKILL)
            wait_until(  # reaped by the server, not left a zombie
                lambda: not Path(f"/proc/{first}").exists(), 10, f"speech process {first} is gone"
            )
            segments = call(server, http, "5", "C")["announcement"]["segments"]
            for segment in segments:
                answer = http.get(segment["url"])
                assert answer.status_code == 200, answer.text
                check_wav(answer.content, segment["text"])
            (second,) = speech_processes(pid)
            assert second != first
    assert not Path(f"/proc/{second}").exists()
