"""Attacks on the transport from one client address, before and after issue 14's bounds.

Two fresh `loket serve` (default settings, SQLite in temporary folders): the old revision
(`--old`, default 623ee28, the last before the bounds; its files by `git archive`) and this
checkout. The attacker is 127.0.0.2 — another machine to the server (127.0.0.1, the
machine itself, is trusted and never capped); normal requests come from 127.0.0.1.

  slowloris  N connections send a request head one header every 5 s (never ending it);
             how many the server has neither closed nor reset after 5, 15 and T s.
  flood      N idle connections opened as fast as they go (they send nothing); meanwhile
             GET /healthz on a new connection each, every 10 ms: p50/p99/max, failures;
             the connections the server holds (descriptors) and its RSS.
  deaf       N display sockets (SO_RCVBUF 4 KB) that send pings until the server stops
             reading them, and never read: how many the server has neither closed nor
             reset after 30, 60 and 90 s; its descriptors beyond its baseline at the
             end, and its RSS.
  big        20 display sockets whose first message, sent the instant the handshake is
             answered, is 100 KB: the close codes, and tracebacks in the server's log.

The slowloris and deaf phases run on both servers at once (they wait, and cost little
CPU); the flood runs on one server at a time. Figures are medians where repeated.

    .venv/bin/python bench/attack_transport.py           # N = 200 / 3,000 / 10; ~3 min
    .venv/bin/python bench/attack_transport.py --quick   # N = 50 / 1,500 / 4; T = 20 s, 30 s waits

Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import _harness as h

ATTACKER = "127.0.0.2"
TEXT, CLOSE = 0x1, 0x8
ESTABLISHED = 1  # Linux's TCP_ESTABLISHED


def fds(server: h.Server) -> int:
    return len(os.listdir(f"/proc/{server.pid}/fd"))


def settled_fds(server: h.Server) -> int:
    """The server's descriptors once their count has held still for a second (what an
    earlier phase closed is gone), within 15 s."""
    deadline = time.monotonic() + 15
    count = fds(server)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = fds(server)
        if now == count:
            break
        count = now
    return count


def attacker_socket(port: int, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((ATTACKER, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    return sock


def send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server closed it: that is what is measured


def still_open(socks: list[socket.socket]) -> int:
    """How many of `socks` the server has neither closed nor reset: still ESTABLISHED
    (tcpi_state, the first byte of TCP_INFO), whatever the client has left unread."""
    return sum(
        sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0] == ESTABLISHED for sock in socks
    )


# -- the service meanwhile ------------------------------------------------------------


class Service:
    """A kiosk issuing a ticket and a clerk calling the next, 10 times a second, on one
    keep-alive connection each from 127.0.0.1 (as the real ones hold): how long each
    answer takes while an attack goes on."""

    ISSUE = h.http_request("POST", "/api/v1/sites/demo/tickets", {"service": "A"})

    def __init__(self, server: h.Server) -> None:
        self.port = server.port
        self.call = h.http_request(
            "POST", "/api/v1/sites/demo/counters/1/call-next", token=h.login(server.port)
        )
        self.ms: dict[str, list[float]] = {"issue": [], "call": []}
        self.failed = 0
        # opened when first used: a connection that asks nothing for 10 s is closed
        self.kiosk: h.SyncHttp | None = None
        self.clerk: h.SyncHttp | None = None

    def _timed(
        self, name: str, connection: h.SyncHttp | None, raw: bytes, ok: int
    ) -> h.SyncHttp | None:
        """One request; on a kept-alive connection the server had closed meanwhile (idle
        over 5 s), once more on a new one, as a browser does — timed from the first try."""
        t0 = time.monotonic()
        for fresh in (False, True) if connection is not None else (True,):
            try:
                if fresh:
                    connection = h.SyncHttp(self.port, timeout=5)
                assert connection is not None
                status, _ = connection.request(raw)
            except (OSError, ValueError):  # closed, or an answer cut short
                status = 0
            if status == ok:
                self.ms[name].append((time.monotonic() - t0) * 1000)
                return connection
            if status != 0:
                break
        self.failed += 1
        if connection is not None:
            connection.close()
        return None  # a new one next time, as a kiosk would

    def run_for(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self.kiosk = self._timed("issue", self.kiosk, self.ISSUE, 201)
            self.clerk = self._timed("call", self.clerk, self.call, 200)
            time.sleep(max(0.0, min(0.1, until - time.monotonic())))

    def figures(self) -> dict[str, Any]:
        for connection in (self.kiosk, self.clerk):
            if connection is not None:
                connection.close()
        return {
            "issue_p99": h.percentile(self.ms["issue"], 99),
            "call_p99": h.percentile(self.ms["call"], 99),
            "answered": len(self.ms["issue"]) + len(self.ms["call"]),
            "failed": self.failed,
        }


# -- slowloris -------------------------------------------------------------------------


def slowloris(server: h.Server, n: int, marks: list[float]) -> dict[str, Any]:
    service = Service(server)
    socks = [attacker_socket(server.port) for _ in range(n)]
    for sock in socks:
        send_quietly(sock, b"GET /healthz HTTP/1.1\r\nHost: loket\r\n")
    started = time.monotonic()
    counts: list[int] = []
    for mark in marks:
        while time.monotonic() < started + mark:
            service.run_for(min(5.0, max(0.0, started + mark - time.monotonic())))
            if time.monotonic() < started + mark - 0.1:
                for sock in socks:
                    send_quietly(sock, b"X-Slow: 1\r\n")
        counts.append(still_open(socks))
    for sock in socks:
        sock.close()
    return {"open": counts, **service.figures()}


# -- flood -----------------------------------------------------------------------------


def healthz_ms(port: int) -> float | None:
    """One GET /healthz on a new connection from 127.0.0.1: ms, None if it failed."""
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: loket\r\nConnection: close\r\n\r\n")
            if not sock.recv(4096).startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return (time.monotonic() - t0) * 1000


def flood(server: h.Server, n: int) -> dict[str, Any]:
    service = Service(server)
    base, rss_before = settled_fds(server), server.rss_kb()
    latencies: list[float] = []
    failed = 0

    def probe() -> None:
        nonlocal failed
        ms = healthz_ms(server.port)
        if ms is None:
            failed += 1
        else:
            latencies.append(ms)

    socks: list[socket.socket] = []
    refused = 0
    started = time.monotonic()
    while len(socks) + refused < n:
        try:
            socks.append(attacker_socket(server.port))
        except OSError:
            refused += 1
        if (len(socks) + refused) % 50 == 0:  # while they come
            probe()
    opened = time.monotonic() - started
    time.sleep(0.5)
    held = fds(server) - base
    for _ in range(100):  # and while the attacker holds what it got
        probe()
        time.sleep(0.01)
    service.run_for(10)
    held_later, rss = fds(server) - base - 2, server.rss_kb()  # less the service's two
    for sock in socks:
        sock.close()
    return {
        "held": held,
        "held_later": held_later,
        "opened_s": opened,
        "p50": h.percentile(latencies, 50),
        "p99": h.percentile(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "failed": failed,
        "requests": len(latencies) + failed,
        "rss_mb": (rss - rss_before) / 1024,
        **service.figures(),
    }


# -- deaf sockets --------------------------------------------------------------------


def answered(sock: socket.socket, port: int) -> bytes:
    """Opens a display socket: what was read once the upgrade's answer is in (its head,
    and perhaps the first frames)."""
    sock.sendall(h.upgrade_request("127.0.0.1", port, "/ws/display/demo"))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"no upgrade: {data!r}")
        data += chunk
    return data


def deaf_display(port: int) -> socket.socket:
    sock = attacker_socket(port, rcvbuf=4096)
    answered(sock, port)  # bytes sent before it would be lost in the upgrade
    pings = h.client_frame(TEXT, b'{"type":"ping","t":1}') * 2000
    sock.settimeout(0.5)
    try:
        for _ in range(400):  # at most 20 MB: the server stops reading well before
            sock.sendall(pings)
    except OSError:
        pass  # the server no longer reads it
    return sock


def deaf(server: h.Server, n: int, marks: list[float]) -> dict[str, Any]:
    service = Service(server)
    service.run_for(0.1)  # its two connections, before the baseline
    base, rss_before = settled_fds(server), server.rss_kb()
    socks = [deaf_display(server.port) for _ in range(n)]
    started = time.monotonic()
    counts, peak = [], server.rss_kb()
    for mark in marks:
        service.run_for(max(0.0, started + mark - time.monotonic()))
        counts.append(still_open(socks))
        peak = max(peak, server.rss_kb())
    held, rss = fds(server) - base, server.rss_kb()
    for sock in socks:
        sock.close()
    return {
        "open": counts,
        "held": held,
        "rss_peak_mb": (peak - rss_before) / 1024,
        "rss_mb": (rss - rss_before) / 1024,
        **service.figures(),
    }


# -- a big first message -------------------------------------------------------------------


def close_of(sock: socket.socket, data: bytes) -> int | None:
    """The code of the server's close frame (None: closed without one, or no answer);
    `data`: what was read already, from the handshake's answer on."""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    _, _, frames = data.partition(b"\r\n\r\n")
    while len(frames) >= 2:
        opcode, size, start = frames[0] & 0x0F, frames[1] & 0x7F, 2
        if size == 126:
            size, start = struct.unpack("!H", frames[2:4])[0], 4
        if opcode == CLOSE:
            return int(struct.unpack("!H", frames[start : start + 2])[0])
        frames = frames[start + size :]
    return None


def big_first(server: h.Server, attempts: int) -> dict[str, Any]:
    big = h.client_frame(TEXT, b'{"type":"ping","t":"' + b"x" * 100_000 + b'"}')
    codes = []
    for _ in range(attempts):
        sock = attacker_socket(server.port)
        head = answered(sock, server.port)
        sock.sendall(big)  # at once
        codes.append(close_of(sock, head))
        sock.close()
    time.sleep(0.5)
    log = server.log.read_text(errors="replace")
    return {"1009": codes.count(1009), "attempts": attempts, "tracebacks": log.count("Traceback")}


# -- the run -------------------------------------------------------------------------


def side_by_side(servers: dict[str, h.Server], phase: Callable[[h.Server], Any]) -> dict[str, Any]:
    with ThreadPoolExecutor(len(servers)) as pool:
        futures = {name: pool.submit(phase, server) for name, server in servers.items()}
        return {name: future.result() for name, future in futures.items()}


def main() -> None:
    parser = h.bench_parser(__doc__ or "", "fewer sockets and shorter waits: about 1.5 minutes")
    parser.add_argument("--old", default="623ee28", help="the revision to compare with")
    args = parser.parse_args()
    h.raise_nofile()
    slow_n, flood_n, deaf_n = (50, 1500, 4) if args.quick else (200, 3000, 10)
    slow_marks = [5.0, 15.0, 20.0] if args.quick else [5.0, 15.0, 30.0]
    deaf_marks = [10.0, 30.0] if args.quick else [30.0, 60.0, 90.0]
    env = h.env_pairs(args.server_env)
    old_root = h.old_checkout(args.old)
    servers = {
        f"old ({args.old})": h.start_loket(env, root=old_root),
        "new": h.start_loket(env),
    }
    try:
        slow = side_by_side(servers, lambda s: slowloris(s, slow_n, slow_marks))
        flooded = {name: flood(server, flood_n) for name, server in servers.items()}
        deafened = side_by_side(servers, lambda s: deaf(s, deaf_n, deaf_marks))
        big = {name: big_first(server, 20) for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(old_root, ignore_errors=True)

    slow_table = h.Table(["server", *(f"open after {m:.0f} s" for m in slow_marks)])
    flood_table = h.Table(
        ["server", "held", "held 11 s later", "healthz p50 ms", "p99 ms", "max ms", "failed",
         "ΔRSS MB", "open s"]
    )  # fmt: skip
    deaf_columns = [f"open after {m:.0f} s" for m in deaf_marks]
    deaf_table = h.Table(["server", *deaf_columns, "fds held", "ΔRSS peak MB", "ΔRSS MB"])
    big_table = h.Table(["server", "closed 1009", "tracebacks in the log"])
    service_table = h.Table(
        ["attack", "server", "issue p99 ms", "call-next p99 ms", "answered", "failed"]
    )
    for name in servers:
        slow_table.add(name, *slow[name]["open"])
        f = flooded[name]
        failed = f"{f['failed']} of {f['requests']}"
        flood_table.add(name, f["held"], f["held_later"], f["p50"], f["p99"], f["max"], failed,
                        f["rss_mb"], f["opened_s"])  # fmt: skip
        d = deafened[name]
        deaf_table.add(name, *d["open"], d["held"], d["rss_peak_mb"], d["rss_mb"])
        b = big[name]
        big_table.add(name, f"{b['1009']} of {b['attempts']}", b["tracebacks"])
    for attack, figures in (("slowloris", slow), ("flood", flooded), ("deaf", deafened)):
        for name in servers:
            f = figures[name]
            service_table.add(attack, name, f["issue_p99"], f["call_p99"], f["answered"],
                              f["failed"])  # fmt: skip
    print(
        h.paragraphs(
            f"slowloris: {slow_n} connections from {ATTACKER}, a header every 5 s "
            "(open: neither closed nor reset by the server)",
            slow_table,
            f"flood: {flood_n} idle connections from {ATTACKER}; GET /healthz from 127.0.0.1 "
            "on a new connection meanwhile",
            flood_table,
            f"deaf: {deaf_n} display sockets from {ATTACKER} that never read (open: neither "
            "closed nor reset by the server; fds held: the server's, at the end, beyond its "
            "baseline)",
            deaf_table,
            "big: a 100 KB first message on a display socket",
            big_table,
            "the service meanwhile: a kiosk's POST .../tickets and a clerk's call-next, "
            "10 a second each on keep-alive connections from 127.0.0.1 (flood: for 10 s "
            "once the attacker holds everything; slowloris and deaf: throughout)",
            service_table,
        )
    )


if __name__ == "__main__":
    main()
