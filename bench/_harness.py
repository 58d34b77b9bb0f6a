"""Shared plumbing for the benchmarks: servers in subprocesses, a light WebSocket client
protocol, a raw keep-alive HTTP client, RSS, percentiles, tables.

Not a benchmark itself (the leading underscore); `fanout.py` and `call_next.py` import it.
Every wait here is bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
LOKET = str(Path(sys.executable).with_name("loket"))
ADMIN_PASSWORD = "bench-pass-1"
READY = re.compile(r"Loket is ready at http://[^:/]+:(\d+)/")
FLOOR_READY = re.compile(r"floor ready on port (\d+)")


def now_ns() -> int:
    """CLOCK_MONOTONIC: one clock for every process of this machine."""
    return time.monotonic_ns()


def raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


# -- servers in subprocesses ---------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workdir: Path | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kb(self) -> int:
        return rss_kb(self.pid)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _start(
    name: str,
    command: list[str],
    ready: re.Pattern[str],
    env: dict[str, str],
    workdir: Path,
    timeout: float = 30.0,
) -> Server:
    log = workdir / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workdir,
            preexec_fn=raise_nofile,  # the server holds one fd per display
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        match = ready.search(text)
        if match:
            return Server(name, process, int(match.group(1)), log, workdir)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait(5)
    raise RuntimeError(f"{name} did not start:\n{log.read_text(errors='replace')[-3000:]}")


def start_loket(extra_env: dict[str, str] | None = None) -> Server:
    """`loket serve --port 0` on a fresh SQLite file in a fresh temporary directory."""
    workdir = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    env = {**os.environ, "LOKET_ADMIN_PASSWORD": ADMIN_PASSWORD, **(extra_env or {})}
    command = [LOKET, "serve", "--port", "0", "--store", f"sqlite:///{workdir / 'bench.db'}"]
    return _start("loket", command, READY, env, workdir)


def start_floor() -> Server:
    """The floor: a minimal `websockets` server (see _floor_server.py)."""
    workdir = Path(tempfile.mkdtemp(prefix="floor-bench-"))
    command = [PYTHON, str(BENCH / "_floor_server.py"), "--port", "0"]
    return _start("floor", command, FLOOR_READY, dict(os.environ), workdir)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# -- raw HTTP/1.1 keep-alive (the client side must cost next to nothing) --------------


def http_request(
    method: str, path: str, body: object | None = None, token: str | None = None
) -> bytes:
    payload = b"" if body is None else json.dumps(body).encode()
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: keep-alive",
        f"Content-Length: {len(payload)}",
    ]
    if body is not None:
        lines.append("Content-Type: application/json")
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


class SyncHttp:
    """One keep-alive connection; `send` then `read` so a caller can time around them."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = b""

    def send(self, raw: bytes) -> None:
        self.sock.sendall(raw)

    def read(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self._buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self._buffer += chunk
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        length = _content_length(head)
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            rest += chunk
        self._buffer = rest[length:]
        return int(head.split(b" ", 2)[1]), rest[:length]

    def request(self, raw: bytes) -> tuple[int, bytes]:
        self.send(raw)
        return self.read()

    def close(self) -> None:
        self.sock.close()


class AsyncHttp:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> AsyncHttp:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        body = await self.reader.readexactly(_content_length(head))
        return int(head.split(b" ", 2)[1]), body

    def close(self) -> None:
        self.writer.close()


def login(port: int) -> str:
    http = SyncHttp(port)
    try:
        status, body = http.request(
            http_request(
                "POST", "/api/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD}
            )
        )
    finally:
        http.close()
    if status != 200:
        raise RuntimeError(f"login failed: {status} {body[:200]!r}")
    return str(json.loads(body)["token"])


# -- a light WebSocket client: websockets' sans-I/O protocol in an asyncio.Protocol ----


class WsClient(asyncio.Protocol):
    """One display socket. The arrival time is taken first thing in data_received, before
    any parsing, so the client's own per-message cost stays out of what it measures as far
    as possible. `on_text(client, data, t_ns)` sees every text message."""

    def __init__(self, url: str, on_text: Callable[[WsClient, bytes, int], None]) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=2**20)
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.first_text: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.tag: object = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        t = time.monotonic_ns()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if event.status_code == 101 and not self.opened.done():
                    self.opened.set_result(None)
                elif not self.opened.done():
                    self.opened.set_exception(RuntimeError(f"handshake: {event.status_code}"))
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                payload = bytes(event.data)
                if not self.first_text.done():
                    self.first_text.set_result(t)
                self.on_text(self, payload, t)
        self._flush()  # pongs to the server's keep-alive pings, close replies

    def send_text(self, text: str) -> None:
        self.protocol.send_text(text.encode())
        self._flush()

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        try:
            self.protocol.send_close(1000)
            self._flush()
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.transport.close()

    def _flush(self) -> None:
        assert self.transport is not None
        chunks = self.protocol.data_to_send()
        if chunks and not self.transport.is_closing():
            data = b"".join(chunks)
            if data:
                self.transport.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.opened, self.first_text):
            if not future.done():
                future.set_exception(ConnectionError("connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)


async def open_ws(
    port: int, path: str, on_text: Callable[[WsClient, bytes, int], None], timeout: float = 60.0
) -> WsClient:
    """Connect, complete the handshake and wait for the first text message (the snapshot)."""
    loop = asyncio.get_running_loop()
    url = f"ws://127.0.0.1:{port}{path}"
    _, client = await asyncio.wait_for(
        loop.create_connection(lambda: WsClient(url, on_text), "127.0.0.1", port), timeout
    )
    await asyncio.wait_for(client.opened, timeout)
    await asyncio.wait_for(client.first_text, timeout)
    return client


# -- figures ----------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks; q in [0, 100]."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([_cell(cell) for cell in cells])

    def render(self) -> str:
        widths = [len(h) for h in self.headers]
        for row in self.rows:
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
        line = "| " + " | ".join(h.ljust(w) for h, w in zip(self.headers, widths, strict=True))
        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        body = [
            "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
            for row in self.rows
        ]
        return "\n".join([line + " |", sep, *body])


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def machine_line() -> str:
    load = os.getloadavg()
    return (
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {os.cpu_count()} cores, "
        f"load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}, Python {sys.version.split()[0]}"
    )
