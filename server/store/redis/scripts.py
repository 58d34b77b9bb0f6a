"""The Lua scripts (lua/*.lua, each after lua/prelude.lua) and their answers, typed.

Each script runs atomically in Redis. It gets one argument, a JSON object (`call`), and
checks or makes the epoch first (prelude.lua), so whichever script first touches a
flushed Redis starts the new epoch.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from redis.asyncio import Redis

from loket.server.domain.numbers import DIGITS
from loket.server.domain.queue import RECENT_CALLS
from loket.server.domain.site import Site
from loket.server.protocol import dumps
from loket.server.store.redis import keys
from loket.server.store.redis.entries import Entry, from_stream
from loket.server.store.redis.records import ORDER_WIDTH, SERIAL_WIDTH

WAIT_MS = 500  # a replica that does not confirm by then is given up on for this answer
log = logging.getLogger("loket.store.redis")

NAMES = (
    "epoch",
    "command",
    "peek",
    "snapshot",
    "history",
    "trim",
    "prune",
    "kiosk",
    "screen",
    "allowance",
    "held",
    "rate",
)


def _source(name: str) -> str:
    return files("loket.server.store.redis").joinpath(f"lua/{name}.lua").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class History:
    epoch: str
    seq: int  # the site's last seq
    entries: list[Entry]


@dataclass(frozen=True, slots=True)
class Peeked:
    epoch: str
    current_record: str  # "" when the counter has none
    waiting: list[tuple[int, str, str]]  # (line index, member, record), each line in order
    chosen_record: str = ""  # the named ticket's ("": none such, or not asked)
    held: tuple[str, ...] = ()  # the records of the tickets the counter holds, if asked
    state_record: str = ""  # the counter's status as kept ("": none)


@dataclass(frozen=True, slots=True)
class State:
    """snapshot.lua's answer."""

    epoch: str
    seq: int
    serving: list[str]  # per counter of the site, in order: its ticket's record or ""
    recent: list[tuple[str, str]]  # ("id counter recall", record or ""), newest first
    waiting: list[int]  # per service of the site, in order
    held: list[int]  # per counter of the site, in order
    states: list[str]  # per counter of the site, in order: its status as kept, or ""


@dataclass(frozen=True, slots=True)
class Reply:
    """command.lua's answer. `status`: ok, refused (kept, but the caller is refused),
    stale (nothing done: read again), replay (`body` is the kept answer), full (nothing
    done: the service of an issue has its max_waiting)."""

    status: str
    epoch: str
    seq: int = 0
    option: int = 0
    number: str = ""
    serial: int = 0
    position: int | None = None
    body: str = ""


class Scripts:
    """`replicas`: a command's answer waits until that many replicas have it (WAIT)."""

    def __init__(self, client: Redis, replicas: int = 0) -> None:
        prelude = _source("prelude")
        self._client = client
        self._replicas = replicas
        self._short = False  # the last command reached fewer replicas than asked
        self._scripts = {
            name: client.register_script(prelude + "\n" + _source(name)) for name in NAMES
        }

    @staticmethod
    def _call(site: str | None, call: dict[str, Any]) -> list[str]:
        # a fresh candidate each time: used only if the epoch is missing
        call.update(
            prefix=keys.PREFIX,
            epoch=secrets.token_hex(8),
            width=ORDER_WIDTH,
            serial_width=SERIAL_WIDTH,
            digits=DIGITS,
        )
        if site is not None:
            call["site"] = site
        return [dumps(call)]

    async def _run(self, name: str, site: str | None = None, **call: Any) -> Any:
        return await self._scripts[name](args=self._call(site, call))

    async def _run_replicated(self, name: str, site: str, **call: Any) -> Any:
        """Run a writing script; with replicas asked for, WAIT on the same connection."""
        if not self._replicas:
            return await self._run(name, site, **call)
        pipe = self._client.pipeline(transaction=False)
        await self._scripts[name](args=self._call(site, call), client=pipe)  # queued
        pipe.wait(self._replicas, WAIT_MS)
        raw, reached = await pipe.execute()
        short = int(reached) < self._replicas
        if short != self._short:  # said once per change, not once per command
            self._short = short
            if short:
                log.error(
                    "only %s of %s replicas have the writes: going on", reached, self._replicas
                )
            else:
                log.warning("the replicas have the writes again")
        return raw

    async def epoch(self, replace: str | None = None) -> str:
        extra = {} if replace is None else {"replace": replace}
        return str(await self._run("epoch", **extra))

    async def history(self, site: str, start: int, count: int) -> History:
        epoch, seq, raw = await self._run("history", site, **{"from": start, "count": count})
        return History(epoch, int(seq), from_stream(site, raw))

    async def trim(self, site: str, epoch: str, first: int) -> None:
        """Drop the site's history before seq `first`, if it is still of `epoch`."""
        await self._run("trim", site, expect=epoch, min=first)

    async def peek(
        self,
        site: str,
        counter: str,
        lines: list[str],
        k: int,
        *,
        chosen: tuple[str, str] | None = None,
        held: bool = False,
        today: str | None = None,
    ) -> Peeked:
        """`lines`: the counter's own, then its configured services' (the script takes
        those it chose today instead, `today` being the site's local day, ISO; None: as
        its status was last set); `chosen`: a ticket's day (ISO) and number; `held`: also
        the tickets it holds."""
        extra: dict[str, Any] = {"held": held}
        if chosen is not None:
            extra["chosen"] = {"day": chosen[0], "number": chosen[1]}
        if today is not None:
            extra["today"] = today
        reply = await self._run("peek", site, counter=counter, lines=lines, k=k, **extra)
        rest = reply[7:]
        waiting = [
            (int(index), member, record)
            for index, member, record in zip(rest[::3], rest[1::3], rest[2::3], strict=True)
        ]
        return Peeked(reply[0], reply[2], waiting, reply[4], tuple(reply[5]), reply[6])

    async def snapshot(self, site: Site) -> State:
        epoch, seq, serving, recent, waiting, held, states = await self._run(
            "snapshot",
            site.id,
            counters=[counter.id for counter in site.counters],
            services=[service.id for service in site.services],
        )
        pairs = list(zip(recent[::2], recent[1::2], strict=True))
        return State(
            epoch,
            int(seq),
            serving,
            pairs,
            [int(n) for n in waiting],
            [int(n) for n in held],
            [str(text) for text in states],
        )

    async def command(self, site: Site, ts: str, call: dict[str, Any]) -> Reply:
        services = [service.id for service in site.services]
        raw = await self._run_replicated(
            "command",
            site.id,
            ts=ts,
            services=services,
            service_keys=[dumps(service) + ":" for service in services],
            recent=RECENT_CALLS,
            cap=keys.STREAM_CAP,
            number_ttl=int(keys.NUMBER_TTL.total_seconds()),
            keep_tickets=int(keys.KEEP_TICKETS.total_seconds()),
            **call,
        )
        status, epoch = raw[0], raw[1]
        if status == "replay":
            return Reply(status, epoch, body=raw[2])
        if status in ("stale", "full"):
            return Reply(status, epoch)
        seq, option, number, serial, position = raw[2:]
        return Reply(
            status,
            epoch,
            int(seq),
            int(option),
            number,
            int(serial),
            None if int(position) < 0 else int(position),
        )

    async def add_kiosk(self, site: str, kiosk_id: str, body: str, cap: int) -> bool:
        return bool(await self._run("kiosk", site, op="add", id=kiosk_id, body=body, cap=cap))

    async def use_kiosk(self, site: str, kiosk_id: str, at: str) -> str | None:
        """The kiosk's record, its use at `at` noted; None when there is no such kiosk."""
        body = await self._run("kiosk", site, op="use", id=kiosk_id, at=at)
        return None if body is None else str(body)

    async def name_screen(self, site: str, screen_id: str, name: str | None, cap: int) -> bool:
        if name is None:
            return bool(await self._run("screen", site, op="unname", id=screen_id))
        return bool(await self._run("screen", site, op="name", id=screen_id, text=name, cap=cap))

    async def remove_screen(
        self, site: str, screen_id: str, at_ms: int, since_ms: int, cap: int
    ) -> bool:
        # times as text: Lua would write a number this large in exponent form
        return bool(
            await self._run(
                "screen",
                site,
                op="remove",
                id=screen_id,
                at=str(at_ms),
                since=str(since_ms),
                cap=cap,
            )
        )

    async def take_allowance(self, key: str, limit: int, window_ms: int, now_ms: int) -> int:
        """0, or the ms until `key` has a use left (allowance.lua)."""
        return int(
            await self._run("allowance", key=key, limit=limit, window=window_ms, now=str(now_ms))
        )

    async def close_held(self, site: str, closing: list[tuple[str, str, str, str]]) -> None:
        """Close held tickets: (counter, id, its record as read, its closed record)."""
        entries = [
            {"counter": counter, "id": ticket_id, "old": old, "new": new}
            for counter, ticket_id, old, new in closing
        ]
        await self._run("held", site, entries=entries, keep=int(keys.KEEP_TICKETS.total_seconds()))

    async def rate(self, site: str, day: str, number: str, rating: str) -> bool:
        """Keep `rating` (JSON) of the site's ticket `number` of `day` (ISO), with the
        archive's copy (rate.lua); False: it has a rating already."""
        kept = await self._run_replicated(
            "rate", site, day=day, number=number, rating=rating, cap=keys.RATED_CAP
        )
        return bool(kept)

    async def prune_answers(self, before_ms: int) -> int:
        return int(await self._run("prune", before=before_ms))
