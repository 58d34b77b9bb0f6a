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


# -- slowloris -------------------------------------------------------------------------


def slowloris(server: h.Server, n: int, marks: list[float]) -> dict[str, Any]:
    socks = [attacker_socket(server.port) for _ in range(n)]
    for sock in socks:
        send_quietly(sock, b"GET /healthz HTTP/1.1\r\nHost: loket\r\n")
    started = time.monotonic()
    counts: list[int] = []
    for mark in marks:
        while time.monotonic() < started + mark:
            time.sleep(min(5.0, max(0.0, started + mark - time.monotonic())))
            if time.monotonic() < started + mark - 0.1:
                for sock in socks:
                    send_quietly(sock, b"X-Slow: 1\r\n")
        counts.append(still_open(socks))
    for sock in socks:
        sock.close()
    return {"open": counts}


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
    for _ in range(100):  # and while the attacker holds what it got
        probe()
        time.sleep(0.01)
    held, rss = fds(server) - base, server.rss_kb()
    for sock in socks:
        sock.close()
    return {
        "held": held,
        "opened_s": opened,
        "p50": h.percentile(latencies, 50),
        "p99": h.percentile(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "failed": failed,
        "requests": len(latencies) + failed,
        "rss_mb": (rss - rss_before) / 1024,
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
    base, rss_before = settled_fds(server), server.rss_kb()
    socks = [deaf_display(server.port) for _ in range(n)]
    started = time.monotonic()
    counts, peak = [], server.rss_kb()
    for mark in marks:
        time.sleep(max(0.0, started + mark - time.monotonic()))
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

    slow_table = h.Table(["server", *(f"open after {m:.0f} s" for m in slow_marks)])
    flood_table = h.Table(
        ["server", "held", "healthz p50 ms", "p99 ms", "max ms", "failed", "ΔRSS MB", "open s"]
    )
    deaf_columns = [f"open after {m:.0f} s" for m in deaf_marks]
    deaf_table = h.Table(["server", *deaf_columns, "fds held", "ΔRSS peak MB", "ΔRSS MB"])
    big_table = h.Table(["server", "closed 1009", "tracebacks in the log"])
    for name in servers:
        slow_table.add(name, *slow[name]["open"])
        f = flooded[name]
        failed = f"{f['failed']} of {f['requests']}"
        flood_table.add(
            name, f["held"], f["p50"], f["p99"], f["max"], failed, f["rss_mb"], f["opened_s"]
        )
        d = deafened[name]
        deaf_table.add(name, *d["open"], d["held"], d["rss_peak_mb"], d["rss_mb"])
        b = big[name]
        big_table.add(name, f"{b['1009']} of {b['attempts']}", b["tracebacks"])
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
        )
    )


if __name__ == "__main__":
    main()
