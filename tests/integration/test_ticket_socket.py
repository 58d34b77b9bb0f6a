"""A visitor's own ticket against a real server: /ws/ticket/{id}, the ticket's API answer
with its estimate, the page of a ticket of an earlier day or of none, the QR code, and
the rate limit of these endpoints."""

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from loket.server.web.qr import qr_svg
from tests.integration.conftest import login
from tests.support.server import LoketServer
from tests.support.waiting import receive


def quiet(ws: ClientConnection, seconds: float = 0.4) -> list[str]:
    """Whatever arrives within `seconds` (nothing, usually)."""
    frames = []
    try:
        while True:
            frames.append(str(ws.recv(timeout=seconds)))
    except TimeoutError:
        return frames


def follow(server: LoketServer, ticket_id: str) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/ticket/{ticket_id}", compression=None, open_timeout=5)


class Hall:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.auth = {"Authorization": f"Bearer {login(http)}"}

    def issue(self, service: str, **extra: object) -> dict[str, Any]:
        answer = self.http.post("/api/v1/sites/demo/tickets", json={"service": service, **extra})
        assert answer.status_code == 201, answer.text
        return dict(answer.json()["ticket"])

    def act(self, action: str, counter: str, **body: object) -> dict[str, Any]:
        path = f"/api/v1/sites/demo/counters/{counter}/{action}"
        answer = self.http.post(path, headers=self.auth, json=body or None)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
def hall(live_server: LoketServer) -> Any:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        yield Hall(http)


def test_a_phone_gets_its_own_ticket_only_as_the_queue_moves(
    live_server: LoketServer, hall: Hall
) -> None:
    others = [hall.issue("A") for _ in range(3)]
    mine = hall.issue("A", lang="en")
    later = hall.issue("A")
    elsewhere = hall.issue("B")
    with follow(live_server, mine["id"]) as ws:
        snapshot = receive(ws)
        assert snapshot["type"] == "snapshot" and snapshot["v"] == 1
        assert snapshot["data"]["ticket"] == mine and snapshot["data"]["position"] == 3
        assert snapshot["data"]["estimate"] is None  # no call yet today: no basis
        frames = []
        hall.act("call-next", "3")  # a call in another line: nothing for this phone
        assert quiet(ws) == []
        for expected in (2, 1, 0):
            hall.act("call-next", "1")
            frames.append(str(ws.recv(timeout=5)))
            message = json.loads(frames[-1])
            assert message["type"] == "ticket.moved"
            assert message["data"]["position"] == expected
        hall.issue("A", priority=True)  # goes ahead of it
        frames.append(str(ws.recv(timeout=5)))
        assert json.loads(frames[-1])["data"]["position"] == 1
        hall.act("call-next", "2")
        hall.act("call-next", "2")
        frames += [str(ws.recv(timeout=5)) for _ in range(2)]
        called = json.loads(frames[-1])
        assert called["type"] == "ticket.called" and called["data"]["position"] is None
        assert called["data"]["ticket"]["counter"] == "2"
        hall.act("recall", "2")
        hall.act("done", "2")
        frames += [str(ws.recv(timeout=5)) for _ in range(2)]
        assert [json.loads(f)["type"] for f in frames[-2:]] == ["ticket.called", "ticket.done"]
        seqs = [json.loads(f)["seq"] for f in frames]
        assert seqs == list(range(snapshot["seq"] + 1, snapshot["seq"] + 1 + len(frames)))
        for frame in frames:  # nothing of any other visitor, ever
            for other in [*others, later, elsewhere]:
                assert other["id"] not in frame and other["number"] not in frame


def test_a_transfer_tells_the_new_service_and_place(live_server: LoketServer, hall: Hall) -> None:
    hall.issue("C")
    mine = hall.issue("A")
    with follow(live_server, mine["id"]) as ws:
        receive(ws)
        hall.act("call-next", "1")
        assert receive(ws)["type"] == "ticket.called"
        hall.act("transfer", "1", service="C")
        moved = receive(ws)
        assert moved["type"] == "ticket.transferred"
        assert moved["data"]["ticket"]["service"] == "C"
        assert moved["data"]["ticket"]["status"] == "waiting"
        placed = moved if moved["data"]["position"] is not None else receive(ws)
        assert placed["data"]["position"] == 1  # behind the C ticket taken before it


def test_resume_ping_and_other_messages(live_server: LoketServer, hall: Hall) -> None:
    mine = hall.issue("B")
    hall.issue("B")
    with follow(live_server, mine["id"]) as ws:
        first = receive(ws)
        epoch, seq = first["epoch"], first["seq"]
    hall.act("call-next", "3")  # called while the phone was away
    with follow(live_server, mine["id"]) as ws:
        ws.send(json.dumps({"type": "resume", "epoch": epoch, "seq": seq}))
        snapshot = receive(ws)  # always first: it says what was missed
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"]["ticket"]["status"] == "called"
        ws.send(json.dumps({"type": "hello", "display": {"id": "x", "page": "ticket"}}))
        ws.send(json.dumps({"type": "ping", "t": 42}))
        pong = receive(ws)  # the resume and the hello need no answer
        assert pong["type"] == "pong" and pong["seq"] is None and pong["data"]["client"] == 42
        ws.send(json.dumps({"type": "resume", "epoch": "another-epoch", "seq": 3}))
        fresh = receive(ws)
        assert fresh["type"] == "snapshot" and fresh["data"] == snapshot["data"]
        ws.send(json.dumps({"type": "subscribe"}))
        refused = receive(ws)
        assert refused["type"] == "error" and refused["data"]["code"] == "unknown_message"
        ws.send("not json")
        assert receive(ws)["data"]["code"] == "invalid_json"


@pytest.mark.parametrize("ticket_id", ["nobody-has-this-id", "x", "%00' or 1=1"])
def test_an_unknown_ticket_is_refused(live_server: LoketServer, ticket_id: str) -> None:
    with connect(f"{live_server.ws_url}/ws/ticket/{httpx.URL(ticket_id)}") as ws:
        refused = receive(ws)
        assert refused["type"] == "error" and refused["data"]["code"] == "unknown_ticket"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


def test_the_api_answer_has_an_estimate_once_the_counters_have_a_pace(hall: Hall) -> None:
    for _ in range(5):
        hall.issue("C")
        hall.act("call-next", "5")
    mine = hall.issue("C")
    answer = hall.http.get(f"/api/v1/tickets/{mine['id']}").json()
    assert answer["position"] == 0
    estimate = answer["estimate"]
    assert set(estimate) == {"low_min", "high_min"}
    assert 0 <= estimate["low_min"] < estimate["high_min"]
    hall.act("call-next", "5")
    called = hall.http.get(f"/api/v1/tickets/{mine['id']}").json()
    assert called["position"] is None and called["estimate"] is None
    missing = hall.http.get("/api/v1/tickets/no-such-ticket-id")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_ticket"


def test_unknown_and_earlier_day_tickets_get_kind_pages(tmp_path: Path) -> None:
    server = LoketServer(tmp_path)
    with server.running(), httpx.Client(base_url=server.url) as http:
        old = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
        missing = http.get("/t/no-such-ticket-id", headers={"Accept-Language": "az"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert "Növbə nömrəsi tapılmadı" in missing.text
    with sqlite3.connect(tmp_path / "loket.db") as db:  # as if it were taken two days ago
        two_days_ago = datetime.now(UTC) - timedelta(days=2)
        db.execute(
            "UPDATE tickets SET issued_at = ?, day = ? WHERE id = ?",
            (two_days_ago.isoformat(), two_days_ago.date().isoformat(), old["id"]),
        )
    with server.running(), httpx.Client(base_url=server.url) as http:
        page = http.get(f"/t/{old['id']}", params={"lang": "en"})
        assert page.status_code == 200
        assert "This ticket is from an earlier day" in page.text
        assert date.fromisoformat(two_days_ago.date().isoformat()).strftime("%B") in page.text
        assert "/ws/ticket/" not in page.text.split('id="loket-config"')[0]
        assert "ticket.js" not in page.text  # nothing live for it


def test_the_qr_code_links_the_ticket_page(live_server: LoketServer, hall: Hall) -> None:
    mine = hall.issue("A", lang="ru")
    link = f"{live_server.url}/t/{mine['id']}?lang=ru"
    answer = hall.http.get(f"/t/{mine['id']}/qr.svg")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    expected = qr_svg(link, mine["number"])
    assert answer.text == expected.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    assert segno.make(link, error="m").designator == "4-M"  # what a phone camera reads
    printed = hall.http.get(f"/t/{mine['id']}", params={"print": "1"}).text
    assert expected in printed and link in printed
    assert hall.http.get("/t/no-such-ticket-id/qr.svg").status_code == 404


def test_the_public_url_setting_goes_into_the_code(tmp_path: Path) -> None:
    public = "https://antrian.example.go.id"
    server = LoketServer(tmp_path, env={"LOKET_PUBLIC_URL": public + "/"})
    with server.running(), httpx.Client(base_url=server.url) as http:
        mine = http.post("/api/v1/sites/demo/tickets", json={"service": "B"}).json()["ticket"]
        svg = http.get(f"/t/{mine['id']}/qr.svg").text
        link = f"{public}/t/{mine['id']}"
        assert qr_svg(link, mine["number"]) in svg.replace(
            ' xmlns="http://www.w3.org/2000/svg"', ""
        )
        kiosk = http.get("/kiosk/demo").text
        assert f'"public_url": "{public}"' in kiosk or f'"public_url":"{public}"' in kiosk


def test_the_ticket_endpoints_are_rate_limited_per_address(tmp_path: Path) -> None:
    """Phones reach the server through a reverse proxy on the same host (which the server
    trusts to name them); the machine itself is never limited."""
    env = {"LOKET_TICKET_RATE": "0.5", "LOKET_TICKET_BURST": "3"}
    server = LoketServer(tmp_path, env=env)
    phone = {"X-Forwarded-For": "203.0.113.7"}
    with server.running(), httpx.Client(base_url=server.url) as http:
        mine = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
        path = f"/api/v1/tickets/{mine['id']}"
        answers = [http.get(path, headers=phone) for _ in range(3)]
        assert [a.status_code for a in answers] == [200] * 3
        limited = http.get(path, headers=phone)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 2
        # the page and its QR code share the bucket; unknown ids cost a token too
        assert http.get("/t/anything-at-all", headers=phone).status_code == 429
        url = f"{server.ws_url}/ws/ticket/{mine['id']}"
        with connect(url, additional_headers=phone) as ws:
            refused = receive(ws)
            assert refused["data"]["code"] == "rate_limited"
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4429
        # another phone, other endpoints and the machine itself are not held back
        other = {"X-Forwarded-For": "203.0.113.8"}
        assert http.get(path, headers=other).status_code == 200
        assert http.get("/api/v1/sites/demo/state", headers=phone).status_code == 200
        assert all(http.get(path).status_code == 200 for _ in range(10))
