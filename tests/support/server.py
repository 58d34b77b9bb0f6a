"""A real `loket serve` in a subprocess on a free port, for integration and browser tests."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.installed import installed_copy_problem

READY = re.compile(r"Loket is ready at (http://\S+?)/?$")
ADMIN_PASSWORD = "admin-test-pass"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loket_command() -> str:
    """The installed console script, beside this Python."""
    return str(Path(sys.executable).with_name("loket"))


class LoketServer:
    def __init__(
        self,
        workdir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        port: int = 0,
        own_store: bool = True,
    ) -> None:
        self.workdir = workdir
        self.port = port
        # own_store=False: no --store and no --port of its own (args or env give them)
        self.own_store = own_store
        self.db = workdir / "loket.db"
        self.args = args
        self.env = {
            **os.environ,
            "LOKET_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LOKET_AUDIO_CACHE": str(workdir / "audio"),  # each test server starts cold
            **(env or {}),
        }
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self.url = ""

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def start(self, timeout: float = 20.0) -> LoketServer:
        problem = installed_copy_problem()
        if problem:
            raise RuntimeError(problem)
        command = [loket_command(), "serve"]
        if self.own_store:
            command += ["--port", str(self.port), "--store", f"sqlite:///{self.db}"]
        self.process = subprocess.Popen(
            [*command, *self.args],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            match = READY.search(line.strip())
            if match:
                self.url = match.group(1).replace("localhost", "127.0.0.1")
                return self
        self.stop()
        raise RuntimeError("loket serve did not start:\n" + "".join(self.output))

    @contextmanager
    def running(self) -> Iterator[LoketServer]:
        """Started for the block, stopped after it whatever happens."""
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def _drain(self, lines: queue.Queue[str | None]) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code

    def kill(self) -> None:
        self.stop(signal.SIGKILL)
