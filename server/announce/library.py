"""Audio for announcements: what each URL says, rendering it once, serving it fast.

A segment's URL is `/audio/{lang}/{digest}.wav`; the digest covers the text and what
speaks it (the voice pack's fingerprint, or the espeak-ng voice and rate), so a URL never
changes meaning and browsers may cache it forever. Rendering is asked for as soon as a call
is published and done by this process's speech process (renderer.py: newest calls first,
stale ones shed); a display that asks before it is ready waits for that same render.
Results go to a bounded disk cache (shared by restarts and by processes on one host) and a
small memory cache of the latest. Everything kept here is bounded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from loket.server.announce.cache import DiskCache
from loket.server.announce.chime import chime
from loket.server.announce.keys import segment_key
from loket.server.announce.pcm import Pcm
from loket.server.announce.renderer import Renderer
from loket.server.announce.speaker_link import SpeakerLink
from loket.server.domain.announcements import Voice
from loket.server.domain.site import Site

RECIPES_KEPT = 3_000  # texts known by URL: 1,000 calls, far more than a TV still plays
MEMORY_KEPT = 64  # rendered files kept in memory: the calls every TV is fetching now
LEARN_TRIES, LEARN_STEP = 5, 0.05  # an unknown key: look again this often, this far apart
LATE_S = 4.0  # a call's speech is useless this long after its start: TVs play without it
ASK_WAIT_S = 2.0  # a display asking for any known segment waits at least this long for it
AHEAD_S = 60.0  # a speculative render (the counter's likely next call) is kept this long


class Pack(Protocol):
    """Recorded clips for one language (server.announce.voicepack)."""

    fingerprint: str
    folder: Path

    def covers(self, text: str) -> bool: ...


@dataclass(slots=True)
class Recipe:
    text: str
    voice: Voice
    pack: Pack | None
    start_at: float | None = None  # s since the epoch, once its call is published

    def job(self, key: str) -> dict[str, Any]:
        """What the speech process needs to render it (server.announce.speaker)."""
        pack = self.pack
        return {
            "key": key,
            "lang": key.partition("/")[0],
            "text": self.text,
            "voice": [self.voice.name, self.voice.rate, self.voice.pitch],
            "pack": None
            if pack is None
            else {"folder": str(pack.folder), "fingerprint": pack.fingerprint},
        }


class AudioLibrary:
    def __init__(
        self,
        sites: Iterable[Site],
        cache: DiskCache,
        packs: Mapping[tuple[str, str], Pack] | None = None,
        renderer: Renderer | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sites = {site.id: site for site in sites}
        self.cache = cache
        self.packs = dict(packs or {})
        self.clock = clock
        self.renderer = renderer or Renderer(SpeakerLink(cache.folder, cache.max_bytes), cache.get)
        self._recipes: OrderedDict[str, Recipe] = OrderedDict()
        self._recipes_lock = threading.Lock()  # url() runs on the store's writer thread
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._chimes: dict[str, bytes] = {}

    async def start(self) -> None:
        """Starts the speech process ahead of the first call (else it starts on demand)."""
        await self.renderer.link.start()

    async def close(self) -> None:
        """Ends the speech process; whoever still waits for speech gets an error."""
        await self.renderer.close()

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
            if key not in self._recipes:  # the same key is the same text, voice and pack
                self._recipes[key] = Recipe(text, voice, pack)
            self._recipes.move_to_end(key)
            if len(self._recipes) > RECIPES_KEPT:
                self._recipes.popitem(last=False)
        return f"/audio/{key}.wav"

    def knows(self, url: str) -> bool:
        """Whether this process made that segment URL (and so can render it)."""
        return self._recipe(_key(url)) is not None

    def chime_url(self, site: Site) -> str | None:
        return f"/audio/chime/{site.id}.wav" if site.announcements.chime else None

    # -- rendering (event loop) -----------------------------------------------

    def prepare(self, urls: Iterable[str], start_at_ms: int | None) -> None:
        """Has the segments of a call being made rendered now, ahead of the displays asking;
        they are shed once the call is older than a TV would still play (LATE_S)."""
        start_at = self.clock() if start_at_ms is None else start_at_ms / 1000
        for url in urls:
            key = _key(url)
            recipe = self._recipe(key)
            if recipe is None or key in self._memory:
                continue
            recipe.start_at = start_at
            self._submit(key, recipe, True, start_at, start_at + LATE_S)

    def prepare_ahead(self, urls: Iterable[str]) -> None:
        """Renders segments that will likely be asked for, when nothing more pressing waits."""
        now = self.clock()
        for url in urls:
            key = _key(url)
            recipe = self._recipe(key)
            if recipe is not None and key not in self._memory:
                self._submit(key, recipe, False, now, now + AHEAD_S)

    async def wav(self, key: str) -> bytes | None:
        """The WAV file of "lang/digest", or None when nobody here knows that key.

        Raises SpeechUnavailable when it cannot be had now (shed, or the speech failed)."""
        data = self._memory.get(key)
        if data is not None:
            self._memory.move_to_end(key)
            return data
        recipe = await self._recipe_soon(key)
        if recipe is None or self.cache.has(key):
            # said before a restart, or by another process on this host
            data = await asyncio.get_running_loop().run_in_executor(None, self.cache.get, key)
            if data is not None or recipe is None:
                if data is not None:
                    self._remember(key, data)
                return data
        # The ask is the strongest signal: urgent, and at least ASK_WAIT_S even for a call
        # already shed as stale (a display replaying it after a drop), but ranked by its call
        # so that it never overtakes newer calls.
        now = self.clock()
        moment = recipe.start_at if recipe.start_at is not None else now
        deadline = max(moment + LATE_S, now + ASK_WAIT_S)
        return await asyncio.shield(self._submit(key, recipe, True, moment, deadline))

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

    def _submit(
        self, key: str, recipe: Recipe, urgent: bool, moment: float, deadline: float
    ) -> asyncio.Future[bytes]:
        future = self.renderer.submit(key, recipe.job(key), urgent, moment, deadline)

        def settle(done: asyncio.Future[bytes]) -> None:
            if not done.cancelled() and done.exception() is None:
                self._remember(key, done.result())

        future.add_done_callback(settle)
        return future

    def _remember(self, key: str, data: bytes) -> None:
        self._memory[key] = data
        self._memory.move_to_end(key)
        if len(self._memory) > MEMORY_KEPT:
            self._memory.popitem(last=False)


def _key(url: str) -> str:
    return url.removeprefix("/audio/").removesuffix(".wav")
