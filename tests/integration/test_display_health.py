"""Display health: the registry an admin reads, and the heartbeat that drops a dead TV."""

import base64
import json
import os
import socket
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

from tests.integration.conftest import login
from tests.support.server import LoketServer
from tests.support.waiting import receive, wait_until


def test_a_display_reports_itself_and_the_admin_sees_it(live_server: LoketServer) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        auth = {"Authorization": f"Bearer {login(http)}"}
        url = f"{live_server.ws_url}/ws/display/demo"
        with connect(url, open_timeout=5) as ws:
            snapshot = receive(ws)
            ws.send(json.dumps({"type": "hello", "display": {"id": "x"}, "seq": "bad"}))
            assert receive(ws)["data"]["code"] == "invalid_hello"
            ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "epoch": snapshot["epoch"],
                        "seq": snapshot["seq"],
                        "audio": "suspended",
                        "display": {
                            "id": "tv-lobby",
                            "page": "display",
                            "zone": "lobby",
                            "screen": "1920x1080",
                            "version": "0.1.0",
                            "lang": "id",
                        },
                    }
                )
            )
            ws.send(json.dumps({"type": "ping", "t": 1}))
            receive(ws)  # the pong: the hello was handled before it
            (tv,) = http.get("/api/v1/sites/demo/displays", headers=auth).json()["displays"]
            assert (tv["id"], tv["zone"], tv["audio"], tv["connected"]) == (
                "tv-lobby",
                "lobby",
                "suspended",
                True,
            )
            assert tv["seq"] == snapshot["seq"] and tv["stale"] is False

        def registered() -> dict[str, Any]:
            (tv,) = http.get("/api/v1/sites/demo/displays", headers=auth).json()["displays"]
            return dict(tv)

        wait_until(lambda: not registered()["connected"], 2.5, "the registry sees it gone")
        tv = registered()
        assert tv["connected"] is False and tv["stale"] is True
        assert httpx.get(f"{live_server.url}/api/v1/sites/demo/displays").status_code == 401
        assert http.get("/api/v1/sites/nowhere/displays", headers=auth).status_code == 404


def _frozen_display(port: int) -> socket.socket:
    """A display that completes the handshake, then never reads and never answers."""
    frozen = socket.create_connection(("127.0.0.1", port))
    frozen.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    frozen.sendall(
        (
            "GET /ws/display/demo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return frozen


def _closed_by_server(frozen: socket.socket, within: float) -> bool:
    frozen.settimeout(0.5)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if frozen.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True
    return False


def test_a_frozen_display_slows_nobody_and_is_dropped_by_the_heartbeat(tmp_path: Path) -> None:
    env = {"LOKET_WS_PING_INTERVAL": "1", "LOKET_WS_PING_TIMEOUT": "2"}
    with LoketServer(tmp_path, env=env).running() as server:
        port = int(server.url.rsplit(":", 1)[1])
        frozen = _frozen_display(port)
        delays = []
        with (
            httpx.Client(base_url=server.url) as http,
            connect(f"{server.ws_url}/ws/display/demo", open_timeout=5, compression=None) as live,
        ):
            receive(live)
            filler = {"service": "A"}
            for _ in range(300):  # enough to fill the frozen display's buffers
                sent = time.monotonic()
                http.post("/api/v1/sites/demo/tickets", json=filler)
                receive(live)
                delays.append(time.monotonic() - sent)
        assert statistics.quantiles(delays, n=100)[98] < 0.050  # p99 under 50 ms
        assert _closed_by_server(frozen, within=10.0)
        frozen.close()
