"""Browser hardening (issue 14, attack 10) as a client sees it: the security headers on
every answer, pages with no inline script or style for the CSP to allow, JSON-only bodies,
requests and sockets from another site's page refused, Secure cookies over HTTPS."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.inprocess.running import ADMIN_PASSWORD, Loket, running_loket
from tests.inprocess.wsclient import Closed

LOGIN = "/api/v1/auth/login"
TICKETS = "/api/v1/sites/demo/tickets"
CREDENTIALS = {"username": "admin", "password": ADMIN_PASSWORD}
PUBLIC_URL = "https://antrian.example.org"


def code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


def directives(answer: httpx.Response) -> dict[str, list[str]]:
    policy = answer.headers["content-security-policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def assert_hardened(answer: httpx.Response) -> None:
    csp = directives(answer)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert all(s.startswith("'sha256-") for s in csp["script-src"][1:]), csp["script-src"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert "'self'" in csp["connect-src"] and "'self'" in csp["media-src"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "camera=()" in answer.headers["permissions-policy"]


async def ticket_id(loket: Loket) -> str:
    return str((await loket.issue())["ticket"]["id"])


async def test_pages_api_files_and_errors_carry_the_security_headers(loket: Loket) -> None:
    tid = await ticket_id(loket)
    kept = {
        "/": 200,
        "/display/demo": 200,
        "/api/v1/sites/demo/state": 200,
        "/static/css/loket.css": 200,
        "/static/js/api.js": 200,
        "/nowhere": 404,
        "/display/nowhere": 404,
    }
    for path, status in kept.items():
        answer = await loket.http.get(path)
        assert answer.status_code == status, path
        assert_hardened(answer)
    assert_hardened(await loket.http.delete("/api/v1/sites"))  # 405
    assert_hardened(await loket.http.post(LOGIN, json={"username": "admin", "password": "x"}))
    # the visitor's secret: in its page, its API answer and at the kiosk's issue
    secret = [f"/t/{tid}", f"/api/v1/tickets/{tid}"]
    for path in secret:
        answer = await loket.http.get(path)
        assert_hardened(answer)
        assert answer.headers["cache-control"] == "no-store", path
    issued = await loket.http.post(TICKETS, json={"service": "A"})
    assert issued.headers["cache-control"] == "no-store"
    qr = await loket.http.get(f"/t/{tid}/qr.svg")  # the link inside is the secret too
    assert qr.headers["cache-control"].startswith("private")
    shipped = await loket.http.get("/static/js/api.js")  # files keep their validators
    assert "cache-control" not in shipped.headers and shipped.headers["etag"]


async def test_an_unexpected_error_is_a_json_500_with_the_security_headers(
    loket: Loket, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(site_id: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(loket.service, "snapshot", broken)
    transport = httpx.ASGITransport(app=loket.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.get("/api/v1/sites/demo/state")
    assert code(answer, 500) == "internal_error"
    assert "a bug" not in answer.text  # no traceback, no message of the bug's
    assert_hardened(answer)
    assert answer.headers["cache-control"] == "no-store"


class PageParts(HTMLParser):
    """What a CSP decides on in a page: its scripts, inline handlers and styles, URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.inline_handlers: list[str] = []
        self.style_attributes: list[str] = []
        self.script_urls: list[str] = []
        self.style_elements = 0
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.inline_handlers.append(f"<{tag} {name}>")
            if name == "style":
                self.style_attributes.append(f"<{tag} style={value!r}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.script_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._script, self._text = dict(attrs), []
        elif tag == "style":
            self.style_elements += 1

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


async def test_every_page_runs_under_the_policy_without_inline_code(loket: Loket) -> None:
    """No inline handler, javascript: URL or style attribute; every inline script is
    either data (JSON, never run) or the import map, allowed by its exact hash."""
    tid = await ticket_id(loket)
    pages = [
        "/",
        "/display/demo",
        "/kiosk/demo",
        "/counter/demo/1",
        "/rate/demo/1",
        "/admin",
        "/reports/demo",
        f"/t/{tid}",
        f"/t/{tid}?print=1",  # the QR code inline
        "/t/no-such-ticket",
        "/display/no-such-site",  # the "site not found" page
    ]
    for path in pages:
        answer = await loket.http.get(path)
        assert answer.status_code in (200, 404), path
        allowed = directives(answer)["script-src"]
        parts = PageParts()
        parts.feed(answer.text)
        assert parts.inline_handlers == [], path
        assert parts.style_attributes == [], path
        assert parts.script_urls == [] and parts.style_elements == 0, path
        inline = [(attrs, text) for attrs, text in parts.scripts if "src" not in attrs]
        kinds = sorted(str(attrs.get("type")) for attrs, _ in inline)
        assert kinds in (["importmap"], ["application/json", "importmap"]), (path, kinds)
        for attrs, text in inline:
            if attrs.get("type") == "importmap":
                assert sha256(text) in allowed, path
        for attrs, _ in parts.scripts:
            if "src" in attrs:
                assert str(attrs["src"]).startswith("/static/"), (path, attrs)


async def test_the_display_layout_goes_in_a_data_attribute(loket: Loket) -> None:
    page = (await loket.http.get("/display/demo")).text
    assert """data-layout='{"--counters": 6, "--services": 3,""" in page  # the demo site


# -- JSON only ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"username": "admin", "password": "admin-test-pass"}'),
        ("application/x-www-form-urlencoded", "username=admin&password=admin-test-pass"),
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"'),
        (None, '{"username": "admin", "password": "admin-test-pass"}'),
    ],
)
async def test_a_login_that_is_not_json_is_refused(
    loket: Loket, content_type: str | None, body: str
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = await loket.http.post(LOGIN, content=body, headers=headers)
    assert code(answer, 415) == "unsupported_media_type"
    assert "loket_session" not in answer.cookies


async def test_a_form_cannot_issue_a_ticket_or_act_at_a_counter(loket: Loket) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await loket.http.post(TICKETS, content="service=A", headers=form)
    assert code(answer, 415) == "unsupported_media_type"
    transfer = await loket.act("1", "transfer", content="service=B", headers=form)
    assert code(transfer, 415) == "unsupported_media_type"
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()
    assert state["seq"] == 0  # nothing happened


async def test_json_with_a_charset_and_bodiless_actions_pass(loket: Loket) -> None:
    typed = {"Content-Type": "application/json; charset=utf-8"}
    issued = await loket.http.post(TICKETS, content='{"service": "A"}', headers=typed)
    assert issued.status_code == 201, issued.text
    called = await loket.act("1")  # no body, no Content-Type: nothing to check
    assert called.status_code == 200, called.text


# -- Origin ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "http://testserver.evil.example", "http://testserver:8080"],
)
async def test_a_login_from_another_sites_page_is_refused(loket: Loket, origin: str) -> None:
    answer = await loket.http.post(LOGIN, json=CREDENTIALS, headers={"Origin": origin})
    assert code(answer, 403) == "bad_origin"
    assert "loket_session" not in answer.cookies


async def test_a_staff_action_from_another_sites_page_is_refused(loket: Loket) -> None:
    await loket.issue()
    foreign = {"Origin": "https://evil.example"}
    assert code(await loket.act("1", headers=foreign), 403) == "bad_origin"
    issued = await loket.http.post(TICKETS, json={"service": "A"}, headers=foreign)
    assert code(issued, 403) == "bad_origin"
    own = await loket.act("1", headers={"Origin": "http://testserver"})
    assert own.status_code == 200 and own.json()["ticket"]["number"] == "A001"


@pytest.mark.parametrize("origin", ["http://testserver", "HTTP://TestServer", None])
async def test_the_servers_own_pages_and_clients_without_origin_may_log_in(
    loket: Loket, origin: str | None
) -> None:
    headers = {} if origin is None else {"Origin": origin}
    answer = await loket.http.post(LOGIN, json=CREDENTIALS, headers=headers)
    assert answer.status_code == 200, answer.text


@pytest.fixture
async def public(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    async with running_loket(tmp_path, monkeypatch, public_url=PUBLIC_URL + "/") as running:
        yield running


async def test_the_public_address_counts_as_the_servers_own(public: Loket) -> None:
    """Behind a proxy that does not keep Host, LOKET_PUBLIC_URL is the page's origin."""
    answer = await public.http.post(LOGIN, json=CREDENTIALS, headers={"Origin": PUBLIC_URL})
    assert answer.status_code == 200, answer.text
    other = await public.http.post(
        LOGIN, json=CREDENTIALS, headers={"Origin": "http://antrian.example.org:8000"}
    )
    assert code(other, 403) == "bad_origin"
    csp = directives(await public.http.get("/"))
    assert "wss://antrian.example.org" in csp["connect-src"]  # for Safari before 16


async def test_a_socket_from_another_sites_page_is_refused(loket: Loket) -> None:
    tid = await ticket_id(loket)
    evil = "http://evil.example"
    for client in (loket.display(origin=evil), loket.phone(tid, origin=evil)):
        with pytest.raises(Closed) as refused:
            async with client:
                pass
        assert refused.value.code == 4403  # closed before accepting: uvicorn answers 403
    for origin in ("http://testserver", None):  # its own page, or no browser at all
        async with loket.display(origin=origin) as ws:
            assert (await ws.receive())["type"] == "snapshot"
        async with loket.phone(tid, origin=origin) as phone:
            assert (await phone.receive())["type"] == "snapshot"


# -- cookies ------------------------------------------------------------------------


def set_cookies(answer: httpx.Response) -> dict[str, str]:
    return {line.split("=", 1)[0]: line.lower() for line in answer.headers.get_list("set-cookie")}


async def test_the_session_cookies_are_secure_over_https_only(loket: Loket) -> None:
    transport = httpx.ASGITransport(app=loket.app, client=("127.0.0.1", 123))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as https:
        secure = set_cookies(await https.post(LOGIN, json=CREDENTIALS))
        ended = await https.post(
            "/api/v1/auth/logout", headers={"X-CSRF-Token": https.cookies["loket_csrf"]}
        )
        assert ended.status_code == 200, ended.text
    plain = set_cookies(await loket.http.post(LOGIN, json=CREDENTIALS))
    assert set(secure) == set(plain) == {"loket_session", "loket_csrf"}
    for name in secure:
        assert "; secure" in secure[name] and "samesite=strict" in secure[name]
        assert "; secure" not in plain[name] and "samesite=strict" in plain[name]
    assert "httponly" in secure["loket_session"] and "httponly" in plain["loket_session"]
    assert all("; secure" in line for line in set_cookies(ended).values())
