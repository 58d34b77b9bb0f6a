"""Changing the hall while the server runs: the site file read again (SIGHUP, or the admin
page's button) and the running text edited on the admin page.

The file is read and checked with the same reader as at start (server/config/sites.py); a
file that does not read, or asks for what only a restart can do (site_change.py), changes
nothing. The store then takes the new sites, refusing (in the same step on SQLite) to drop
a service people wait for or a counter serving someone. Only then is the one holder of the
sites (server/sites.py) swapped, and every screen of a changed site is told.

Several processes on one Redis: the process that reloads shares the file's *text* through
the store; the others take that text, not their copy of the file, so all end up with the
same sites even if the file changed again meanwhile or lives on several hosts (relative
paths still start at each one's own config folder). A process that missed the news (its
subscription broke) looks again when it reconnects. The running text is kept in the store
(both stores), read again by each process when told.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from loket.server.config.sites import load_sites, parse_sites
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import DomainError, NotFound
from loket.server.domain.site import Site
from loket.server.domain.site_change import check_fixed, describe
from loket.server.errors import Invalid
from loket.server.hub import Hub
from loket.server.protocol import control
from loket.server.reader import ConfigError
from loket.server.sites import Sites
from loket.server.store import Store, StoreUnavailable
from loket.server.ticketfeed import TicketFeed

log = logging.getLogger("loket")

MAX_TICKER = 500  # characters of running text per language: a sentence or two, not a page


def site_version(site: Site) -> str:
    """Short and the same in every process for the same site: a page renders it, and its
    socket says whether the page is out of date (server/web/sockets.py)."""
    return hashlib.sha256(repr(site).encode()).hexdigest()[:16]


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


class Hall:
    def __init__(
        self,
        sites: Sites,
        store: Store,
        hub: Hub,
        tickets: TicketFeed,
        clock: Callable[[], datetime],
        config: Path | None = None,
    ) -> None:
        self.sites = sites
        self.store = store
        self.hub = hub
        self.tickets = tickets
        self.clock = clock
        self.config = config  # the site file (None: the built-in demo site)
        self._from_file = tuple(sites.values())  # as the file says, before admins' texts
        self._edited: dict[str, dict[str, str]] = {}  # the admins' running texts
        self._shared: str | None = None  # digest of the shared file this process follows
        self._lock = asyncio.Lock()  # one change at a time
        self._following: asyncio.Task[None] | None = None
        self._again = False  # news came while following: look once more

    async def start(self) -> None:
        """The admins' running texts over the file's; later news from other processes."""
        # what was shared before this process started is not followed: its own file is
        # read just now, so it is as new (or newer)
        self._shared = _digest(await self.store.shared_sites())
        self._edited = await self.store.tickers()
        await self._show(check=False)
        self.store.watch_sites(self._heard)

    def stop(self) -> None:
        if self._following is not None:
            self._following.cancel()

    # -- the site file ------------------------------------------------------------------

    def _read(self, text: str | None = None) -> tuple[str, tuple[Site, ...]]:
        """The file's text and sites; ConfigError when it does not read or check."""
        if self.config is None:
            return "", load_sites(None)
        if text is None:
            try:
                text = self.config.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise ConfigError(str(self.config), "", f"cannot read it: {error}") from None
        return text, parse_sites(text, str(self.config), self.config.parent)

    async def reload(self) -> list[str]:
        """Read the site file again and take it: what changed (one line each). Invalid
        (422) when it does not read, DomainError (409) when it is refused: either way
        nothing changes."""
        async with self._lock:
            try:
                text, sites = self._read()
            except ConfigError as error:
                raise Invalid(
                    f"{error}. Nothing was changed.",
                    ErrorCode.INVALID_SITE_FILE,
                ) from None
            changed = await self._take(sites, check=True)
            if self.config is not None:
                await self.store.share_sites(text)  # the other processes follow
                self._shared = _digest(text)
        log.info("site file reloaded: %s", "; ".join(changed) or "nothing changed")
        return changed

    async def _take(self, sites: tuple[Site, ...], check: bool) -> list[str]:
        check_fixed(self._from_file, sites)
        changed = describe(self._from_file, sites)
        await self._show(sites, check=check)
        self._from_file = sites
        return changed

    async def _show(self, sites: tuple[Site, ...] | None = None, check: bool = False) -> None:
        """Make `sites` (None: the present file's) with the admins' texts the sites of this
        process: the store's first (which may refuse), then the holder's; tell the screens
        of every site that changed."""
        shown = tuple(self._edit(site) for site in (sites or self._from_file))
        await self.store.reconfigure(shown, check)
        before = dict(self.sites)
        self.sites.replace(shown)
        self.tickets.take_sites(shown)
        for site in shown:
            if before.get(site.id) != site:
                wire = self.site_message(site)
                self.hub.tell(site.id, wire)
                self.tickets.tell_site(site.id, wire)

    def _edit(self, site: Site) -> Site:
        edited = self._edited.get(site.id)
        if not edited:
            return site
        return replace(site, ticker={**site.ticker, **edited})

    def site_message(self, site: Site) -> str:
        """The control message that tells a page its site changed (seq null, CONTRACT 4)."""
        data = {**site.to_json(), "ticker": dict(site.ticker), "version": site_version(site)}
        return control("site", self.store.epoch, self.clock(), data)

    # -- the running text -----------------------------------------------------------------

    def ticker(self, site_id: str) -> dict[str, object]:
        site = self._site(site_id)
        from_file = next(s for s in self._from_file if s.id == site.id)
        return {
            "site": site.id,
            "file": dict(from_file.ticker),
            "edited": dict(self._edited.get(site.id, {})),
            "shown": dict(site.ticker),
        }

    async def set_ticker(self, site_id: str, texts: Mapping[str, object]) -> dict[str, object]:
        """An admin's running text per language (None or "": back to the file's text)."""
        site = self._site(site_id)
        if not texts:
            raise Invalid("Give the text of at least one language.", ErrorCode.INVALID_TICKER)
        cleaned: dict[str, str | None] = {}
        for lang, text in texts.items():
            if lang not in site.languages:
                raise Invalid(
                    f"{lang!r} is not a language of site {site.id} ({', '.join(site.languages)}).",
                    ErrorCode.INVALID_TICKER,
                )
            if text is not None and not isinstance(text, str):
                raise Invalid(
                    f"The text for {lang!r} must be a string or null.", ErrorCode.INVALID_TICKER
                )
            line = " ".join((text or "").split())  # one line: it runs across the screen
            if len(line) > MAX_TICKER:
                raise Invalid(
                    f"The text for {lang!r} has {len(line)} characters; at most {MAX_TICKER}.",
                    ErrorCode.INVALID_TICKER,
                )
            cleaned[lang] = line or None
        async with self._lock:
            await self.store.set_ticker(site.id, cleaned)
            self._edited = await self.store.tickers()
            await self._show()
        return self.ticker(site.id)

    def _site(self, site_id: str) -> Site:
        site = self.sites.get(site_id)
        if site is None:
            raise NotFound("site", site_id)
        return site

    # -- other processes' news (Redis) ------------------------------------------------------

    def _heard(self) -> None:
        self._again = True
        if self._following is None or self._following.done():
            self._following = asyncio.get_running_loop().create_task(self._follow_all())

    async def _follow_all(self) -> None:
        while self._again:
            self._again = False
            await self._follow()

    async def _follow(self) -> None:
        """Take the file another process shared, and the running texts, if they are new."""
        try:
            async with self._lock:
                text = await self.store.shared_sites()
                if text is not None and _digest(text) != self._shared:
                    self._shared = _digest(text)
                    try:
                        changed = await self._take(self._read(text)[1], check=False)
                        log.info("site file taken from another process: %s", "; ".join(changed))
                    except (ConfigError, DomainError) as error:
                        log.error("the site file another process shared was not taken: %s", error)
                self._edited = await self.store.tickers()
                await self._show()
        except StoreUnavailable as error:  # the next news, or the reconnect, tries again
            log.warning("could not follow a change of the sites: %s", error)
        except Exception:  # a bug: logged, and the next news tries again
            log.exception("could not follow a change of the sites")
