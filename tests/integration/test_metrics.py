"""GET /metrics on a real `loket serve` (CONTRACT 6.8): open to the server's own machine,
and through a proxy on it (X-Forwarded-For) only to an admin's token; the counters move
with what the server does."""

from __future__ import annotations

import re

import httpx

from tests.integration.conftest import login
from tests.support.server import LoketServer

THROUGH_NGINX = {"X-Forwarded-For": "203.0.113.7"}  # a guest, as the proxy names it


def sample(text: str, name: str, **labels: str) -> float:
    wanted = {f'{key}="{value}"' for key, value in labels.items()}
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)\{(.*)\} (\S+)", line)
        if match and match[1] == name and wanted <= set(match[2].split(",")):
            return float(match[3])
    return 0.0


def test_metrics_access_and_counters(server: LoketServer, http: httpx.Client) -> None:
    local = http.get("/metrics")
    assert local.status_code == 200 and local.headers["content-type"].startswith("text/plain")
    stranger = http.get("/metrics", headers=THROUGH_NGINX)
    assert stranger.status_code == 401
    assert stranger.json()["error"]["code"] == "login_required"
    admin = {"Authorization": f"Bearer {login(http)}", **THROUGH_NGINX}
    before = http.get("/metrics", headers=admin)
    assert before.status_code == 200

    issued = http.post("/api/v1/sites/demo/tickets", json={"service": "B"})
    assert issued.status_code == 201
    assert http.post("/api/v1/sites/demo/counters/2/call-next", headers=admin).status_code in (
        200,
        409,
    )
    after = http.get("/metrics").text

    issue = {"route": "/api/v1/sites/{site}/tickets", "method": "POST", "status": "2xx"}
    moved = sample(after, "loket_http_requests_total", **issue) - sample(
        before.text, "loket_http_requests_total", **issue
    )
    assert moved == 1
    for operation in ("issue", "call_next"):
        count = {"operation": operation}
        assert sample(after, "loket_store_seconds_count", **count) > sample(
            before.text, "loket_store_seconds_count", **count
        )
    assert issued.json()["ticket"]["id"] not in after
