"""A real PostgreSQL of the tests' own (never a system one), on a free port in a temp dir.

    with PostgresServer(tmp_path).running() as pg: ...   # pg.url("db"), .stop(), .start()

PostgreSQL refuses to run as root: as root, its cluster belongs to the `postgres` user
(Debian's package makes it) and the server runs as that user; otherwise as the caller.
Trust authentication on 127.0.0.1 only, fsync off (a test's data need not survive a crash
of the machine).

As pytest fixtures (a conftest imports them): `postgres_server`, one per session, and
`postgres_url`, a fresh empty database for each test.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.processes import OwnProcess, free_port

OWNER = "postgres"  # the system user the server runs as
ROLE = "loket"  # the database superuser the tests connect as


def binary(name: str) -> str:
    """A PostgreSQL program: Debian keeps them under /usr/lib/postgresql/<version>/bin."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: apt-get install postgresql")
    return str(found[-1])


class PostgresServer(OwnProcess):
    def __init__(self, workdir: Path, port: int = 0) -> None:
        self.workdir = workdir
        self.port = port or free_port()  # kept across restarts: clients reconnect
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, command: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / "postgres.log", "ab")  # noqa: SIM115  (the child keeps it)
        owner = OWNER if os.geteuid() == 0 else None
        try:
            return subprocess.Popen(
                command, user=owner, group=owner, stdout=log, stderr=log, cwd=self.workdir
            )
        finally:
            log.close()

    def _init(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam(OWNER)
            os.chown(self.workdir, owner.pw_uid, owner.pw_gid)
        command = [binary("initdb"), "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8"]
        if self._as_owner([*command, "--no-sync"]).wait(60) != 0:
            raise RuntimeError("initdb failed:\n" + self.log())

    def start(self, timeout: float = 20.0) -> PostgresServer:
        if not self.data.exists():
            self._init()
        options = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.workdir),
            "fsync": "off",
            "max_connections": "50",
        }
        words = [word for name, value in options.items() for word in ("-c", f"{name}={value}")]
        self.process = self._as_owner([binary("postgres"), "-D", str(self.data), *words])
        if self.wait_ready(self._answers, timeout, poll=0.05):
            return self
        self.stop()
        raise RuntimeError("postgres did not start:\n" + self.log())

    def stop(self, sig: int = signal.SIGINT, timeout: float | None = None) -> int | None:
        # SIGINT is PostgreSQL's fast shutdown: SIGTERM would wait for every client to leave
        return super().stop(sig, timeout)

    def log(self) -> str:
        path = self.workdir / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _answers(self) -> bool:
        try:
            psycopg.connect(self.url(), connect_timeout=1).close()
        except psycopg.OperationalError:
            return False
        return True

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    workdir = Path(tempfile.mkdtemp(prefix="loket-postgres-"))
    try:
        with PostgresServer(workdir).running() as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    if postgres_server.process is None:  # a test stopped it
        postgres_server.start()
    return postgres_server.create_database()
