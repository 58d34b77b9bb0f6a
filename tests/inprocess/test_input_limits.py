"""What an unauthenticated client can send is bounded: a body over the limit is refused
before it is read whole (413), and JSON nested deeper than the parser goes is bad JSON,
never a 500 or a traceback (issue 14, attacks 3 and 8)."""

from __future__ import annotations

from typing import Any

import httpx

from loket.server.web.body import MAX_BODY
from tests.inprocess.running import Loket

TICKETS = "/api/v1/sites/demo/tickets"
NESTED = "[" * 5000 + "]" * 5000
CHUNK = 16 * 1024


def code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


async def test_a_declared_body_over_the_limit_is_a_413(loket: Loket) -> None:
    body = b'{"service": "A", "pad": "' + b"x" * MAX_BODY + b'"}'
    answer = await loket.http.post(
        TICKETS, content=body, headers={"Content-Type": "application/json"}
    )
    assert code(answer, 413) == "body_too_large"
    assert (await loket.http.get("/api/v1/sites/demo/state")).json()["data"]["waiting"]["A"] == 0


async def test_a_streamed_body_is_not_read_past_the_limit(loket: Loket) -> None:
    """No Content-Length (chunked): the server stops taking chunks once over the limit."""
    chunks = 100  # 1.6 MB offered
    taken = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal taken
        taken += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": taken < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": TICKETS,
        "raw_path": TICKETS.encode(),
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
        "app": loket.app,
    }
    await loket.app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert taken <= MAX_BODY // CHUNK + 1, f"{taken} chunks read"


async def test_deeply_nested_json_is_bad_json_on_every_json_endpoint(loket: Loket) -> None:
    json_type = {"Content-Type": "application/json"}
    assert code(await loket.http.post(TICKETS, content=NESTED, headers=json_type), 400) == (
        "invalid_json"
    )
    login = await loket.http.post("/api/v1/auth/login", content=NESTED, headers=json_type)
    assert code(login, 400) == "invalid_json"


async def test_deeply_nested_json_on_a_socket_is_refused_and_the_socket_stays(
    loket: Loket,
) -> None:
    for ws in (loket.display(), loket.phone((await loket.issue())["ticket"]["id"])):
        async with ws:
            await ws.receive()  # the snapshot
            await ws.send(NESTED)
            refused = await ws.receive()
            assert refused["type"] == "error" and refused["data"]["code"] == "invalid_json"
            await ws.send({"type": "ping", "t": 1})
            assert (await ws.receive())["type"] == "pong"
