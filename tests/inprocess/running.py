"""Loket in this process: the app factory over a temporary SQLite, its lifespan run, an
httpx client on it through ASGI, and WebSocket clients (wsclient.py).

Speech is the one part replaced: `QuietSpeech` stands where the speech process would be
(server/announce/speaker_link.py) and writes a short silent WAV into the disk cache for
every job, so that the renderer, the backlog, the library and `/audio/...` all run as they
do, without a process of ~0.2 s CPU per test. The real speech process is tested in
tests/integration/test_audio.py and tests/unit/test_speech_process.py.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from loket.server.announce.cache import DiskCache
from loket.server.announce.pcm import Pcm
from loket.server.app import create_app
from loket.server.domain.site import Site
from loket.server.service import LoketService
from loket.server.settings import Settings
from tests.inprocess.wsclient import WsClient

ADMIN_PASSWORD = "admin-test-pass"
SILENCE = Pcm.silence(40, 16000).wav()


class QuietSpeech:
    """In place of SpeakerLink: every job "rendered" at once as a short silence."""

    def __init__(self, folder: Path, max_bytes: int, *args: Any, **kwargs: Any) -> None:
        self.cache = DiskCache(folder, max_bytes)
        self.jobs: list[dict[str, Any]] = []
        self.failing: str | None = None  # the error to answer, as the speech process would
        self.started = 0

    async def start(self) -> None:
        self.started += 1

    async def close(self) -> None:
        pass

    async def render(self, job: dict[str, Any]) -> str | None:
        self.jobs.append(job)
        if self.failing is not None:
            return self.failing
        self.cache.put(job["key"], SILENCE)
        return None


def token_hash(token: str) -> str:
    """How the store keeps a session's token (server/service.py)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Loket:
    """One running app, and the ways a test reaches it."""

    app: Starlette
    http: httpx.AsyncClient
    db: Path
    workdir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def service(self) -> LoketService:
        service: LoketService = self.app.state.service
        return service

    def pin_morning(self, site: str = "demo") -> datetime:
        """The hall's clock at 09:00 today, so that minutes and hours on stay that day."""
        zone = ZoneInfo(self.service.site(site).timezone)
        morning = datetime.now(zone).replace(hour=9, minute=0, second=0, microsecond=0)
        return self.pin_clock(morning)

    def pin_clock(self, moment: datetime) -> datetime:
        """The service's clock stopped at `moment` (in UTC, as it keeps time)."""
        at = moment.astimezone(UTC)
        self.service.clock = lambda: at
        return at

    @property
    def speech(self) -> QuietSpeech:
        assert self.service.audio is not None
        link = self.service.audio.renderer.link
        assert isinstance(link, QuietSpeech)
        return link

    def display(self, site: str = "demo", **kwargs: Any) -> WsClient:
        return WsClient(self.app, f"/ws/display/{site}", **kwargs)

    def phone(self, ticket_id: str, **kwargs: Any) -> WsClient:
        return WsClient(self.app, f"/ws/ticket/{ticket_id}", **kwargs)

    async def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        answer = await self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        token = str(answer.json()["token"])
        self.tokens[username] = token
        return token

    async def auth(self, username: str = "admin") -> dict[str, str]:
        token = self.tokens.get(username) or await self.login(username)
        return {"Authorization": f"Bearer {token}"}

    async def user_headers(self, username: str, role: str) -> dict[str, str]:
        """A new user of `role` (every counter), made by the admin over the API, logged in."""
        password = f"{username}-long-pass-7"
        answer = await self.http.post(
            "/api/v1/users",
            headers=await self.auth(),
            json={"username": username, "password": password, "role": role},
        )
        assert answer.status_code == 201, answer.text
        return {"Authorization": f"Bearer {await self.login(username, password)}"}

    async def issue(self, service: str = "A", site: str = "demo", **extra: Any) -> dict[str, Any]:
        answer = await self.http.post(
            f"/api/v1/sites/{site}/tickets", json={"service": service, **extra}
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def act(
        self,
        counter: str,
        action: str = "call-next",
        site: str = "demo",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """A staff action at a counter, as admin unless `headers` say otherwise."""
        return await self.http.post(
            f"/api/v1/sites/{site}/counters/{counter}/{action}",
            headers={**await self.auth(), **(headers or {})},
            **kwargs,
        )

    async def call(self, counter: str, site: str = "demo") -> dict[str, Any]:
        answer = await self.act(counter, "call-next", site)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        """The database as another process sharing it would change it."""
        with closing(sqlite3.connect(self.db)) as conn, conn:
            return conn.execute(statement, params).fetchall()


@asynccontextmanager
async def running_loket(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    sites: tuple[Site, ...] | None = None,
    client: tuple[str, int] = ("127.0.0.1", 123),
    **settings: Any,
) -> AsyncIterator[Loket]:
    """The app over `workdir/loket.db`, its lifespan running for the block: started as
    `loket serve` starts it, stopped as it stops (a restart: a second block, same workdir)."""
    monkeypatch.setattr("loket.server.announce.library.SpeakerLink", QuietSpeech)
    db = workdir / "loket.db"
    chosen = Settings(
        store=f"sqlite:///{db}",
        admin_password=ADMIN_PASSWORD,
        audio_cache=workdir / "audio",
        **settings,
    )
    app = create_app(chosen, sites=sites, on_generated_password=lambda _: None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Loket(app, http, db, workdir)
