"""What one client on the hall network can hold open, and for how long (issue 14).

Every test runs a real `loket serve` and attacks it with bare sockets. Clients from
127.0.0.2 and 127.0.0.3 are other machines to the server; 127.0.0.1 is the machine itself
(a trusted proxy's address, LOKET_TRUSTED_PROXIES: never capped), and X-Forwarded-For from it
names the clients behind a proxy. The bounds are set short here (env) to keep the tests
quick; their defaults are in server/settings.py.
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.raw_ws import RawWebSocket, connect_from, frame
from tests.support.server import LoketServer
from tests.support.waiting import receive, wait_until

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: loket\r\n\r\n"


def port_of(server: LoketServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def answer(sock: socket.socket) -> tuple[int, bytes]:
    """One HTTP response read off a bare socket: (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"closed without an answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(4096)
    return int(head.split(b" ", 2)[1]), body


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed the connection (what it sent before is skipped)."""
    try:
        while chunk := sock.recv(65536):
            del chunk
        return True
    except ConnectionResetError:
        return True


def open_fds(server: LoketServer) -> int:
    assert server.process is not None
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def no_traceback(server: LoketServer) -> None:
    output = "".join(server.output)
    assert "Traceback" not in output and "RuntimeError" not in output, output[-3000:]


def test_slowloris_connections_are_closed_after_the_request_timeout(tmp_path: Path) -> None:
    """A request must arrive whole within LOKET_REQUEST_TIMEOUT of the connection: a client
    that sends its head a header at a time (each keeping any read timeout alive) is
    answered 408 and cut off, while everyone else is served."""
    server = LoketServer(tmp_path, env={"LOKET_REQUEST_TIMEOUT": "1"})
    with server.running(), httpx.Client(base_url=server.url, timeout=5) as http:
        slow = [connect_from("127.0.0.2", port_of(server)) for _ in range(30)]
        started = time.monotonic()
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: loket\r\n")
        for _ in range(3):  # a header every 0.2 s, for less than the timeout
            time.sleep(0.2)
            for sock in slow:
                sock.sendall(b"X-Slow: 1\r\n")
            assert http.get("/healthz").status_code == 200
        for sock in slow:
            sock.settimeout(3)
            status, body = answer(sock)
            assert status == 408
            assert json.loads(body)["error"]["code"] == "request_timeout"
            assert closed_by_server(sock)
        assert time.monotonic() - started < 3
        # a body sent as slowly is cut off the same way (nobody is left to answer)
        body = connect_from("127.0.0.2", port_of(server))
        body.sendall(
            b"POST /api/v1/sites/demo/tickets HTTP/1.1\r\nHost: loket\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        body.settimeout(3)
        assert closed_by_server(body)
        # a keep-alive connection's next request is held to the same deadline
        again = connect_from("127.0.0.2", port_of(server))
        again.sendall(HEALTHZ)
        assert answer(again)[0] == 200
        again.sendall(b"GET /healthz HTTP/1.1\r\n")
        again.settimeout(3)
        assert answer(again)[0] == 408
        no_traceback(server)


def test_a_request_head_is_bounded_in_size(tmp_path: Path) -> None:
    with LoketServer(tmp_path).running() as server:
        sock = connect_from("127.0.0.2", port_of(server))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: loket\r\n")
        try:
            for _ in range(100):  # 100 × 1 KB of headers, never ending the head
                sock.sendall(b"X-Big: " + b"b" * 1024 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed as it should be, before all of it went
        status, body = answer(sock)
        assert status == 431
        assert json.loads(body)["error"]["code"] == "headers_too_large"
        # a head within the bound, with a body, is served as usual
        with httpx.Client(base_url=server.url) as http:
            big = {"X-Fine": "f" * 8000}
            assert http.get("/healthz", headers=big).status_code == 200
            issued = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=big)
            assert issued.status_code == 201, issued.text


def test_connections_over_the_cap_per_address_are_refused(tmp_path: Path) -> None:
    env = {"LOKET_CONNECTIONS_PER_ADDRESS": "5", "LOKET_KEEPALIVE_TIMEOUT": "30"}
    server = LoketServer(tmp_path, env=env)
    with server.running(), httpx.Client(base_url=server.url) as http:
        port = port_of(server)
        held = [connect_from("127.0.0.2", port) for _ in range(5)]
        for sock in held:  # kept alive after a request each
            sock.sendall(HEALTHZ)
            assert answer(sock)[0] == 200
        over = connect_from("127.0.0.2", port)
        status, body = answer(over)  # at once, before it even asks
        assert status == 429
        assert json.loads(body)["error"]["code"] == "too_many_connections"
        assert closed_by_server(over)
        # other addresses, and the machine itself, are served meanwhile
        other = connect_from("127.0.0.3", port)
        other.sendall(HEALTHZ)
        assert answer(other)[0] == 200
        assert http.get("/healthz").status_code == 200
        assert all(http.get("/healthz").status_code == 200 for _ in range(20))
        # a connection closed makes room for another
        held.pop().close()

        def served_again() -> bool:
            sock = connect_from("127.0.0.2", port)
            sock.sendall(HEALTHZ)
            try:
                return answer(sock)[0] == 200
            finally:
                sock.close()

        wait_until(served_again, 5, "a connection from 127.0.0.2 is served again")
        no_traceback(server)
    # the operator hears of it, once (a hall behind one NAT needs a higher cap)
    warned = [line for line in server.output if "127.0.0.2 holds 5 HTTP connections" in line]
    assert len(warned) == 1, warned


def _refused(ws: ClientConnection) -> int:
    message = receive(ws)
    assert message["type"] == "error"
    assert message["data"]["code"] == "too_many_sockets"
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


def test_sockets_over_the_cap_per_address_are_refused(tmp_path: Path) -> None:
    """Display and ticket sockets are counted apart, by the address a trusted proxy names."""
    env = {"LOKET_DISPLAY_SOCKETS_PER_ADDRESS": "2", "LOKET_TICKET_SOCKETS_PER_ADDRESS": "3"}
    server = LoketServer(tmp_path, env=env)
    hall = {"X-Forwarded-For": "203.0.113.5"}
    with server.running(), httpx.Client(base_url=server.url) as http:
        ticket = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
        display_url = f"{server.ws_url}/ws/display/demo"
        ticket_url = f"{server.ws_url}/ws/ticket/{ticket['id']}"
        held = ExitStack()
        displays = [held.enter_context(connect(display_url, additional_headers=hall))
                    for _ in range(2)]  # fmt: skip
        phones = [held.enter_context(connect(ticket_url, additional_headers=hall))
                  for _ in range(3)]  # fmt: skip
        assert all(receive(ws)["type"] == "snapshot" for ws in displays + phones)
        with connect(display_url, additional_headers=hall) as third:
            assert _refused(third) == 4429
        with connect(ticket_url, additional_headers=hall) as fourth:
            assert _refused(fourth) == 4429
        # another address behind the proxy, and the machine itself, are not held back
        for headers in ({"X-Forwarded-For": "203.0.113.6"}, {}):
            with connect(display_url, additional_headers=headers) as ws:
                assert receive(ws)["type"] == "snapshot"
        # a display gone makes room for one
        displays.pop().close()

        def admitted() -> bool:
            with connect(display_url, additional_headers=hall) as ws:
                return bool(receive(ws)["type"] == "snapshot")

        wait_until(admitted, 5, "a display from the full address is admitted again")
        held.close()
        no_traceback(server)


def _deaf_display(port: int) -> socket.socket:
    """A display socket that never reads again: it sends pings (each answered with a pong)
    until the server's buffers for it are full and the server stops reading it."""
    sock = connect_from("127.0.0.2", port, rcvbuf=4096)
    assert b" 101 " in RawWebSocket(sock).handshake("/ws/display/demo")
    pings = frame(b'{"type":"ping","t":1}') * 2000
    sock.settimeout(0.5)
    try:
        for _ in range(400):  # at most 20 MB: the server stops reading well before
            sock.sendall(pings)
    except TimeoutError:
        pass  # the server no longer reads it
    return sock


def test_a_socket_that_never_reads_is_cut_off(tmp_path: Path) -> None:
    """Its close frame could never reach it (the close waited behind megabytes it does not
    read, for good): it is aborted when it does not answer a ping, or when its sends have
    been held up for LOKET_WS_SEND_TIMEOUT, and its file descriptor is given back."""
    env = {
        "LOKET_WS_PING_INTERVAL": "1",
        "LOKET_WS_PING_TIMEOUT": "2",
        "LOKET_WS_SEND_TIMEOUT": "2",
    }
    server = LoketServer(tmp_path, env=env)
    with server.running():
        port = port_of(server)
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/healthz").status_code == 200
        wait_until(lambda: open_fds(server) == open_fds(server), 2, "fds settle")
        before = open_fds(server)
        deaf = [_deaf_display(port) for _ in range(2)]
        started = time.monotonic()
        wait_until(lambda: open_fds(server) <= before, 20, "the deaf sockets are closed")
        assert time.monotonic() - started < 20
        # the service goes on
        with connect(f"{server.ws_url}/ws/display/demo") as ws:
            assert receive(ws)["type"] == "snapshot"
        for sock in deaf:
            sock.close()
        no_traceback(server)


def test_a_first_message_over_64_kb_closes_the_socket_with_1009(tmp_path: Path) -> None:
    """Sent the instant the handshake is answered, it often arrives before the server's
    first message (a display's snapshot waits on the store): the server closes with 1009,
    and what the app then sends fails quietly, as to a client gone (it raised a
    RuntimeError, logged with its traceback, about every other time)."""
    with LoketServer(tmp_path).running() as server, httpx.Client(base_url=server.url) as http:
        ticket = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()["ticket"]
        big = frame(b'{"type":"ping","t":"' + b"x" * 100_000 + b'"}')
        for path in ["/ws/display/demo"] * 20 + [f"/ws/ticket/{ticket['id']}"] * 5:
            ws = RawWebSocket(connect_from("127.0.0.2", port_of(server)))
            assert b" 101 " in ws.handshake(path)
            ws.sock.sendall(big)
            code, reason = ws.close_code()
            assert code == 1009, reason
            assert closed_by_server(ws.sock)
        with connect(f"{server.ws_url}/ws/display/demo") as display:
            assert receive(display)["type"] == "snapshot"
    no_traceback(server)
