"""The use cases: issue, call next, recall, done, no-show, transfer, log in.

The only module that combines the store, the domain, the hub and announcements.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from loket.server.announce import Announcer
from loket.server.announce.library import AudioLibrary
from loket.server.displays import DisplayRegistry
from loket.server.domain.commands import Destination, StatusChange
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import DomainError, NotFound
from loket.server.domain.estimate import Estimate
from loket.server.domain.events import Called, Transferred
from loket.server.domain.numbers import following_number
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket
from loket.server.errors import Conflict, Forbidden, Invalid, RateLimited, Unauthorized
from loket.server.hall import Hall
from loket.server.hub import RECENT, Hub, Message, Sink, Subscription
from loket.server.kiosks import Kiosks
from loket.server.login_throttle import LoginThrottle
from loket.server.memory import give_back_free_memory
from loket.server.password_rules import check_password, password_problem
from loket.server.passwords import Passwords
from loket.server.protocol import Event
from loket.server.ratings import Ratings
from loket.server.reports.row import By, Report
from loket.server.reports.satisfaction import Satisfaction
from loket.server.screens import Screens
from loket.server.session_cache import SessionCache
from loket.server.sites import Sites
from loket.server.store import Result, Snapshot, Stamp, Store
from loket.server.supervision import Supervision
from loket.server.ticketfeed import Followed, TicketFeed
from loket.server.users import USERNAME, NoAdminLeft, Role, Session, User, UserChange

log = logging.getLogger("loket")

SESSION_LIFETIME = timedelta(hours=12)
MAINTENANCE_INTERVAL = 600.0
TRIM_INTERVAL = 60.0  # s between giving freed heap pages back (server/memory.py)
# a session is remembered this long; a logout or a change of its user (here or on another
# process the store tells of) makes it forgotten at once (session_cache.py)
SESSION_CACHE_SECONDS = 30.0
# a resume from further back than this gets a snapshot: replay is bounded per socket
MAX_REPLAY = RECENT
SEED_EVENTS = (1000, 200)  # recent events that teach the wait estimate after a start
# tickets one client address may take without a kiosk key (CONTRACT 6.7)
ANONYMOUS_TICKETS = 3
ANONYMOUS_WINDOW = timedelta(minutes=15)


class Unchanged:
    """A field a change leaves as it is (where None means something: every counter)."""


UNCHANGED = Unchanged()


LINE_LIMIT = 200  # tickets a counter's line shows (CONTRACT 6.5)


def _seconds(span: timedelta) -> float:
    return round(max(span.total_seconds(), 0.0), 1)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoketService:
    def __init__(
        self,
        sites: tuple[Site, ...],
        store: Store,
        hub: Hub,
        announcer: Announcer | None = None,
        audio: AudioLibrary | None = None,
        passwords: Passwords | None = None,
        clock: Callable[[], datetime] = utcnow,
        config: Path | None = None,
    ) -> None:
        """`config`: the site file that `sites` came from, read again on a reload (None:
        the built-in demo site)."""
        self.sites = Sites(sites)  # the one holder: a reload swaps it (server/hall.py)
        self.store = store
        self.hub = hub
        self.announcer = announcer or Announcer()
        self.audio = audio
        self.passwords = passwords or Passwords()
        self.clock = clock
        self._dummy_hash: str | None = None
        self._sessions = SessionCache(SESSION_CACHE_SECONDS)
        self.logins = LoginThrottle()
        self.kiosks = Kiosks(store, lambda: self.clock())
        self.displays = DisplayRegistry()
        self.screens = Screens(store, self.displays, lambda: self.clock(), lambda: self.epoch)
        self._site_seq: dict[str, int] = {}
        # visitors' phones: one entry per followed ticket, moved by the site's events
        self.tickets = TicketFeed(sites, store.ticket, lambda: self.store.epoch, clock)
        self._epoch = ""
        self.hall = Hall(self.sites, store, hub, self.tickets, lambda: self.clock(), config)
        self.supervision = Supervision(store, self.site, lambda: self.clock())
        self.ratings = Ratings(store, self.site, lambda: self.clock())

    async def start(self) -> None:
        await self.store.open(tuple(self.sites.values()), self._publish)
        self.store.watch_users(self._sessions.users_changed)
        self._epoch = self.store.epoch
        for site_id in self.sites:
            self._site_seq[site_id] = (await self.store.snapshot(site_id)).seq
        await self._seed_estimates()
        await self.hall.start()

    async def stop(self) -> None:
        self.hall.stop()
        self.tickets.close()
        await self.store.close()
        if self.audio is not None:
            await self.audio.close()

    async def maintain(
        self, every: float = MAINTENANCE_INTERVAL, trim_every: float = TRIM_INTERVAL
    ) -> None:
        """Prune the store now and then, and give freed memory back to the system more
        often (a few ms), for as long as the server runs."""
        loop = asyncio.get_running_loop()
        pruned = -every
        while True:
            if loop.time() - pruned >= every:
                await self.store.prune(self.clock())
                pruned = loop.time()
            give_back_free_memory()
            await asyncio.sleep(trim_every)

    def _follow_epoch(self) -> None:
        """The store's history was lost (a shared store flushed, say): nothing the hub
        remembers or sent can be continued, so every display starts over."""
        if self.store.epoch != self._epoch:
            self._epoch = self.store.epoch
            self.hub.reset()

    def _publish(self, event: Event) -> None:
        self._follow_epoch()
        if event.seq != self._site_seq.get(event.site, 0) + 1:
            self.hub.reset(event.site)  # events were skipped: the site's displays resync
        self._site_seq[event.site] = event.seq
        self.hub.publish(event.site, (event.seq, event.wire(self.store.epoch)))
        self.tickets.publish(event)
        if isinstance(event.payload, Called | Transferred):
            self._prepare_audio(event.site, event.payload)

    def _prepare_audio(self, site_id: str, call: Called | Transferred) -> None:
        """Has the call's audio rendered now, so that it is ready when displays ask. A call
        made by another process (on a shared store) is only learnt: its URLs can be rendered
        here when a display asks, and the process that made it renders it ahead.

        The counter's likely next call (its service's next number) is rendered ahead only
        when no other counter serves that service: with a shared line the guess is mostly
        wrong, and speculation would compete with calls being made."""
        announcement = call.announcement
        site = self.sites.get(site_id)
        if self.audio is None or site is None or announcement is None:
            return
        ours = all(self.audio.knows(url) for url in announcement.urls)
        for segment in announcement.segments:
            url = self.audio.url(site, segment.lang, segment.text)
            if url != segment.url:
                log.warning(
                    "%s cannot be made here (here it is %s): do all processes share one config?",
                    segment.url,
                    url,
                )
        if not ours:
            return
        self.audio.prepare(announcement.urls, announcement.start_at)
        if isinstance(call, Transferred):
            return
        service = call.ticket.service
        if [c.id for c in site.counters if service in c.services] != [call.counter]:
            return
        upcoming = following_number(call.ticket.number, service)
        if upcoming is not None:
            segments = self.announcer.segments(site, upcoming, service, call.counter)
            self.audio.prepare_ahead(segment.url for segment in segments)

    @property
    def epoch(self) -> str:
        return self.store.epoch

    def site(self, site_id: str) -> Site:
        site = self.sites.get(site_id)
        if site is None:
            raise NotFound("site", site_id)
        return site

    # -- visitors -----------------------------------------------------------

    async def issue(
        self,
        site_id: str,
        service: str,
        priority: bool = False,
        lang: str | None = None,
        counted: str | None = None,
    ) -> Result:
        """`counted`: the client address whose allowance the ticket takes (None: a kiosk,
        the server's own machine); beyond it, 429 too_many_tickets."""
        site = self.site(site_id)
        site.service(service)
        if counted is None:
            return await self.store.issue(
                site.id, service, Stamp(self.clock()), priority=priority, lang=lang
            )
        key = f"tickets:{counted}"
        now = self.clock()
        wait = await self.store.take_allowance(key, ANONYMOUS_TICKETS, ANONYMOUS_WINDOW, now)
        if wait > 0:
            raise RateLimited(
                math.ceil(wait),
                ErrorCode.TOO_MANY_TICKETS,
                f"At most {ANONYMOUS_TICKETS} tickets per "
                f"{int(ANONYMOUS_WINDOW.total_seconds() // 60)} minutes from one address "
                "without a kiosk.",
            )
        try:
            return await self.store.issue(
                site.id, service, Stamp(now), priority=priority, lang=lang
            )
        except DomainError:  # refused (queue_full): no ticket taken
            await self.store.give_back_allowance(key)
            raise

    async def ticket(self, ticket_id: str) -> tuple[Ticket, int | None]:
        return await self.store.ticket(ticket_id)

    # -- visitors' own tickets (the ticket page and /ws/ticket/{id}) --------------

    async def _seed_estimates(self) -> None:
        """Today's recent events, so that estimates have a basis right after a restart."""
        for site in self.sites.values():
            seq = self._site_seq.get(site.id, 0)
            for back in SEED_EVENTS:  # as far back as the store's history reaches
                events = await self.store.events_after(site.id, max(0, seq - back))
                if events is not None:
                    break
            today = site.local_day(self.clock())
            self.tickets.seed(e for e in events or () if site.local_day(e.ts) == today)

    async def ticket_view(self, ticket_id: str) -> tuple[Ticket, int | None, Estimate | None]:
        """A ticket, the people ahead of it and the estimated wait (None: no basis)."""
        ticket, position = await self.store.ticket(ticket_id)
        return ticket, position, self.tickets.estimate(ticket, position)

    def follow_ticket(
        self, ticket_id: str, sink: Sink
    ) -> AbstractAsyncContextManager[tuple[Subscription, Followed]]:
        """A phone follows one ticket: its paused subscription, and the ticket's entry
        (`self.tickets.snapshot(entry)` is what to send first)."""
        return self.tickets.follow(ticket_id, sink)

    def is_past(self, ticket: Ticket) -> bool:
        """A ticket of an earlier day at its site: numbers start anew every day."""
        site = self.sites.get(ticket.site)
        return site is not None and ticket.day < site.local_day(self.clock())

    async def report(self, site_id: str, first: date, last: date, by: By) -> Report:
        """CONTRACT 6.3: from the store's record, off the event loop."""
        return await self.store.report(self.site(site_id).id, first, last, by)

    async def satisfaction(self, site_id: str, first: date, last: date) -> Satisfaction:
        """Issue 18: the site's ratings of visits issued `first` to `last`, summed up."""
        return await self.store.satisfaction(self.site(site_id), first, last)

    async def snapshot(self, site_id: str) -> Snapshot:
        return await self.store.snapshot(self.site(site_id).id, self.clock())

    async def replay(self, site_id: str, seq: int, through: int = 0) -> list[Message] | None:
        """The site's messages after `seq`, at least up to `through` (the seq of the snapshot
        the display was sent): from memory when it reaches back, else from the store's
        history; None when neither does (the display then needs a snapshot).

        The snapshot is read from the store, which may be ahead of the hub: an event already
        committed (and so in the snapshot) may not have been handed to the hub yet. The
        subscription skips such an event as already sent, so the replay must hold it, and
        the store is the source known to: what memory lacks up to `through` comes from it.
        """
        site = self.site(site_id)
        self._follow_epoch()
        if through - seq > MAX_REPLAY:
            return None  # a snapshot, rather than a day's history read and held per socket
        recent = self.hub.since(site.id, seq)
        if recent is None:
            return await self._stored_after(site.id, seq)
        reached = recent[-1][0] if recent else seq
        if reached >= through:
            return recent
        rest = await self._stored_after(site.id, reached)
        return None if rest is None else recent + rest

    async def _stored_after(self, site_id: str, seq: int) -> list[Message] | None:
        events = await self.store.events_after(site_id, seq)
        if events is None:
            return None
        return [(event.seq, event.wire(self.epoch)) for event in events]

    @contextmanager
    def subscribe(self, site_id: str, sink: Sink) -> Iterator[Subscription]:
        with self.hub.subscribe(self.site(site_id).id, sink) as subscription:
            yield subscription

    # -- screens ---------------------------------------------------------------

    def display_hello(
        self,
        site_id: str,
        display_id: str,
        fields: dict[str, Any],
        connection: int,
        address: str | None = None,
    ) -> bool:
        """False: a new screen the registry has no room for."""
        seq = self._site_seq.get(site_id, 0)
        now = self.clock()
        return self.displays.report(site_id, display_id, fields, seq, now, connection, address)

    def display_seen(self, site_id: str, display_id: str) -> None:
        self.displays.seen(site_id, display_id, self.clock())

    def display_gone(self, site_id: str, display_id: str, connection: int) -> None:
        self.displays.disconnected(site_id, display_id, self.clock(), connection)

    async def display_list(self, site_id: str) -> list[dict[str, Any]]:
        return await self.screens.listing(self.site(site_id).id)

    # -- counters -------------------------------------------------------------

    def _stamp(self, user: User) -> Stamp:
        return Stamp(self.clock(), user.username)

    def at_counter(self, user: User, site_id: str, counter_id: str) -> Site:
        site = self.site(site_id)
        site.counter(counter_id)
        if not user.may_act(site.id, counter_id):
            raise Forbidden(f"{user.username} may not act at counter {counter_id} of {site.id}.")
        return site

    async def call_next(
        self, user: User, site_id: str, counter: str, idempotency_key: str | None = None
    ) -> Result:
        site = self.at_counter(user, site_id, counter)
        key = None if idempotency_key is None else (user.username, idempotency_key)
        return await self.store.call_next(
            site.id, counter, self._stamp(user), self.announcer.announcement, key
        )

    async def recall(self, user: User, site_id: str, counter: str) -> Result:
        site = self.at_counter(user, site_id, counter)
        return await self.store.recall(
            site.id, counter, self._stamp(user), self.announcer.announcement
        )

    async def done(self, user: User, site_id: str, counter: str) -> Result:
        return await self._finish(user, site_id, counter, Status.DONE)

    async def no_show(self, user: User, site_id: str, counter: str) -> Result:
        return await self._finish(user, site_id, counter, Status.NO_SHOW)

    async def _finish(self, user: User, site_id: str, counter: str, status: Status) -> Result:
        site = self.at_counter(user, site_id, counter)
        return await self.store.finish(site.id, counter, status, self._stamp(user))

    async def transfer(self, user: User, site_id: str, counter: str, to: Destination) -> Result:
        site = self.at_counter(user, site_id, counter)
        if to.counter is not None:
            site.counter(to.counter)
        if to.service is not None:
            site.service(to.service)
        spoken = self.announcer.transfer if site.announce_transfers else None
        return await self.store.transfer(site.id, counter, to, self._stamp(user), spoken)

    async def call(self, user: User, site_id: str, counter: str, name: str) -> Result:
        """Call one ticket by its ref or its number of the day (CONTRACT 6.5)."""
        site = self.at_counter(user, site_id, counter)
        return await self.store.call(
            site.id, counter, name, self._stamp(user), self.announcer.announcement
        )

    async def hold(self, user: User, site_id: str, counter: str) -> Result:
        site = self.at_counter(user, site_id, counter)
        return await self.store.hold(site.id, counter, self._stamp(user))

    async def set_status(
        self, user: User, site_id: str, counter: str, change: StatusChange
    ) -> Result:
        """Open, pause or close a counter (CONTRACT 6.2): its clerks, supervisors, admins."""
        site = self.at_counter(user, site_id, counter)
        if change.services is not None:
            if not change.services:
                raise Invalid(
                    "Choose at least one service to open with.", ErrorCode.INVALID_SERVICES
                )
            known = {service.id for service in site.services}
            unknown = [service for service in change.services if service not in known]
            if unknown:
                raise Invalid(
                    f"{site.id} has no service {unknown[0][:32]!r}.", ErrorCode.INVALID_SERVICES
                )
        return await self.store.set_status(site.id, counter, change, self._stamp(user))

    async def line(self, user: User, site_id: str, counter: str) -> dict[str, Any]:
        """The counter's line (CONTRACT 6.5): who it would call, in order, with their wait
        so far; whom it holds; its current ticket; its status (6.2), for its clerk."""
        site = self.at_counter(user, site_id, counter)
        now = self.clock()
        line = await self.store.line(site.id, counter, LINE_LIMIT, now)
        return {
            "current": None if line.current is None else line.current.to_json(),
            "waiting": [
                {**ticket.to_json(), "waited_s": _seconds(now - ticket.issued_at)}
                for ticket in line.waiting
            ],
            "held": [ticket.to_json() for ticket in line.held],
            "counter": None if line.state is None else line.state.to_json(staff=True),
        }

    # -- users and sessions -----------------------------------------------------

    async def ensure_admin(self, password: str | None) -> str | None:
        """Create `admin` on an empty store; returns the password when it was generated.
        A chosen password must meet the rules (cli.py refuses a weak one before start-up)."""
        if await self.store.user_hash("admin") is not None:
            return None
        generated = password is None
        if password is not None:
            await self._check_password(password, "admin")
        while password is None or password_problem(password, "admin"):
            password = secrets.token_urlsafe(12)  # 96 random bits: the loop runs once
        try:
            await self._add_user(User("admin", Role.ADMIN), password)
        except Conflict:  # another process sharing the store made it meanwhile
            return None
        return password if generated else None

    async def add_user(
        self, username: str, password: str, role: str = "staff", counters: list[str] | None = None
    ) -> User:
        if not USERNAME.fullmatch(username):
            raise Invalid(
                "A username is 1–64 lowercase letters, digits, dots, dashes or underscores.",
                ErrorCode.INVALID_USERNAME,
            )
        await self._check_password(password, username)
        user = User(username, self._role(role), self._counters(counters))
        await self._add_user(user, password)
        return user

    @staticmethod
    def _role(role: str) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise Invalid(
                f"Unknown role {role!r}: use staff, supervisor or admin.", ErrorCode.INVALID_ROLE
            ) from None

    def _counters(self, counters: list[str] | None) -> tuple[str, ...] | None:
        if counters is None:
            return None
        for entry in counters:
            site_id, _, counter_id = entry.partition("/")
            self.site(site_id).counter(counter_id)
        return tuple(counters)

    @staticmethod
    async def _check_password(password: str, username: str) -> None:
        # zxcvbn takes a few ms: off the event loop, like the hashing
        await asyncio.to_thread(check_password, password, username)

    async def _add_user(self, user: User, password: str) -> None:
        password_hash = await asyncio.to_thread(self.passwords.hash, password)
        if not await self.store.add_user(user, password_hash, self.clock()):
            raise Conflict(f"The user {user.username!r} exists already.", ErrorCode.USER_EXISTS)

    async def users(self) -> list[User]:
        return await self.store.users()

    async def change_user(
        self,
        username: str,
        password: str | None = None,
        role: str | None = None,
        counters: list[str] | None | Unchanged = UNCHANGED,
        disabled: bool | None = None,
    ) -> User:
        """An admin's (or `loket user`'s) change; a new password or disabling ends every
        session of the user at once, on every process."""
        password_hash = None
        if password is not None:
            await self._check_password(password, username)
            password_hash = await asyncio.to_thread(self.passwords.hash, password)
        change = UserChange(
            password_hash=password_hash,
            role=None if role is None else self._role(role),
            set_counters=not isinstance(counters, Unchanged),
            counters=None if isinstance(counters, Unchanged) else self._counters(counters),
            disabled=disabled,
        )
        try:
            changed = await self.store.change_user(username, change)
        except NoAdminLeft:
            raise self._last_admin() from None
        finally:
            self._sessions.users_changed()
        if changed is None:
            raise NotFound("user", username)
        return changed

    async def delete_user(self, username: str) -> None:
        try:
            deleted = await self.store.delete_user(username)
        except NoAdminLeft:
            raise self._last_admin() from None
        finally:
            self._sessions.users_changed()
        if not deleted:
            raise NotFound("user", username)

    @staticmethod
    def _last_admin() -> Conflict:
        return Conflict(
            "This would leave no enabled administrator: make another user an administrator first.",
            ErrorCode.LAST_ADMIN,
        )

    async def change_own_password(
        self, user: User, old: str, new: str, address: str = "local"
    ) -> tuple[str, Session]:
        """A user's own new password: every session of theirs ends, this one included; the
        answer is a new session. A wrong old password counts as a failed login."""
        wait = self.logins.wait(address, user.username, self.clock())
        if wait:
            raise RateLimited(wait, ErrorCode.TOO_MANY_ATTEMPTS, "Too many failed attempts.")
        found = await self.store.user_hash(user.username)
        if found is None or not await asyncio.to_thread(self.passwords.verify, found[1], old):
            self.logins.failed(address, user.username, self.clock())
            log.warning("wrong old password for %r from %s", user.username, address)
            raise Forbidden("The current password is wrong.", ErrorCode.WRONG_PASSWORD)
        changed = await self.change_user(user.username, password=new)
        return await self._new_session(changed, await self._hash_of(changed.username))

    async def _hash_of(self, username: str) -> str:
        found = await self.store.user_hash(username)
        if found is None:
            raise Unauthorized("Wrong username or password.", ErrorCode.BAD_CREDENTIALS)
        return found[1]

    async def login(
        self, username: str, password: str, address: str = "local"
    ) -> tuple[str, Session]:
        wait = self.logins.wait(address, username, self.clock())
        if wait:
            raise RateLimited(wait, ErrorCode.TOO_MANY_ATTEMPTS, "Too many failed logins.")
        found = await self.store.user_hash(username)
        if found is None:
            # spend the same time as a real check, so names cannot be probed by timing
            if self._dummy_hash is None:
                self._dummy_hash = await asyncio.to_thread(self.passwords.hash, "x" * 16)
            await asyncio.to_thread(self.passwords.verify, self._dummy_hash, password)
            self._login_failed(address, username)
        else:
            user, stored = found
            verified = await asyncio.to_thread(self.passwords.verify, stored, password)
            if not verified or user.disabled:  # said alike: no telling who is disabled
                self._login_failed(address, username)
        self.logins.succeeded(address, username)
        return await self._new_session(user, stored)

    async def _new_session(self, user: User, verified_hash: str) -> tuple[str, Session]:
        """A session for `user`, whose password was checked against `verified_hash`. Should
        the user change meanwhile (a new password, disabled, deleted), it ends at once."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
        token_hash = _token_hash(token)
        await self.store.add_session(
            token_hash, user.username, csrf, self.clock() + SESSION_LIFETIME
        )
        now = await self.store.user_hash(user.username)
        if now is None or now[0].disabled or now[1] != verified_hash:
            await self.store.drop_session(token_hash)
            raise Unauthorized("Wrong username or password.", ErrorCode.BAD_CREDENTIALS)
        return token, Session(now[0], csrf)

    def _login_failed(self, address: str, username: str) -> NoReturn:
        self.logins.failed(address, username, self.clock())
        log.warning("failed login for %r from %s", username[:64], address)
        raise Unauthorized("Wrong username or password.", ErrorCode.BAD_CREDENTIALS)

    async def session(self, token: str) -> Session | None:
        """The session of a token; remembered briefly, so a busy counter costs no store trip."""
        token_hash = _token_hash(token)
        heard = self.store.users_heard
        if heard:
            known, session = self._sessions.get(token_hash)
            if known:
                return session
        reading = self._sessions.reading()
        session = await self.store.session(token_hash, self.clock())
        if heard:
            self._sessions.put(token_hash, session, reading)
        return session

    async def logout(self, token: str) -> None:
        token_hash = _token_hash(token)
        self._sessions.drop(token_hash)
        await self.store.drop_session(token_hash)
