"""A Redis store keeps the record only in its PostgreSQL archive: without `--archive`, a
report (and the satisfaction report) is a clear 409 `no_archive` that says how to start
Loket, never a 500."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from loket.server.app import create_app
from loket.server.settings import Settings
from tests.inprocess.running import ADMIN_PASSWORD, QuietSpeech


async def test_a_redis_store_without_an_archive_answers_no_archive(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loket.server.announce.library.SpeakerLink", QuietSpeech)
    settings = Settings(
        store=redis_url, admin_password=ADMIN_PASSWORD, audio_cache=tmp_path / "audio"
    )
    app = create_app(settings, on_generated_password=lambda _: None)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 123))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            login = await http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            query = {"from": "2026-11-01", "to": "2026-11-30", "by": "service"}
            answer = await http.get("/api/v1/sites/demo/reports", params=query, headers=headers)
            unknown = await http.get(
                "/api/v1/sites/elsewhere/reports", params=query, headers=headers
            )
            period = {"from": "2026-11-01", "to": "2026-11-30"}
            satisfaction = await http.get(
                "/api/v1/sites/demo/satisfaction", params=period, headers=headers
            )
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "no_archive" and "--archive postgresql://" in error["message"]
    assert unknown.status_code == 404
    # the satisfaction report (issue 18) counts ratings with their visits: the record too
    assert satisfaction.status_code == 409, satisfaction.text
    assert satisfaction.json()["error"]["code"] == "no_archive"
