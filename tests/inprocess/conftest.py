"""Fixtures of the in-process layer: see running.py (the app) and wsclient.py (sockets)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.inprocess.running import Loket, running_loket


@pytest.fixture
async def loket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    async with running_loket(tmp_path, monkeypatch) as running:
        yield running
