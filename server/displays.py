"""The registry of screens (hall TVs, counter pages and the desks' rating tablets: phones
are not listed): what each one is, what it has applied and whether it can play sound, so
an admin sees which are stale."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from loket.server.protocol import iso_ms

QUIET_AFTER = timedelta(seconds=45)  # a live page reports every 20 s
FORGET_AFTER = timedelta(days=7)
# ids are the client's word: bound what they can make us keep. A full registry takes no
# newcomer (the screens it knows, a silent TV too, are never pushed out by new ids), and
# one address (a hall's NAT holds every TV of the hall) registers at most MAX_PER_ADDRESS.
MAX_PER_SITE = 2000
MAX_PER_ADDRESS = 200


@dataclass(frozen=True, slots=True)
class Display:
    id: str
    page: str | None
    zone: str | None
    screen: str | None
    version: str | None
    lang: str | None
    audio: str | None
    epoch: str | None
    seq: int | None
    connected: bool
    first_seen: datetime
    last_seen: datetime
    target_seq: int = 0  # the site's seq at the previous report
    lagging: bool = False
    connection: int = 0  # which socket reported last: an older one closing does not count
    address: str | None = None  # where it first reported from
    reported: datetime | None = None  # its last `hello` (last_seen: any message)
    counter: str | None = None  # a rating tablet's counter (page "rate")

    def stale(self, now: datetime, epoch: str) -> bool:
        return (
            not self.connected
            or now - self.last_seen > QUIET_AFTER
            or self.lagging
            or (self.epoch is not None and self.epoch != epoch)
        )

    def to_json(self, now: datetime, epoch: str, name: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": name,
            "page": self.page,
            "zone": self.zone,
            "counter": self.counter,
            "screen": self.screen,
            "version": self.version,
            "lang": self.lang,
            "audio": self.audio,
            "epoch": self.epoch,
            "seq": self.seq,
            "connected": self.connected,
            "first_seen": iso_ms(self.first_seen),
            "last_seen": iso_ms(self.last_seen),
            "lagging": self.lagging,
            "stale": self.stale(now, epoch),
        }


@dataclass(slots=True)
class DisplayRegistry:
    _sites: dict[str, dict[str, Display]] = field(default_factory=dict)

    def report(
        self,
        site: str,
        display_id: str,
        fields: dict[str, Any],
        site_seq: int,
        now: datetime,
        connection: int = 0,
        address: str | None = None,
    ) -> bool:
        """A display said what it is and what it has applied (its `hello`). False: a new
        screen the registry has no room for (it is not listed)."""
        known = self._sites.setdefault(site, {})
        before = known.get(display_id)
        seq = fields.get("seq")
        # lagging: it has still not reached what the site had at its previous report
        lagging = before is not None and seq is not None and seq < before.target_seq
        values: dict[str, Any] = {
            key: fields.get(key) for key in (*_TEXT_FIELDS, "audio", "epoch", "seq")
        }
        if before is None:
            if not self._room_for(known, now, address):
                return False
            known[display_id] = Display(
                id=display_id,
                connected=True,
                first_seen=now,
                last_seen=now,
                reported=now,
                target_seq=site_seq,
                connection=connection,
                address=address,
                **values,
            )
        else:
            known[display_id] = replace(
                before,
                connected=True,
                last_seen=now,
                reported=now,
                target_seq=site_seq,
                lagging=lagging,
                connection=connection,
                **values,
            )
        return True

    def seen(self, site: str, display_id: str, now: datetime) -> None:
        display = self._sites.get(site, {}).get(display_id)
        if display is not None:
            self._sites[site][display_id] = replace(display, last_seen=now)

    def disconnected(self, site: str, display_id: str, now: datetime, connection: int = 0) -> None:
        display = self._sites.get(site, {}).get(display_id)
        if display is not None and display.connection == connection:
            self._sites[site][display_id] = replace(display, connected=False, last_seen=now)

    def list(self, site: str, now: datetime, epoch: str) -> list[dict[str, Any]]:
        return [d.to_json(now, epoch) for d in self.known(site, now)]

    def known(self, site: str, now: datetime) -> tuple[Display, ...]:
        """The site's screens by zone, those not heard of for FORGET_AFTER left out."""
        displays = self._sites.get(site, {}).values()
        recent = (d for d in displays if now - d.last_seen <= FORGET_AFTER)
        return tuple(sorted(recent, key=lambda d: (d.zone or "", d.id)))

    def forget(self, site: str, display_id: str) -> bool:
        """Drops the screen (an admin removed it); it is back if it reports again."""
        return self._sites.get(site, {}).pop(display_id, None) is not None

    def _room_for(self, known: dict[str, Display], now: datetime, address: str | None) -> bool:
        for display_id in [i for i, d in known.items() if now - d.last_seen > FORGET_AFTER]:
            del known[display_id]
        if len(known) >= MAX_PER_SITE:
            return False
        from_there = sum(1 for d in known.values() if d.address == address)
        return address is None or from_there < MAX_PER_ADDRESS


_TEXT_FIELDS = ("page", "zone", "counter", "screen", "version", "lang")


def _text(value: Any, name: str, limit: int = 64) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"'{name}' must be a string of at most {limit} characters.")
    return value


def parse_hello(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The display id and what it reports, from a `hello`; ValueError says what is wrong."""
    about = message.get("display")
    if not isinstance(about, dict):
        raise ValueError("hello needs 'display': an object with at least an 'id'.")
    display_id = _text(about.get("id"), "display.id")
    if not display_id:
        raise ValueError("hello needs 'display.id'.")
    fields: dict[str, Any] = {
        name: _text(about.get(name), f"display.{name}") for name in _TEXT_FIELDS
    }
    fields["epoch"] = _text(message.get("epoch"), "epoch")
    fields["audio"] = _text(message.get("audio"), "audio", 32)
    seq = message.get("seq")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 0):
        raise ValueError("'seq' must be a non-negative integer or null.")
    fields["seq"] = seq
    return display_id, fields
