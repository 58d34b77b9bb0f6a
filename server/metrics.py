"""The figures `GET /metrics` shows (CONTRACT 6.8), in Prometheus' text format.

One `Metrics` per app, with a registry of its own (no process-wide default registry: two
apps in one process, as in the tests, never mix their figures). What is counted where:

- HTTP requests, by route template (never the raw path: no label per ticket id) and status
  class, and their duration: server/web/instrument.py, around the app;
- open WebSockets by kind (display, ticket): the same, by the socket route's template;
- store operations by name (the commands issue, call_next, recall, finish, transfer, and
  the reads) with their latency, and their outcomes: server/store/metered.py;
- announcements' speech rendered and failed: read from the renderer when scraped, so that
  nothing is added on the way of an event to the displays.

Each process answers with its own figures, every series labelled with its `pid`: with
`loket serve --workers N` a scrape gets whichever worker accepted the connection, and the
label keeps one worker's counters from being taken for another's (docs/deploy.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from loket.server.domain.errors import DomainError, NotFound
from loket.server.errors import ServiceError

# request and store times, in seconds: a store command takes about a millisecond
SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # a path no route serves: its text is never a label
Observe = Callable[[float, BaseException | None], None]


class Speech(Collector):
    """Speech segments rendered and failed, read from the renderer at each scrape."""

    def __init__(self, pid: str, counts: Callable[[], tuple[int, int] | None]) -> None:
        self._pid = pid
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self._counts()
        if counts is None:
            return
        rendered = CounterMetricFamily(
            "loket_announcement_segments",
            "Announcement speech segments rendered by this process's speech process, by outcome",
            labels=["pid", "outcome"],
        )
        rendered.add_metric([self._pid, "rendered"], counts[0])
        rendered.add_metric([self._pid, "failed"], counts[1])
        yield rendered


class Metrics:
    def __init__(
        self, speech: Callable[[], tuple[int, int] | None] = lambda: None, pid: int | None = None
    ) -> None:
        self.pid = str(os.getpid() if pid is None else pid)
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "loket_http_requests",
            "HTTP requests answered, by route template, method and status class",
            ["pid", "route", "method", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "loket_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            ["pid", "route"],
            buckets=SECONDS,
            registry=self.registry,
        )
        self.sockets = Gauge(
            "loket_open_sockets",
            "WebSocket connections open now, by kind",
            ["pid", "kind"],
            registry=self.registry,
        )
        self.store_seconds = Histogram(
            "loket_store_seconds",
            "Time of a store operation (the commands and the reads), by operation",
            ["pid", "operation"],
            buckets=SECONDS,
            registry=self.registry,
        )
        self.store_outcomes = Counter(
            "loket_store_operations",
            "Store operations by operation and outcome: ok; refused (by the queue's rules, "
            "or an unknown ticket); failed (the store could not be reached, or a bug)",
            ["pid", "operation", "outcome"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        self.registry.register(Speech(self.pid, speech))

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.requests.labels(self.pid, route, method, f"{status // 100}xx").inc()
        self.request_seconds.labels(self.pid, route).observe(seconds)

    def socket_gauge(self, kind: str) -> Gauge:
        return self.sockets.labels(self.pid, kind)

    def store_operation(self, operation: str) -> Observe:
        """What to call after each `operation`, with its time and what it raised (if so)."""
        seconds = self.store_seconds.labels(self.pid, operation)
        outcomes = {
            outcome: self.store_outcomes.labels(self.pid, operation, outcome)
            for outcome in ("ok", "refused", "failed")
        }

        def observe(elapsed: float, error: BaseException | None) -> None:
            seconds.observe(elapsed)
            outcomes[_outcome(error)].inc()

        return observe

    def text(self) -> bytes:
        return generate_latest(self.registry)


def _outcome(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, DomainError | NotFound | ServiceError):
        return "refused"
    return "failed"
