"""A real `loket serve` in a subprocess on a free port, for integration and browser tests.

As a pytest fixture (a conftest imports it): `live_server`, one of the test's own, fresh
for each test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.installed import installed_copy_problem
from tests.support.processes import OwnProcess, free_port

__all__ = ["ADMIN_PASSWORD", "READY", "LoketServer", "free_port", "live_server", "loket_command"]

READY = re.compile(r"Loket is ready at (http://\S+?)/?$")
ADMIN_PASSWORD = "admin-test-pass"


def loket_command() -> str:
    """The installed console script, beside this Python."""
    return str(Path(sys.executable).with_name("loket"))


class LoketServer(OwnProcess):
    """`start()` waits for the line that says it is ready, and takes its URL from it;
    `output` keeps every line it writes."""

    STOP_TIMEOUT = 15.0

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
        self.url = ""
        self.process = subprocess.Popen(
            [*command, *self.args],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        announced: list[str] = []
        drain = threading.Thread(target=self._drain, args=(self.process, announced), daemon=True)
        drain.start()
        if self.wait_ready(lambda: bool(announced), timeout, poll=0.02):
            self.url = announced[0]
            return self
        self.stop()
        drain.join(5)  # all it said, to the last line
        raise RuntimeError("loket serve did not start:\n" + "".join(self.output))

    def _drain(self, process: subprocess.Popen[str], announced: list[str]) -> None:
        """Keep what the server writes, and the URL it announces once ready."""
        assert process.stdout is not None
        for line in process.stdout:
            self.output.append(line)
            match = READY.search(line.strip())
            if match and not announced:
                announced.append(match.group(1).replace("localhost", "127.0.0.1"))


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LoketServer]:
    """A server of the test's own: a new database, started for the test, stopped after it."""
    with LoketServer(tmp_path).running() as running:
        yield running
