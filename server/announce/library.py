"""Audio for announcements: what each URL says, rendering it once, serving it fast.

A segment's URL is `/audio/{lang}/{digest}.wav`; the digest covers the text and what
speaks it (the voice pack's fingerprint, or the espeak-ng voice and rate), so a URL never
changes meaning and browsers may cache it forever. Rendering starts as soon as a call is
published, on one worker thread (libespeak-ng is not thread-safe); a display that asks
before it is ready waits for that same render. Results go to a bounded disk cache (shared
by restarts and by processes on one host) and a small memory cache of the latest.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from server.announce.cache import DiskCache
from server.announce.chime import chime
from server.announce.espeak import Espeak
from server.announce.keys import segment_key
from server.announce.pcm import Pcm
from server.domain.announcements import Voice
from server.domain.site import Site

RECIPES_KEPT = 20_000  # texts known by URL: days of calls in a busy hall
MEMORY_KEPT = 64  # rendered files kept in memory: the calls every TV is fetching now
LEARN_TRIES, LEARN_STEP = 5, 0.05  # an unknown key: look again this often, this far apart


class Pack(Protocol):
    """Recorded clips for one language (server.announce.voicepack)."""

    fingerprint: str

    def covers(self, text: str) -> bool: ...

    def render(self, text: str) -> Pcm: ...


@dataclass(frozen=True, slots=True)
class Recipe:
    text: str
    voice: Voice
    pack: Pack | None

    def render(self, engine: Callable[[], Espeak]) -> Pcm:
        if self.pack is not None:
            return self.pack.render(self.text)
        return engine().speak(self.text, self.voice)


class AudioLibrary:
    def __init__(
        self,
        sites: Iterable[Site],
        cache: DiskCache,
        packs: Mapping[tuple[str, str], Pack] | None = None,
    ) -> None:
        self.sites = {site.id: site for site in sites}
        self.cache = cache
        self.packs = dict(packs or {})
        self._recipes: OrderedDict[str, Recipe] = OrderedDict()
        self._recipes_lock = threading.Lock()  # url() runs on the store's writer thread
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loket-speech")
        self._engine: Espeak | None = None
        self._chimes: dict[str, bytes] = {}

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- URLs (any thread) ----------------------------------------------------

    def url(self, site: Site, lang: str, text: str) -> str:
        """The segment's URL; remembers what it says so that it can be rendered."""
        pack = self.packs.get((site.id, lang))
        if pack is not None and not pack.covers(text):
            pack = None
        voice = site.announcements.voice(lang)
        speaker = f"pack:{pack.fingerprint}" if pack else f"espeak:{voice.signature()}"
        key = segment_key(lang, text, speaker)
        with self._recipes_lock:
            self._recipes[key] = Recipe(text, voice, pack)
            self._recipes.move_to_end(key)
            if len(self._recipes) > RECIPES_KEPT:
                self._recipes.popitem(last=False)
        return f"/audio/{key}.wav"

    def knows(self, url: str) -> bool:
        """Whether this process made that segment URL (and so can render it)."""
        return self._recipe(url.removeprefix("/audio/").removesuffix(".wav")) is not None

    def chime_url(self, site: Site) -> str | None:
        return f"/audio/chime/{site.id}.wav" if site.announcements.chime else None

    # -- rendering (event loop) -----------------------------------------------

    def prepare(self, urls: Iterable[str]) -> None:
        """Starts rendering these segment URLs now, ahead of the displays asking."""
        for url in urls:
            key = url.removeprefix("/audio/").removesuffix(".wav")
            if key not in self._memory and key not in self._pending:
                recipe = self._recipe(key)
                if recipe is not None:
                    self._start(key, recipe)

    async def wav(self, key: str) -> bytes | None:
        """The WAV file of "lang/digest", or None when nobody here knows that key."""
        data = self._memory.get(key)
        if data is not None:
            self._memory.move_to_end(key)
            return data
        pending = self._pending.get(key)
        if pending is None:
            recipe = await self._recipe_soon(key)
            if recipe is None:
                # said before a restart, or by another process on this host
                data = await asyncio.get_running_loop().run_in_executor(None, self.cache.get, key)
                if data is not None:
                    self._remember(key, data)
                return data
            pending = self._pending.get(key) or self._start(key, recipe)
        return await asyncio.shield(pending)

    async def _recipe_soon(self, key: str) -> Recipe | None:
        """The key's recipe, waiting a moment for it: on several processes, a display may
        ask this one for a call that its feed is about to bring."""
        for _ in range(LEARN_TRIES):
            recipe = self._recipe(key)
            if recipe is not None or self.cache.has(key):
                return recipe
            await asyncio.sleep(LEARN_STEP)
        return self._recipe(key)

    def chime_wav(self, site_id: str) -> bytes | None:
        site = self.sites.get(site_id)
        if site is None or not site.announcements.chime:
            return None
        if site_id not in self._chimes:
            own = site.announcements.chime_file
            sound = Pcm.from_wav(own).leveled(-18.0) if own else chime()
            self._chimes[site_id] = sound.wav()
        return self._chimes[site_id]

    def _recipe(self, key: str) -> Recipe | None:
        with self._recipes_lock:
            return self._recipes.get(key)

    def _start(self, key: str, recipe: Recipe) -> asyncio.Future[bytes]:
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, self._render, key, recipe
        )
        self._pending[key] = future

        def settle(done: asyncio.Future[bytes]) -> None:
            self._pending.pop(key, None)
            if not done.cancelled() and done.exception() is None:
                self._remember(key, done.result())

        future.add_done_callback(settle)
        return future

    def _remember(self, key: str, data: bytes) -> None:
        self._memory[key] = data
        self._memory.move_to_end(key)
        if len(self._memory) > MEMORY_KEPT:
            self._memory.popitem(last=False)

    # -- worker thread ----------------------------------------------------------

    def _render(self, key: str, recipe: Recipe) -> bytes:
        data = self.cache.get(key)
        if data is None:
            data = recipe.render(self._espeak).leveled().wav()
            self.cache.put(key, data)
        return data

    def _espeak(self) -> Espeak:
        if self._engine is None:
            self._engine = Espeak()
        return self._engine
