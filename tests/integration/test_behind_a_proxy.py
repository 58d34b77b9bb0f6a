"""A real `loket serve` behind a TLS proxy, as uvicorn sees the proxy's headers: the session
cookies are Secure when a trusted proxy (LOKET_TRUSTED_PROXIES, loopback by default) says
the visitor came over HTTPS, never when anyone else claims it; and another site's page can
open no socket here."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.server import ADMIN_PASSWORD, LoketServer, loket_command
from tests.support.waiting import receive

CREDENTIALS = {"username": "admin", "password": ADMIN_PASSWORD}
HTTPS = {"X-Forwarded-Proto": "https"}
# a second loopback address: a client on this machine that is not the trusted proxy
OTHER = "127.0.0.2"


def login_cookies(server: LoketServer, source: str, headers: dict[str, str]) -> list[str]:
    """The Set-Cookie lines of a login sent from the address `source`."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, base_url=server.url, timeout=10) as http:
        answer = http.post("/api/v1/auth/login", json=CREDENTIALS, headers=headers)
    assert answer.status_code == 200, answer.text
    lines = answer.headers.get_list("set-cookie")
    assert len(lines) == 2, lines  # the session and its CSRF token
    return [line.lower() for line in lines]


def secure(lines: list[str]) -> bool:
    flags = {"; secure" in line for line in lines}
    assert len(flags) == 1, lines  # both or neither
    return flags.pop()


@pytest.fixture(scope="module")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoketServer]:
    with LoketServer(tmp_path_factory.mktemp("loket")).running() as running:
        yield running


def test_secure_cookies_when_the_local_proxy_says_https(default_server: LoketServer) -> None:
    # what nginx on this machine sends for a visitor on https://…: Host kept, the scheme told
    own_page = {**HTTPS, "Origin": default_server.url.replace("http://", "https://")}
    assert secure(login_cookies(default_server, "127.0.0.1", own_page))
    assert not secure(login_cookies(default_server, "127.0.0.1", {}))


def test_no_secure_cookies_when_an_untrusted_client_claims_https(
    default_server: LoketServer,
) -> None:
    assert not secure(login_cookies(default_server, OTHER, HTTPS))


def test_the_trusted_proxies_are_a_setting(tmp_path: Path) -> None:
    env = {"LOKET_TRUSTED_PROXIES": f"{OTHER}, 10.0.0.0/8"}
    with LoketServer(tmp_path, env=env).running() as server:
        assert secure(login_cookies(server, OTHER, HTTPS))
        assert not secure(login_cookies(server, "127.0.0.1", HTTPS))  # no longer trusted


def test_a_mistyped_trusted_proxy_stops_start_up(tmp_path: Path) -> None:
    finished = subprocess.run(
        [loket_command(), "serve", "--port", "0", "--trusted-proxies", "10.0.0.300"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert finished.returncode == 2
    assert "'10.0.0.300' is not an IP address or network" in finished.stderr


def test_another_sites_page_cannot_open_a_socket(default_server: LoketServer) -> None:
    path = f"{default_server.ws_url}/ws/display/demo"
    with pytest.raises(InvalidStatus) as refused:
        connect(path, origin="http://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403
    with connect(path, origin=default_server.url, open_timeout=5) as own:
        assert receive(own)["type"] == "snapshot"


def test_answers_carry_the_security_headers(default_server: LoketServer) -> None:
    with httpx.Client(base_url=default_server.url, timeout=10) as http:
        for path in ("/display/demo", "/api/v1/sites/demo/state", "/static/css/loket.css"):
            answer = http.get(path)
            assert answer.status_code == 200, path
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "no-referrer"
