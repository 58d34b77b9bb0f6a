"""What every store offers the service: commands, reads, history, users."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from loket.server.domain.commands import Destination, Speak, StatusChange
from loket.server.domain.counter_state import CounterState
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import DomainError
from loket.server.domain.rating import Rating
from loket.server.domain.site import Site
from loket.server.domain.ticket import Status, Ticket
from loket.server.kiosks import Kiosk
from loket.server.protocol import Event
from loket.server.reports.rated import RatedVisit
from loket.server.reports.row import By, Report
from loket.server.reports.satisfaction import Satisfaction
from loket.server.screens import ScreenNotes
from loket.server.users import Session, User, UserChange

# history kept for resume, by every store: a site's last KEEP_EVENTS events, and all of
# the last KEEP_HISTORY, whichever is more; the same for idempotency answers
KEEP_EVENTS = 1000
KEEP_HISTORY = timedelta(days=1)
KEEP_IDEMPOTENCY = timedelta(days=1)

Publish = Callable[[Event], None]


def new_ticket_id() -> str:
    """128 random bits, URL-safe: a ticket's page cannot be found by guessing."""
    return secrets.token_urlsafe(16)


Announce = Speak


@dataclass(frozen=True, slots=True)
class Stamp:
    """When a command was made, and by whom: a username; None for a visitor at a kiosk.
    The stores keep both with its events; neither is sent to displays."""

    at: datetime
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Result:
    """The answer to a command: the ticket acted on (its public JSON) and its event's
    seq. `ticket_id` is the holder's secret: the answer to an issue shows it, no other."""

    ticket: dict[str, Any]
    seq: int
    position: int | None = None
    ticket_id: str = ""
    counter: CounterState | None = None  # the counter's new status, when it changed

    def to_json(self) -> dict[str, Any]:
        """A ticket's command: {ticket, seq}, with the counter's new status when the call
        opened it; a counter's (6.2): {counter, seq}. For staff: with the user."""
        answer: dict[str, Any] = {"ticket": self.ticket} if self.ticket else {}
        answer["seq"] = self.seq
        if self.counter is not None:
            answer["counter"] = self.counter.to_json(staff=True)
        return answer


class ReplayedError(DomainError):
    """A refusal given before under the same Idempotency-Key, given again."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        try:
            self.code = ErrorCode(code)
        except ValueError:  # kept by a release that knew codes this one does not
            self.code = ErrorCode.CONFLICT


@dataclass(frozen=True, slots=True)
class CounterLine:
    """What a counter's clerk sees of the queue (CONTRACT 6.5): its current ticket, the
    first tickets it would call, in the order it would, and those it holds."""

    current: Ticket | None
    waiting: list[Ticket]
    held: list[Ticket]
    state: CounterState | None = None  # its status, when read at a moment


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int
    data: dict[str, Any]


class NoArchive(DomainError):
    """Reports read the record: a Redis store keeps it only in a PostgreSQL archive."""

    code = ErrorCode.NO_ARCHIVE

    def __init__(self) -> None:
        super().__init__(
            "Reports need the record of every ticket: with a Redis store, start Loket "
            "with --archive postgresql://USER@HOST/DB (LOKET_ARCHIVE)."
        )


class StoreUnavailable(Exception):
    """The backing store cannot be reached; the API answers 503."""


class Store(Protocol):
    epoch: str

    async def open(self, sites: tuple[Site, ...], publish: Publish) -> None: ...

    async def close(self) -> None: ...

    async def issue(
        self,
        site: str,
        service: str,
        stamp: Stamp,
        *,
        priority: bool = False,
        lang: str | None = None,
    ) -> Result: ...

    async def call_next(
        self,
        site: str,
        counter: str,
        stamp: Stamp,
        announce: Announce,
        idempotency: tuple[str, str] | None = None,
    ) -> Result: ...

    async def recall(self, site: str, counter: str, stamp: Stamp, announce: Announce) -> Result: ...

    async def finish(self, site: str, counter: str, status: Status, stamp: Stamp) -> Result: ...

    async def transfer(
        self,
        site: str,
        counter: str,
        to: Destination,
        stamp: Stamp,
        announce: Announce | None = None,
    ) -> Result:
        """`announce`: how to say where the ticket goes (None: it is not said)."""
        ...

    async def call(
        self, site: str, counter: str, name: str, stamp: Stamp, announce: Announce
    ) -> Result:
        """Call a ticket named by its ref or its number of the day (CONTRACT 6.5)."""
        ...

    async def hold(self, site: str, counter: str, stamp: Stamp) -> Result: ...

    async def set_status(
        self, site: str, counter: str, change: StatusChange, stamp: Stamp
    ) -> Result:
        """Open, pause or close a counter (CONTRACT 6.2); `Result.counter` is its state."""
        ...

    async def line(
        self, site: str, counter: str, limit: int, now: datetime | None = None
    ) -> CounterLine:
        """`now`: the moment the counter's services are read at (None: as last set)."""
        ...

    async def snapshot(self, site: str, now: datetime | None = None) -> Snapshot:
        """`now`: the moment the counters' statuses are read at (None: the clock's)."""
        ...

    async def counter_states(self, site: str, now: datetime) -> list[CounterState]:
        """Every counter's status at `now`, for staff (with its user and reason)."""
        ...

    async def waiting_since(self, site: str) -> dict[str, list[datetime]]:
        """Per service, when each ticket waiting in its line was issued (CONTRACT 6.3)."""
        ...

    async def ticket(self, ticket_id: str) -> tuple[Ticket, int | None]: ...

    async def events_after(self, site: str, seq: int) -> list[Event] | None:
        """Every event after `seq`, in order; None when history no longer reaches back."""
        ...

    # -- satisfaction ratings (CONTRACT 6.4) ---------------------------------------

    async def rate(self, site: str, rating: Rating) -> Rating:
        """Keep `rating` of the site's ticket `rating.ref`, made at `rating.at`, if the
        rules allow it (domain.rating.check: else its refusal); once per ticket, checked
        atomically with the keeping, across processes. NotFound: no such ticket."""
        ...

    async def rating(self, site: str, ref: str) -> Rating | None:
        """The rating kept for the site's ticket `ref`; None: it has none."""
        ...

    async def prune(self, now: datetime) -> None:
        """Forget what is no longer needed: idempotency keys, expired sessions, and history
        beyond what a display's resume replays (the record of events stays)."""
        ...

    async def report(self, site: str, first: date, last: date, by: By) -> Report:
        """The site's report (CONTRACT 6.3) from the record, `first` to `last` (local
        days, both included), without stalling calls; NoArchive without a record."""
        ...

    async def satisfaction(self, site: Site, first: date, last: date) -> Satisfaction:
        """The site's satisfaction report (reports.satisfaction.summarize of `rated`), made
        where a year of ratings does not stall calls; NoArchive without a record."""
        ...

    async def rated(self, site: str, first: date, last: date) -> list[RatedVisit]:
        """Every rating of the site's tickets issued on local days `first` to `last`, with
        its ticket's visit, by their tickets' local days, each day's in the order they
        were made; read as a report is (without stalling calls; NoArchive without a
        record). A year's fits in memory (400,000: some 200 MB)."""
        ...

    async def add_user(self, user: User, password_hash: str, now: datetime) -> bool:
        """False when the username is taken."""
        ...

    async def user_hash(self, username: str) -> tuple[User, str] | None: ...

    async def users(self) -> list[User]: ...

    async def change_user(self, username: str, change: UserChange) -> User | None:
        """The user as changed; None when there is no such user. Refuses (NoAdminLeft,
        checked in the same transaction) a change that takes away the last enabled admin;
        a new password or disabling ends every session of the user."""
        ...

    async def delete_user(self, username: str) -> bool:
        """False when there is no such user; refuses as change_user. Its sessions end."""
        ...

    def watch_users(self, changed: Callable[[], None]) -> None:
        """From now on call `changed` when users may have been changed by another process
        sharing the store, or when such news may have been missed."""
        ...

    @property
    def users_heard(self) -> bool:
        """Whether such changes are heard now: a process remembers sessions only then."""
        ...

    async def add_session(
        self, token_hash: str, username: str, csrf: str, expires: datetime
    ) -> None: ...

    async def session(self, token_hash: str, now: datetime) -> Session | None: ...

    async def drop_session(self, token_hash: str) -> None: ...

    # -- kiosks (CONTRACT 6.7) ----------------------------------------------------

    async def add_kiosk(self, kiosk: Kiosk, key_hash: str, cap: int) -> bool:
        """False when the kiosk's site has `cap` kiosks already (checked atomically)."""
        ...

    async def kiosks(self, site: str) -> list[Kiosk]:
        """The site's kiosks, oldest first."""
        ...

    async def use_kiosk(self, site: str, kiosk_id: str, now: datetime) -> tuple[Kiosk, str] | None:
        """The kiosk (its last use now `now`) and its key's hash; None if there is none."""
        ...

    async def drop_kiosk(self, site: str, kiosk_id: str) -> bool:
        """False when there was no such kiosk."""
        ...

    # -- screens: an admin's names for them, and their removals (server/screens.py) ------

    async def screen_notes(self, site: str) -> ScreenNotes: ...

    async def name_screen(self, site: str, screen_id: str, name: str | None, cap: int) -> bool:
        """Keeps the screen's name (None: forgets it). False when the site has `cap` named
        screens and this one is not among them (checked atomically)."""
        ...

    async def remove_screen(
        self, site: str, screen_id: str, at: datetime, since: datetime, cap: int
    ) -> bool:
        """Forgets the screen's name and notes its removal at `at`, after dropping the
        site's removals made before `since`. False (nothing done) when `cap` others are
        still noted."""
        ...

    # -- allowances: uses counted per key over a sliding window, shared by processes ------

    async def take_allowance(self, key: str, limit: int, window: timedelta, now: datetime) -> float:
        """Takes one of `key`'s `limit` uses per `window`: 0.0, or the seconds to wait."""
        ...

    async def give_back_allowance(self, key: str) -> None:
        """Undoes the last take of `key`."""
        ...

    # -- the sites while running: a reloaded site file, the running text (server/hall.py)

    async def reconfigure(self, sites: tuple[Site, ...], check: bool = True) -> None:
        """Take the sites' new version (same ids). With `check`, first refuse (InUse,
        changing nothing) to drop a service people wait for or a counter serving someone."""
        ...

    async def tickers(self) -> dict[str, dict[str, str]]:
        """The running texts an admin set, by site, then language."""
        ...

    async def set_ticker(self, site: str, texts: Mapping[str, str | None]) -> None:
        """Set an admin's running text per language (None: clear it); every process hears."""
        ...

    async def share_sites(self, text: str) -> None:
        """Hand the site file just taken to the other processes sharing the store."""
        ...

    async def shared_sites(self) -> str | None:
        """The site file last shared (None: none, or nothing is shared: one process)."""
        ...

    def watch_sites(self, changed: Callable[[], None]) -> None:
        """From now on call `changed` when another process took a site file or set a running
        text, or when such news may have been missed."""
        ...
