"""The per-ticket feed (server/ticketfeed.py) against a real SiteQueue: whatever happens in
the hall, every followed ticket's phones end up showing the place the queue gives it, and
get a message only when what they show changed."""

import asyncio
import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.config import load_sites
from server.domain import commands
from server.domain.commands import Outcome
from server.domain.errors import DomainError, NotFound
from server.domain.estimate import Estimate
from server.domain.queue import SiteQueue
from server.domain.ticket import Status, Ticket
from server.hub import Message
from server.protocol import Event, dumps, envelope
from server.ticketfeed import READ_TRIES, Followed, TicketFeed, _encode

SITE = load_sites(None)[0]  # the demo site
EPOCH = "test-epoch"


class Hall:
    """The store's part: one SiteQueue, its events, and reads of a ticket's place."""

    def __init__(self) -> None:
        self.queue = SiteQueue(SITE)
        self.tickets: dict[str, Ticket] = {}
        self.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
        self.ids = (f"ticket-{n:04d}" for n in itertools.count())
        self.reads = 0
        self.during_read: list[Event] = []  # committed with a read, handed over after it

    def run(self, move: Outcome) -> list[Event]:
        events = []
        for change in move.changes:
            self.queue.seq += 1
            self.tickets[change.ticket.id] = change.ticket
            events.append(Event(SITE.id, self.queue.seq, self.now, change.payload()))
        self.now += timedelta(seconds=30)
        return events

    def issue(self, service: str, priority: bool = False) -> tuple[Ticket, list[Event]]:
        events = self.run(
            commands.issue(
                self.queue, next(self.ids), service, priority=priority, lang=None, now=self.now
            )
        )
        return self.tickets[events[-1].data["ticket"]["id"]], events

    async def read(self, ticket_id: str) -> tuple[Ticket, int | None]:
        self.reads += 1
        await asyncio.sleep(0)
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("ticket", ticket_id)
        return ticket, self.queue.position(ticket)


class Phone:
    """A sink that takes every message at once, as a socket with room does."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send_now(self, message: Message) -> None:
        self.messages.append(json.loads(message[1]))

    async def send(self, message: Message) -> None:
        self.send_now(message)

    def overflowed(self) -> None:
        raise AssertionError("a phone that takes everything never falls behind")

    @property
    def last(self) -> dict[str, Any]:
        return self.messages[-1]


def feed_for(hall: Hall) -> TicketFeed:
    return TicketFeed([SITE], hall.read, lambda: EPOCH, lambda: hall.now)


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def publish(feed: TicketFeed, events: list[Event]) -> None:
    """The events as the store hands them over, then a moment for any read they cause
    (a move right after a ticket's first read is read again rather than applied)."""
    for event in events:
        feed.publish(event)
    await settle()


async def test_a_phone_sees_its_place_move_and_its_call() -> None:
    hall = Hall()
    feed = feed_for(hall)
    for _ in range(3):
        hall.issue("A")
    mine, _ = hall.issue("A")
    hall.issue("B")  # another line: moves nothing of ours
    phone = Phone()
    async with feed.follow(mine.id, phone) as (subscription, entry):
        seq, snapshot = feed.snapshot(entry)
        first = json.loads(snapshot)
        assert (first["type"], first["seq"], first["epoch"]) == ("snapshot", seq, EPOCH)
        assert first["data"]["position"] == 3 and first["data"]["ticket"]["id"] == mine.id
        subscription.start()
        await publish(feed, hall.run(commands.call_next(hall.queue, "3", hall.now)))  # B001
        assert phone.messages == []  # nothing this phone shows changed
        for expected in (2, 1, 0):
            await publish(feed, hall.run(commands.call_next(hall.queue, "1", hall.now)))
            assert phone.last["type"] == "ticket.moved"
            assert phone.last["data"]["position"] == expected
        for event in hall.run(commands.call_next(hall.queue, "2", hall.now)):
            feed.publish(event)
        assert phone.last["type"] == "ticket.called"
        assert phone.last["data"]["ticket"]["counter"] == "2"
        assert phone.last["data"]["position"] is None
        seqs = [m["seq"] for m in phone.messages]
        assert seqs == list(range(seq + 1, seq + 1 + len(seqs)))  # no gap, per ticket
        for message in phone.messages:  # only its own ticket, ever
            assert message["data"]["ticket"]["id"] == mine.id
            assert set(message["data"]) == {"ticket", "position", "estimate"}
    assert feed._followed == {}  # the last phone gone: nothing kept


async def test_priority_and_transfers_go_ahead_of_the_right_tickets() -> None:
    hall = Hall()
    feed = feed_for(hall)
    early, _ = hall.issue("B")
    mine, _ = hall.issue("B")
    phones = {early.id: Phone(), mine.id: Phone()}
    async with feed.follow(early.id, phones[early.id]) as (one, _):
        async with feed.follow(mine.id, phones[mine.id]) as (two, _):
            one.start()
            two.start()
            _, events = hall.issue("B", priority=True)
            await publish(feed, events)
            assert phones[early.id].last["data"]["position"] == 1
            assert phones[mine.id].last["data"]["position"] == 2
            # an A ticket issued before both is called, then sent on to B: it goes first
            hall.now -= timedelta(minutes=10)
            old, _ = hall.issue("A")
            hall.now += timedelta(minutes=10)
            for command in (
                lambda: commands.call_next(hall.queue, "1", hall.now),
                lambda: commands.transfer(hall.queue, "1", "B"),
            ):
                for event in hall.run(command()):
                    feed.publish(event)
            assert phones[early.id].last["data"]["position"] == 2
            assert phones[mine.id].last["data"]["position"] == 3
            await settle()
            for ticket_id, phone in phones.items():
                assert phone.last["data"]["position"] == hall.queue.position(
                    hall.tickets[ticket_id]
                )


async def test_a_transferred_ticket_learns_its_place_in_the_new_line() -> None:
    hall = Hall()
    feed = feed_for(hall)
    for _ in range(2):
        hall.issue("C")
    mine, _ = hall.issue("A")
    phone = Phone()
    async with feed.follow(mine.id, phone) as (subscription, _):
        subscription.start()
        for command in (
            lambda: commands.call_next(hall.queue, "1", hall.now),
            lambda: commands.transfer(hall.queue, "1", "C"),
        ):
            for event in hall.run(command()):
                feed.publish(event)
        assert phone.last["type"] == "ticket.transferred"
        assert phone.last["data"]["ticket"]["service"] == "C"
        await settle()  # the feed reads the new place
        assert phone.last["data"]["position"] == 2


async def test_a_read_that_crosses_an_event_is_not_counted_twice() -> None:
    """The store answered with a call already in it, and the call's event arrives after."""
    hall = Hall()
    feed = feed_for(hall)
    for _ in range(4):
        hall.issue("A")
    mine, _ = hall.issue("A")
    crossing = hall.run(commands.call_next(hall.queue, "1", hall.now))  # not yet published
    phone = Phone()
    async with feed.follow(mine.id, phone) as (subscription, entry):
        assert json.loads(feed.snapshot(entry)[1])["data"]["position"] == 3
        subscription.start()
        for event in crossing:
            feed.publish(event)  # just after the read: taken again, not moved
        await settle()
        assert phone.messages == [] or phone.last["data"]["position"] == 3
        for event in hall.run(commands.call_next(hall.queue, "2", hall.now)):
            feed.publish(event)
        await settle()
        assert phone.last["data"]["position"] == 2 == hall.queue.position(mine)


async def test_a_first_read_that_never_settles_is_read_again_once_followed() -> None:
    """In a busy hall events cross every try of a phone's first read; the last one was its
    own call, published before the phone's entry existed. The phone must still be told."""
    hall = Hall()
    mine, _ = hall.issue("A")
    tries = 0

    async def busy_read(ticket_id: str) -> tuple[Ticket, int | None]:
        nonlocal tries
        answer = await hall.read(ticket_id)  # taken before the events below
        tries += 1
        if tries < READ_TRIES:
            crossing = hall.issue("B")[1]  # elsewhere in the hall
        elif tries == READ_TRIES:
            crossing = hall.run(commands.call_next(hall.queue, "1", hall.now))  # its call
        else:
            crossing = []
        for event in crossing:
            feed.publish(event)
        return answer

    feed = TicketFeed([SITE], busy_read, lambda: EPOCH, lambda: hall.now)
    phone = Phone()
    async with feed.follow(mine.id, phone) as (subscription, entry):
        assert json.loads(feed.snapshot(entry)[1])["data"]["ticket"]["status"] == "waiting"
        subscription.start()
        await settle()
        assert tries == READ_TRIES + 1
        assert phone.last["data"]["ticket"]["status"] == "called"
        assert [m["seq"] for m in phone.messages] == [1]


async def test_a_gap_in_the_events_makes_every_entry_read_again() -> None:
    hall = Hall()
    feed = feed_for(hall)
    for _ in range(3):
        hall.issue("A")
    mine, events = hall.issue("A")
    feed.publish(events[-1])
    phone = Phone()
    async with feed.follow(mine.id, phone) as (subscription, _):
        subscription.start()
        hall.run(commands.call_next(hall.queue, "1", hall.now))  # lost on its way
        hall.run(commands.call_next(hall.queue, "2", hall.now))
        for event in hall.run(commands.call_next(hall.queue, "6", hall.now)):
            feed.publish(event)
        await settle()
        assert phone.last["data"]["position"] == 0


async def test_an_unknown_ticket_is_not_followed() -> None:
    feed = feed_for(Hall())
    with pytest.raises(NotFound):
        async with feed.follow("nobody-knows-it", Phone()):
            pass
    assert feed._followed == {}


async def test_many_phones_of_one_ticket_share_one_entry_and_one_encoding() -> None:
    hall = Hall()
    feed = feed_for(hall)
    hall.issue("A")
    mine, _ = hall.issue("A")
    phones = [Phone() for _ in range(3)]
    async with feed.follow(mine.id, phones[0]) as (a, entry_a):
        async with feed.follow(mine.id, phones[1]) as (b, entry_b):
            async with feed.follow(mine.id, phones[2]) as (c, entry_c):
                assert entry_a is entry_b is entry_c and hall.reads == 1
                for subscription in (a, b, c):
                    subscription.start()
                for event in hall.run(commands.call_next(hall.queue, "1", hall.now)):
                    feed.publish(event)
        assert [p.last for p in phones[1:]] == [phones[0].last] * 2


@pytest.mark.parametrize("seed", range(8))
async def test_a_random_day_leaves_every_phone_at_the_queues_place(seed: int) -> None:
    rng = random.Random(seed)
    hall = Hall()
    feed = feed_for(hall)
    phones: dict[str, Phone] = {}
    followed = []
    for step in range(300):
        roll = rng.random()
        try:
            if roll < 0.4:
                _, events = hall.issue(rng.choice("ABC"), rng.random() < 0.1)
            elif roll < 0.7:
                events = hall.run(commands.call_next(hall.queue, rng.choice("123456"), hall.now))
            elif roll < 0.8:
                counter = rng.choice("123456")
                status = rng.choice([Status.DONE, Status.NO_SHOW])
                events = hall.run(commands.finish(hall.queue, counter, status, hall.now))
            elif roll < 0.9:
                events = hall.run(commands.recall(hall.queue, rng.choice("123456")))
            else:
                counter, service = rng.choice("123456"), rng.choice("ABC")
                events = hall.run(commands.transfer(hall.queue, counter, service))
        except DomainError:
            continue
        for event in events:
            feed.publish(event)
        if step % 7 == 0 and hall.tickets:  # a phone starts following some ticket
            ticket_id = rng.choice(sorted(hall.tickets))
            if ticket_id not in phones:
                phones[ticket_id] = Phone()
                context = feed.follow(ticket_id, phones[ticket_id])
                subscription, entry = await context.__aenter__()
                phones[ticket_id].messages.append(json.loads(feed.snapshot(entry)[1]))
                subscription.start()
                followed.append(context)
        await asyncio.sleep(0)
    await settle()
    for ticket_id, phone in phones.items():
        ticket = hall.tickets[ticket_id]
        shown = phone.last["data"]
        assert shown["ticket"] == ticket.to_json(), ticket_id
        assert shown["position"] == hall.queue.position(ticket), ticket_id
    for context in followed:
        await context.__aexit__(None, None, None)
    feed.close()


@pytest.mark.parametrize("estimate", [None, Estimate(3, 11)])
@pytest.mark.parametrize("position", [None, 0, 17])
def test_messages_are_the_one_envelope(position: int | None, estimate: Estimate | None) -> None:
    """The feed builds its messages from pre-encoded parts: the very text of the envelope."""
    hall = Hall()
    ticket, _ = hall.issue("B")
    entry = Followed(ticket, position, 0.0)
    ts = datetime(2026, 11, 30, 2, 0, 1, 234567, tzinfo=UTC)
    data = {
        "ticket": ticket.to_json(),
        "position": position,
        "estimate": None if estimate is None else estimate.to_json(),
    }
    for kind in ("snapshot", "ticket.moved", "ticket.called"):
        built = _encode(kind, 'ep"och', 42, ts, entry, estimate)
        assert built == dumps(envelope(kind, 'ep"och', 42, ts, data))
