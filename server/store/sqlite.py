"""The embedded store: one SQLite file in WAL mode, written by one thread.

Each command (its state change, its events and the site's new seq) runs in its own
savepoint of one `BEGIN IMMEDIATE` transaction per batch (see writer.py); with
synchronous=FULL a command is on disk before anyone hears of it. The site queues
live in memory on the writer thread, so every read that needs them (snapshots,
positions) is a job on that thread too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from loket.server.allowance import Allowances
from loket.server.domain import commands
from loket.server.domain.board import Board
from loket.server.domain.commands import CounterChange, Destination, Outcome, StatusChange
from loket.server.domain.counter_state import CounterState, kept
from loket.server.domain.errors import DomainError, NotFound
from loket.server.domain.events import EventType
from loket.server.domain.numbers import parse_number
from loket.server.domain.queue import RECENT_CALLS, Call, SiteQueue
from loket.server.domain.rating import DESK_WINDOW, Rater, Rating, check
from loket.server.domain.site import Site
from loket.server.domain.site_change import check_removals
from loket.server.domain.ticket import Status, Ticket, make_ref, parse_ref
from loket.server.kiosks import Kiosk
from loket.server.protocol import Event, dumps
from loket.server.reports.rated import RatedVisit, made_in_turns
from loket.server.reports.row import By, Report
from loket.server.reports.satisfaction import Satisfaction
from loket.server.screens import ScreenNotes, from_ms, to_ms
from loket.server.store import ratings_sql, report_days, report_sql
from loket.server.store.answers import answer_body, replay
from loket.server.store.base import (
    KEEP_EVENTS,
    KEEP_HISTORY,
    KEEP_IDEMPOTENCY,
    Announce,
    CounterLine,
    Publish,
    Result,
    Snapshot,
    Stamp,
    StoreUnavailable,
    new_ticket_id,
)
from loket.server.store.last_done import last_done
from loket.server.store.ratings_sql import RATING_COLUMNS, rating_from_row
from loket.server.store.report_processes import ReportProcesses
from loket.server.store.rows import (
    TICKET_COLUMNS,
    TICKET_PLACEHOLDERS,
    counters_text,
    ticket_from_row,
    ticket_row,
    user_from_row,
)
from loket.server.store.schema import migrate
from loket.server.store.visits import Folder
from loket.server.store.writer import KeepAndRaise, Writer
from loket.server.users import Session, User, UserChange, keep_an_admin

T = TypeVar("T")
# how often a process asks whether another (`loket user` on the same file) changed the
# database: SQLite cannot tell it, and a session it remembers must end soon after
USERS_POLL = 0.25
USER_COLUMNS = "username, role, counters, disabled"
# reports run in their own processes, a few at a time: each may keep a core busy a while

log = logging.getLogger("loket")


class SqliteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self.epoch = ""
        self._writer: Writer | None = None
        self._conn: sqlite3.Connection | None = None
        self._queues: dict[str, SiteQueue] = {}
        self._snapshots: dict[str, tuple[date, Snapshot]] = {}  # with the day it is of
        self._publish: Publish = lambda event: None
        self._allowances = Allowances()  # one process: counted in its memory
        self._watch: asyncio.Task[None] | None = None
        self._reports: ReportProcesses | None = None  # where reports are counted

    # -- life ---------------------------------------------------------------

    async def open(self, sites: tuple[Site, ...], publish: Publish) -> None:
        self._publish = publish
        self._reports = ReportProcesses()
        self._writer = Writer()
        await self._writer.submit_alone(lambda: self._open(sites))

    def _open(self, sites: tuple[Site, ...]) -> None:
        if not os.path.exists(self.path):
            # it holds password hashes: readable by Loket's user only (SQLite gives its
            # -wal and -shm files the database file's mode)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        migrate(conn, sites)
        self._conn = conn
        assert self._writer is not None
        self._writer.conn = conn
        self.epoch = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        for site in sites:
            conn.execute("INSERT OR IGNORE INTO sites (id, seq) VALUES (?, 0)", (site.id,))
            self._queues[site.id] = self._load(site)

    def _load(self, site: Site) -> SiteQueue:
        conn = self._db
        queue = SiteQueue(site)
        queue.seq = conn.execute("SELECT seq FROM sites WHERE id = ?", (site.id,)).fetchone()[0]
        for service, day, last in conn.execute(
            "SELECT service, day, last FROM numbers WHERE site = ?", (site.id,)
        ):
            queue.note_number(service, datetime.fromisoformat(day).date(), last)
        live = conn.execute(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE site = ? "
            "AND status IN ('waiting', 'called', 'held') ORDER BY serial",
            (site.id,),
        )
        for row in live:
            queue.apply(ticket_from_row(row))
        for call in reversed(self._recent_calls(site.id)):
            queue.record_call(call)
        for row in conn.execute(
            "SELECT counter, status, services, since, user, reason FROM counters WHERE site = ?",
            (site.id,),
        ):
            state = _counter_state(*row)
            if state is not None and state.counter in {c.id for c in site.counters}:
                queue.set_counter(state)
        return queue

    def _recent_calls(self, site_id: str) -> list[Call]:
        """The last calls, newest first, as the events told them (recalls and transfers
        included), each with its ticket as it is now."""
        conn = self._db
        calls: dict[tuple[str, str], tuple[str, int]] = {}
        for (data,) in conn.execute(
            "SELECT data FROM events WHERE site = ? AND type = 'ticket.called' "
            "ORDER BY seq DESC LIMIT ?",
            (site_id, RECENT_CALLS * 4),
        ):
            call = json.loads(data)
            ticket = call["ticket"]  # named by its ref, or (before refs) by its id
            key = ("ref", ticket["ref"]) if "ref" in ticket else ("id", ticket["id"])
            calls.setdefault(key, (call["counter"], call["recall"]))
            if len(calls) == RECENT_CALLS:
                break
        recent = []
        for (kind, name), (counter, recall) in calls.items():
            row = self._ticket_named(site_id, kind, name)
            if row is not None:
                recent.append(Call(ticket_from_row(row), counter, recall))
        return recent

    def _ticket_named(self, site_id: str, kind: str, name: str) -> tuple[Any, ...] | None:
        """A ticket's row by its id, or by its public ref (its day and number)."""
        args: tuple[str, ...]
        if kind == "id":
            query, args = f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (name,)
        else:
            parsed = parse_ref(name)
            if parsed is None:
                return None
            where = "site = ? AND day = ? AND number = ?"
            query = f"SELECT {TICKET_COLUMNS} FROM tickets WHERE {where}"
            args = (site_id, parsed[0].isoformat(), parsed[1])
        row: tuple[Any, ...] | None = self._db.execute(query, args).fetchone()
        return row

    async def close(self) -> None:
        if self._reports is not None:
            await self._reports.close()
            self._reports = None
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self._writer is None:
            return
        await self._writer.submit_alone(self._close)
        self._writer.stop()
        self._writer = None

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- plumbing -------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailable("the store is closed")
        return self._conn

    async def _run(self, job: Callable[[], T]) -> T:
        if self._writer is None:
            raise StoreUnavailable("the store is closed")
        try:
            return await self._writer.submit(job)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"the database failed: {error}") from error

    def _queue(self, site_id: str) -> SiteQueue:
        queue = self._queues.get(site_id)
        if queue is None:
            raise NotFound("site", site_id)
        return queue

    def _command(
        self,
        site_id: str,
        move: Callable[[SiteQueue], Outcome],
        stamp: Stamp,
        announce: Announce | None = None,
        idempotency: tuple[str, str] | None = None,
    ) -> Result:
        """A job: the moves, their events, the new seq (and the idempotent answer).

        The writer runs it inside a savepoint of its batch's transaction; the events go
        out only once that transaction is committed.
        """
        queue = self._queue(site_id)
        conn = self._db
        if idempotency is not None:
            row = conn.execute(
                "SELECT body FROM idempotency WHERE username = ? AND key = ?", idempotency
            ).fetchone()
            if row is not None:
                return replay(json.loads(row[0]), queue.site.local_day)
        try:
            outcome = move(queue)  # a refusal comes before any move
        except DomainError as refusal:
            if idempotency is None:
                raise
            outcome = Outcome(error=refusal)  # kept, so a retry hears the same refusal
        writer = self._writer
        assert writer is not None
        # the moves already changed the in-memory queue: on a rollback, reread it
        writer.if_rolled_back(lambda: self._reload(queue.site))
        events = self._write(conn, queue, outcome, stamp, announce)
        queue.seq += len(events)
        result = None
        if outcome.moved_ticket:
            ticket = outcome.ticket
            position = queue.position(ticket)
            result = Result(ticket.to_json(), events[-1].seq, position, ticket.id, outcome.state)
        elif outcome.state is not None:
            result = Result({}, events[-1].seq, counter=outcome.state)
        if idempotency is not None:
            conn.execute(
                "INSERT INTO idempotency (username, key, body, created_at) VALUES (?, ?, ?, ?)",
                (*idempotency, dumps(answer_body(result, outcome.error)), stamp.at.isoformat()),
            )
        if events:
            self._snapshots.pop(site_id, None)
            publish = self._publish
            writer.after_commit(lambda: _deliver(publish, events))
        if outcome.error is not None:
            raise KeepAndRaise(outcome.error)
        assert result is not None
        return result

    def _reload(self, site: Site) -> None:
        self._queues[site.id] = self._load(site)
        self._snapshots.pop(site.id, None)

    def _write(
        self,
        conn: sqlite3.Connection,
        queue: SiteQueue,
        outcome: Outcome,
        stamp: Stamp,
        announce: Announce | None,
    ) -> list[Event]:
        events = []
        seq = queue.seq
        site = queue.site
        folder = Folder(conn, {site.id: ZoneInfo(site.timezone)})
        for change in outcome.changes:
            seq += 1
            if isinstance(change, CounterChange):
                events.append(self._write_counter(conn, queue.site.id, seq, change, stamp))
                continue
            ticket = change.ticket
            payload = change.payload(change.announcement(queue.site, announce, stamp.at))
            text = dumps(payload.to_json())  # once: kept, and sent as it is
            event = Event(queue.site.id, seq, stamp.at, payload, stamp.by, text)
            conn.execute(
                f"INSERT OR REPLACE INTO tickets ({TICKET_COLUMNS}) VALUES ({TICKET_PLACEHOLDERS})",
                ticket_row(ticket),
            )
            if change.event is EventType.ISSUED:
                conn.execute(
                    "INSERT OR REPLACE INTO numbers (site, service, day, last) VALUES (?, ?, ?, ?)",
                    (
                        ticket.site,
                        ticket.service,
                        ticket.day.isoformat(),
                        parse_number(ticket.number, ticket.service),
                    ),
                )
            conn.execute(
                "INSERT INTO events (site, seq, type, ts, data, actor) VALUES (?, ?, ?, ?, ?, ?)",
                (event.site, seq, event.type.value, stamp.at.isoformat(), text, stamp.by),
            )
            folder.fold(site.id, payload, seq, stamp.at, stamp.by)
            events.append(event)
        folder.flush()
        if events:
            conn.execute("UPDATE sites SET seq = ? WHERE id = ?", (seq, queue.site.id))
        return events

    def _write_counter(
        self, conn: sqlite3.Connection, site_id: str, seq: int, change: CounterChange, stamp: Stamp
    ) -> Event:
        state = change.state
        payload = change.payload()
        text = dumps(payload.to_json())
        conn.execute(
            "INSERT OR REPLACE INTO counters (site, counter, status, services, since, user, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                site_id,
                state.counter,
                state.status.value,
                dumps(list(state.services)),
                state.since.isoformat(),
                state.user,
                state.reason,
            ),
        )
        conn.execute(
            "INSERT INTO events (site, seq, type, ts, data, actor) VALUES (?, ?, ?, ?, ?, ?)",
            (site_id, seq, payload.type.value, stamp.at.isoformat(), text, stamp.by),
        )
        return Event(site_id, seq, stamp.at, payload, stamp.by, text)

    # -- commands -------------------------------------------------------------

    async def issue(
        self,
        site: str,
        service: str,
        stamp: Stamp,
        *,
        priority: bool = False,
        lang: str | None = None,
    ) -> Result:
        ticket_id = new_ticket_id()

        def move(queue: SiteQueue) -> Outcome:
            return commands.issue(
                queue, ticket_id, service, priority=priority, lang=lang, now=stamp.at
            )

        return await self._run(lambda: self._command(site, move, stamp))

    async def call_next(
        self,
        site: str,
        counter: str,
        stamp: Stamp,
        announce: Announce,
        idempotency: tuple[str, str] | None = None,
    ) -> Result:
        def move(queue: SiteQueue) -> Outcome:
            return commands.call_next(queue, counter, stamp.at, by=stamp.by)

        return await self._run(lambda: self._command(site, move, stamp, announce, idempotency))

    async def recall(self, site: str, counter: str, stamp: Stamp, announce: Announce) -> Result:
        return await self._run(
            lambda: self._command(site, lambda q: commands.recall(q, counter), stamp, announce)
        )

    async def finish(self, site: str, counter: str, status: Status, stamp: Stamp) -> Result:
        def move(queue: SiteQueue) -> Outcome:
            return commands.finish(queue, counter, status, stamp.at)

        return await self._run(lambda: self._command(site, move, stamp))

    async def transfer(
        self,
        site: str,
        counter: str,
        to: Destination,
        stamp: Stamp,
        announce: Announce | None = None,
    ) -> Result:
        def move(queue: SiteQueue) -> Outcome:
            return commands.transfer(queue, counter, to, stamp.at)

        return await self._run(lambda: self._command(site, move, stamp, announce))

    async def call(
        self, site: str, counter: str, name: str, stamp: Stamp, announce: Announce
    ) -> Result:
        def move(queue: SiteQueue) -> Outcome:
            ticket = self._named(queue, name, stamp.at)
            return commands.call(queue, counter, ticket, name, stamp.at, by=stamp.by)

        return await self._run(lambda: self._command(site, move, stamp, announce))

    def _named(self, queue: SiteQueue, name: str, now: datetime) -> Ticket | None:
        """A ticket by ref or number of the day: a live one, else (a no-show) as kept."""
        today = queue.site.local_day(now)
        ticket = queue.named(name, today)
        if ticket is not None:
            return ticket
        ref = name if parse_ref(name) is not None else make_ref(today, name)
        row = self._ticket_named(queue.site.id, "ref", ref)
        return None if row is None else ticket_from_row(row)

    async def hold(self, site: str, counter: str, stamp: Stamp) -> Result:
        return await self._run(
            lambda: self._command(site, lambda queue: commands.hold(queue, counter), stamp)
        )

    async def set_status(
        self, site: str, counter: str, change: StatusChange, stamp: Stamp
    ) -> Result:
        def move(queue: SiteQueue) -> Outcome:
            return commands.set_status(queue, counter, change, stamp.at, by=stamp.by)

        return await self._run(lambda: self._command(site, move, stamp))

    async def line(
        self, site: str, counter: str, limit: int, now: datetime | None = None
    ) -> CounterLine:
        def job() -> CounterLine:
            queue = self._queue(site)
            return CounterLine(
                queue.current(counter),
                queue.line_for(counter, limit, now),
                queue.held_at(counter),
                None if now is None else queue.counter_state(counter, now),
            )

        return await self._run(job)

    # -- reads ----------------------------------------------------------------

    async def snapshot(self, site: str, now: datetime | None = None) -> Snapshot:
        at = now or datetime.now(UTC)
        return await self._run(lambda: self._snapshot(site, at))

    def _snapshot(self, site_id: str, now: datetime) -> Snapshot:
        """Cached until the site's next event or its next day (the counters close), so a
        reconnect storm computes it once."""
        queue = self._queue(site_id)
        day = queue.site.local_day(now)
        cached = self._snapshots.get(site_id)
        if cached is not None and cached[0] == day:
            return cached[1]
        snapshot = Snapshot(queue.seq, Board.of(queue, now).to_json())
        self._snapshots[site_id] = (day, snapshot)
        return snapshot

    async def counter_states(self, site: str, now: datetime) -> list[CounterState]:
        return await self._run(lambda: self._queue(site).counter_states(now))

    async def waiting_since(self, site: str) -> dict[str, list[datetime]]:
        return await self._run(lambda: self._queue(site).waiting_since())

    async def ticket(self, ticket_id: str) -> tuple[Ticket, int | None]:
        return await self._run(lambda: self._ticket(ticket_id))

    def _ticket(self, ticket_id: str) -> tuple[Ticket, int | None]:
        for queue in self._queues.values():
            ticket = queue.ticket(ticket_id)
            if ticket is not None:
                return ticket, queue.position(ticket)
        row = self._db.execute(
            f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = ?", (ticket_id,)
        ).fetchone()
        if row is None:
            raise NotFound("ticket", ticket_id)
        return ticket_from_row(row), None

    async def events_after(self, site: str, seq: int) -> list[Event] | None:
        return await self._run(lambda: self._events_after(site, seq))

    def _events_after(self, site_id: str, seq: int) -> list[Event] | None:
        queue = self._queue(site_id)
        if seq > queue.seq or seq < 0:
            return None
        if seq == queue.seq:
            return []
        (kept_from,) = self._db.execute(
            "SELECT history_from FROM sites WHERE id = ?", (site_id,)
        ).fetchone()
        if seq < kept_from:
            return None  # too far back: the display takes a snapshot
        rows = self._db.execute(
            "SELECT seq, type, ts, data, actor FROM events WHERE site = ? AND seq > ? ORDER BY seq",
            (site_id, seq),
        ).fetchall()
        if not rows or rows[0][0] != seq + 1 or len(rows) != queue.seq - seq:
            return None  # history no longer reaches back that far (or has a hole)
        day_of = queue.site.local_day
        return [
            Event.stored(site_id, s, datetime.fromisoformat(ts), kind, data, actor, day_of)
            for s, kind, ts, data, actor in rows
        ]

    # -- satisfaction ratings (CONTRACT 6.4) -------------------------------------------

    async def rate(self, site: str, rating: Rating) -> Rating:
        # on the writer thread: nothing is kept between the check and the insert
        return await self._run(lambda: self._rate(site, rating))

    def _rate(self, site_id: str, rating: Rating) -> Rating:
        self._queue(site_id)
        row = self._ticket_named(site_id, "ref", rating.ref)
        if row is None:
            raise NotFound("ticket", rating.ref)
        last = None
        if rating.by is Rater.DESK and rating.counter is not None:
            history = self._db.execute(
                "SELECT type, ts, data FROM events WHERE site = ? ORDER BY seq DESC", (site_id,)
            )
            last = last_done(history, rating.counter, rating.at - DESK_WINDOW)
        check(ticket_from_row(row), self._rating(site_id, rating.ref), rating, last)
        self._db.execute(
            f"INSERT INTO ratings (site, {RATING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                site_id,
                rating.ref,
                rating.score,
                rating.comment,
                dumps(dict(rating.answers)),
                rating.at.isoformat(),
                rating.by.value,
                rating.counter,
            ),
        )
        return rating

    async def rating(self, site: str, ref: str) -> Rating | None:
        return await self._run(lambda: self._rating(site, ref))

    def _rating(self, site_id: str, ref: str) -> Rating | None:
        row = self._db.execute(
            f"SELECT {RATING_COLUMNS} FROM ratings WHERE site = ? AND ref = ?", (site_id, ref)
        ).fetchone()
        return None if row is None else rating_from_row(row)

    # -- reports (CONTRACT 6.3) ------------------------------------------------------

    async def report(self, site: str, first: date, last: date, by: By) -> Report:
        """Off the event loop and off the writer: in a process of its own (a year's report
        holds the GIL now and then, which would stall the loop), with a read-only
        connection (WAL: it reads the last commit while the writer goes on)."""
        site_obj = self._queue(site).site
        return await self._report_job(
            partial(report_sql.report_file, self.path, site_obj, first, last, by)
        )

    async def satisfaction(self, site: Site, first: date, last: date) -> Satisfaction:
        self._queue(site.id)
        job = partial(report_sql.satisfaction_file, self.path, site, first, last)
        return await self._report_job(job)

    async def rated(self, site: str, first: date, last: date) -> list[RatedVisit]:
        """Read as a report is, in a report's process, a week at a time (each week's
        rows are received in a few ms), made RatedVisits here a turn at a time."""
        self._queue(site)
        made: list[RatedVisit] = []
        for start, end in ratings_sql.parts(first, last):
            job = partial(report_sql.rated_file, self.path, site, start, end)
            made += await made_in_turns(await self._report_job(job), ratings_sql.rated_visit)
        return made

    async def _report_job(self, job: Callable[[], T]) -> T:
        if self._reports is None:
            raise StoreUnavailable("the store is closed")
        try:
            return await self._reports.run(job)
        except sqlite3.Error as error:
            raise StoreUnavailable(f"the database failed: {error}") from error

    async def prune(self, now: datetime) -> None:
        def job() -> None:
            conn = self._db
            for queue in self._queues.values():
                self._close_held(queue, now)
            for site_id, queue in self._queues.items():
                self._forget_history(site_id, queue.seq - KEEP_EVENTS, now - KEEP_HISTORY)
            conn.execute(
                "DELETE FROM idempotency WHERE created_at < ?",
                ((now - KEEP_IDEMPOTENCY).isoformat(),),
            )
            conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now.isoformat(),))

        await self._run(job)
        await self._summarize_days(now)

    async def _summarize_days(self, now: datetime) -> None:
        """Summarize the days that are over for the reports, one job each: a backlog (the
        first start on a file of an older release) does not hold calls up for long."""

        def pending() -> list[tuple[str, str]]:
            return [
                (site_id, day)
                for site_id, queue in self._queues.items()
                for day in report_days.unsummarized(self._db, site_id, queue.site.local_day(now))
            ]

        for site_id, day in await self._run(pending):
            await self._run(partial(report_days.summarize_day, self._db, site_id, day))

    def _forget_history(self, site_id: str, last: int, before: datetime) -> None:
        """Events are the record and stay; a resume is answered only from those after the
        newest one that is both beyond the last KEEP_EVENTS and older than KEEP_HISTORY
        (what earlier releases deleted), so that a replay stays short."""
        row = self._db.execute(
            "SELECT seq FROM events WHERE site = ? AND seq <= ? AND ts < ? "
            "ORDER BY seq DESC LIMIT 1",
            (site_id, last, before.isoformat()),
        ).fetchone()
        if row is not None:
            self._db.execute(
                "UPDATE sites SET history_from = max(history_from, ?) WHERE id = ?",
                (row[0], site_id),
            )

    def _close_held(self, queue: SiteQueue, now: datetime) -> None:
        """Tickets still held from an earlier day are closed as held (CONTRACT 6.5)."""
        over = queue.held_before(queue.site.local_day(now))
        if not over:
            return
        assert self._writer is not None
        self._writer.if_rolled_back(lambda: self._reload(queue.site))
        for ticket in over:
            closed = ticket.close_held(now)
            self._db.execute(
                f"INSERT OR REPLACE INTO tickets ({TICKET_COLUMNS}) VALUES ({TICKET_PLACEHOLDERS})",
                ticket_row(closed),
            )
            queue.apply(closed)
        self._snapshots.pop(queue.site.id, None)

    # -- users ----------------------------------------------------------------

    async def add_user(self, user: User, password_hash: str, now: datetime) -> bool:
        def job() -> bool:
            try:
                self._db.execute(
                    "INSERT INTO users "
                    "(username, password_hash, role, counters, created_at, disabled) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        user.username,
                        password_hash,
                        user.role.value,
                        counters_text(user),
                        now.isoformat(),
                        int(user.disabled),
                    ),
                )
            except sqlite3.IntegrityError:
                return False
            return True

        return await self._run(job)

    async def user_hash(self, username: str) -> tuple[User, str] | None:
        def job() -> tuple[User, str] | None:
            row = self._db.execute(
                f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
            return None if row is None else (user_from_row(*row[:4]), row[4])

        return await self._run(job)

    def _users(self) -> list[User]:
        rows = self._db.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY username")
        return [user_from_row(*row) for row in rows]

    async def users(self) -> list[User]:
        return await self._run(self._users)

    def _users_and(self, username: str) -> tuple[list[User], User | None]:
        """Every user, and the one named (None: no such user)."""
        users = self._users()
        return users, next((user for user in users if user.username == username), None)

    async def change_user(self, username: str, change: UserChange) -> User | None:
        def job() -> User | None:
            users, before = self._users_and(username)
            if before is None:
                return None
            after = change.apply(before)
            keep_an_admin(users, before, after)
            conn = self._db
            conn.execute(
                "UPDATE users SET role = ?, counters = ?, disabled = ?, "
                "password_hash = coalesce(?, password_hash) WHERE username = ?",
                (
                    after.role.value,
                    counters_text(after),
                    int(after.disabled),
                    change.password_hash,
                    username,
                ),
            )
            if change.ends_sessions:
                conn.execute("DELETE FROM sessions WHERE username = ?", (username,))
            return after

        return await self._run(job)

    async def delete_user(self, username: str) -> bool:
        def job() -> bool:
            users, before = self._users_and(username)
            if before is None:
                return False
            keep_an_admin(users, before, None)
            # its sessions go with it (ON DELETE CASCADE)
            self._db.execute("DELETE FROM users WHERE username = ?", (username,))
            return True

        return await self._run(job)

    def watch_users(self, changed: Callable[[], None]) -> None:
        self._watch = asyncio.create_task(self._poll(changed), name="loket-sqlite-users")

    @property
    def users_heard(self) -> bool:
        return self._watch is not None and not self._watch.done()

    async def _poll(self, changed: Callable[[], None]) -> None:
        """`PRAGMA data_version` moves when another connection (another process) commits;
        then users may have changed. Cheap: a few µs on the writer thread."""
        seen = None
        while True:
            try:
                version = await self._run(
                    lambda: self._db.execute("PRAGMA data_version").fetchone()[0]
                )
            except StoreUnavailable as error:
                log.warning("cannot watch the store for changes: %s", error)
                changed()
                return
            if seen is not None and version != seen:
                changed()
            seen = version
            await asyncio.sleep(USERS_POLL)

    async def add_session(
        self, token_hash: str, username: str, csrf: str, expires: datetime
    ) -> None:
        await self._run(
            lambda: self._db.execute(
                "INSERT INTO sessions (token_hash, username, csrf, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, username, csrf, expires.isoformat()),
            )
        )

    async def session(self, token_hash: str, now: datetime) -> Session | None:
        def job() -> Session | None:
            row = self._db.execute(
                "SELECT u.username, u.role, u.counters, u.disabled, s.csrf, s.expires_at "
                "FROM sessions s JOIN users u ON u.username = s.username "
                "WHERE s.token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None or row[3] or datetime.fromisoformat(row[5]) <= now:
                return None
            return Session(user_from_row(*row[:4]), row[4])

        return await self._run(job)

    async def drop_session(self, token_hash: str) -> None:
        await self._run(
            lambda: self._db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
        )

    # -- kiosks ---------------------------------------------------------------

    async def add_kiosk(self, kiosk: Kiosk, key_hash: str, cap: int) -> bool:
        def job() -> bool:
            conn = self._db
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM kiosks WHERE site = ?", (kiosk.site,)
            ).fetchone()
            if count >= cap:
                return False
            conn.execute(
                "INSERT INTO kiosks (site, id, name, key_hash, created_at, counter)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    kiosk.site,
                    kiosk.id,
                    kiosk.name,
                    key_hash,
                    kiosk.created_at.isoformat(),
                    kiosk.counter,
                ),
            )
            return True

        return await self._run(job)

    async def kiosks(self, site: str) -> list[Kiosk]:
        def job() -> list[Kiosk]:
            rows = self._db.execute(
                f"SELECT {_KIOSK_COLUMNS} FROM kiosks WHERE site = ? ORDER BY created_at, id",
                (site,),
            ).fetchall()
            return [_kiosk(site, *row)[0] for row in rows]

        return await self._run(job)

    async def use_kiosk(self, site: str, kiosk_id: str, now: datetime) -> tuple[Kiosk, str] | None:
        def job() -> tuple[Kiosk, str] | None:
            conn = self._db
            conn.execute(
                "UPDATE kiosks SET last_used_at = ? WHERE site = ? AND id = ?",
                (now.isoformat(), site, kiosk_id),
            )
            row = conn.execute(
                f"SELECT {_KIOSK_COLUMNS} FROM kiosks WHERE site = ? AND id = ?", (site, kiosk_id)
            ).fetchone()
            return None if row is None else _kiosk(site, *row)

        return await self._run(job)

    async def drop_kiosk(self, site: str, kiosk_id: str) -> bool:
        def job() -> bool:
            cursor = self._db.execute(
                "DELETE FROM kiosks WHERE site = ? AND id = ?", (site, kiosk_id)
            )
            return cursor.rowcount > 0

        return await self._run(job)

    # -- screens ---------------------------------------------------------------

    async def screen_notes(self, site: str) -> ScreenNotes:
        def job() -> ScreenNotes:
            conn = self._db
            names = conn.execute("SELECT id, name FROM screen_names WHERE site = ?", (site,))
            removed = conn.execute(
                "SELECT id, removed_ms FROM screen_removals WHERE site = ?", (site,)
            )
            return ScreenNotes(dict(names.fetchall()), {i: from_ms(ms) for i, ms in removed})

        return await self._run(job)

    async def name_screen(self, site: str, screen_id: str, name: str | None, cap: int) -> bool:
        def job() -> bool:
            conn = self._db
            if name is None:
                conn.execute(
                    "DELETE FROM screen_names WHERE site = ? AND id = ?", (site, screen_id)
                )
                return True
            (others,) = conn.execute(
                "SELECT COUNT(*) FROM screen_names WHERE site = ? AND id != ?", (site, screen_id)
            ).fetchone()
            if others >= cap:
                return False
            conn.execute(
                "INSERT INTO screen_names (site, id, name) VALUES (?, ?, ?)"
                " ON CONFLICT (site, id) DO UPDATE SET name = excluded.name",
                (site, screen_id, name),
            )
            return True

        return await self._run(job)

    async def remove_screen(
        self, site: str, screen_id: str, at: datetime, since: datetime, cap: int
    ) -> bool:
        def job() -> bool:
            conn = self._db
            conn.execute(
                "DELETE FROM screen_removals WHERE site = ? AND removed_ms < ?",
                (site, to_ms(since)),
            )
            (others,) = conn.execute(
                "SELECT COUNT(*) FROM screen_removals WHERE site = ? AND id != ?",
                (site, screen_id),
            ).fetchone()
            if others >= cap:
                return False
            conn.execute(f"DELETE FROM screen_names {_SCREEN}", (site, screen_id))
            conn.execute(
                "INSERT INTO screen_removals (site, id, removed_ms) VALUES (?, ?, ?)"
                " ON CONFLICT (site, id) DO UPDATE SET removed_ms = excluded.removed_ms",
                (site, screen_id, to_ms(at)),
            )
            return True

        return await self._run(job)

    # -- allowances: one process, so its memory (a restart starts them over) -------------

    async def take_allowance(self, key: str, limit: int, window: timedelta, now: datetime) -> float:
        return self._allowances.take(key, limit, window, now)

    async def give_back_allowance(self, key: str) -> None:
        self._allowances.give_back(key)

    # -- the sites while running (server/hall.py): one process, nobody else to tell ------

    async def reconfigure(self, sites: tuple[Site, ...], check: bool = True) -> None:
        # on the writer thread: no command runs between the check and the change
        await self._run(lambda: self._reconfigure(sites, check))

    def _reconfigure(self, sites: tuple[Site, ...], check: bool) -> None:
        queues = [(self._queue(site.id), site) for site in sites]
        if check:
            for queue, site in queues:
                check_removals(queue.site, site, *queue.usage())
        for queue, site in queues:
            queue.take_site(site)
            self._snapshots.pop(site.id, None)

    async def tickers(self) -> dict[str, dict[str, str]]:
        def job() -> dict[str, dict[str, str]]:
            found: dict[str, dict[str, str]] = {}
            for site, lang, text in self._db.execute("SELECT site, lang, text FROM tickers"):
                found.setdefault(site, {})[lang] = text
            return found

        return await self._run(job)

    async def set_ticker(self, site: str, texts: Mapping[str, str | None]) -> None:
        def job() -> None:
            for lang, text in texts.items():
                if text is None:
                    self._db.execute(
                        "DELETE FROM tickers WHERE site = ? AND lang = ?", (site, lang)
                    )
                else:
                    self._db.execute(
                        "INSERT OR REPLACE INTO tickers (site, lang, text) VALUES (?, ?, ?)",
                        (site, lang, text),
                    )

        await self._run(job)

    async def share_sites(self, text: str) -> None:
        pass  # an SQLite file serves one process

    async def shared_sites(self) -> str | None:
        return None

    def watch_sites(self, changed: Callable[[], None]) -> None:
        pass


_SCREEN = "WHERE site = ? AND id = ?"
_KIOSK_COLUMNS = "id, name, created_at, last_used_at, key_hash, counter"


def _kiosk(
    site: str,
    kiosk_id: str,
    name: str,
    created: str,
    used: str | None,
    key_hash: str,
    counter: str | None,
) -> tuple[Kiosk, str]:
    last = None if used is None else datetime.fromisoformat(used)
    kiosk = Kiosk(kiosk_id, site, name, datetime.fromisoformat(created), last, counter)
    return kiosk, key_hash


def _counter_state(
    counter: str, status: str, services: str, since: str, user: str | None, reason: str | None
) -> CounterState | None:
    """A counter's row (None: one this release cannot read)."""
    try:
        chosen = json.loads(services)
    except ValueError:
        return None
    fields = ("counter", "status", "services", "since", "user", "reason")
    return kept(dict(zip(fields, (counter, status, chosen, since, user, reason), strict=True)))


def _deliver(publish: Publish, events: list[Event]) -> None:
    for event in events:
        publish(event)
