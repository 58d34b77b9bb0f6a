"""A kiosk opened as localhost without LOKET_PUBLIC_URL prints QR codes that lead to
localhost, which no visitor's phone can open: the kiosk page warns its staff."""

from pathlib import Path

import pytest

from tests.inprocess.running import Loket, running_loket

WARNING = 'id="kiosk-qr-warning"'


async def test_a_kiosk_opened_as_localhost_warns(loket: Loket) -> None:
    for local in ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"]:
        page = await loket.http.get(f"{local}/kiosk/demo?lang=en")
        assert page.status_code == 200
        assert WARNING in page.text, local
        assert f"This kiosk was opened as {local}: the QR codes" in page.text

    hall = await loket.http.get("http://192.168.1.10:8000/kiosk/demo?lang=en")
    assert hall.status_code == 200
    assert WARNING not in hall.text


async def test_no_warning_with_a_public_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    public = "https://antrian.example.org"
    async with running_loket(tmp_path, monkeypatch, public_url=public) as running:
        page = await running.http.get("http://localhost:8000/kiosk/demo?lang=ru")
        assert page.status_code == 200
        assert WARNING not in page.text
