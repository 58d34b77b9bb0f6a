"""What every process a test starts of its own (Loket, redis-server, nginx) has in common:
a free port to listen on, a bounded wait until it is ready, and one way to stop it.

A kind of process subclasses `OwnProcess` and writes `start()`: it launches the process
into `self.process`, then `wait_ready(...)` with what "ready" means for it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class OnLocalPort:
    """Something listening on 127.0.0.1:`port`."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


class OwnProcess:
    STOP_TIMEOUT = 10.0  # a stop (SIGTERM) longer than this ends in SIGKILL
    process: subprocess.Popen[Any] | None = None

    def start(self, timeout: float = 10.0) -> Self:
        raise NotImplementedError

    def wait_ready(self, ready: Callable[[], bool], timeout: float, poll: float = 0.05) -> bool:
        """Until `ready()` holds: True; False when the process ends first, or after `timeout`."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if ready():
                return True
            time.sleep(poll)
        return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float | None = None) -> int | None:
        """Send `sig` (SIGTERM: a clean stop) and wait for the end, killing the process if it
        outlasts `timeout`; its exit code (None when it was not running)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(self.STOP_TIMEOUT if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.process = None
        return code

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown, nothing saved on the way out."""
        self.stop(signal.SIGKILL)

    @contextmanager
    def running(self) -> Iterator[Self]:
        """Started for the block, stopped after it whatever happens."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
