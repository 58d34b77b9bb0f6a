"""The TLS sample, deploy/nginx-loket-tls.conf, in front of a real `loket serve` (on this
machine, so trusted by default): what a browser on https:// gets through it — HSTS, Secure
cookies, its own Origin accepted over https and wss, the ticket's link on https with the
port it came to; plain http sent to https."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.nginx import Nginx, Tls
from tests.support.server import ADMIN_PASSWORD, LoketServer
from tests.support.waiting import receive

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "deploy" / "nginx-loket-tls.conf"
CREDENTIALS = {"username": "admin", "password": ADMIN_PASSWORD}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Nginx, Tls]]:
    workdir = tmp_path_factory.mktemp("tls")
    with LoketServer(workdir).running() as server:
        port = int(server.url.rsplit(":", 1)[1])
        with Nginx(workdir / "nginx", SAMPLE, [port]).running() as nginx:
            assert nginx.tls is not None
            yield nginx, nginx.tls


def test_plain_http_is_sent_to_https(proxied: tuple[Nginx, Tls]) -> None:
    nginx, _ = proxied
    answer = httpx.get(f"{nginx.url}/kiosk/demo", timeout=10)
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://127.0.0.1/kiosk/demo"


def test_a_browser_on_https_gets_secure_cookies_and_hsts(proxied: tuple[Nginx, Tls]) -> None:
    _, tls = proxied
    own = {"Origin": tls.url}
    with httpx.Client(base_url=tls.url, verify=tls.trusting(), timeout=10) as https:
        page = https.get("/kiosk/demo")
        assert page.status_code == 200
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        login = https.post("/api/v1/auth/login", json=CREDENTIALS, headers=own)
        assert login.status_code == 200, login.text
        cookies = [line.lower() for line in login.headers.get_list("set-cookie")]
        assert len(cookies) == 2 and all("; secure" in line for line in cookies), cookies
        issued = https.post("/api/v1/sites/demo/tickets", json={"service": "A"}, headers=own)
        assert issued.status_code == 201, issued.text
        ticket_id = issued.json()["ticket"]["id"]
        printed = https.get(f"/t/{ticket_id}?print=1").text
        # the QR link: the scheme from X-Forwarded-Proto, the port from Host
        assert re.search(rf"{re.escape(tls.url)}/t/{ticket_id}\b", printed)


def test_sockets_over_wss_from_the_sites_own_page_only(proxied: tuple[Nginx, Tls]) -> None:
    _, tls = proxied
    context = tls.trusting()
    url = f"{tls.url.replace('https://', 'wss://')}/ws/display/demo"
    with connect(url, ssl=context, origin=tls.url, open_timeout=5) as ws:
        assert receive(ws)["type"] == "snapshot"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, ssl=context, origin="https://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403


def test_the_docs_show_the_sample_as_it_is() -> None:
    docs = (ROOT / "docs" / "security.md").read_text()
    shown = re.search(r"```nginx\n(.*?)```", docs, re.S)
    assert shown is not None and shown.group(1) in SAMPLE.read_text()
