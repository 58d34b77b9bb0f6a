"""The shared store: every process (and host) serving the same sites keeps its state in
one Redis, so they serve them as one.

Each command is one script run (scripts.py, plans.py): its checks, its moves, the
site's new seqs, its events into the site's history stream and out on its channel, and
its idempotent answer, all at once or not at all. Each process feeds the events of
every process to its own displays (feed.py). Redis must keep its data
(`maxmemory-policy noeviction`, and `appendfsync always` for nothing acknowledged to
be lost in a crash); a Redis that loses it anyway is noticed by its missing epoch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from loket.server.domain.board import Board
from loket.server.domain.commands import Destination, StatusChange
from loket.server.domain.counter_state import CounterState, as_of, kept
from loket.server.domain.errors import NotFound, QueueFull
from loket.server.domain.queue import Call
from loket.server.domain.rating import DESK_WINDOW, Rater, Rating, already_rated, check
from loket.server.domain.site import Counter, Site
from loket.server.domain.site_change import check_removals, removes_any
from loket.server.domain.ticket import Status, Ticket, desk_line, parse_ref
from loket.server.kiosks import Kiosk
from loket.server.protocol import Event, dumps
from loket.server.reports.rated import RatedVisit
from loket.server.reports.row import By, Report
from loket.server.reports.satisfaction import Satisfaction
from loket.server.screens import ScreenNotes, from_ms, to_ms
from loket.server.store.answers import replay
from loket.server.store.base import (
    KEEP_EVENTS,
    KEEP_HISTORY,
    KEEP_IDEMPOTENCY,
    Announce,
    CounterLine,
    NoArchive,
    Publish,
    Result,
    Snapshot,
    Stamp,
    StoreUnavailable,
    new_ticket_id,
)
from loket.server.store.last_done import Kept, last_done, reaches
from loket.server.store.redis import keys, plans
from loket.server.store.redis import users as user_records
from loket.server.store.redis.connection import Address, connect, reachable
from loket.server.store.redis.feed import PAGE, Feed
from loket.server.store.redis.plans import Plan, View
from loket.server.store.redis.records import (
    ORDER_WIDTH,
    issued_in,
    member,
    record,
    ticket_from_record,
)
from loket.server.store.redis.scripts import Peeked, Reply, Scripts, State
from loket.server.users import Session, User, UserChange

if TYPE_CHECKING:
    from loket.server.archive.reports import ArchiveReports

TRIES = 20  # a command read, then found changed when it ran: read again, this often
FIRST_K = 1  # the options a call prepares, doubled after each stale try...
MAX_K = 16  # ...up to this many
HISTORY_LIMIT = keys.STREAM_CAP
USAGE_LIMIT = 10_000  # tickets a reload's check reads per counter's line
# pages of history a desk's rating reads back for the counter's last "done" (its last
# minutes: more is a flood, and the rating is refused rather than read on)
DONE_PAGES = 10


def kept_state(text: str) -> CounterState | None:
    """A counter's status as kept in its hash ("": none kept)."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return kept(data) if isinstance(data, dict) else None


def _counters(
    site: Site, state: State, at: datetime
) -> Iterator[tuple[Counter, Ticket | None, CounterState]]:
    """Each counter of a snapshot's read: its current ticket and its status at `at`."""
    for counter, text, stored in zip(site.counters, state.serving, state.states, strict=True):
        ticket = ticket_from_record(text) if text else None
        yield counter, ticket, as_of(site, counter.id, kept_state(stored), ticket, at)


class RedisStore:
    def __init__(self, url: str, archive: str | None = None) -> None:
        self.url = url
        self.address = Address.parse(url)
        self._reports: ArchiveReports | None = None
        if archive is not None:  # psycopg is loaded only by a store that has an archive
            from loket.server.archive.reports import ArchiveReports

            self._reports = ArchiveReports(archive)
        self._epoch = ""
        self._client: Redis | None = None
        self._scripts: Scripts | None = None
        self._feed: Feed | None = None
        self._sites: dict[str, Site] = {}
        # with the day it is of, and the counters' statuses with their clerks
        self._snapshots: dict[str, tuple[date, Snapshot, list[CounterState]]] = {}
        self._users_changed: Callable[[], None] = lambda: None
        self._sites_changed: Callable[[], None] = lambda: None

    @property
    def epoch(self) -> str:
        """The epoch this process follows; it changes when Redis loses its data."""
        return self._epoch if self._feed is None else self._feed.epoch

    @epoch.setter
    def epoch(self, value: str) -> None:
        self._epoch = value

    # -- life ---------------------------------------------------------------

    async def open(self, sites: tuple[Site, ...], publish: Publish) -> None:
        self._sites = {site.id: site for site in sites}
        client = connect(self.address)
        scripts = Scripts(client, self.address.replicas)
        try:
            with reachable():
                self._epoch = await scripts.epoch()
                feed = Feed(
                    client,
                    scripts,
                    self._sites,
                    publish,
                    self._epoch,
                    self._forget,
                    lambda: self._users_changed(),
                    lambda: self._sites_changed(),
                )
                await feed.start()
        except BaseException:
            await client.aclose()
            raise
        self._client, self._scripts, self._feed = client, scripts, feed
        with reachable():
            for site in sites:
                await self._index_refs(client, site)

    async def _index_refs(self, client: Redis, site: Site) -> None:
        """Tickets waiting or at a counter since before refs were indexed (an upgrade)
        are added to the index, so that staff can call them by name (CONTRACT 6.5)."""
        ids = list(await client.hvals(keys.site(site.id, "current")))
        for line in site.services:
            members = await client.zrange(keys.waiting(site.id, line.id), 0, -1)
            ids += [str(m)[ORDER_WIDTH:] for m in members]
        if not ids:
            return
        # one round trip to read them and one to index them, not two per ticket
        texts = await client.mget([keys.ticket(str(ticket_id)) for ticket_id in ids])
        pipe = client.pipeline(transaction=False)
        for text in texts:
            if text is not None:
                ticket = ticket_from_record(str(text))
                refs = keys.site(site.id, f"refs:{ticket.day.isoformat()}")
                pipe.hsetnx(refs, ticket.number, ticket.id)
                pipe.expire(refs, int(keys.NUMBER_TTL.total_seconds()), nx=True)
        await pipe.execute()

    async def close(self) -> None:
        if self._feed is not None:
            self._epoch = self._feed.epoch
            await self._feed.stop()
            self._feed = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._reports is not None:
            await self._reports.close()

    # -- plumbing -------------------------------------------------------------

    def _open(self) -> tuple[Redis, Scripts, Feed]:
        if self._client is None or self._scripts is None or self._feed is None:
            raise StoreUnavailable("the store is closed")
        return self._client, self._scripts, self._feed

    def _site(self, site_id: str) -> Site:
        site = self._sites.get(site_id)
        if site is None:
            raise NotFound("site", site_id)
        return site

    def _forget(self, site_id: str | None) -> None:
        """The feed moved on: cached snapshots of the site (None: all) are out of date."""
        if site_id is None:
            self._snapshots.clear()
        else:
            self._snapshots.pop(site_id, None)

    async def _peek(
        self,
        site: Site,
        counter: str,
        k: int,
        chosen: tuple[str, str] | None = None,
        held: bool = False,
        now: datetime | None = None,
    ) -> tuple[Peeked, list[Ticket]]:
        """What a counter reads (scripts.peek), and the first `k` tickets it would call:
        its own line's, then its services' lines (today's, at `now`) merged by call
        order (their members)."""
        _, scripts, feed = self._open()
        lines = [desk_line(counter), *site.counter(counter).services] if k else []
        today = None if now is None else site.local_day(now).isoformat()
        peeked = await scripts.peek(
            site.id, counter, lines, k, chosen=chosen, held=held, today=today
        )
        feed.notice(peeked.epoch)
        own = sorted((m, r) for index, m, r in peeked.waiting if index == 0 and r)
        rest = sorted((m, r) for index, m, r in peeked.waiting if index > 0 and r)
        waiting = [ticket_from_record(record) for _, record in [*own, *rest][:k]]
        return peeked, waiting

    async def _view(
        self,
        site: Site,
        counter: str,
        k: int,
        now: datetime,
        chosen: tuple[str, str] | None = None,
    ) -> View:
        peeked, waiting = await self._peek(site, counter, k, chosen, now=now)
        record = peeked.current_record
        return View(
            site,
            counter,
            ticket_from_record(record) if record else None,
            record,
            waiting,
            ticket_from_record(peeked.chosen_record) if peeked.chosen_record else None,
            peeked.chosen_record,
            kept_state(peeked.state_record),
            peeked.state_record,
        )

    async def _run(self, site: Site, now: datetime, plan: Plan) -> tuple[Reply, Result | None]:
        """Run a plan: its Result, or None when the script found it stale."""
        _, scripts, feed = self._open()
        reply = await scripts.command(site, now.isoformat(), plan.call)
        feed.notice(reply.epoch)
        if reply.status in ("stale", "full"):
            return reply, None
        if reply.status == "replay":
            return reply, replay(json.loads(reply.body), site.local_day)
        if reply.seq:
            await feed.reach(site.id, reply.epoch, reply.seq)
        outcome = plan.outcome(reply.option)
        if outcome.error is not None:
            raise outcome.error  # the script kept the moves before it (and the answer)
        if not outcome.moved_ticket:  # a counter's status (CONTRACT 6.2)
            return reply, Result({}, reply.seq, counter=outcome.state)
        ticket = outcome.ticket
        if reply.serial:  # issued: numbered by the script
            ticket = replace(ticket, number=reply.number, serial=reply.serial)
        result = Result(ticket.to_json(), reply.seq, reply.position, ticket.id, outcome.state)
        return reply, result

    async def _counter(
        self,
        site_id: str,
        counter: str,
        now: datetime,
        make: Callable[[View], Plan],
        k: int = 0,
        chosen: tuple[str, str] | None = None,
    ) -> Result:
        """Read the counter's state, plan, run; again while what was read changed."""
        site = self._site(site_id)
        site.counter(counter)
        with reachable():
            for _ in range(TRIES):
                view = await self._view(site, counter, k, now, chosen)
                _, result = await self._run(site, now, make(view))
                if result is not None:
                    return result
                k = min(2 * k, MAX_K)
        raise StoreUnavailable("the queue changed too often meanwhile: try again")

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
        found = self._site(site)
        plan = plans.issue(found, new_ticket_id(), service, stamp, priority=priority, lang=lang)
        with reachable():
            reply, result = await self._run(found, stamp.at, plan)
        if reply.status == "full":
            raise QueueFull(service, plan.call["limit"]["max"])
        assert result is not None  # an issue has nothing to go stale
        return result

    async def call_next(
        self,
        site: str,
        counter: str,
        stamp: Stamp,
        announce: Announce,
        idempotency: tuple[str, str] | None = None,
    ) -> Result:
        key = None if idempotency is None else keys.idempotency(*idempotency)
        ttl = int(KEEP_IDEMPOTENCY.total_seconds()) + 3600  # prune() drops them on time

        def make(view: View) -> Plan:
            plan = plans.call_next(view, stamp, announce, key)
            if key is not None:
                at = int(stamp.at.timestamp() * 1000)
                plan.call["idem"] = {"key": key, "ttl": ttl, "at": at}
            return plan

        return await self._counter(site, counter, stamp.at, make, FIRST_K)

    async def recall(self, site: str, counter: str, stamp: Stamp, announce: Announce) -> Result:
        return await self._counter(
            site, counter, stamp.at, lambda v: plans.recall(v, stamp, announce)
        )

    async def finish(self, site: str, counter: str, status: Status, stamp: Stamp) -> Result:
        return await self._counter(
            site, counter, stamp.at, lambda v: plans.finish(v, status, stamp)
        )

    async def transfer(
        self,
        site: str,
        counter: str,
        to: Destination,
        stamp: Stamp,
        announce: Announce | None = None,
    ) -> Result:
        return await self._counter(
            site, counter, stamp.at, lambda v: plans.transfer(v, to, stamp, announce)
        )

    async def call(
        self, site: str, counter: str, name: str, stamp: Stamp, announce: Announce
    ) -> Result:
        def make(view: View) -> Plan:
            return plans.call(view, name, stamp, announce)

        parsed = parse_ref(name)
        day, number = parsed if parsed is not None else (self._site(site).local_day(stamp.at), name)
        return await self._counter(site, counter, stamp.at, make, chosen=(day.isoformat(), number))

    async def hold(self, site: str, counter: str, stamp: Stamp) -> Result:
        return await self._counter(site, counter, stamp.at, lambda v: plans.hold(v, stamp))

    async def set_status(
        self, site: str, counter: str, change: StatusChange, stamp: Stamp
    ) -> Result:
        return await self._counter(
            site, counter, stamp.at, lambda v: plans.set_status(v, change, stamp)
        )

    async def line(
        self, site: str, counter: str, limit: int, now: datetime | None = None
    ) -> CounterLine:
        found = self._site(site)
        with reachable():
            peeked, waiting = await self._peek(found, counter, limit, held=True, now=now)
        record = peeked.current_record
        current = ticket_from_record(record) if record else None
        stored = kept_state(peeked.state_record)
        return CounterLine(
            current,
            waiting,
            [ticket_from_record(text) for text in peeked.held if text],
            None if now is None else as_of(found, counter, stored, current, now),
        )

    # -- reads ----------------------------------------------------------------

    async def waiting_since(self, site: str) -> dict[str, list[datetime]]:
        found = self._site(site)
        client, _, _ = self._open()
        now = datetime.now(UTC)
        with reachable():
            pipe = client.pipeline(transaction=False)
            for service in found.services:
                pipe.zrange(keys.waiting(site, service.id), 0, -1)
            lines = await pipe.execute()
            issued = {
                service.id: [(str(m), issued_in(str(m), now)) for m in members]
                for service, members in zip(found.services, lines, strict=True)
            }
            ahead = [m[ORDER_WIDTH:] for line in issued.values() for m, at in line if at is None]
            texts = await client.mget([keys.ticket(i) for i in ahead]) if ahead else []
        records = {i: ticket_from_record(str(t)) for i, t in zip(ahead, texts, strict=True) if t}
        return {
            line: [
                at if at is not None else records[m[ORDER_WIDTH:]].issued_at
                for m, at in members
                if at is not None or m[ORDER_WIDTH:] in records
            ]
            for line, members in issued.items()
        }

    async def counter_states(self, site: str, now: datetime) -> list[CounterState]:
        return (await self._board(site, now))[1]

    async def snapshot(self, site: str, now: datetime | None = None) -> Snapshot:
        return (await self._board(site, now or datetime.now(UTC)))[0]

    async def _board(self, site: str, at: datetime) -> tuple[Snapshot, list[CounterState]]:
        """The snapshot, and every counter's status with its clerk (for staff), from one
        read. Cached until the site's next event here or its next day (the counters
        close), so a reconnect storm, or a live view after each event, reads it once."""
        found = self._site(site)
        _, scripts, feed = self._open()
        day = found.local_day(at)
        cached = self._snapshots.get(site)
        if cached is not None and cached[0] == day and feed.connected:
            return cached[1], cached[2]
        with reachable():
            state = await scripts.snapshot(found)
        feed.notice(state.epoch)
        serving = []
        counters = []
        for counter, ticket, counter_state in _counters(found, state, at):
            if ticket is not None:
                serving.append(Call(ticket, counter.id, ticket.recalls))
            counters.append(counter_state)
        recent = []
        for entry, text in state.recent:
            if text:
                _, counter_id, recall = entry.split(" ")
                recent.append(Call(ticket_from_record(text), counter_id, int(recall)))
        waiting = {s.id: n for s, n in zip(found.services, state.waiting, strict=True)}
        held = {c.id: n for c, n in zip(found.counters, state.held, strict=True) if n}
        board = Board(serving, recent, waiting, held, counters)
        snapshot = Snapshot(state.seq, board.to_json())
        # cached only if no event the feed published is missing from it
        if state.epoch == feed.epoch and feed.connected and state.seq >= feed.last(site):
            self._snapshots[site] = (day, snapshot, counters)
        return snapshot, counters

    async def ticket(self, ticket_id: str) -> tuple[Ticket, int | None]:
        client, _, _ = self._open()
        with reachable():
            text = await client.get(keys.ticket(ticket_id))
            if text is None:
                raise NotFound("ticket", ticket_id)
            ticket = ticket_from_record(str(text))
            if ticket.status is not Status.WAITING:
                return ticket, None
            rank = await client.zrank(keys.waiting(ticket.site, ticket.line), member(ticket))
        return ticket, rank if isinstance(rank, int) else None

    # -- satisfaction ratings (CONTRACT 6.4) -------------------------------------------

    async def rate(self, site: str, rating: Rating) -> Rating:
        """Checked, then kept with HSETNX (rate.lua, which also hands it to the archive):
        of two processes rating one ticket at once, one keeps its rating, the other hears
        already_rated."""
        self._site(site)
        client, scripts, _ = self._open()
        parsed = parse_ref(rating.ref)
        if parsed is None:
            raise NotFound("ticket", rating.ref)
        day, number = parsed[0].isoformat(), parsed[1]
        ratings = keys.ratings(site, day)
        with reachable():
            ticket_id = await client.hget(keys.site(site, f"refs:{day}"), number)
            text = None if ticket_id is None else await client.get(keys.ticket(str(ticket_id)))
            if text is None:
                raise NotFound("ticket", rating.ref)
            ticket = ticket_from_record(str(text))
            kept = await client.hget(ratings, number)
            last = None
            if rating.by is Rater.DESK and rating.counter is not None:
                last = await self._last_done(client, site, rating.counter, rating.at - DESK_WINDOW)
            check(ticket, None if kept is None else _rating(str(kept)), rating, last)
            if not await scripts.rate(site, day, number, dumps(rating.to_json())):
                raise already_rated(ticket)
        return rating

    async def _last_done(
        self, client: Redis, site: str, counter: str, since: datetime
    ) -> str | None:
        """The ref of the ticket last done at `counter` since `since`, from the history
        stream (newest first, a page at a time, back to `since`)."""
        kept: list[Kept] = []
        end = "+"
        for _ in range(DONE_PAGES):
            raw = await client.xrevrange(keys.events(site), max=end, min="-", count=PAGE)
            entries = [(str(entry_id), fields) for entry_id, fields in raw or [] if fields]
            page = [(str(f["type"]), str(f["ts"]), str(f["data"])) for _, f in entries]
            kept += page
            if reaches(page[-1] if page else None, since):
                break
            end = "(" + entries[-1][0]  # before the oldest read (exclusive)
        return last_done(kept, counter, since)

    async def rating(self, site: str, ref: str) -> Rating | None:
        self._site(site)
        client, _, _ = self._open()
        parsed = parse_ref(ref)
        if parsed is None:
            return None
        with reachable():
            text = await client.hget(keys.ratings(site, parsed[0].isoformat()), parsed[1])
        return None if text is None else _rating(str(text))

    async def events_after(self, site: str, seq: int) -> list[Event] | None:
        self._site(site)
        _, scripts, feed = self._open()
        if seq < 0:
            return None
        with reachable():
            history = await scripts.history(site, seq + 1, HISTORY_LIMIT)
        epoch = feed.epoch
        feed.notice(history.epoch)
        if history.epoch != epoch or seq > history.seq:
            return None  # the seq asked about is of another history
        if seq == history.seq:
            return []
        entries = history.entries
        if not entries or entries[0].seq != seq + 1:
            return None  # history no longer reaches back that far
        day_of = self._site(site).local_day
        return [entry.event(day_of) for entry in entries]

    async def prune(self, now: datetime) -> None:
        _, scripts, _ = self._open()
        with reachable():
            for site in self._sites:
                await self._trim(scripts, site, now - KEEP_HISTORY)
                await self._close_held(scripts, self._site(site), now)
            await scripts.prune_answers(int((now - KEEP_IDEMPOTENCY).timestamp() * 1000))
        # sessions expire in Redis by themselves

    async def report(self, site: str, first: date, last: date, by: By) -> Report:
        """The record of a Redis store is its PostgreSQL archive (--archive)."""
        found = self._site(site)  # an unknown site is a 404 first
        if self._reports is None:
            raise NoArchive()
        return await self._reports.report(found, first, last, by)

    async def satisfaction(self, site: Site, first: date, last: date) -> Satisfaction:
        found = self._site(site.id)
        if self._reports is None:
            raise NoArchive()
        return await self._reports.satisfaction(found, first, last)

    async def rated(self, site: str, first: date, last: date) -> list[RatedVisit]:
        """From the archive, as reports are (the archiver takes the ratings there)."""
        found = self._site(site)
        if self._reports is None:
            raise NoArchive()
        return await self._reports.rated(found, first, last)

    async def _close_held(self, scripts: Scripts, site: Site, now: datetime) -> None:
        """Tickets still held from an earlier day are closed as held (CONTRACT 6.5)."""
        today = site.local_day(now)
        for counter in site.counters:
            peeked, _ = await self._peek(site, counter.id, 0, held=True)
            closing = []
            for text in peeked.held:
                ticket = ticket_from_record(text) if text else None
                if ticket is not None and ticket.day < today:
                    closing.append((counter.id, ticket.id, text, record(ticket.close_held(now))))
            if closing:
                await scripts.close_held(site.id, closing)
                self._forget(site.id)

    async def _trim(self, scripts: Scripts, site: str, cutoff: datetime) -> None:
        """Drop the site's oldest events, keeping its last KEEP_EVENTS and all after
        `cutoff`: find the first event to keep, then trim before it."""
        start = 0
        first = 0
        while True:
            history = await scripts.history(site, start, PAGE)
            keep_above = history.seq - KEEP_EVENTS
            if keep_above <= 0:
                return
            for entry in history.entries:
                if entry.seq > keep_above or datetime.fromisoformat(entry.ts) >= cutoff:
                    first = entry.seq
                    break
            else:
                if len(history.entries) == PAGE:
                    start = history.entries[-1].seq + 1
                    continue
                first = keep_above + 1
            break
        await scripts.trim(site, history.epoch, first)

    # -- users ----------------------------------------------------------------

    async def add_user(self, user: User, password_hash: str, now: datetime) -> bool:
        client, _, _ = self._open()
        body = user_records.record(user, password_hash, now.isoformat(), user_records.new_stamp())
        with reachable():
            return bool(await client.hsetnx(keys.users(), user.username, body))

    async def _user(self, username: str) -> tuple[User, dict[str, Any]] | None:
        client, _, _ = self._open()
        with reachable():
            text = await client.hget(keys.users(), username)
        return None if text is None else user_records.parse(username, text)

    async def user_hash(self, username: str) -> tuple[User, str] | None:
        found = await self._user(username)
        return None if found is None else (found[0], found[1]["hash"])

    async def users(self) -> list[User]:
        client, _, _ = self._open()
        with reachable():
            found = await client.hgetall(keys.users())
        return sorted(
            (user_records.parse(str(name), text)[0] for name, text in found.items()),
            key=lambda user: user.username,
        )

    async def change_user(self, username: str, change: UserChange) -> User | None:
        client, _, _ = self._open()
        with reachable():
            return await user_records.change(client, username, change)

    async def delete_user(self, username: str) -> bool:
        client, _, _ = self._open()
        with reachable():
            return await user_records.change(client, username, None) is not None

    def watch_users(self, changed: Callable[[], None]) -> None:
        self._users_changed = changed

    @property
    def users_heard(self) -> bool:
        return self._feed is not None and self._feed.connected

    async def add_session(
        self, token_hash: str, username: str, csrf: str, expires: datetime
    ) -> None:
        client, _, _ = self._open()
        found = await self._user(username)
        stamp = "" if found is None else user_records.stamp_of(found[1])
        body = {"username": username, "csrf": csrf, "expires": expires.isoformat(), "stamp": stamp}
        with reachable():
            await client.set(
                keys.session(token_hash), dumps(body), pxat=int(expires.timestamp() * 1000)
            )

    async def session(self, token_hash: str, now: datetime) -> Session | None:
        client, _, _ = self._open()
        with reachable():
            text = await client.get(keys.session(token_hash))
        if text is None:
            return None
        body = json.loads(text)
        if datetime.fromisoformat(body["expires"]) <= now:
            return None
        found = await self._user(body["username"])
        if found is None:
            return None
        user, record = found
        if user.disabled or user_records.stamp_of(record) != str(body.get("stamp", "")):
            return None  # ended by a new password, or disabling (redis/users.py)
        return Session(user, body["csrf"])

    async def drop_session(self, token_hash: str) -> None:
        client, _, _ = self._open()
        with reachable():
            await client.delete(keys.session(token_hash))

    # -- kiosks ---------------------------------------------------------------

    async def add_kiosk(self, kiosk: Kiosk, key_hash: str, cap: int) -> bool:
        _, scripts, _ = self._open()
        record = {"name": kiosk.name, "hash": key_hash, "created": kiosk.created_at.isoformat()}
        body = dumps(record if kiosk.counter is None else {**record, "counter": kiosk.counter})
        with reachable():
            return await scripts.add_kiosk(kiosk.site, kiosk.id, body, cap)

    async def kiosks(self, site: str) -> list[Kiosk]:
        client, _, _ = self._open()
        with reachable():
            records = await client.hgetall(keys.kiosks(site))
            used = await client.hgetall(keys.kiosks_used(site))
        found = [
            _kiosk(site, str(kiosk_id), str(text), _text(used.get(kiosk_id)))[0]
            for kiosk_id, text in records.items()
        ]
        return sorted(found, key=lambda kiosk: (kiosk.created_at, kiosk.id))

    async def use_kiosk(self, site: str, kiosk_id: str, now: datetime) -> tuple[Kiosk, str] | None:
        _, scripts, _ = self._open()
        at = now.isoformat()
        with reachable():
            text = await scripts.use_kiosk(site, kiosk_id, at)
        return None if text is None else _kiosk(site, kiosk_id, text, at)

    async def drop_kiosk(self, site: str, kiosk_id: str) -> bool:
        client, _, _ = self._open()
        with reachable():
            async with client.pipeline(transaction=True) as pipe:
                pipe.hdel(keys.kiosks(site), kiosk_id)
                pipe.hdel(keys.kiosks_used(site), kiosk_id)
                dropped, _ = await pipe.execute()
        return bool(dropped)

    # -- screens ---------------------------------------------------------------

    async def screen_notes(self, site: str) -> ScreenNotes:
        client, _, _ = self._open()
        with reachable():
            async with client.pipeline(transaction=True) as pipe:
                pipe.hgetall(keys.screen_names(site))
                pipe.hgetall(keys.screen_removals(site))
                names, removed = await pipe.execute()
        # tolerant: a removal time that is not whole ms is skipped
        return ScreenNotes(
            {str(i): str(name) for i, name in names.items()},
            {str(i): from_ms(int(ms)) for i, ms in removed.items() if str(ms).isdigit()},
        )

    async def name_screen(self, site: str, screen_id: str, name: str | None, cap: int) -> bool:
        _, scripts, _ = self._open()
        with reachable():
            return await scripts.name_screen(site, screen_id, name, cap)

    async def remove_screen(
        self, site: str, screen_id: str, at: datetime, since: datetime, cap: int
    ) -> bool:
        _, scripts, _ = self._open()
        with reachable():
            return await scripts.remove_screen(site, screen_id, to_ms(at), to_ms(since), cap)

    # -- allowances: counted in Redis, so the limit holds across processes ----------------

    async def take_allowance(self, key: str, limit: int, window: timedelta, now: datetime) -> float:
        _, scripts, _ = self._open()
        window_ms = int(window.total_seconds() * 1000)
        with reachable():
            wait_ms = await scripts.take_allowance(
                key, limit, window_ms, int(now.timestamp() * 1000)
            )
        return wait_ms / 1000

    async def give_back_allowance(self, key: str) -> None:
        client, _, _ = self._open()
        with reachable():
            await client.rpop(keys.allowance(key))

    # -- the sites while running (server/hall.py) --------------------------------------

    async def reconfigure(self, sites: tuple[Site, ...], check: bool = True) -> None:
        """The check reads each site's counts as its snapshot does; a ticket issued for a
        removed service between the read and the swap is refused by the service (it no
        longer knows the service), so at most a ticket issued in that instant waits on."""
        if check:
            _, scripts, feed = self._open()
            with reachable():
                for site in sites:
                    old = self._site(site.id)
                    state = await scripts.snapshot(old)
                    feed.notice(state.epoch)
                    waiting = {s.id: n for s, n in zip(old.services, state.waiting, strict=True)}
                    serving = {
                        c.id for c, text in zip(old.counters, state.serving, strict=True) if text
                    }
                    if removes_any(old, site):  # then who is held or sent to a desk too
                        for counter in old.counters:
                            line = await self.line(old.id, counter.id, USAGE_LIMIT)
                            desk = [t for t in line.waiting if t.desk == counter.id]
                            if line.held or desk:
                                serving.add(counter.id)
                            current = [] if line.current is None else [line.current]
                            for ticket in [*desk, *line.held, *current]:
                                waiting[ticket.service] = waiting.get(ticket.service, 0) + 1
                    check_removals(old, site, waiting, serving)
        self._sites = {site.id: site for site in sites}  # the ids (the feed's channels) stay
        self._forget(None)

    async def tickers(self) -> dict[str, dict[str, str]]:
        client, _, _ = self._open()
        found: dict[str, dict[str, str]] = {}
        with reachable():
            for site in self._sites:
                texts = await client.hgetall(keys.ticker(site))
                if texts:
                    found[site] = {str(lang): str(text) for lang, text in texts.items()}
        return found

    async def set_ticker(self, site: str, texts: Mapping[str, str | None]) -> None:
        client, _, _ = self._open()
        with reachable():
            async with client.pipeline(transaction=True) as pipe:
                for lang, text in texts.items():
                    if text is None:
                        pipe.hdel(keys.ticker(site), lang)
                    else:
                        pipe.hset(keys.ticker(site), lang, text)
                pipe.publish(keys.sites_channel(), site)
                await pipe.execute()

    async def share_sites(self, text: str) -> None:
        client, _, _ = self._open()
        with reachable():
            async with client.pipeline(transaction=True) as pipe:
                pipe.set(keys.sites_file(), text)
                pipe.publish(keys.sites_channel(), "")
                await pipe.execute()

    async def shared_sites(self) -> str | None:
        client, _, _ = self._open()
        with reachable():
            text = await client.get(keys.sites_file())
        return None if text is None else str(text)

    def watch_sites(self, changed: Callable[[], None]) -> None:
        self._sites_changed = changed


def _kiosk(site: str, kiosk_id: str, text: str, used: str | None) -> tuple[Kiosk, str]:
    """A kiosk's record, read tolerantly: what a later release adds is ignored."""
    body = json.loads(text)
    created = datetime.fromisoformat(body.get("created") or "1970-01-01T00:00:00+00:00")
    last = None if not used else datetime.fromisoformat(str(used))
    counter = body.get("counter")
    name = str(body.get("name", kiosk_id))
    kiosk = Kiosk(kiosk_id, site, name, created, last, None if counter is None else str(counter))
    return kiosk, str(body.get("hash", ""))


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _rating(text: str) -> Rating:
    return Rating.from_json(json.loads(text))
