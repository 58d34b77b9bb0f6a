"""The sites' event streams in Redis, read by the archive's consumer group.

One group (GROUP) per site stream, shared by every archiving process: Redis hands each
entry to one consumer, which acknowledges it once PostgreSQL has it; entries a consumer
read but never acknowledged (it died) are claimed by another after `idle` seconds.

A stream's entries carry no epoch: it is the site's epoch key, read with the entries in
one transaction. The script that starts a new epoch deletes the stream (and the group with
it) in the same step, so entries read with an epoch belong to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from loket.server.archive.rows import Batch
from loket.server.store.redis import keys
from loket.server.store.redis.entries import Entry

GROUP = "loket-archive"

log = logging.getLogger("loket.archive")


def seq_of(entry_id: str) -> int:
    return int(entry_id.partition("-")[0])


def _entry(site: str, entry_id: str, fields: Mapping[str, str]) -> Entry:
    actor = fields.get("actor") or None
    return Entry(site, seq_of(entry_id), fields["type"], fields["ts"], fields["data"], actor)


def _by_stream(answer: Any) -> list[tuple[str, list[Any]]]:
    """XREADGROUP's answer as (stream key, [(id, fields)]) whatever shape redis-py gives."""
    if not answer:
        return []
    if isinstance(answer, dict):
        return [(str(key), list(value)) for key, value in answer.items()]
    return [(str(key), list(value)) for key, value in answer]


def missing_group(error: ResponseError) -> bool:
    """A stream (and its group) gone: a new epoch began (or no command ran yet)."""
    return "NOGROUP" in str(error)  # in a transaction, after "Command # n (…) caused error:"


async def forget_idle(client: Redis, key: str, consumer: str, idle_s: float) -> int:
    """Remove from the group of the stream `key` the consumers other than `consumer` that
    hold nothing and did nothing for `idle_s`; how many."""
    try:
        consumers = await client.xinfo_consumers(key, GROUP)
    except ResponseError:
        return 0  # no stream or group yet
    gone = 0
    for found in consumers:
        name = str(found.get("name"))
        idle = int(found.get("idle", 0)) / 1000
        if name != consumer and int(found.get("pending", 0)) == 0 and idle >= idle_s:
            gone += int(await client.xgroup_delconsumer(key, GROUP, name) == 0)
    return gone


class Streams:
    def __init__(self, client: Redis, consumer: str) -> None:
        self.client = client
        self.consumer = consumer

    async def join(self, site: str) -> None:
        """The site's group, made if missing, from the stream's start: a stream that
        lost its group (a new epoch) is archived from its first entry."""
        try:
            await self.client.xgroup_create(keys.events(site), GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if not str(error).startswith("BUSYGROUP"):
                raise

    async def _with_epochs(self, sites: Sequence[str], command: Callable[[Any], Any]) -> Any:
        """`command` on a transaction after the sites' epochs: [epochs, its answer], both
        of one moment (no script can run between them)."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.mget([keys.site(site, "epoch") for site in sites])
            command(pipe)
            epochs, answer = await pipe.execute()
        return [None if epoch is None else str(epoch) for epoch in epochs], answer

    async def read(
        self, sites: Sequence[str], count: int, block_ms: int | None = None
    ) -> list[Batch]:
        """New entries of the sites (waiting up to `block_ms` for some; None: not)."""
        batches = await self._read_now(sites, count)
        if batches or block_ms is None:
            return batches
        # nothing new: wait for an entry (XREAD from the end takes nothing), then take it
        ends: dict[Any, Any] = {keys.events(site): "$" for site in sites}
        await self.client.xread(ends, block=block_ms)
        return await self._read_now(sites, count)

    async def _read_now(self, sites: Sequence[str], count: int) -> list[Batch]:
        streams: dict[Any, Any] = {keys.events(site): ">" for site in sites}
        epochs, answer = await self._with_epochs(
            sites, lambda pipe: pipe.xreadgroup(GROUP, self.consumer, streams, count=count)
        )
        site_of = {keys.events(site): i for i, site in enumerate(sites)}
        batches = []
        for key, raw in _by_stream(answer):
            i = site_of[key]
            entries = tuple(_entry(sites[i], eid, fields) for eid, fields in raw if fields)
            batch = self._batch(sites[i], epochs[i], entries)
            if batch is not None:
                batches.append(batch)
        return batches

    def _batch(self, site: str, epoch: str | None, entries: tuple[Entry, ...]) -> Batch | None:
        if not entries:
            return None
        if epoch is None:  # a stream without an epoch (none is written so): left pending
            log.error("archive: %s has events but no epoch; they are not archived", site)
            return None
        return Batch(site, epoch, entries)

    async def claim(self, site: str, idle_s: float, count: int) -> list[Batch]:
        """Up to `count` entries read by a consumer (perhaps a dead one) but unacknowledged
        for `idle_s`, now ours. Entries trimmed before they were archived are reported and
        dropped."""
        key = keys.events(site)
        epochs, answer = await self._with_epochs(
            [site],
            lambda pipe: pipe.xautoclaim(
                key, GROUP, self.consumer, int(idle_s * 1000), "0-0", count=count
            ),
        )
        raw = answer[1]
        deleted = list(answer[2]) if len(answer) > 2 else []
        if deleted:
            log.error(
                "archive: %d events of %s were trimmed from Redis before they were "
                "archived (ids %s…): PostgreSQL was unreachable too long",
                len(deleted),
                site,
                deleted[0],
            )
            await self.client.xack(key, GROUP, *deleted)
        claimed = tuple(_entry(site, eid, fields) for eid, fields in raw if eid and fields)
        batch = self._batch(site, epochs[0], claimed)
        return [] if batch is None else [batch]

    async def ack(self, batch: Batch) -> None:
        try:
            await self.client.xack(keys.events(batch.site), GROUP, *batch.ids)
        except ResponseError as error:
            if not missing_group(error):  # gone with its stream (a new epoch): nothing to ack
                raise

    async def forget_idle(self, site: str, idle_s: float) -> int:
        """Remove from the site's group the consumers (processes gone, most likely) that
        hold nothing and did nothing for `idle_s`: each restart adds one, which would stay
        for ever. How many were removed."""
        return await forget_idle(self.client, keys.events(site), self.consumer, idle_s)

    async def check_gap(self, site: str) -> bool:
        """Whether the stream was trimmed past what the group has read: events lost to the
        archive (logged loudly). A group made on a stream already trimmed (the archive
        added to a running deployment) is reported too, once."""
        key = keys.events(site)
        try:
            groups = await self.client.xinfo_groups(key)
            stream = await self.client.xinfo_stream(key)
        except ResponseError:
            return False  # no stream yet
        first = stream.get("first-entry")
        group = next((g for g in groups if g.get("name") == GROUP), None)
        if not first or group is None:
            return False
        delivered = seq_of(str(group.get("last-delivered-id", "0-0")))
        first_seq = seq_of(str(first[0]))
        if first_seq > delivered + 1:
            log.error(
                "archive: %s's stream begins at event %d but the archive has read up to %d: "
                "events %d to %d were trimmed from Redis unarchived",
                site,
                first_seq,
                delivered,
                delivered + 1,
                first_seq - 1,
            )
            return True
        return False
