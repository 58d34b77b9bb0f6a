"""Enrolled kiosks (CONTRACT 6.7): an admin enrols one and is shown its key once; the kiosk
sends the key as `X-Kiosk-Key` and may then issue tickets without the per-address limit.

A key is `<kiosk id>.<secret>`. The store keeps only its SHA-256 (like session tokens), so
a stolen database enrols nobody; the id in front finds the kiosk without an index of hashes.
Checks are remembered for CACHE_SECONDS: a revocation made in this process counts at once,
one made in another process sharing the store within that time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import NotFound
from loket.server.domain.ticket import iso_z
from loket.server.errors import Conflict, Forbidden
from loket.server.naming import one_line
from loket.server.ttlcache import TtlCache

if TYPE_CHECKING:
    from loket.server.store import Store

MAX_NAME = 64
MAX_PER_SITE = 100
CACHE_SECONDS = 10.0  # a kiosk revoked on another process is refused within this time
KIOSK_ID = re.compile(r"[0-9a-f]{12}")
KEY = re.compile(r"([0-9a-f]{12})\.[A-Za-z0-9_-]{43}")


@dataclass(frozen=True, slots=True)
class Kiosk:
    id: str
    site: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = None  # to within CACHE_SECONDS
    counter: str | None = None  # a desk's rating device (CONTRACT 6.4): its counter

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "counter": self.counter,
            "created_at": iso_z(self.created_at),
            "last_used_at": None if self.last_used_at is None else iso_z(self.last_used_at),
        }


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def kiosk_name(name: str) -> str:
    return one_line(name, MAX_NAME, "A kiosk's name")


class Kiosks:
    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        # (site, kiosk id) → the kiosk and its key's hash as stored; None: no such kiosk
        self._known: TtlCache[tuple[str, str], tuple[Kiosk, str] | None] = TtlCache(CACHE_SECONDS)

    async def enrol(self, site: str, name: str, counter: str | None = None) -> tuple[Kiosk, str]:
        """A new kiosk and its key (which is kept nowhere but in the answer); with a
        `counter`: the visitor-facing rating device at that desk."""
        kiosk = Kiosk(secrets.token_hex(6), site, kiosk_name(name), self._clock(), counter=counter)
        key = f"{kiosk.id}.{secrets.token_urlsafe(32)}"
        if not await self._store.add_kiosk(kiosk, key_hash(key), MAX_PER_SITE):
            raise Conflict(
                f"The site has {MAX_PER_SITE} kiosks already: revoke one first.",
                ErrorCode.TOO_MANY_KIOSKS,
            )
        return kiosk, key

    async def list(self, site: str) -> list[Kiosk]:
        return await self._store.kiosks(site)

    async def revoke(self, site: str, kiosk_id: str) -> None:
        try:
            dropped = bool(KIOSK_ID.fullmatch(kiosk_id)) and await self._store.drop_kiosk(
                site, kiosk_id
            )
        finally:  # after the store: a check made meanwhile may have remembered it as valid
            self._known.drop((site, kiosk_id))
        if not dropped:
            raise NotFound("kiosk", kiosk_id[:MAX_NAME])

    def _cached(self, site: str, key: str) -> tuple[bool, Kiosk | None]:
        """(whether this process checked the key lately, the kiosk if it was valid)."""
        found = KEY.fullmatch(key)
        if found is None:
            return True, None  # not a key at all: nothing to ask the store
        cached, entry = self._known.get((site, found[1]))
        if not cached:
            return False, None
        if entry is None or not secrets.compare_digest(entry[1], key_hash(key)):
            return True, None
        return True, entry[0]

    def known(self, site: str, key: str) -> bool:
        """Whether the key was found valid lately: its kiosk is let through with no store trip."""
        return self._cached(site, key)[1] is not None

    async def check(self, site: str, key: str) -> Kiosk:
        """The kiosk whose key this is, at this site; else Forbidden (invalid_kiosk_key).
        Read from the store at most once per CACHE_SECONDS, which notes the kiosk's use."""
        cached, kiosk = self._cached(site, key)
        if not cached:
            kiosk_id = key.partition(".")[0]
            entry = await self._store.use_kiosk(site, kiosk_id, self._clock())
            self._known.put((site, kiosk_id), entry)
            kiosk = None
            if entry is not None and secrets.compare_digest(entry[1], key_hash(key)):
                kiosk = entry[0]
        if kiosk is None:
            raise Forbidden(
                "This kiosk key is not valid here (revoked, or of another site): "
                "enrol the kiosk again.",
                ErrorCode.INVALID_KIOSK_KEY,
            )
        return kiosk
