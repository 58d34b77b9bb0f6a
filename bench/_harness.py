"""Shared plumbing for the benchmarks: servers in subprocesses, a light WebSocket client
protocol, a raw keep-alive HTTP client, RSS, percentiles, tables.

Not a benchmark itself (the leading underscore); the benchmarks import it.
Every wait here is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
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
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
LOKET = str(Path(sys.executable).with_name("loket"))
FOLDERS = ("server", "displays", "counter_client", "static")  # installed as loket.<folder>


def code_path(root: Path = ROOT) -> str:
    """A PYTHONPATH that makes the code of the checkout `root` the one that runs, whatever
    the venv holds: a folder `loket` of links to root's folders (what `pip install` makes
    of them), then root itself (releases before the loket namespace import `server`)."""
    alias = Path(tempfile.mkdtemp(prefix="loket-code-"))
    (alias / "loket").mkdir()
    for folder in FOLDERS:
        (alias / "loket" / folder).symlink_to(root / folder)
    return os.pathsep.join([str(alias), str(root)])


def old_checkout(revision: str) -> Path:
    """The files of `revision` of this repository in a fresh temporary folder (git archive:
    no worktree to clean up), for start_loket(root=...)."""
    folder = Path(tempfile.mkdtemp(prefix="loket-old-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True)
    if archive.returncode != 0:  # a shallow clone, say
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(f"cannot export {revision}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


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
    output = log.read_text(errors="replace")[-3000:]
    shutil.rmtree(workdir, ignore_errors=True)
    raise RuntimeError(f"{name} did not start (exit {process.returncode}):\n{output}")


def start_loket(
    extra_env: dict[str, str] | None = None,
    store: str | None = None,
    args: Sequence[str] = (),
    root: Path = ROOT,
) -> Server:
    """`loket serve --port 0` in a fresh temporary directory, on a fresh SQLite file there
    unless `store` names another (a Redis URL); the code of the checkout `root` (another
    revision's, to compare: see old_checkout())."""
    workdir = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    env = {**os.environ, "LOKET_ADMIN_PASSWORD": ADMIN_PASSWORD, **(extra_env or {})}
    # the checkout's code, whether the venv holds an editable or a copied install
    extra = [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([code_path(root), *extra])
    store = store or f"sqlite:///{workdir / 'bench.db'}"
    command = [LOKET, "serve", "--port", "0", "--store", store, *args]
    return _start("loket", command, READY, env, workdir)


REDIS_READY = re.compile(r"port=(\d+)\.[\s\S]*Ready to accept connections")


def start_redis(fsync: str = "always") -> Server:
    """A redis-server of the benchmark's own on a free port: append-only file with
    `appendfsync` = `fsync` (always, everysec, or "off" for no persistence at all)."""
    workdir = Path(tempfile.mkdtemp(prefix="redis-bench-"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    persistence = ["--appendonly", "no"] if fsync == "off" else [
        "--appendonly", "yes", "--appendfsync", fsync
    ]  # fmt: skip
    command = [
        "/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
        "--dir", str(workdir), "--save", "", "--maxmemory-policy", "noeviction", *persistence,
    ]  # fmt: skip
    return _start("redis", command, REDIS_READY, dict(os.environ), workdir)


def env_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """["KEY=VALUE", ...] from the command line → a dict."""
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--server-env needs KEY=VALUE, not {pair!r}")
        found[key] = value
    return found


def bench_parser(doc: str, quick: str) -> argparse.ArgumentParser:
    """A benchmark's command line: the first line of its docstring `doc`, `--quick` (`quick`
    says what it then runs), and the options every benchmark takes: `--json PATH` and
    `--server-env KEY=VALUE`. The benchmark adds its own after them."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for `loket serve` (experiments; PYTHONPATH is appended)",
    )
    return parser


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
    """CPU time of a process so far, all its threads, from schedstat (ns resolution)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that just ended
    return total / 1e9


# -- raw HTTP/1.1 keep-alive (the client side must cost next to nothing) --------------


def http_request(
    method: str,
    path: str,
    body: object | None = None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A request's bytes; `body` is sent as JSON, or as it is if it is bytes already."""
    payload = (
        b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    )
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
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


class SyncHttp:
    """One keep-alive connection; `send` then `read` so a caller can time around them."""

    def __init__(self, port: int, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
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
    async def open(cls, port: int, host: str = "127.0.0.1") -> AsyncHttp:
        reader, writer = await asyncio.open_connection(host, port)
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


# -- a light WebSocket client ---------------------------------------------------------------

SEQ = b'"seq":'


def seq_of(data: bytes) -> int:
    """The envelope's seq (v, type, epoch, seq come first in that order), without json."""
    start = data.index(SEQ) + len(SEQ)
    return int(data[start : data.index(b",", start)])


def kind_of(data: bytes) -> bytes:
    """The envelope's type, without json."""
    start = data.index(b'"type":"') + 8
    return data[start : data.index(b'"', start)]


def upgrade_request(host: str, port: int, path: str) -> bytes:
    """A WebSocket opening handshake (no extensions offered)."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame: masked, with an all-zero key (so the payload goes as is)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    return header + b"\0\0\0\0" + payload


class WsClient(asyncio.Protocol):
    """One display socket, as lean as a Python client gets: a plain HTTP upgrade, then a
    minimal RFC 6455 frame reader (server frames are unmasked; no compression was offered).
    The arrival time is taken first thing in data_received, before any parsing, so the
    client's own cost stays out of what it measures as far as it can. It answers the
    server's keep-alive pings and close frames. `on_text(client, payload, t_ns)` sees every
    text message. `greeting`, if given, is sent the moment the upgrade is answered, before
    any message is read (as a browser page's onopen handler does)."""

    def __init__(
        self, host: str, port: int, path: str, on_text: TextHandler, greeting: str | None = None
    ) -> None:
        loop = asyncio.get_running_loop()
        self.request = upgrade_request(host, port, path)
        self.on_text = on_text
        self.greeting = greeting
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = loop.create_future()
        self.first_text: asyncio.Future[int] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self._upgraded = False
        self._buffer = b""
        self._fragments: list[bytes] = []
        self.close_code: int | None = None  # the server's, from its close frame

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        t = time.monotonic_ns()
        buffer = self._buffer + data if self._buffer else data
        if not self._upgraded:
            head, sep, rest = buffer.partition(b"\r\n\r\n")
            if not sep:
                self._buffer = buffer
                return
            if not head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(RuntimeError(head.split(b"\r\n", 1)[0].decode()))
                self._abort()
                return
            self._upgraded = True
            self.opened.set_result(None)
            if self.greeting is not None:
                self.send_text(self.greeting)
            buffer = rest
        # frames: FIN/opcode byte, length byte (126: 16-bit, 127: 64-bit), payload
        offset, size = 0, len(buffer)
        while size - offset >= 2:
            first, length = buffer[offset], buffer[offset + 1] & 0x7F
            start = offset + 2
            if length == 126:
                if size - offset < 4:
                    break
                length = int.from_bytes(buffer[start : start + 2], "big")
                start += 2
            elif length == 127:
                if size - offset < 10:
                    break
                length = int.from_bytes(buffer[start : start + 8], "big")
                start += 8
            end = start + length
            if end > size:
                break
            self._frame(first, buffer[start:end], t)
            offset = end
        self._buffer = buffer[offset:] if offset < size else b""

    def _frame(self, first: int, payload: bytes, t: int) -> None:
        opcode, fin = first & 0x0F, first & 0x80
        if opcode in (0x1, 0x0):  # text, continuation
            if not fin:
                self._fragments.append(payload)
                return
            if self._fragments:
                payload = b"".join([*self._fragments, payload])
                self._fragments = []
            if not self.first_text.done():
                self.first_text.set_result(t)
            self.on_text(self, payload, t)
        elif opcode == 0x9:  # ping → pong
            self._send(0xA, payload)
        elif opcode == 0x8:  # close → echo, then hang up
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
            self._send(0x8, payload[:2])
            self._abort()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(client_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def close(self) -> None:
        self._send(0x8, (1000).to_bytes(2, "big"))
        self._abort()

    def _abort(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.opened, self.first_text):
            if not future.done():
                future.set_exception(ConnectionError("connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)


TextHandler = Callable[[WsClient, bytes, int], None]


async def open_ws(
    port: int,
    path: str,
    on_text: TextHandler,
    timeout: float = 60.0,
    greeting: str | None = None,
    host: str = "127.0.0.1",
) -> WsClient:
    """Connect, upgrade, and wait for the first text message (the snapshot)."""
    loop = asyncio.get_running_loop()
    _, client = await asyncio.wait_for(
        loop.create_connection(lambda: WsClient(host, port, path, on_text, greeting), host, port),
        timeout,
    )
    await asyncio.wait_for(client.opened, timeout)
    await asyncio.wait_for(client.first_text, timeout)
    return client


# -- client worker processes ------------------------------------------------------------


class PipeWorker:
    """The loop of a client worker process: commands arrive on `conn` (read by `_command`
    from the event loop) until a `stop`; then `finish()` tidies up."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        self.conn = conn
        self.done: asyncio.Future[None] | None = None
        self.tasks: set[asyncio.Task[Any]] = set()

    @classmethod
    def process_main(cls, conn: multiprocessing.connection.Connection, *args: Any) -> None:
        """The body of a client worker process (a WorkerPool's `target`): the fd limit
        raised (a socket is an fd), then `cls(conn, *args)`'s loop until a `stop`."""
        raise_nofile()
        asyncio.run(cls(conn, *args).run())

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self.done = loop.create_future()
        loop.add_reader(self.conn.fileno(), self._command)
        await self.done
        loop.remove_reader(self.conn.fileno())
        await self.finish()

    def _command(self) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        pass

    def spawn(self, job: Coroutine[Any, Any, None]) -> None:
        """Run a command as a task, held until it ends."""
        task = asyncio.get_running_loop().create_task(job)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def stop(self) -> None:
        assert self.done is not None
        if not self.done.done():
            self.done.set_result(None)


class WorkerPool:
    """`workers` forked processes, each running `target(pipe, *args)` with its own pipe."""

    def __init__(
        self,
        workers: int,
        target: Callable[..., None],
        *args: object,
        stop_timeout: float = 30.0,
    ) -> None:
        ctx = multiprocessing.get_context("fork")  # before any thread or loop exists here
        self.stop_timeout = stop_timeout
        self.pipes: list[multiprocessing.connection.Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for _ in range(workers):
            mine, theirs = ctx.Pipe()
            process = ctx.Process(target=target, args=(theirs, *args), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    def shares(self, n: int) -> list[int]:
        """`n` split over the workers as evenly as it goes, the first ones taking the rest."""
        workers = len(self.pipes)
        return [n // workers + (1 if i < n % workers else 0) for i in range(workers)]

    def recv(self, pipe: multiprocessing.connection.Connection, timeout: float) -> Any:
        if not pipe.poll(timeout):
            raise TimeoutError("a client worker did not answer in time")
        return pipe.recv()

    def connected(self, what: str, timeout: float = 300) -> tuple[int, float]:
        """Every worker's answer to a command to open sockets, `("connected", count,
        errors[:3], failures, seconds)`: the sockets opened in all and the slowest worker's
        seconds. Failures are told on stderr, `what` naming the sockets."""
        connected, seconds = 0, 0.0
        for pipe in self.pipes:
            _, count, errors, failures, took = self.recv(pipe, timeout)
            connected += count
            seconds = max(seconds, took)
            if failures:
                print(f"  {failures} {what} failed to connect, e.g. {errors}", file=sys.stderr)
        return connected, seconds

    def stop(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("stop",))
            except OSError:
                pass
        for process in self.processes:
            process.join(self.stop_timeout)
            if process.is_alive():
                process.terminate()
                process.join(5)


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


def paragraphs(*blocks: str | Sequence[str] | Table) -> str:
    """A printed report: its blocks (text, a list of lines, or a table) with a blank line
    between them."""
    texts = []
    for block in blocks:
        if isinstance(block, Table):
            texts.append(block.render())
        elif isinstance(block, str):
            texts.append(block)
        else:
            texts.append("\n".join(block))
    return "\n\n".join(texts)


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


# -- server state over time (added for reconnect.py) ------------------------------------


def status_kb(pid: int, fields: Sequence[str] = ("VmRSS", "VmHWM")) -> dict[str, int]:
    """Some kB lines of /proc/PID/status, e.g. VmRSS and VmHWM (the peak RSS so far)."""
    found: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in fields:
                found[name] = int(value.split()[0])
    return found


class RssPeak:
    """Samples VmRSS of a process every `interval` s in a thread, between start() and stop();
    `peak_kb` is the highest sample. (VmHWM only ever rises, so it tells the peak of the
    first storm only; the sampling tells each one's.)"""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            try:
                rss = rss_kb(self.pid)
            except (OSError, RuntimeError):
                return
            self.peak_kb = max(self.peak_kb, rss)
            self.samples += 1
            if self._stop.wait(self.interval):
                return

    def start(self) -> RssPeak:
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(5)
        return self.peak_kb


def wait_idle(pid: int, busy: float = 0.05, quiet: int = 3, limit: float = 20.0) -> float:
    """Wait (at most `limit` s) until the process used under `busy` of a core in each of
    `quiet` consecutive 0.1 s windows; returns the seconds waited."""
    started = time.monotonic()
    calm = 0
    before = cpu_seconds(pid)
    while time.monotonic() - started < limit and calm < quiet:
        time.sleep(0.1)
        now = cpu_seconds(pid)
        calm = calm + 1 if now - before < busy * 0.1 else 0
        before = now
    return time.monotonic() - started


def listen_overflows() -> int:
    """TcpExt ListenOverflows of this network namespace (a full accept queue drops SYNs)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return -1
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", -1))
    return -1


def public_name(ticket: dict[str, Any]) -> str:
    """How staff answers and displays name a ticket: its ref (CONTRACT 6.1), or its id in
    releases before it (benches also run those)."""
    return str(ticket.get("ref") or ticket["id"])
