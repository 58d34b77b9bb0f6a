"""`loket serve --workers N`: N server processes sharing one listening socket, all on one
Redis store (SQLite serves a single process). This process binds the socket, starts the
workers with it (`loket serve --fd`), restarts one that dies, and stops them all cleanly on
SIGTERM or Ctrl-C — the workers close their sockets with 1012 as a single server does.
SIGHUP makes one worker read the site file again; the others follow it through Redis."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
RESTART_DELAY = 1.0  # a worker that dies at once must not spin the machine


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=4096)
    sock.set_inheritable(True)
    return sock


def _ready(host: str, port: int, deadline: float) -> bool:
    probe = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(probe, port, timeout=1)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    return False


class Workers:
    def __init__(self, count: int, worker_args: Sequence[str]) -> None:
        self.count = count
        self.worker_args = list(worker_args)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.stopping = False

    def _start(self, fd: int) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "loket.server.cli",
            "serve",
            "--fd",
            str(fd),
            *self.worker_args,
        ]
        return subprocess.Popen(command, pass_fds=(fd,))

    def run(self, host: str, port: int, on_ready: Callable[[int], None]) -> int:
        sock = _listen(host, port)
        bound = sock.getsockname()[1]
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGHUP, lambda *_: self.reload())
        self.processes = [self._start(sock.fileno()) for _ in range(self.count)]
        if not _ready(host, bound, time.monotonic() + READY_TIMEOUT):
            print("loket: the workers did not start", file=sys.stderr)
            self.stopping = True
        else:
            on_ready(bound)
        while not self.stopping:
            for i, process in enumerate(self.processes):
                if process.poll() is not None and not self.stopping:
                    print(f"loket: worker {process.pid} ended ({process.returncode}); restarting",
                          file=sys.stderr, flush=True)  # fmt: skip
                    time.sleep(RESTART_DELAY)
                    self.processes[i] = self._start(sock.fileno())
            time.sleep(0.2)
        return self._stop(sock)

    def _stop(self, sock: socket.socket) -> int:
        sock.close()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        return 0

    def reload(self) -> None:
        """SIGHUP: one worker reads the site file again and shares it through Redis, where
        the others take it (server/hall.py): one check, one answer in the log."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGHUP)
                return
