"""Attacks: issue 14's application-level attacks on a real `loket serve`, an old checkout and
the new one side by side in one run — the before/after figures of the closing note.

Each attack runs on a fresh server (`--host 0.0.0.0`, SQLite in a temporary directory) of
each checkout in turn: first the old one (`--before`; by default commit 623ee28, the one
before issue 14's work, exported with `git archive`), then the new one (`--after`; by
default this checkout). The attacker comes from this machine's own address on its network
(eth0's, found at run time), as a guest on the hall's Wi-Fi would: the new limits leave the
server's own machine (loopback) alone, so an attack from 127.0.0.1 would show none of them.

While each attack runs, a separate process plays the hall from loopback: every 100 ms a
kiosk issue (service C) and a staff call-next at counter 5 (logged in as admin), each
timed: p50, p99, max and failures (issue 14 wants p99 < 100 ms under every attack). Around
each attack: the server's RSS before and its peak (sampled every 20 ms), the lines its log
gained, and the tracebacks among them.

 1. Ticket flood: one address issues tickets through 8 keep-alive connections as fast as
    they are answered, for 5 s: tickets accepted, answers by status.
 2. Resume: a day of ~20,000 events (issued and called from loopback first, untimed); 20
    sockets send {"type":"resume","epoch":E,"seq":1} and never read, for 10 s; then
    resume-then-disconnect, 100 times over 8 s: RSS, log lines, a normal issue meanwhile.
 3. One huge body: POST .../tickets with a 1.5 GB body, declared (Content-Length) and
    chunked: the answer, the time to it, the bytes sent by then, peak RSS.
 6. Login guessing: 420 wrong passwords for admin from one address, then the right one from
    there and from another (loopback): answers, whether it got in, log lines. And whether
    POST /api/v1/users takes `12345678`, eight spaces, `weak3weak3` (for user weak3), and
    whether the server starts with LOKET_ADMIN_PASSWORD=a.
 8. Deep nesting: `[` × 2,000 then `]` × 2,000 as the body of every JSON endpoint (those of
    CONTRACT 6.6 and 6.7 too: 404 or 405 where they do not exist yet) and as a message on
    both sockets: answers, and tracebacks in the log.
 9. Hello flood: one socket sends 2,100 `hello`s with new display ids, then 300 sockets from
    the same address one `hello` each; meanwhile a real TV is connected and silent, and
    another said hello and was switched off: the screens in the admin's list
    (GET /api/v1/sites/demo/displays), and whether the real TVs are still in it.
11. Secret ids on the public feed: a display socket and GET .../state; 20 tickets issued
    and 8 called: how many of the holders' ids the display got, the state shows, and the
    server's log wrote once each holder's page socket (/ws/ticket/{id}) had opened.

Attacks 4 and 5 (slowloris, connection floods, WebSocket clients that never read the
events) are bench/attack_transport.py's.

    .venv/bin/python bench/attacks.py                # full sizes — about 5 minutes
    .venv/bin/python bench/attacks.py --quick        # smaller — about 80 s
    .venv/bin/python bench/attacks.py --only 1 9     # some of them
    .venv/bin/python bench/attacks.py --before /tmp/loket-old --after /work/main

Prints one table per attack, before and after side by side; never passes or fails.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import multiprocessing
import multiprocessing.connection
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

BEFORE_COMMIT = "623ee28"  # the commit before issue 14's work
SITE = "/api/v1/sites/demo"
DISPLAY = "/ws/display/demo"
PROBE_EVERY = 0.1  # s between the hall's kiosk issue + call-next pairs
TARGET_P99_MS = 100.0
NESTED = b"[" * 2000 + b"]" * 2000
Figures = dict[str, Any]
Rows = list[tuple[str, object]]


@dataclass(frozen=True)
class Sizes:
    flood_s: float  # 1: seconds of ticket flood
    events: int  # 2: the day's events before the resumes
    resumers: int  # 2: sockets that resume and never read
    hold_s: float  # 2: how long they hold
    cycles: int  # 2: resume-then-disconnect, how many
    cycles_s: float  # 2: spread over this long
    body_mb: int  # 3: the huge body
    guesses: int  # 6: wrong passwords
    guess_s: float  # 6: at most this long
    hellos: int  # 9: hellos on one socket
    hello_sockets: int  # 9: sockets with one hello each
    probe_timeout: float  # a hall request that takes longer counts as failed
    min_watch_s: float  # the shortest watch: the hall's probe gets 10 samples a second
    idle_s: float  # before each watch, wait at most this long for the server to be idle

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        if quick:
            return cls(2, 2000, 20, 2, 30, 1.5, 200, 60, 6, 2100, 250, 15, 1, 3)
        return cls(5, 20_000, 20, 10, 100, 8, 1500, 420, 60, 2100, 300, 30, 3, 10)


# -- the hall at work meanwhile: a probe process -----------------------------------------

Sample = tuple[float, str, float, int]  # start (monotonic s), "issue"/"call", ms, status (0: none)


def probe_main(
    conn: multiprocessing.connection.Connection, port: int, token: str, timeout: float
) -> None:
    """From loopback, every PROBE_EVERY s: a kiosk issue (service C, which only counters 5
    and 6 serve) and a call-next at counter 5, each timed, until told to stop."""
    requests = (
        ("issue", h.http_request("POST", f"{SITE}/tickets", {"service": "C"})),
        ("call", h.http_request("POST", f"{SITE}/counters/5/call-next", token=token)),
    )
    samples: list[Sample] = []
    http: h.SyncHttp | None = None
    due = time.monotonic()
    while len(samples) < 20_000:
        for op, raw in requests:
            start = time.monotonic()
            try:
                http = http or h.SyncHttp(port, timeout)
                status, _ = http.request(raw)
            except OSError:  # no answer in time, or the connection went
                status = 0
                if http is not None:
                    http.close()
                http = None
            samples.append((start, op, (time.monotonic() - start) * 1000, status))
        due = max(due + PROBE_EVERY, time.monotonic())
        if conn.poll(due - time.monotonic()):
            break
    if http is not None:
        http.close()
    conn.send(samples)


class Probe:
    def __init__(self, port: int, token: str, timeout: float) -> None:
        ctx = multiprocessing.get_context("fork")
        self.timeout = timeout
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(
            target=probe_main, args=(theirs, port, token, timeout), daemon=True
        )
        self.process.start()

    def stop(self) -> list[Sample]:
        self.conn.send("stop")
        samples: list[Sample] = []
        if self.conn.poll(2 * self.timeout + 5):
            samples = self.conn.recv()
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        return samples


def latency(samples: Sequence[Sample], op: str) -> Figures:
    ms = [s[2] for s in samples if s[1] == op]
    failed = Counter(s[3] for s in samples if s[1] == op and not 200 <= s[3] < 300)
    return {
        "n": len(ms),
        "p50": h.percentile(ms, 50),
        "p99": h.percentile(ms, 99),
        "max": max(ms, default=float("nan")),
        "failed": dict(failed),
    }


# -- the server under attack -------------------------------------------------------------


@dataclass(frozen=True)
class Checkout:
    label: str
    root: Path


def log_bytes(server: h.Server) -> bytes:
    try:
        return server.log.read_bytes()
    except OSError:
        return b""


class Target:
    """A fresh server of one checkout, an admin's token on it, the attacker's address, and
    `watching()`: what is measured around each part of an attack."""

    def __init__(self, checkout: Checkout, address: str, sizes: Sizes, env: dict[str, str]) -> None:
        self.checkout = checkout
        self.address = address
        self.sizes = sizes
        self.env = env
        self.server = h.start_loket(env, args=["--host", "0.0.0.0"], root=checkout.root)
        self.port = self.server.port
        self.token = h.login(self.port)

    def close(self) -> None:
        self.server.stop(5)

    @contextmanager
    def watching(self, figures: Figures, part: str) -> Iterator[None]:
        """Probe, RSS and log around one part of an attack, into figures["watch"][part]."""
        h.wait_idle(self.server.pid, limit=self.sizes.idle_s)
        log_before = len(log_bytes(self.server))
        probe = Probe(self.port, self.token, self.sizes.probe_timeout)
        rss_before = self.server.rss_kb()
        rss = h.RssPeak(self.server.pid).start()
        started = time.monotonic()
        try:
            yield
        finally:
            time.sleep(max(0.0, started + self.sizes.min_watch_s - time.monotonic()))
            seconds = time.monotonic() - started
            peak = rss.stop()
            samples = probe.stop()
            gained = log_bytes(self.server)[log_before:]
            figures.setdefault("watch", {})[part] = {
                "seconds": seconds,
                "issue": latency(samples, "issue"),
                "call": latency(samples, "call"),
                "rss_before_mb": rss_before / 1024,
                "rss_peak_mb": peak / 1024,
                "log_lines": gained.count(b"\n"),
                "log_mb": len(gained) / 1e6,
                "tracebacks": gained.count(b"Traceback (most recent call last)"),
            }

    def request(self, raw: bytes, outside: bool = False) -> tuple[int, bytes]:
        """One request on a connection of its own, from loopback or the attacker's address."""
        http = h.SyncHttp(self.port, 30, self.address if outside else "127.0.0.1")
        try:
            return http.request(raw)
        finally:
            http.close()

    def json(self, path: str) -> Any:
        status, body = self.request(h.http_request("GET", path, token=self.token))
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
        return json.loads(body)


def answer(status: int, body: bytes) -> str:
    """'400 invalid_json': a status and the error code, if the body has one."""
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return str(status)
    return f"{status} {code}"


def tally(statuses: Counter[Any]) -> str:
    return ", ".join(f"{k} × {v:,}" for k, v in sorted(statuses.items(), key=str)) or "none"


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


# -- 1. ticket flood -----------------------------------------------------------------------


async def hammer(
    host: str,
    port: int,
    request: Callable[[int], bytes],
    count: int,
    seconds: float,
    connections: int,
) -> tuple[Counter[int], float]:
    """request(0), request(1), … through `connections` keep-alive connections, each sending
    its next as soon as its last is answered, until `count` are sent or `seconds` pass: the
    answers by status (0: none, or the connection went) and the seconds it took."""
    answers: Counter[int] = Counter()
    started = time.monotonic()
    sent = 0

    async def one() -> None:
        nonlocal sent
        http: h.AsyncHttp | None = None
        while time.monotonic() - started < seconds and sent < count:
            sent += 1
            try:
                http = http or await asyncio.wait_for(h.AsyncHttp.open(port, host), 5)
                status, _ = await asyncio.wait_for(http.request(request(sent - 1)), 30)
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                status = 0
                if http is not None:
                    http.close()
                http = None
            answers[status] += 1
        if http is not None:
            http.close()

    await asyncio.gather(*(one() for _ in range(connections)))
    return answers, time.monotonic() - started


def ticket_flood(t: Target) -> Figures:
    figures: Figures = {}
    with t.watching(figures, "flood"):
        issue = h.http_request("POST", f"{SITE}/tickets", {"service": "A"})
        answers, seconds = asyncio.run(
            hammer(t.address, t.port, lambda i: issue, 200_000, t.sizes.flood_s, 8)
        )
    waiting = t.json(f"{SITE}/state")["data"]["waiting"]
    figures.update(
        requests=sum(answers.values()),
        answers=dict(answers),
        seconds=seconds,
        waiting_a=waiting.get("A"),
    )
    return figures


def ticket_flood_rows(f: Figures) -> Rows:
    seconds = f["seconds"]
    accepted = f["answers"].get(201, 0)
    return [
        ("requests sent", f["requests"]),
        ("tickets accepted (201)", accepted),
        ("tickets accepted per second", accepted / seconds),
        ("answers", tally(Counter(f["answers"]))),
        ("waiting in A afterwards", f["waiting_a"]),
    ]


# -- 2. resume ----------------------------------------------------------------------------


async def fill_day(port: int, token: str, events: int, limit: float = 120.0) -> int:
    """Issue and call from loopback (counters 1–4, services A and B: the probe's C stays
    apart) until the site's seq reaches `events`; returns the seq reached."""
    seq = 0
    deadline = time.monotonic() + limit

    async def worker(counter: str, service: str) -> None:
        nonlocal seq
        issue = h.http_request("POST", f"{SITE}/tickets", {"service": service})
        call = h.http_request("POST", f"{SITE}/counters/{counter}/call-next", token=token)
        http = await h.AsyncHttp.open(port)
        try:
            while seq < events and time.monotonic() < deadline:
                await http.request(issue)
                status, body = await http.request(call)
                if status == 200:
                    seq = max(seq, int(json.loads(body)["seq"]))
        finally:
            http.close()

    await asyncio.gather(
        *(worker(c, s) for c, s in [("1", "A"), ("2", "A"), ("3", "B"), ("4", "B")] * 2)
    )
    return seq


def resumer(host: str, port: int, message: bytes) -> socket.socket:
    """A display socket that asks for a replay and never reads it: the upgrade, the head of
    its answer (a frame sent with the upgrade is lost), the resume frame, and no more reads;
    a small receive buffer, so the server's sends back up soon."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect((host, port))
    sock.sendall(h.upgrade_request(host, port, DISPLAY))
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = sock.recv(1024)
        if not chunk:
            raise ConnectionError("closed during the upgrade")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    sock.sendall(h.client_frame(0x1, message))
    return sock


def resume_flood(t: Target) -> Figures:
    figures: Figures = {"events": asyncio.run(fill_day(t.port, t.token, t.sizes.events))}
    epoch = t.json(f"{SITE}/state")["epoch"]
    resume = json.dumps({"type": "resume", "epoch": epoch, "seq": 1}).encode()
    refused: Counter[str] = Counter()
    with t.watching(figures, "resumers"):
        held = []
        for _ in range(t.sizes.resumers):
            try:
                held.append(resumer(t.address, t.port, resume))
            except OSError as error:
                refused[type(error).__name__] += 1
        time.sleep(t.sizes.hold_s)
        for sock in held:
            sock.close()
        time.sleep(1)  # what the server still does once they have gone
    figures["held"] = len(held)
    cycles = 0
    with t.watching(figures, "resume+disconnect"):
        start = time.monotonic()
        for i in range(t.sizes.cycles):
            time.sleep(max(0.0, start + i * t.sizes.cycles_s / t.sizes.cycles - time.monotonic()))
            try:
                resumer(t.address, t.port, resume).close()
                cycles += 1
            except OSError as error:
                refused[type(error).__name__] += 1
        time.sleep(1)
    figures.update(cycles=cycles, refused=dict(refused))
    return figures


def resume_flood_rows(f: Figures) -> Rows:
    return [
        ("events in the day", f["events"]),
        ("sockets resuming from seq 1, never reading", f["held"]),
        ("resume-then-disconnect cycles", f["cycles"]),
        ("connections refused", tally(Counter(f["refused"]))),
    ]


# -- 3. one huge body ---------------------------------------------------------------------


def send_body(host: str, port: int, size: int, chunked: bool, limit: float = 90.0) -> Figures:
    """POST a body of `size` bytes (spaces) in 1 MB pieces, in a thread, while this one
    waits for the answer's status line; the sending stops once it has come."""
    sock = socket.create_connection((host, port), timeout=limit)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (
        f"POST {SITE}/tickets HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{framing}\r\n\r\n"
    ).encode()
    piece = b" " * (1 << 20)
    stop = threading.Event()
    sent = [0]

    def pump() -> None:
        try:
            sock.sendall(head)
            while sent[0] < size and not stop.is_set():
                data = piece[: size - sent[0]]
                sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
                sent[0] += len(data)
            if chunked and not stop.is_set():
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server hung up on it

    started = time.monotonic()
    sender = threading.Thread(target=pump, daemon=True)
    sender.start()
    reply, said = b"", "no answer"
    try:
        while b"\r\n" not in reply and time.monotonic() - started < limit:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError as error:  # e.g. reset, the answer lost with it
        said = f"no answer ({type(error).__name__})"
    seconds = time.monotonic() - started
    stop.set()
    sock.close()
    sender.join(10)
    if reply.startswith(b"HTTP/1.1 "):
        said = reply[9:12].decode()
    return {"answer": said, "seconds": seconds, "sent_mb": sent[0] / 1e6}


def huge_body(t: Target) -> Figures:
    figures: Figures = {}
    size = t.sizes.body_mb * 1_000_000
    for part, chunked in (("declared", False), ("chunked", True)):
        with t.watching(figures, part):
            figures[part] = send_body(t.address, t.port, size, chunked)
    return figures


def huge_body_rows(f: Figures) -> Rows:
    rows: Rows = []
    for part in ("declared", "chunked"):
        sent = f[part]
        rows += [
            (f"{part}: answer", sent["answer"]),
            (f"{part}: seconds to the answer", sent["seconds"]),
            (f"{part}: MB sent by then", sent["sent_mb"]),
        ]
    return rows


# -- 6. login guessing --------------------------------------------------------------------


def login_request(password: str, username: str = "admin") -> bytes:
    return h.http_request(
        "POST", "/api/v1/auth/login", {"username": username, "password": password}
    )


def starts_with_admin_password(t: Target, password: str) -> str:
    try:
        server = h.start_loket({**t.env, "LOKET_ADMIN_PASSWORD": password}, root=t.checkout.root)
    except RuntimeError as refused:
        exit_code = re.search(r"exit (-?\d+)", str(refused))
        return f"refused (exit {exit_code.group(1) if exit_code else '?'})"
    server.stop(5)
    return "started"


def login_guessing(t: Target) -> Figures:
    figures: Figures = {}
    with t.watching(figures, "guessing"):
        answers, seconds = asyncio.run(
            hammer(
                t.address,
                t.port,
                lambda i: login_request(f"guess-{i:04d}"),
                t.sizes.guesses,
                t.sizes.guess_s,
                4,
            )
        )
        there = t.request(login_request(h.ADMIN_PASSWORD), outside=True)
        here = t.request(login_request(h.ADMIN_PASSWORD))
    figures.update(
        answers=dict(answers),
        seconds=seconds,
        right_there=answer(*there),
        right_here=answer(*here),
    )
    weak = {}
    for username, password in (("weak1", "12345678"), ("weak2", " " * 8), ("weak3", "weak3weak3")):
        body = {"username": username, "password": password, "role": "staff"}
        weak[password] = answer(*t.request(h.http_request("POST", "/api/v1/users", body, t.token)))
    figures.update(weak=weak, admin_a=starts_with_admin_password(t, "a"))
    return figures


def login_guessing_rows(f: Figures) -> Rows:
    answers = Counter(f["answers"])
    return [
        ("wrong passwords sent", sum(answers.values())),
        ("answered 401", answers.get(401, 0)),
        ("answered 429", answers.get(429, 0)),
        (
            "other answers",
            tally(Counter({k: v for k, v in answers.items() if k not in (401, 429)})),
        ),
        ("guesses per second (4 connections)", sum(answers.values()) / f["seconds"]),
        ("then the right one, same address", f["right_there"]),
        ("then the right one, another address", f["right_here"]),
        *[(f"new user with password {pw!r}", said) for pw, said in f["weak"].items()],
        ("LOKET_ADMIN_PASSWORD=a", f["admin_a"]),
    ]


# -- 8. deep nesting ----------------------------------------------------------------------

JSON_ENDPOINTS = (
    ("POST", "/api/v1/auth/login", False),
    ("POST", f"{SITE}/tickets", False),
    ("POST", "/api/v1/users", True),
    ("POST", f"{SITE}/counters/1/transfer", True),
    ("PATCH", "/api/v1/users/admin", True),  # CONTRACT 6.6
    ("POST", "/api/v1/auth/password", True),  # 6.6
    ("POST", f"{SITE}/kiosks", True),  # 6.7
)


async def socket_answer(t: Target, path: str, message: bytes) -> str:
    """What a socket does with `message`: its error code (and whether a ping still gets a
    pong after it), or its close."""
    said: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    def on_text(client: h.WsClient, data: bytes, stamp: int) -> None:
        envelope = json.loads(data)
        code = (envelope.get("data") or {}).get("code", "") if envelope["type"] == "error" else ""
        said.put_nowait((envelope["type"], code))

    async def next_said() -> tuple[str, str] | None:
        """The next message, or None if the socket closes first or 5 s pass."""
        getter = asyncio.ensure_future(said.get())
        await asyncio.wait([getter, client.closed], timeout=5, return_when="FIRST_COMPLETED")
        if getter.done():
            return getter.result()
        getter.cancel()
        return None

    client = await h.open_ws(t.port, path, on_text, timeout=10, host=t.address)
    await said.get()  # its snapshot
    client.send_text(message.decode())
    reply = await next_said()
    what = "no answer" if reply is None else " ".join(reply).strip()
    if reply is not None:
        client.send_text('{"type": "ping", "t": 1}')
        then = await next_said()
        what += ", still open" if then and then[0] == "pong" else ""
    if client.closed.done():
        what += f", closed {client.close_code or ''}".rstrip()
    client.close()
    return what


def deep_nesting(t: Target) -> Figures:
    figures: Figures = {}
    issued = t.request(h.http_request("POST", f"{SITE}/tickets", {"service": "A"}))
    ticket_id = json.loads(issued[1])["ticket"]["id"]
    said: dict[str, str] = {}
    rounds = 0
    with t.watching(figures, "nesting"):
        # every endpoint in turn, again and again for a while: the hall's probe gets its
        # samples under the attack; the answers shown are the first round's
        start = time.monotonic()
        while rounds < 100 and (not rounds or time.monotonic() - start < t.sizes.min_watch_s):
            rounds += 1
            for method, path, admin in JSON_ENDPOINTS:
                raw = h.http_request(method, path, NESTED, t.token if admin else None)
                try:
                    said.setdefault(f"{method} {path}", answer(*t.request(raw, outside=True)))
                except OSError as error:
                    said.setdefault(f"{method} {path}", f"no answer ({type(error).__name__})")
        for path in (DISPLAY, f"/ws/ticket/{ticket_id}"):
            name = path.replace(ticket_id, "{id}")
            try:
                said[name] = asyncio.run(socket_answer(t, path, NESTED))
            except (OSError, RuntimeError, TimeoutError) as error:
                said[name] = f"failed: {type(error).__name__} {error}"[:60]
    figures.update(said=said, rounds=rounds)
    return figures


def deep_nesting_rows(f: Figures) -> Rows:
    return [("rounds of the HTTP endpoints", f["rounds"]), *f["said"].items()]


# -- 9. hello flood -----------------------------------------------------------------------


def hello(display_id: str) -> str:
    """What a hall TV page sends (static/js/socket.js)."""
    about = {
        "id": display_id,
        "page": "display",
        "zone": None,
        "screen": "1920x1080",
        "version": None,
        "lang": "id",
    }
    return json.dumps(
        {"type": "hello", "display": about, "epoch": None, "seq": None, "audio": "ok"}
    )


def ignore(client: h.WsClient, data: bytes, stamp: int) -> None:
    pass


async def hello_flood_async(t: Target) -> Figures:
    def listed() -> list[dict[str, Any]]:
        """The admin's list of screens."""
        return list(t.json(f"{SITE}/displays")["displays"])

    real = await h.open_ws(t.port, DISPLAY, ignore)
    real.send_text(hello("tv-hall-1"))  # then silent: it only answers the keep-alive pings
    off = await h.open_ws(t.port, DISPLAY, ignore)
    off.send_text(hello("tv-hall-2"))
    await asyncio.sleep(0.3)
    off.close()  # switched off for the night
    errors: Counter[str] = Counter()
    pong = asyncio.get_running_loop().create_future()

    def on_text(client: h.WsClient, data: bytes, stamp: int) -> None:
        kind = h.kind_of(data)
        if kind == b"error":
            errors[json.loads(data)["data"]["code"]] += 1
        elif kind == b"pong" and not pong.done():
            pong.set_result(None)

    flooder = await h.open_ws(t.port, DISPLAY, on_text, host=t.address)
    for i in range(t.sizes.hellos):
        flooder.send_text(hello(f"flood-{i:05d}"))
    flooder.send_text('{"type": "ping", "t": 1}')  # answered once every hello before it is
    await asyncio.wait([pong, flooder.closed], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    one_socket = await asyncio.to_thread(listed)
    flooder.close()
    many: list[h.WsClient] = []
    failed = 0
    for i in range(t.sizes.hello_sockets):
        try:
            client = await h.open_ws(t.port, DISPLAY, ignore, timeout=10, host=t.address)
        except (OSError, RuntimeError, TimeoutError):
            failed += 1
            continue
        client.send_text(hello(f"many-{i:04d}"))
        many.append(client)
    await asyncio.sleep(1)
    many_sockets = await asyncio.to_thread(listed)
    for client in [*many, real]:
        client.close()

    def seen(displays: list[dict[str, Any]]) -> Figures:
        ids = {d["id"] for d in displays}
        return {"listed": len(ids), "tv1": "tv-hall-1" in ids, "tv2": "tv-hall-2" in ids}

    return {
        "processed": pong.done(),
        "errors": dict(errors),
        "one": seen(one_socket),
        "many": seen(many_sockets),
        "opened": len(many),
        "failed": failed,
    }


def hello_flood(t: Target) -> Figures:
    figures: Figures = {}
    with t.watching(figures, "hellos"):
        figures.update(asyncio.run(hello_flood_async(t)))
    return figures


def hello_flood_rows(f: Figures) -> Rows:
    return [
        ("one socket: all hellos handled", yes(f["processed"])),
        ("one socket: refused hellos", tally(Counter(f["errors"]))),
        ("one socket: screens listed", f["one"]["listed"]),
        ("one socket: silent TV still listed", yes(f["one"]["tv1"])),
        ("one socket: switched-off TV still listed", yes(f["one"]["tv2"])),
        ("many sockets: opened (failed)", f"{f['opened']} ({f['failed']})"),
        ("many sockets: screens listed", f["many"]["listed"]),
        ("many sockets: silent TV still listed", yes(f["many"]["tv1"])),
        ("many sockets: switched-off TV still listed", yes(f["many"]["tv2"])),
    ]


# -- 11. secret ids on the public feed ----------------------------------------------------


async def public_feed(t: Target) -> Figures:
    got: list[bytes] = []
    display = await h.open_ws(t.port, DISPLAY, lambda c, data, s: got.append(data), host=t.address)
    http = await h.AsyncHttp.open(t.port)
    ids, last_seq = [], 0
    for i in range(20):
        status, body = await http.request(
            h.http_request("POST", f"{SITE}/tickets", {"service": "AB"[i % 2]})
        )
        ids.append(json.loads(body)["ticket"]["id"])
    for i in range(8):
        counter = "13"[i % 2]
        status, body = await http.request(
            h.http_request("POST", f"{SITE}/counters/{counter}/call-next", token=t.token)
        )
        last_seq = max(last_seq, json.loads(body)["seq"])
    http.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(b'"seq":%d,' % last_seq in m for m in got):
        await asyncio.sleep(0.05)
    display.close()
    feed = b"".join(got)
    _, state = await asyncio.to_thread(t.request, h.http_request("GET", f"{SITE}/state"), True)
    holders = 0
    for ticket_id in ids:  # each holder opens their page's socket once, from the hall's Wi-Fi
        try:
            holder = await h.open_ws(
                t.port, f"/ws/ticket/{ticket_id}", ignore, timeout=10, host=t.address
            )
        except (OSError, RuntimeError, TimeoutError):
            continue
        holders += 1
        holder.close()
    await asyncio.sleep(0.5)
    log = log_bytes(t.server)
    return {
        "issued": len(ids),
        "called": 8,
        "on_feed": sum(i.encode() in feed for i in ids),
        "in_state": sum(i.encode() in state for i in ids),
        "in_log": sum(i.encode() in log for i in ids),
        "holders": holders,
    }


def public_feed_check(t: Target) -> Figures:
    figures: Figures = {}
    with t.watching(figures, "feed"):
        figures.update(asyncio.run(public_feed(t)))
    return figures


def public_feed_rows(f: Figures) -> Rows:
    return [
        ("tickets issued / called", f"{f['issued']} / {f['called']}"),
        ("holders' ids on the display socket", f["on_feed"]),
        ("holders' ids in GET .../state", f["in_state"]),
        ("holders' page sockets opened", f["holders"]),
        ("holders' ids in the server log", f["in_log"]),
    ]


# -- the run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attack:
    number: int
    title: str
    strike: Callable[[Target], Figures]
    rows: Callable[[Figures], Rows]


ATTACKS = (
    Attack(1, "ticket flood from one address", ticket_flood, ticket_flood_rows),
    Attack(
        2,
        "resume from seq 1, never reading; resume then disconnect",
        resume_flood,
        resume_flood_rows,
    ),
    Attack(3, "one huge body on POST .../tickets", huge_body, huge_body_rows),
    Attack(6, "login guessing, weak passwords", login_guessing, login_guessing_rows),
    Attack(8, "JSON nested 2,000 deep", deep_nesting, deep_nesting_rows),
    Attack(9, "hello flood against the screens list", hello_flood, hello_flood_rows),
    Attack(11, "secret ticket ids on the public feed", public_feed_check, public_feed_rows),
)


def watch_rows(f: Figures) -> Rows:
    rows: Rows = []
    watched = f.get("watch", {})
    for part, w in watched.items():
        prefix = f"{part}: " if len(watched) > 1 else ""
        for op, name in (("issue", "kiosk issue"), ("call", "call-next")):
            lat = w[op]
            rows.append(
                (
                    f"{prefix}{name} ms p50 / p99 / max",
                    f"{lat['p50']:.1f} / {lat['p99']:.1f} / {lat['max']:.0f}",
                )
            )
        failed: Counter[str] = Counter()
        for op in ("issue", "call"):
            for status, count in w[op]["failed"].items():
                failed[str(status) if str(status) != "0" else "no answer"] += count
        answered = w["issue"]["n"] + w["call"]["n"]
        rows.append(
            (f"{prefix}hall requests (failed)", f"{answered} ({tally(failed) if failed else 0})")
        )
        rows.append(
            (
                f"{prefix}server RSS MB before → peak",
                f"{w['rss_before_mb']:,.0f} → {w['rss_peak_mb']:,.0f}",
            )
        )
        rows.append(
            (
                f"{prefix}log lines (MB) / tracebacks",
                f"{w['log_lines']:,} ({w['log_mb']:.1f}) / {w['tracebacks']:,}",
            )
        )
    return rows


def run_one(
    attack: Attack, checkout: Checkout, address: str, sizes: Sizes, env: dict[str, str]
) -> Figures:
    target: Target | None = None
    try:
        target = Target(checkout, address, sizes, env)
        return attack.strike(target)
    except Exception as error:  # reported in the table; the other checkout still runs
        lines = str(error).strip().splitlines() or [""]
        said = lines[0] + (f" … {lines[-1].strip()}" if len(lines) > 1 else "")
        return {"error": f"{type(error).__name__}: {said}"[:200]}
    finally:
        if target is not None:
            target.close()


def table(attack: Attack, checkouts: Sequence[Checkout], runs: Sequence[Figures]) -> h.Table:
    cells: list[dict[str, object]] = []
    labels: list[str] = []
    for figures in runs:
        rows = (
            [("error", figures["error"])]
            if "error" in figures
            else [*attack.rows(figures), *watch_rows(figures)]
        )
        cells.append(dict(rows))
        labels += [label for label, _ in rows if label not in labels]
    out = h.Table([f"{attack.number}. {attack.title}", *(c.label for c in checkouts)])
    for label in labels:
        out.add(label, *(c.get(label, "—") for c in cells))
    return out


def p99_met(runs: Sequence[Figures]) -> tuple[int, int]:
    met = total = 0
    for figures in runs:
        for w in figures.get("watch", {}).values():
            total += 1
            met += all(
                w[op]["p99"] < TARGET_P99_MS and not w[op]["failed"] for op in ("issue", "call")
            )
    return met, total


def outside_address() -> str | None:
    """This machine's address on its network: the source of a route out (a UDP connect
    sends nothing), or what its hostname resolves to; None if only loopback is found."""
    found = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.connect(("8.8.8.8", 53))
            found.append(udp.getsockname()[0])
    except OSError:
        pass
    try:
        found.append(socket.gethostbyname(socket.gethostname()))
    except OSError:
        pass
    for address in found:
        if not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
            return address
    return None


def label_of(root: Path, default: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    inside = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True
    )
    if done.returncode == 0 and Path(inside.stdout.strip()).resolve() == root.resolve():
        return f"{default} ({done.stdout.strip()})"
    return f"{default} ({root.name})"


def main() -> None:
    parser = h.bench_parser(__doc__ or "", "smaller attacks: about 80 s")
    parser.add_argument(
        "--before", type=Path, help=f"the old checkout (default: {BEFORE_COMMIT}, exported)"
    )
    parser.add_argument(
        "--after", type=Path, default=h.ROOT, help="the new checkout (default: this one)"
    )
    parser.add_argument("--only", type=int, nargs="+", metavar="N", help="attack numbers to run")
    parser.add_argument(
        "--address", help="the attacker's address (default: this machine's, not loopback)"
    )
    args = parser.parse_args()
    sizes = Sizes.of(args.quick)
    env = h.env_pairs(args.server_env)
    h.raise_nofile()
    address = args.address or outside_address()
    if address is None:
        address = "127.0.0.1"
        print(
            "No address but loopback found: attacking from 127.0.0.1, which the new limits do not "
            "apply to (attack 1's 'after' shows no limit). Give --address.",
            file=sys.stderr,
        )
    exported = None if args.before else h.old_checkout(BEFORE_COMMIT)
    before_root = (args.before or exported).resolve()  # type: ignore[union-attr]
    checkouts = [
        Checkout(
            f"before ({BEFORE_COMMIT})" if exported else label_of(before_root, "before"),
            before_root,
        ),
        Checkout(label_of(args.after.resolve(), "after"), args.after.resolve()),
    ]
    chosen = [a for a in ATTACKS if not args.only or a.number in args.only]
    print(
        paragraphs_head(address, checkouts, args.quick),
        flush=True,
    )
    results: dict[str, Any] = {}
    met: dict[str, list[int]] = {c.label: [0, 0] for c in checkouts}
    try:
        for attack in chosen:
            started = time.monotonic()
            runs = [run_one(attack, c, address, sizes, env) for c in checkouts]
            for c, figures in zip(checkouts, runs, strict=True):
                got, total = p99_met([figures])
                met[c.label][0] += got
                met[c.label][1] += total
            took = time.monotonic() - started
            print(f"\n{table(attack, checkouts, runs).render()}\n({took:.0f} s)", flush=True)
            results[str(attack.number)] = {
                c.label: figures for c, figures in zip(checkouts, runs, strict=True)
            }
    finally:
        if exported is not None:
            shutil.rmtree(exported, ignore_errors=True)
    verdict = "; ".join(f"{label}: {got} of {total} parts" for label, (got, total) in met.items())
    print(
        f"\nTargets: under every attack the hall's kiosk issue and call-next answer in under "
        f"{TARGET_P99_MS:.0f} ms at p99, none failing (issue 14) — met in {verdict}."
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": h.machine_line(),
                    "address": address,
                    "quick": args.quick,
                    "attacks": results,
                },
                indent=2,
                default=str,
            )
        )


def paragraphs_head(address: str, checkouts: Sequence[Checkout], quick: bool) -> str:
    return h.paragraphs(
        f"Attacks (issue 14){' — quick' if quick else ''}: {h.machine_line()}",
        [
            f"attacker: {address}; the hall (kiosk issue + call-next every "
            f"{PROBE_EVERY * 1000:.0f} ms): 127.0.0.1",
            *(f"{c.label}: {c.root}" for c in checkouts),
        ],
    )


if __name__ == "__main__":
    main()
