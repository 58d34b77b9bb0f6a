"""A year of a large hall, as Loket's stores keep it: for the reports (issue 17).

The hall of `year_site.toml` (40 counters, 8 services of a public service mall in
Jakarta), day after day: Monday to Friday busy (about 4,000 tickets, fewest on Friday),
Saturday half a day, Sunday and public holidays closed; about 1.1 M tickets a year. Like
`_day.py`'s day (its log-normal visits, reaction and no-show times), visitors arrive at
random with a morning and a lunch peak, 5 % with priority; each of the 80 clerks (two per
counter, one before the counter's lunch break and one after, swapped every week) serves at
their own speed. Calls are made by the domain's own commands on a real SiteQueue
(server/domain/commands.py), so every event is the payload and JSON the store would
write: no-shows (recalled twice first, a few come back late and are called by ref),
recalls of slow visitors, transfers to another service (some to the head of its line) and
to one counter's desk (CONTRACT 6.5), holds called back later (a few never: closed as held
when the day ends). Issuing stops 90 minutes before the hall closes, and the counters
serve until nobody waits, so every day ends with every ticket final.

Deterministic from its seed. Writers: a Loket SQLite file (the real schema, loaded with
executemany in big transactions; `loket serve` opens it) and JSON lines, one event a
line, for another loader.

    .venv/bin/python bench/_year.py --days 365 --seed 1 \\
        --sqlite /tmp/year.db --jsonl /tmp/year.jsonl

It uses the installed `loket` package (install the checkout into the venv first).
"""

from __future__ import annotations

import argparse
import base64
import heapq
import itertools
import json
import random
import sqlite3
import sys
import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _day import NO_SHOW_MIN, PRIORITY, REACTION_MIN, _lognormal  # noqa: E402

from loket.server.config.sites import parse_sites  # noqa: E402
from loket.server.domain import commands  # noqa: E402
from loket.server.domain.commands import (  # noqa: E402
    Change,  # noqa: E402
    Destination,
    Outcome,
)
from loket.server.domain.events import Payload  # noqa: E402
from loket.server.domain.queue import SiteQueue  # noqa: E402
from loket.server.domain.site import Site  # noqa: E402
from loket.server.domain.ticket import Status, Ticket  # noqa: E402
from loket.server.protocol import dumps  # noqa: E402
from loket.server.store.rows import TICKET_COLUMNS, TICKET_PLACEHOLDERS, ticket_row  # noqa: E402
from loket.server.store.schema import migrate  # noqa: E402
from loket.server.store.visits import Folder  # noqa: E402

SITE_FILE = Path(__file__).with_name("year_site.toml")
START = date(2025, 12, 1)  # the default year: 2025-12-01 to 2026-11-30, all in the past
UTC_OFFSET = timedelta(hours=7)  # Asia/Jakarta, no summer time
OPEN_AT = timedelta(hours=8)  # local time the doors open

SHARE = {  # of the day's tickets
    "DKP": 0.26,
    "IMI": 0.16,
    "BPD": 0.12,
    "BPK": 0.15,
    "BPT": 0.09,
    "PTS": 0.08,
    "SKC": 0.09,
    "BPN": 0.05,
}
SERVICE_MIN = {  # mean visit for a clerk of speed 1
    "DKP": 2.1,
    "IMI": 3.6,
    "BPD": 2.0,
    "BPK": 2.2,
    "BPT": 2.8,
    "PTS": 3.7,
    "SKC": 1.8,
    "BPN": 4.3,
}
WEEKDAY_TICKETS = (4_300, 4_100, 4_000, 3_900, 3_500, 2_000)  # Monday .. Saturday
MONTH_FACTOR = (1.05, 0.95, 1.0, 0.9, 1.0, 1.05, 1.1, 1.0, 1.0, 1.0, 0.95, 0.95)  # Jan .. Dec
HOLIDAYS = {  # (month, day): closed, on top of Sundays
    (1, 1),
    (2, 17),
    (3, 20),
    (3, 21),
    (4, 3),
    (5, 1),
    (5, 14),
    (5, 27),
    (6, 1),
    (8, 17),
    (12, 25),
}


@dataclass(frozen=True)
class Hours:
    """Minutes after the doors open: the last ticket, and when the hall closes."""

    last_issue: float
    close: float
    # arrival intensity by the minute it starts at (relative to the day's mean)
    profile: tuple[tuple[float, float], ...]

    def rate(self, minute: float) -> float:
        level = 0.0
        for start, value in self.profile:
            if minute >= start:
                level = value
        return level


WEEKDAY_HOURS = Hours(420.0, 510.0, ((0, 1.2), (60, 1.0), (210, 1.25), (330, 0.8)))  # 08-16:30
SATURDAY_HOURS = Hours(210.0, 300.0, ((0, 1.2), (60, 1.0), (150, 0.8)))  # 08-13:00
LUNCH_BREAK = (180.0, 360.0)  # counters take their 45 min in four waves within this window
BREAK_MIN = 45.0

NO_SHOW = 0.05
LATE_RETURN = 0.2  # of no-shows: come back later the same day and are called by ref
SLOW = 0.08  # visitors who need a recall before they come
TRANSFER = 0.035  # to another service's line
TRANSFER_FIRST = 0.2  # of those: to the head of that line
TO_DESK = 0.006  # to one counter's own line
HOLD = 0.025
HOLD_FORGOTTEN = 0.05  # of holds: never called back, closed as held at the day's end
FINISH_FIRST = 0.4  # the clerk presses "done" before "call next" (else call-next closes it)

FIRST = ("siti", "budi", "dewi", "agus", "rina", "hendra", "wati", "joko", "sri", "yusuf")
FIRST += ("ayu", "rizki", "putri", "fajar", "nur", "dimas", "intan", "bayu", "maya", "eko")
LAST = ("rahmawati", "santoso", "pratama", "wibowo", "lestari", "hidayat", "saputra")
LAST += ("kusuma", "nugroho", "siregar", "situmorang", "halim")

EventRow = tuple[str, int, str, str, str, str | None]  # the events table's columns


def load_site() -> Site:
    return parse_sites(SITE_FILE.read_text(encoding="utf-8"), str(SITE_FILE))[0]


def open_days(start: date, days: int) -> Iterator[tuple[date, Hours | None]]:
    """Each calendar day with its hours; None when the hall is closed."""
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() == 6 or (day.month, day.day) in HOLIDAYS:
            yield day, None
        else:
            yield day, SATURDAY_HOURS if day.weekday() == 5 else WEEKDAY_HOURS


@dataclass(frozen=True)
class Clerk:
    username: str
    speed: float  # a visit takes this times the service's mean


def clerks(site: Site, rng: random.Random) -> dict[str, tuple[Clerk, Clerk]]:
    """Two clerks per counter; their usernames are the events' actors."""
    names = rng.sample([f"{f}.{last}" for f in FIRST for last in LAST], 2 * len(site.counters))
    pairs = {}
    for index, counter in enumerate(site.counters):
        a, b = names[2 * index : 2 * index + 2]
        pairs[counter.id] = (
            Clerk(a, _lognormal(rng, 1.0, 0.2)),
            Clerk(b, _lognormal(rng, 1.0, 0.2)),
        )
    return pairs


@dataclass
class DayOut:
    """One day as the stores keep it."""

    day: date
    events: list[EventRow]  # (site, seq, type, ts, data, actor)
    payloads: list[Payload]  # each event's, in the same order (the visits fold them)
    tickets: list[Ticket]  # every ticket of the day, in its final state
    issued: Tally[str] = field(default_factory=Tally)  # per service


@dataclass
class Desk:
    """One counter during a day."""

    id: str
    services: tuple[str, ...]
    clerk: Clerk
    state: str = "away"  # away (closed or on break), idle, serving, ready (visitor gone)
    break_at: float = 0.0
    held: list[tuple[float, str]] = field(default_factory=list)  # (due, ticket id)


class Hall:
    """The year's queue; `day()` runs one day on it."""

    def __init__(self, site: Site, seed: int) -> None:
        self.site = site
        self.rng = random.Random(seed)
        self.queue = SiteQueue(site)
        self.clerks = clerks(site, self.rng)
        self.serves: dict[str, list[str]] = {s.id: [] for s in site.services}
        for counter in site.counters:
            for service in counter.services:
                self.serves[service].append(counter.id)

    def ticket_id(self) -> str:
        """Like new_ticket_id's 128 random bits, but from the seed."""
        raw = self.rng.getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def day(self, day: date, hours: Hours) -> DayOut:
        return _Day(self, day, hours).run()


class _Day:
    def __init__(self, hall: Hall, day: date, hours: Hours) -> None:
        self.hall = hall
        self.rng = hall.rng
        self.queue = hall.queue
        self.hours = hours
        self.out = DayOut(day, [], [], [])
        self.opened = datetime.combine(day, datetime.min.time(), UTC) + OPEN_AT - UTC_OFFSET
        self.agenda: list[tuple[float, int, str, str]] = []
        self.order = itertools.count()
        self.final: dict[str, Ticket] = {}
        self.late: dict[str, list[tuple[float, str]]] = {s: [] for s in hall.serves}
        week = day.isocalendar().week % 2
        self.desks = {
            c.id: Desk(c.id, c.services, hall.clerks[c.id][week]) for c in hall.site.counters
        }

    # -- plumbing ---------------------------------------------------------------

    def at(self, minute: float) -> datetime:
        moment = self.opened + timedelta(minutes=minute)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def plan(self, minute: float, kind: str, who: str) -> None:
        heapq.heappush(self.agenda, (minute, next(self.order), kind, who))

    def keep(self, outcome: Outcome, minute: float, by: str | None) -> None:
        """The outcome's events, as SqliteStore._write makes them (no announcements)."""
        queue = self.queue
        ts = self.at(minute).isoformat()
        site = self.hall.site.id
        for change in outcome.changes:
            queue.seq += 1
            payload = change.payload()
            text = dumps(payload.to_json())
            self.out.events.append((site, queue.seq, change.event.value, ts, text, by))
            self.out.payloads.append(payload)
            if isinstance(change, Change):  # not a counter's status (CONTRACT 6.2)
                self.final[change.ticket.id] = change.ticket

    def wake(self, counters: Iterable[str], minute: float) -> None:
        for counter in counters:
            if self.desks[counter].state == "idle":
                self.plan(minute + self.rng.uniform(0, REACTION_MIN), "call", counter)

    # -- the day ------------------------------------------------------------------

    def run(self) -> DayOut:
        rng, hours = self.rng, self.hours
        day = self.out.day
        mean = WEEKDAY_TICKETS[day.weekday()] * MONTH_FACTOR[day.month - 1]
        mean *= rng.uniform(0.9, 1.1)
        peak = max(level for _, level in hours.profile)
        for service, share in SHARE.items():
            rate = mean * share / hours.last_issue  # per minute, on average
            minute = 0.0
            while True:  # thinning, as in _day.py
                minute += rng.expovariate(rate * peak)
                if minute > hours.last_issue:
                    break
                if rng.random() * peak < hours.rate(minute):
                    self.plan(minute, "arrive", service)
        lunch = hours.close > LUNCH_BREAK[1]
        for index, desk in enumerate(self.desks.values()):
            self.plan(rng.uniform(-5, 3), "open", desk.id)
            if lunch:  # in four waves, so a quarter of the hall is at lunch at a time
                wave = LUNCH_BREAK[0] + (index % 4) * BREAK_MIN
                desk.break_at = wave + rng.uniform(0, 10)
                self.plan(desk.break_at, "lunch", desk.id)
        while self.agenda:
            minute, _, kind, who = heapq.heappop(self.agenda)
            getattr(self, "on_" + kind)(minute, who)
        self.end()
        return self.out

    def on_arrive(self, minute: float, service: str) -> None:
        outcome = commands.issue(
            self.queue,
            self.hall.ticket_id(),
            service,
            priority=self.rng.random() < PRIORITY,
            lang=self.rng.choice(("id", "id", "id", "en")),
            now=self.at(minute),
        )
        self.keep(outcome, minute, None)
        self.out.issued[service] += 1
        self.wake(self.hall.serves[service], minute)

    def on_open(self, minute: float, counter: str) -> None:
        self.desks[counter].state = "idle"
        self.plan(minute, "call", counter)

    def on_lunch(self, minute: float, counter: str) -> None:
        """An idle counter goes at once; a busy one when its visitor leaves (on_call)."""
        desk = self.desks[counter]
        if desk.state == "idle" and desk.break_at:
            desk.break_at = 0.0
            desk.state = "away"
            self.plan(minute + BREAK_MIN + self.rng.uniform(-5, 5), "back", counter)

    def on_back(self, minute: float, counter: str) -> None:
        desk = self.desks[counter]
        desk.clerk = next(c for c in self.hall.clerks[counter] if c is not desk.clerk)
        self.on_open(minute, counter)

    def on_due(self, minute: float, counter: str) -> None:
        """A held ticket's time to be called back, or a late visitor back."""
        self.wake([counter], minute)

    def on_late(self, minute: float, service: str) -> None:
        self.wake(self.hall.serves[service], minute)

    def on_call(self, minute: float, counter: str) -> None:
        desk = self.desks[counter]
        if desk.state not in ("idle", "ready"):
            return
        by = desk.clerk.username
        if desk.state == "ready" and desk.break_at and minute >= desk.break_at:
            desk.break_at = 0.0  # goes to lunch: closes the visit first
            if self.queue.current(counter) is not None:
                finished = commands.finish(self.queue, counter, Status.DONE, self.at(minute))
                self.keep(finished, minute, by)
            desk.state = "away"
            self.plan(minute + BREAK_MIN + self.rng.uniform(-5, 5), "back", counter)
            return
        now = self.at(minute)
        named = self.named(desk, minute)
        if named is not None:
            outcome = commands.call(self.queue, counter, named, named.ref, now, by=by)
        else:
            outcome = commands.call_next(self.queue, counter, now, by=by)
        self.keep(outcome, minute, by)
        if outcome.error is not None:  # nobody waits for it: closed its visitor, if any
            desk.state = "idle"
            return
        self.serve(desk, outcome.ticket, minute, may_miss=named is None)

    def named(self, desk: Desk, minute: float) -> Ticket | None:
        """A ticket this counter calls by ref: one it held, due back, or a late visitor."""
        for index, (due, ticket_id) in enumerate(desk.held):
            if due <= minute:
                del desk.held[index]
                return self.final[ticket_id]
        for service in desk.services:
            late = self.late[service]
            if late and late[0][0] <= minute:
                _, ticket_id = late.pop(0)
                return self.final[ticket_id]
        return None

    def serve(self, desk: Desk, ticket: Ticket, minute: float, may_miss: bool) -> None:
        """The visit of a ticket just called: its recalls and its end, planned on the
        agenda so that every event keeps its moment's place in seq (one called by ref,
        back from a hold or late, is there)."""
        rng, counter = self.rng, desk.id
        desk.state = "serving"
        if may_miss and rng.random() < NO_SHOW:
            for n in (1, 2):
                self.plan(minute + n * NO_SHOW_MIN, "recall", counter)
            self.plan(minute + 3 * NO_SHOW_MIN, "gone", counter)
            return
        if rng.random() < SLOW:
            minute += rng.uniform(0.3, 1.0)
            self.plan(minute, "recall", counter)
        minute += _lognormal(rng, SERVICE_MIN[ticket.service] * desk.clerk.speed)
        self.plan(minute, "end", counter)

    def on_recall(self, minute: float, counter: str) -> None:
        self.keep(commands.recall(self.queue, counter), minute, self.desks[counter].clerk.username)

    def on_gone(self, minute: float, counter: str) -> None:
        """A no-show; a few come back later the same day."""
        desk, rng = self.desks[counter], self.rng
        gone = commands.finish(self.queue, counter, Status.NO_SHOW, self.at(minute))
        self.keep(gone, minute, desk.clerk.username)
        ticket = gone.ticket
        back = minute + rng.uniform(10, 60)
        if rng.random() < LATE_RETURN and back < self.hours.last_issue:
            self.late[ticket.service].append((back, ticket.id))
            self.late[ticket.service].sort()
            self.plan(back, "late", ticket.service)
        self.leave(desk, minute)

    def on_end(self, minute: float, counter: str) -> None:
        """The visit is over: sent on, held, done, or left for the next call to close."""
        desk, rng = self.desks[counter], self.rng
        by = desk.clerk.username
        ticket = self.queue.require_current(counter)
        end = rng.random()
        if end < TRANSFER:
            others = [s for s in self.hall.serves if s != ticket.service]
            to = Destination(service=rng.choice(others), first=rng.random() < TRANSFER_FIRST)
            self.move(commands.transfer(self.queue, counter, to, self.at(minute)), minute, by)
        elif end < TRANSFER + TO_DESK:
            to = Destination(counter=rng.choice([c for c in self.desks if c != counter]))
            self.move(commands.transfer(self.queue, counter, to, self.at(minute)), minute, by)
        elif end < TRANSFER + TO_DESK + HOLD:
            self.keep(commands.hold(self.queue, counter), minute, by)
            if rng.random() >= HOLD_FORGOTTEN:  # else closed as held when the day ends
                due = minute + rng.uniform(5, 25)
                desk.held.append((due, ticket.id))
                self.plan(due, "due", counter)
        elif rng.random() < FINISH_FIRST:
            done = commands.finish(self.queue, counter, Status.DONE, self.at(minute))
            self.keep(done, minute, by)
        self.leave(desk, minute)

    def move(self, outcome: Outcome, minute: float, by: str) -> None:
        """A transfer: the counters that may call it now hear of it."""
        self.keep(outcome, minute, by)
        ticket = outcome.ticket
        self.wake([ticket.desk] if ticket.desk else self.hall.serves[ticket.service], minute)

    def leave(self, desk: Desk, minute: float) -> None:
        desk.state = "ready"
        self.plan(minute + self.rng.uniform(0, REACTION_MIN), "call", desk.id)

    def end(self) -> None:
        """Every ticket final: those still held are closed as held, as the store's prune
        does (no event)."""
        closing = self.at(self.hours.close)
        for ticket in self.queue.held_before(self.out.day + timedelta(days=1)):
            closed = ticket.close_held(closing)
            self.queue.apply(closed)
            self.final[closed.id] = closed
        live, _ = self.queue.usage()
        if live:
            raise AssertionError(f"{self.out.day}: tickets still live at the end: {live}")
        self.out.tickets = list(self.final.values())


def generate(site: Site, start: date, days: int, seed: int) -> Iterator[DayOut]:
    hall = Hall(site, seed)
    for day, hours in open_days(start, days):
        if hours is not None:
            yield hall.day(day, hours)


# -- writers ---------------------------------------------------------------------------


class SqliteWriter:
    """A fresh Loket SQLite file, loaded fast: no sync and the journal in memory while
    loading, many days per transaction; WAL, as the store keeps it, at the end. Each
    ticket's visit is folded from its events by the store's own Folder (visits.py)."""

    DAYS_PER_TRANSACTION = 20

    def __init__(self, path: Path, site: Site) -> None:
        if path.exists():
            raise SystemExit(f"{path} exists: give a new file")
        self.site = site.id
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA journal_mode = MEMORY")
        migrate(self.conn)
        self.conn.execute("INSERT INTO sites (id, seq) VALUES (?, 0)", (site.id,))
        self.folder = Folder(self.conn, {site.id: ZoneInfo(site.timezone)})
        self.numbers: dict[str, tuple[str, int]] = {}
        self.pending = 0
        self.seq = 0

    def add(self, out: DayOut) -> None:
        conn = self.conn
        if not self.pending:
            conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (site, seq, type, ts, data, actor) VALUES (?, ?, ?, ?, ?, ?)",
            out.events,
        )
        for (site, seq, _, ts, _, actor), payload in zip(out.events, out.payloads, strict=True):
            self.folder.fold(site, payload, seq, datetime.fromisoformat(ts), actor)
        self.folder.flush()
        conn.executemany(
            f"INSERT INTO tickets ({TICKET_COLUMNS}) VALUES ({TICKET_PLACEHOLDERS})",
            map(ticket_row, out.tickets),
        )
        for service, count in out.issued.items():
            self.numbers[service] = (out.day.isoformat(), count)
        if out.events:
            self.seq = out.events[-1][1]
        self.pending += 1
        if self.pending >= self.DAYS_PER_TRANSACTION:
            self.commit()

    def commit(self) -> None:
        if self.pending:
            self.conn.execute("COMMIT")
            self.pending = 0

    def close(self) -> None:
        self.commit()
        conn = self.conn
        with conn:
            conn.execute("BEGIN")
            conn.execute("UPDATE sites SET seq = ? WHERE id = ?", (self.seq, self.site))
            conn.executemany(
                "INSERT OR REPLACE INTO numbers (site, service, day, last) VALUES (?, ?, ?, ?)",
                [(self.site, s, day, last) for s, (day, last) in self.numbers.items()],
            )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()


class JsonlWriter:
    """One event a line: {"site", "seq", "type", "ts", "actor", "data"}, `data` being the
    very JSON text the SQLite file keeps."""

    def __init__(self, path: Path) -> None:
        self.file: TextIO = path.open("w", encoding="utf-8")

    def add(self, out: DayOut) -> None:
        self.file.writelines(
            f'{{"site":{json.dumps(site)},"seq":{seq},"type":"{kind}","ts":"{ts}",'
            f'"actor":{json.dumps(actor)},"data":{data}}}\n'
            for site, seq, kind, ts, data, actor in out.events
        )

    def close(self) -> None:
        self.file.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--sqlite", type=Path)
    parser.add_argument("--jsonl", type=Path)
    args = parser.parse_args(argv)
    site = load_site()
    writers: list[SqliteWriter | JsonlWriter] = []
    if args.sqlite:
        writers.append(SqliteWriter(args.sqlite, site))
    if args.jsonl:
        writers.append(JsonlWriter(args.jsonl))
    began = time.perf_counter()
    generating = 0.0
    days = tickets = events = 0
    issued: Tally[str] = Tally()
    kinds: Tally[str] = Tally()
    days_out = generate(site, args.start, args.days, args.seed)
    while True:
        t0 = time.perf_counter()
        out = next(days_out, None)
        generating += time.perf_counter() - t0
        if out is None:
            break
        days += 1
        tickets += len(out.tickets)
        events += len(out.events)
        issued.update(out.issued)
        kinds.update(row[2] for row in out.events)
        for writer in writers:
            writer.add(out)
        if days % 20 == 0:
            print(f"  {out.day}: {tickets:,} tickets, {events:,} events", file=sys.stderr)
    for writer in writers:
        writer.close()
    took = time.perf_counter() - began
    print(f"{args.days} days from {args.start} (seed {args.seed}): {days} open")
    print(f"tickets {tickets:,}, events {events:,}")
    print("per service: " + ", ".join(f"{s} {issued[s]:,}" for s in SHARE))
    print("per event: " + ", ".join(f"{k} {n:,}" for k, n in sorted(kinds.items())))
    print(f"took {took:.1f} s: generating {generating:.1f} s, writing {took - generating:.1f} s")


if __name__ == "__main__":
    main()
