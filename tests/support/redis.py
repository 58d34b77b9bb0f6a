"""A real redis-server of the tests' own (never a system one), on a free port in a temp dir.

    with RedisServer(tmp_path).running() as redis: ...   # redis.url(), .stop(), .start()

As pytest fixtures (a conftest imports them): `redis_server`, one per session without
persistence, and `redis_url`, its database 0 flushed before each test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import OwnProcess, free_port

REDIS_SERVER = "/usr/bin/redis-server"


def _command(port: int, *words: str, timeout: float = 1.0) -> bytes:
    """One command in the Redis protocol; the raw answer."""
    request = f"*{len(words)}\r\n".encode()
    for word in words:
        request += f"${len(word.encode())}\r\n{word}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        return conn.recv(65536)


class RedisServer(OwnProcess):
    """`aof=True`: an append-only file synced at every write (appendfsync always), so a
    restart keeps everything acknowledged. Otherwise nothing persists: a restart is an
    empty Redis."""

    def __init__(
        self,
        workdir: Path,
        aof: bool = False,
        port: int = 0,
        config: Path | None = None,
        replica_of: int | None = None,
    ) -> None:
        self.workdir = workdir
        self.aof = aof
        self.config = config  # a redis.conf whose persistence settings are used instead
        self.replica_of = replica_of  # the port of the master this one replicates
        self.port = port or free_port()  # kept across restarts: clients reconnect
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def command(self, *words: str) -> bytes:
        return _command(self.port, *words)

    def arguments(self) -> list[str]:
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.workdir),
            "save": "",
            "daemonize": "no",
            "logfile": str(self.workdir / "redis.log"),
        }
        if self.config is None:
            options["appendonly"] = "yes" if self.aof else "no"
            options["appendfsync"] = "always"
            options["maxmemory-policy"] = "noeviction"
        if self.replica_of is not None:
            options["replicaof"] = f"127.0.0.1 {self.replica_of}"
        words = [
            word for name, value in options.items() for word in (f"--{name}", *value.split(" "))
        ]
        return ([] if self.config is None else [str(self.config)]) + words

    def start(self, timeout: float = 10.0) -> RedisServer:
        if not Path(REDIS_SERVER).exists():
            raise RuntimeError(f"{REDIS_SERVER} is missing: apt-get install redis-server")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, *self.arguments()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if self.wait_ready(self._answers, timeout, poll=0.02):
            return self
        self.stop()
        log = self.workdir / "redis.log"
        told = log.read_text() if log.exists() else ""
        raise RuntimeError("redis-server did not start:\n" + told)

    def _answers(self) -> bool:
        try:
            return self.command("PING").startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        self.stop()
        self.start()

    def flushall(self) -> None:
        assert self.command("FLUSHALL").startswith(b"+OK")


class SentinelServer(RedisServer):
    """A Redis Sentinel watching the master on `master_port` as service `loket`, quick to
    give up on it (0.5 s) so a failover takes a second or two."""

    SERVICE = "loket"

    def __init__(self, workdir: Path, master_port: int) -> None:
        super().__init__(workdir)
        self.master_port = master_port

    def url(self, db: int = 0) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.SERVICE}/{db}"

    def arguments(self) -> list[str]:
        # a sentinel rewrites its own file: one of its own, written anew at each start
        config = self.workdir / "sentinel.conf"
        name = self.SERVICE
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {self.workdir}\n"
            f"logfile {self.workdir / 'redis.log'}\n"
            f"sentinel monitor {name} 127.0.0.1 {self.master_port} 1\n"
            f"sentinel down-after-milliseconds {name} 500\n"
            f"sentinel failover-timeout {name} 5000\n"
        )
        return [str(config), "--sentinel"]

    def master_port_now(self) -> int:
        answer = self.command("SENTINEL", "get-master-addr-by-name", self.SERVICE)
        return int(answer.split(b"\r\n")[-2])


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    workdir = Path(tempfile.mkdtemp(prefix="loket-redis-"))
    try:
        with RedisServer(workdir).running() as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    if redis_server.process is None:  # a test stopped it
        redis_server.start()
    redis_server.flushall()
    return redis_server.url()
