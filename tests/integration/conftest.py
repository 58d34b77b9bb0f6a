from collections.abc import Iterator

import httpx
import pytest

from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.support.redis import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.support.server import ADMIN_PASSWORD, LoketServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoketServer]:
    with LoketServer(tmp_path_factory.mktemp("loket")).running() as running:
        yield running


@pytest.fixture
def http(server: LoketServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def login(client: httpx.Client, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


@pytest.fixture
def admin(http: httpx.Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(http)}"}
