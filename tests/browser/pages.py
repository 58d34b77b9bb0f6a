"""What a person does on a page, and the site's API around it, shared by the browser tests."""

import json
import re

import httpx
from playwright.sync_api import BrowserContext, Page, WebSocket, expect

from tests.support.server import ADMIN_PASSWORD, LoketServer


def log_in(page: Page, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    form = page.locator("#login-form")
    form.locator('[name="username"]').fill(username)
    form.locator('[name="password"]').fill(password)
    form.locator('[type="submit"]').click()


OFFLINE = re.compile(r"\boffline\b")


class Site:
    """The demo site through its HTTP API, logged in as admin."""

    def __init__(self, server: LoketServer) -> None:
        self.base = f"{server.url}/api/v1/sites/demo"
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"username": "admin", "password": ADMIN_PASSWORD},
        )
        login.raise_for_status()
        self.auth = {"Authorization": f"Bearer {login.json()['token']}"}

    def issue(self, service: str = "A", lang: str | None = None) -> dict:
        body = {"service": service} if lang is None else {"service": service, "lang": lang}
        answer = httpx.post(f"{self.base}/tickets", json=body)
        answer.raise_for_status()
        return answer.json()["ticket"]

    def counter(self, action: str, counter: str = "1", body: dict | None = None) -> dict:
        """An action at a counter (call-next, recall, done, no-show; the clerk's line of
        CONTRACT 6.5: hold, call with {"ticket": ref or number}, transfer with {"service"}
        or {"counter"}); the ticket acted on."""
        answer = httpx.post(
            f"{self.base}/counters/{counter}/{action}", headers=self.auth, json=body
        )
        answer.raise_for_status()
        return answer.json()["ticket"]

    def hold(self, at: str) -> dict:
        return self.counter("hold", at)

    def call(self, at: str, ticket: str) -> dict:
        return self.counter("call", at, {"ticket": ticket})

    def transfer(self, at: str, **to: str | bool) -> dict:
        """The ticket at counter `at` goes to `service="B"` (`first=True`: its line's
        head) or to `counter="5"` (waits for that counter)."""
        return self.counter("transfer", at, dict(to))

    def seq(self) -> int:
        return int(httpx.get(f"{self.base}/state").json()["seq"])

    def displays(self) -> httpx.Response:
        return httpx.get(f"{self.base}/displays", headers=self.auth)


class Display:
    """The hall display page in its own browser context, with the frames it received."""

    def __init__(self, context: BrowserContext, server: LoketServer, query: str = "") -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.received: list[dict] = []
        self.page.on("websocket", self._watch)
        self.page.goto(f"{server.url}/display/demo{query}")
        self.expect_online()
        self.page.evaluate("window.loketMarker = 'not reloaded'")

    def _watch(self, ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: self.received.append(json.loads(payload)))

    def announced(self) -> list[str]:
        return self.page.evaluate("[...window.loketAnnounced]")

    def expect_announced(self, keys: list[str]) -> None:
        self.page.wait_for_function(
            "keys => JSON.stringify(window.loketAnnounced) === JSON.stringify(keys)",
            arg=keys,
            timeout=5000,
        )

    def expect_online(self) -> None:
        expect(self.page.locator("#conn-status")).not_to_have_class(OFFLINE, timeout=10000)

    def drop(self) -> None:
        """The network goes away: the open socket dies and reconnects fail until restore()."""
        self.context.set_offline(True)
        # the socket dies as on a dead link (what the silence timer does), without waiting
        # for a close handshake that the offline network may hold up
        self.page.evaluate("window.loketSocket.lost()")
        expect(self.page.locator("#conn-status")).to_have_class(OFFLINE, timeout=5000)

    def restore(self) -> None:
        self.context.set_offline(False)
        self.expect_online()

    def replayed_calls(self) -> list[str]:
        return [
            f"{m['data']['ticket']['ref']}/{m['data']['recall']}"
            for m in self.received
            if m.get("replayed") and m.get("type") == "ticket.called"
        ]

    def calls(self) -> list[dict]:
        """The data of every `ticket.called` event received, in order."""
        return [m["data"] for m in self.received if m.get("type") == "ticket.called"]

    def audio(self) -> dict:
        """window.loketAudio: the played log, the skipped, the sound state, the clock offset."""
        return self.page.evaluate(
            "() => { const a = window.loketAudio;"
            " return {log: a.log, skipped: a.skipped, state: a.state, offset: a.offset}; }"
        )

    def expect_played(self, count: int, timeout: float = 10000) -> list[dict]:
        """Waits until `count` clips are scheduled; returns the played log."""
        self.page.wait_for_function(
            "n => window.loketAudio.log.length >= n", arg=count, timeout=timeout
        )
        return self.audio()["log"]
