"""The counter page's line with 500 tickets waiting: from an event to the line drawn, in Chromium.

One fresh `loket serve`; 500 tickets for service A (a few priority); the counter page of
counter 1 (service A) open in headless Chromium (Debian's, as the browser tests use), logged
in, showing the first 200 of the line as the API returns them. Then one event at a time,
each after the previous one is drawn, round-robin:

  issue          a kiosk issues an A ticket (it joins the line past the 200 shown)
  issue priority a priority A ticket (it enters the shown rows, among the priority ones)
  call-next @2   counter 2 calls the head of the line (every row moves up one)
  call @2        counter 2 calls a ticket from the middle of the shown rows
  desk @3→1      counter 3 calls a B ticket and sends it to counter 1 (first row there)

The page itself times each update with performance marks (static/js/counterline.js):
"event → drawn" from the event's arrival on the page's socket to the rows updated (the
GET .../queue it makes included); "drawing" the DOM work alone; and, from this script,
"event → next frame" up to the first frame after the drawing (rAF, then a task). An
update's time is split into the wait before its read starts (a read already running makes
it wait), the read (resource timing) and the answer to the rows drawn. Then a
burst: 40 tickets issued at once, to count how many times the page reads the line (one
request in flight, at most one more queued).

    .venv/bin/python bench/counter_line.py            # 100 events — about 1 min
    .venv/bin/python bench/counter_line.py --quick    # 25 events — about 30 s

Prints figures; never passes or fails on time. Target: under 50 ms per event.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    ADMIN_PASSWORD,
    Table,
    bench_parser,
    env_pairs,
    machine_line,
    median,
    paragraphs,
    percentile,
    start_loket,
)

CHROMIUM = "/usr/bin/chromium"
WAITING = 500
SHOWN = 200  # the API's cap (CONTRACT 6.5)
BURST = 40

# Records, for each "loket-line" measure, the time to the first frame after it.
FRAME_PROBE = """() => {
  window.benchFrames = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.name !== "loket-line") continue;
      requestAnimationFrame(() => setTimeout(() => {
        window.benchFrames.push(performance.now() - entry.startTime);
      }, 0));
    }
  }).observe({ type: "measure" });
}"""

COUNTS = """() => ({
  lines: performance.getEntriesByName("loket-line").length,
  frames: window.benchFrames.length,
})"""

FIGURES = """() => ({
  line: performance.getEntriesByName("loket-line").map((e) => [e.startTime, e.duration]),
  render: performance.getEntriesByName("loket-line-render").map((e) => e.duration),
  frames: window.benchFrames,
  reads: performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/queue")).map((e) => [e.startTime, e.responseEnd]),
})"""


class Hall:
    """The site's API, as the kiosks and the other counters use it."""

    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        token = self.http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        ).json()["token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.base = "/api/v1/sites/demo"

    def issue(self, service: str = "A", priority: bool = False) -> dict:
        answer = self.http.post(
            f"{self.base}/tickets", json={"service": service, "priority": priority}
        )
        answer.raise_for_status()
        return dict(answer.json()["ticket"])

    def act(self, counter: str, action: str, body: dict | None = None) -> dict:
        answer = self.http.post(
            f"{self.base}/counters/{counter}/{action}", headers=self.auth, json=body or {}
        )
        answer.raise_for_status()
        return dict(answer.json())

    def line(self, counter: str) -> dict:
        answer = self.http.get(f"{self.base}/counters/{counter}/queue", headers=self.auth)
        answer.raise_for_status()
        return dict(answer.json())


def events(hall: Hall) -> list[tuple[str, Callable[[], None]]]:
    def call_middle() -> None:
        shown = hall.line("2")["waiting"]
        hall.act("2", "call", {"ticket": shown[len(shown) // 2]["ref"]})

    def to_desk() -> None:
        hall.issue("B")
        hall.act("3", "call-next")
        hall.act("3", "transfer", {"counter": "1"})

    return [
        ("issue", lambda: hall.issue()),
        ("issue priority", lambda: hall.issue(priority=True)),
        ("call-next @2", lambda: hall.act("2", "call-next")),
        ("call @2", call_middle),
        ("desk @3→1", to_desk),
    ]


def open_counter(page: Page, port: int) -> None:
    page.goto(f"http://127.0.0.1:{port}/counter/demo/1?lang=en")
    form = page.locator("#login-form")
    form.locator('[name="username"]').fill("admin")
    form.locator('[name="password"]').fill(ADMIN_PASSWORD)
    form.locator('[type="submit"]').click()
    page.wait_for_function(
        "n => document.querySelectorAll('#line .line-row').length === n", arg=SHOWN
    )
    page.evaluate(FRAME_PROBE)


def wait_drawn(page: Page, before: dict) -> dict:
    """Until the page drew the action's events (one action may send several: call-next
    closes one ticket and calls another) and the frame after: no new update for 200 ms."""
    page.wait_for_function(
        "b => performance.getEntriesByName('loket-line').length > b.lines",
        arg=before,
        timeout=10000,
    )
    last = page.evaluate(COUNTS)
    while True:
        page.wait_for_timeout(200)
        now = page.evaluate(COUNTS)
        if now == last and now["frames"] >= now["lines"]:
            return dict(now)
        last = now


def main() -> None:
    parser = bench_parser(__doc__ or "", "25 events instead of 100")
    args = parser.parse_args()
    rounds = 25 if args.quick else 100
    server = start_loket(env_pairs(args.server_env))
    hall = Hall(server.port)
    try:
        for n in range(WAITING):
            hall.issue(priority=n % 50 == 7)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            # (no page.on("request"): Playwright's network events slow every request down)
            open_counter(page, server.port)
            kinds = events(hall)
            page.evaluate(
                "() => { performance.clearMeasures(); performance.clearResourceTimings();"
                " window.benchFrames = []; }"
            )
            # (label, first and last "loket-line" index) per action
            spans: list[tuple[str, int, int]] = []
            for i in range(rounds):
                label, act = kinds[i % len(kinds)]
                before = page.evaluate(COUNTS)
                act()
                after = wait_drawn(page, before)
                spans.append((label, before["lines"], after["lines"]))
            figures = page.evaluate(FIGURES)
            rows = page.locator("#line .line-row").count()

            # a burst: BURST tickets at once; how often does the page read the line?
            page.wait_for_timeout(300)
            page.evaluate("() => performance.clearResourceTimings()")
            started = time.monotonic()
            for _ in range(BURST):
                hall.issue()
            issuing = (time.monotonic() - started) * 1000
            page.wait_for_timeout(1500)
            burst_reads = page.evaluate(
                "() => performance.getEntriesByType('resource')"
                ".filter((e) => e.name.includes('/queue')).length"
            )
            browser.close()
    finally:
        server.stop()

    # each update: from the first event it shows to the rows drawn (events that came while
    # a read was running share the next one); per action: from its first event to the
    # last update it caused
    updates = [duration for _, duration in figures["line"]]
    per_kind: dict[str, list[float]] = {}
    for label, first, last in spans:
        entries = figures["line"][first:last]
        start = entries[0][0]
        end = max(begin + duration for begin, duration in entries)
        per_kind.setdefault(label, []).append(end - start)
    table = Table(["what", "n", "median ms", "p95 ms", "max ms"])

    def add(name: str, values: list[float]) -> None:
        table.add(name, len(values), median(values), percentile(values, 95), max(values))

    add("event → drawn, per update", updates)
    for label, values in per_kind.items():
        add(f"  action: {label}", values)
    # where an update's time goes: each update made one read, in order
    pairs = list(zip(figures["line"], figures["reads"], strict=False))
    add("  event → read starts", [read[0] - start for (start, _), read in pairs])
    add("  read (GET .../queue)", [end - begin for _, (begin, end) in pairs])
    add("  answer → drawn", [s + d - read[1] for (s, d), read in pairs])
    add("drawing alone", figures["render"])
    add("event → next frame", figures["frames"])
    print(
        paragraphs(
            f"Counter line, {WAITING} waiting, {SHOWN} rows shown ({rows} on the page at the "
            f"end), {rounds} events, headless Chromium 1366×768",
            table,
            f"Burst: {BURST} tickets issued back to back in {issuing:.0f} ms: the page read "
            f"the line {burst_reads} times.",
            machine_line(),
        )
    )
    if args.json:
        args.json.write_text(
            json.dumps({"figures": figures, "spans": spans, "burst_reads": burst_reads}),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
