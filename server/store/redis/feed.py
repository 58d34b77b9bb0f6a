"""This process's feed of every site's events, from every process, in seq order.

One pub/sub subscription (a channel per site) carries each event as its script
publishes it; this process's own events come that way too, so nothing is published
twice; it also carries news of changed users, on a channel of their own. Pub/sub
alone may lose messages, so the feed keeps, per site, the last seq it published (and
that event's data), and reads the site's history stream whenever it misses something:
after a reconnect, on a jump in seq, or when a command's caller finds its own event late.

Redis can lose data: a flush or a restart without persistence (then the epoch is new,
and `adopt` starts every site over), or a failover to a replica that had not yet got
the last writes (then the stream no longer holds the event this process published
last, or holds another one under its seq: the feed replaces the epoch itself, since
that history can no longer be replayed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError

from loket.server.domain.site import Site
from loket.server.store.base import Publish
from loket.server.store.redis import keys
from loket.server.store.redis.entries import Entry, from_message
from loket.server.store.redis.scripts import Scripts

PAGE = 1000
REACH_WAIT = 0.25  # a caller waits this long for its event to come round, then reads it
BACKOFF_FIRST = 0.05
BACKOFF_CAP = 2.0
QUIET = 1.0  # ping the subscription after this long without a message...
SILENT = 3.0  # ...and reconnect after this long without an answer

log = logging.getLogger("loket.store.redis")


class Feed:
    def __init__(
        self,
        client: Redis,
        scripts: Scripts,
        sites: Mapping[str, Site],
        publish: Publish,
        epoch: str,
        changed: Callable[[str | None], None],
        users_changed: Callable[[], None] = lambda: None,
        sites_changed: Callable[[], None] = lambda: None,
    ) -> None:
        self.epoch = epoch
        self.connected = False
        self._client = client
        self._scripts = scripts
        self._publish = publish
        self._changed = changed  # a site's state moved on (None: every site's)
        self._day_of = {site_id: site.local_day for site_id, site in sites.items()}
        self._users_changed = users_changed  # a user was changed, or such news missed
        self._sites_changed = sites_changed  # a site file or running text, or news missed
        self._channels = {keys.channel(site): site for site in sites}
        self._last = dict.fromkeys(sites, 0)
        self._last_data: dict[str, str] = {}
        self._old: set[str] = set()
        self._waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = {s: [] for s in sites}
        self._locks = {site: asyncio.Lock() for site in sites}
        self._pubsub: PubSub | None = None
        self._task: asyncio.Task[None] | None = None

    def last(self, site: str) -> int:
        return self._last[site]

    async def start(self) -> None:
        """Subscribe, then start from each site's present seq: what comes later is fed."""
        self._pubsub = await self._subscribe()
        for site in self._last:
            history = await self._scripts.history(site, 0, 0)
            self.notice(history.epoch)
            self._last[site] = history.seq
        self.connected = True
        self._task = asyncio.create_task(self._listen(), name="loket-redis-feed")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=1.0)  # never hang a shutdown
            self._task = None
        await self._unsubscribe()
        self.connected = False
        for waiters in self._waiters.values():
            _wake(waiters, None)

    # -- the epoch ---------------------------------------------------------------

    def notice(self, epoch: str) -> None:
        """A script answered with `epoch`: if it is new, follow it."""
        if epoch != self.epoch and epoch not in self._old:
            self.adopt(epoch)

    def adopt(self, epoch: str) -> None:
        """Redis holds another history now: every site starts over from seq 0."""
        if epoch == self.epoch:
            return
        log.warning("Redis has a new epoch %s (was %s): displays resync", epoch, self.epoch)
        self._old.add(self.epoch)
        self.epoch = epoch
        self._last = dict.fromkeys(self._last, 0)
        self._last_data.clear()
        for waiters in self._waiters.values():
            _wake(waiters, None)
        self._changed(None)

    # -- a caller's own event ---------------------------------------------------------

    async def reach(self, site: str, epoch: str, seq: int) -> None:
        """Return once the event `seq` of `site` is published here (a display hears of a
        call no later than the clerk's answer); read it from the stream if it is late."""
        self.notice(epoch)
        if epoch != self.epoch or self._last[site] >= seq:
            return
        waiter = asyncio.get_running_loop().create_future()
        entry = (seq, waiter)
        self._waiters[site].append(entry)
        try:
            await asyncio.wait([waiter], timeout=REACH_WAIT)
            if not waiter.done() and epoch == self.epoch:
                await self.catch_up(site)
        except Exception as error:  # the answer stands: the event is in the history
            log.warning("could not read the events of %s: %s", site, error)
        finally:
            if entry in self._waiters[site]:
                self._waiters[site].remove(entry)

    # -- reading the history -------------------------------------------------------

    async def catch_up(self, site: str) -> None:
        """Publish every event of the site after the last one published here."""
        async with self._locks[site]:
            while True:
                epoch, last = self.epoch, self._last[site]
                known = self._last_data.get(site)
                history = await self._scripts.history(site, max(last, 1), PAGE)
                if self.epoch != epoch:
                    continue  # adopted another epoch meanwhile: start over
                if history.epoch != epoch:
                    self.adopt(history.epoch)
                    continue
                entries = history.entries
                if last and entries and entries[0].seq == last:
                    if known is not None and entries[0].data != known:
                        await self._diverged(site)
                        continue
                    entries = entries[1:]
                elif last and history.seq < last:
                    await self._diverged(site)
                    continue
                # the history may no longer reach back to `last`: then it jumps
                for number, entry in enumerate(entries):
                    self._deliver(entry, jump=number == 0)
                if len(history.entries) < PAGE:
                    return

    async def _diverged(self, site: str) -> None:
        """Redis no longer holds what this process published: a failover lost writes.
        That history cannot be replayed; a new epoch makes every display resync."""
        log.error("Redis lost events of %s that were published: starting a new epoch", site)
        self.adopt(await self._scripts.epoch(replace=self.epoch))

    def _deliver(self, entry: Entry, jump: bool = False) -> None:
        site, last = entry.site, self._last[entry.site]
        if entry.seq <= last or (entry.seq != last + 1 and not jump):
            return
        self._last[site] = entry.seq
        self._last_data[site] = entry.data
        self._changed(site)
        try:
            self._publish(entry.event(self._day_of[site]))
        except Exception:  # one failing subscriber must not stop the feed
            log.exception("publishing event %s of %s failed", entry.seq, site)
        _wake(self._waiters[site], entry.seq)

    # -- the subscription ------------------------------------------------------------

    async def _subscribe(self) -> PubSub:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(*self._channels, keys.users_channel(), keys.sites_channel())
        except BaseException:
            await pubsub.aclose()
            raise
        return pubsub

    async def _unsubscribe(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            try:
                await pubsub.aclose()
            except Exception:  # closing a dead connection
                pass

    async def _listen(self) -> None:
        """Read the subscription; when it fails, reconnect (backing off up to 2 s) and
        read from each site's history what was missed meanwhile."""
        backoff = BACKOFF_FIRST
        while True:
            try:
                if self._pubsub is None:
                    self._pubsub = await self._subscribe()
                    for site in self._last:
                        await self.catch_up(site)
                    self.connected = True
                    self._sites_changed()  # a site file may have been shared meanwhile
                    backoff = BACKOFF_FIRST
                await self._read(self._pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self.connected:
                    log.warning("lost the Redis subscription (%s): reconnecting", error)
                self.connected = False
                self._changed(None)  # cached snapshots may miss what comes meanwhile
                self._users_changed()  # and remembered sessions
                await self._unsubscribe()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_CAP)

    async def _read(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        heard = loop.time()
        while True:
            message = await pubsub.get_message(timeout=QUIET)
            now = loop.time()
            if message is None:
                if now - heard > SILENT:
                    raise RedisConnectionError("the subscription went silent")
                if now - heard > QUIET:
                    await pubsub.ping()
                continue
            heard = now
            if message["type"] == "message":
                if message["channel"] == keys.users_channel():
                    self._users_changed()
                    continue
                if message["channel"] == keys.sites_channel():
                    self._sites_changed()
                    continue
                site = self._channels.get(message["channel"])
                if site is not None:
                    await self._on_message(site, message["data"])

    async def _on_message(self, site: str, text: str) -> None:
        epoch, entry = from_message(site, text)
        if epoch != self.epoch:
            if epoch in self._old:
                return  # sent before the epoch this process follows now
            current = await self._scripts.epoch()
            if current != epoch:
                self._old.add(epoch)
                self.notice(current)
                return
            self.adopt(epoch)
        last = self._last[site]
        if entry.seq == last + 1:
            self._deliver(entry)
        elif entry.seq > last + 1:
            await self.catch_up(site)  # missed some: the history holds them, and this one


def _wake(waiters: list[tuple[int, asyncio.Future[None]]], seq: int | None) -> None:
    """Resolve the waiters for `seq` or earlier (None: all of them)."""
    for wanted, waiter in waiters:
        if (seq is None or wanted <= seq) and not waiter.done():
            waiter.set_result(None)
