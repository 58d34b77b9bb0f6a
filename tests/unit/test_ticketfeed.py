"""The per-ticket feed (server/ticketfeed/) against a real SiteQueue: whatever happens in
the hall, every followed ticket's phones end up showing the place the queue gives it, and
get a message only when what they show changed.

Most tests drive the core (FeedCore) as the shell would, answering its reads from the
hall at the moment a test chooses; the last few run the asyncio shell (TicketFeed)."""

import asyncio
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loket.server.config import load_sites
from loket.server.domain import commands
from loket.server.domain.commands import Change, Destination, Outcome
from loket.server.domain.errors import DomainError, NotFound
from loket.server.domain.estimate import Estimate
from loket.server.domain.queue import SiteQueue
from loket.server.domain.ticket import Status, Ticket
from loket.server.hub import Message
from loket.server.protocol import Event, dumps, envelope
from loket.server.ticketfeed import TicketFeed, shell
from loket.server.ticketfeed.core import READ_TRIES, SETTLE_S, FeedCore, FirstRead, Send
from loket.server.ticketfeed.encode import encode
from loket.server.ticketfeed.entry import Followed

SITE = load_sites(None)[0]  # the demo site: counters 1 and 2 call A, 3 and 4 B, 6 all
EPOCH = "test-epoch"


class Hall:
    """The store's part: one SiteQueue, its events, and reads of a ticket's place."""

    def __init__(self) -> None:
        self.queue = SiteQueue(SITE)
        self.tickets: dict[str, Ticket] = {}
        self.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
        self.ids = (f"ticket-{n:04d}" for n in itertools.count())
        self.reads = 0

    def run(self, move: Outcome) -> list[Event]:
        events = []
        for change in move.changes:
            self.queue.seq += 1
            if isinstance(change, Change):
                self.tickets[change.ticket.id] = change.ticket
            events.append(Event(SITE.id, self.queue.seq, self.now, change.payload()))
        self.now += timedelta(seconds=30)
        return events

    def issue(self, service: str, priority: bool = False) -> tuple[Ticket, list[Event]]:
        ticket_id = next(self.ids)
        move = commands.issue(
            self.queue, ticket_id, service, priority=priority, lang=None, now=self.now
        )
        return move.ticket, self.run(move)

    def behind(self, ahead: int, service: str = "A") -> Ticket:
        """A ticket with `ahead` people before it (their events are not handed over)."""
        for _ in range(ahead):
            self.issue(service)
        return self.issue(service)[0]

    def call(self, counter: str) -> list[Event]:
        return self.run(commands.call_next(self.queue, counter, self.now))

    def transfer(self, counter: str, service: str) -> list[Event]:
        return self.run(commands.transfer(self.queue, counter, Destination(service), self.now))

    def place(self, ticket_id: str) -> tuple[Ticket, int | None]:
        """What the store answers now."""
        self.reads += 1
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise NotFound("ticket", ticket_id)
        return ticket, self.queue.position(ticket)

    def position(self, ticket_id: str) -> int | None:
        return self.queue.position(self.tickets[ticket_id])

    async def read(self, ticket_id: str) -> tuple[Ticket, int | None]:
        await asyncio.sleep(0)
        return self.place(ticket_id)


Crossing = Callable[[int], list[Event]]  # a first read's try → events that cross it


class Feed:
    """The core as the shell drives it, with the hall for the store and names for phones.
    `at` is the core's monotonic time: it stands still unless a test moves it."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.core: FeedCore[str] = FeedCore([SITE])
        self.at = 1000.0
        self.epoch = EPOCH
        self.got: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def take(self, sends: list[Send[str]]) -> None:
        for send in sends:
            for phone in send.phones:
                self.got[phone].append(json.loads(send.message[1]))

    def publish(self, events: list[Event], read: bool = True) -> None:
        """The events as the store hands them over, then (`read`) the reads they made due,
        as the shell's reader takes them a moment later."""
        for event in events:
            self.take(self.core.publish(event, self.epoch, self.at))
        if read:
            self.read_due()

    def follow(self, ticket_id: str, phone: str, crossing: Crossing | None = None) -> Followed[str]:
        """A phone follows, its snapshot first; `crossing(try)` gives events that come while
        a try of the first read is under way, after the store answered it."""
        step = self.core.follow(ticket_id, phone)
        while isinstance(step, FirstRead):
            answer = self.hall.place(step.ticket_id)
            self.publish(crossing(step.tries) if crossing else [], read=False)
            step = self.core.answer_first(step, *answer, phone, self.at)
        self.got[phone].append(json.loads(self.core.snapshot(step, self.epoch, self.hall.now)[1]))
        return step

    def read_next(self, crossing: Callable[[], list[Event]] = list) -> None:
        """The next read due, crossed by the events `crossing()` makes once the store has
        answered it: they are handed over before its answer."""
        read = self.core.next_read()
        assert read is not None
        answer = self.hall.place(read.ticket_id)
        self.publish(crossing(), read=False)
        self.take(self.core.answer(read, *answer, self.epoch, self.at, self.hall.now))

    def read_due(self) -> int:
        """Every read due, answered by the hall as it is now; how many there were."""
        reads = 0
        while self.core.reads_due:
            self.read_next()
            reads += 1
        return reads

    def shown(self, phone: str) -> dict[str, Any]:
        return self.got[phone][-1]["data"]


@pytest.fixture
def hall() -> Hall:
    return Hall()


@pytest.fixture
def feed(hall: Hall) -> Feed:
    return Feed(hall)


# -- the core ---------------------------------------------------------------------------


def test_a_phone_sees_its_place_move_and_its_call(hall: Hall, feed: Feed) -> None:
    mine = hall.behind(3)
    hall.issue("B")  # another line: moves nothing of ours
    feed.follow(mine.id, "phone")
    snapshot = feed.got["phone"][0]
    assert (snapshot["type"], snapshot["seq"], snapshot["epoch"]) == ("snapshot", 0, EPOCH)
    assert snapshot["data"]["position"] == 3 and snapshot["data"]["ticket"]["id"] == mine.id
    feed.publish(hall.call("3"))  # B001
    assert len(feed.got["phone"]) == 1  # nothing this phone shows changed
    for expected in (2, 1, 0):
        feed.publish(hall.call("1"))
        assert feed.got["phone"][-1]["type"] == "ticket.moved"
        assert feed.shown("phone")["position"] == expected
    feed.publish(hall.call("2"))
    assert feed.got["phone"][-1]["type"] == "ticket.called"
    assert feed.shown("phone")["ticket"]["counter"] == "2"
    assert feed.shown("phone")["position"] is None
    seqs = [m["seq"] for m in feed.got["phone"]]
    assert seqs == list(range(len(seqs)))  # no gap, per ticket
    for message in feed.got["phone"]:  # only its own ticket, ever
        assert message["data"]["ticket"]["id"] == mine.id
        assert set(message["data"]) == {"ticket", "position", "estimate"}


def test_priority_and_transfers_go_ahead_of_the_right_tickets(hall: Hall, feed: Feed) -> None:
    early, _ = hall.issue("B")
    mine, _ = hall.issue("B")
    feed.follow(early.id, "early")
    feed.follow(mine.id, "mine")
    feed.at += 2 * SETTLE_S  # long after the reads: every move is taken as is
    feed.publish(hall.issue("B", priority=True)[1], read=False)
    assert (feed.shown("early")["position"], feed.shown("mine")["position"]) == (1, 2)
    # an A ticket issued before both is called, then sent on to B: it goes first
    hall.now -= timedelta(minutes=10)
    feed.publish(hall.issue("A")[1], read=False)
    hall.now += timedelta(minutes=10)
    feed.publish(hall.call("1") + hall.transfer("1", "B"), read=False)
    assert (feed.shown("early")["position"], feed.shown("mine")["position"]) == (2, 3)
    assert not feed.core.reads_due
    for ticket_id, phone in ((early.id, "early"), (mine.id, "mine")):
        assert feed.shown(phone)["position"] == hall.position(ticket_id)


def test_a_transferred_ticket_learns_its_place_in_the_new_line(hall: Hall, feed: Feed) -> None:
    for _ in range(2):
        hall.issue("C")
    mine, _ = hall.issue("A")
    feed.follow(mine.id, "phone")
    feed.publish(hall.call("1") + hall.transfer("1", "C"), read=False)
    assert feed.got["phone"][-1]["type"] == "ticket.transferred"
    assert feed.shown("phone")["ticket"]["service"] == "C"
    assert feed.read_due() == 1  # the new place is read
    assert feed.shown("phone")["position"] == 2


@pytest.mark.parametrize("followed_before", [False, True])
def test_a_read_that_crosses_an_event_is_not_counted_twice(
    hall: Hall, feed: Feed, followed_before: bool
) -> None:
    """The store answered with a call already in it, and the call's event arrives after:
    at the first read, or at one taken again long after."""
    mine = hall.behind(4)
    if followed_before:
        feed.follow(mine.id, "phone")
        feed.publish(hall.issue("B")[1])  # another line: moves nothing
        feed.at += 10 * SETTLE_S
        feed.epoch = "a-new-store"  # every entry is read again
        feed.publish(hall.issue("B")[1], read=False)
    crossing = hall.call("1")  # not yet handed over
    if followed_before:
        feed.read_due()
    else:
        feed.follow(mine.id, "phone")
    assert feed.shown("phone")["position"] == 3
    shown = len(feed.got["phone"])
    feed.publish(crossing, read=False)  # just after the read: taken again, not moved
    assert feed.read_due() == 1
    assert len(feed.got["phone"]) == shown  # still 3: nothing to tell
    feed.publish(hall.call("2"), read=False)  # once read again, a move is taken as is
    assert not feed.core.reads_due
    assert feed.shown("phone")["position"] == 2 == hall.position(mine.id)


def test_a_read_that_events_came_during_is_taken_again(hall: Hall, feed: Feed) -> None:
    mine = hall.behind(3)
    feed.follow(mine.id, "phone")
    feed.publish(hall.call("1"), read=False)  # right after the read: to be read again
    feed.read_next(lambda: hall.call("2"))
    assert feed.shown("phone")["position"] == 2  # moved by the second call, not by the read
    assert feed.read_due() == 1
    assert feed.shown("phone")["position"] == 1 == hall.position(mine.id)


@pytest.mark.parametrize("crossed", range(READ_TRIES + 1))
def test_a_first_read_is_taken_again_while_events_cross_it(
    hall: Hall, feed: Feed, crossed: int
) -> None:
    """Events crossed the first `crossed` tries. When they crossed every try (a busy
    hall), the last may have been the ticket's own call, published before its entry
    existed: it is read once more once followed, and the phone is told."""
    mine, _ = hall.issue("A")

    def crossing(tries: int) -> list[Event]:
        if tries > crossed:
            return []
        return hall.call("1") if tries == READ_TRIES else hall.issue("B")[1]

    feed.follow(mine.id, "phone", crossing)
    assert feed.shown("phone")["ticket"]["status"] == "waiting"
    assert hall.reads == min(crossed + 1, READ_TRIES)
    if crossed < READ_TRIES:
        assert not feed.core.reads_due
        return
    assert feed.read_due() == 1
    assert feed.shown("phone")["ticket"]["status"] == "called"
    assert [m["seq"] for m in feed.got["phone"]] == [0, 1]


@pytest.mark.parametrize("lost", ["events", "epoch"])
def test_a_gap_or_a_new_epoch_makes_every_entry_read_again(
    hall: Hall, feed: Feed, lost: str
) -> None:
    mine = hall.behind(3)
    feed.follow(mine.id, "phone")
    feed.publish(hall.issue("B")[1])  # another line: moves nothing
    feed.at += 2 * SETTLE_S  # not for settling: for what was lost
    if lost == "events":
        hall.call("1")  # lost on their way
        hall.call("2")
    else:
        feed.epoch = "a-new-store"
    feed.publish(hall.call("6"), read=False)
    assert feed.read_due() == 1
    assert feed.shown("phone")["position"] == hall.position(mine.id)


def test_many_phones_of_one_ticket_share_one_entry_and_one_message(hall: Hall, feed: Feed) -> None:
    mine = hall.behind(1)
    entries = [feed.follow(mine.id, phone) for phone in "abc"]
    assert entries[0] is entries[1] is entries[2] and hall.reads == 1
    feed.at += 2 * SETTLE_S
    opened, event = hall.call("1")  # the counter opens to call (CONTRACT 6.2)
    assert feed.core.publish(opened, EPOCH, feed.at) == []  # no pace yet: nothing to tell
    (send,) = feed.core.publish(event, EPOCH, feed.at)
    assert sorted(send.phones) == ["a", "b", "c"]
    for phone in "ab":
        feed.core.unfollow(entries[0], phone)
    assert feed.core.following
    feed.core.unfollow(entries[0], "c")
    assert not feed.core.following  # the last phone gone: nothing kept


def test_estimates_that_age_are_sent_again(hall: Hall, feed: Feed) -> None:
    mine = hall.behind(6)
    for _ in range(4):  # three cycles at counter 1: a basis for estimates
        feed.publish(hall.call("1"))
    feed.follow(mine.id, "phone")
    estimate = feed.shown("phone")["estimate"]
    assert estimate is not None
    assert feed.core.refresh(EPOCH, hall.now) == []  # the same pace: nothing to send
    later = hall.now + timedelta(minutes=40)  # counter 1 quiet since: on a break
    feed.take(feed.core.refresh(EPOCH, later))
    aged = feed.core.estimate(hall.tickets[mine.id], hall.position(mine.id), later)
    assert aged is not None and aged.to_json() != estimate
    assert feed.got["phone"][-1]["type"] == "ticket.moved"
    assert feed.shown("phone")["estimate"] == aged.to_json()


def random_move(hall: Hall, rng: random.Random) -> list[Event]:
    roll, counter = rng.random(), rng.choice("123456")
    try:
        if roll < 0.4:
            return hall.issue(rng.choice("ABC"), rng.random() < 0.1)[1]
        if roll < 0.7:
            return hall.call(counter)
        if roll < 0.8:
            status = rng.choice([Status.DONE, Status.NO_SHOW])
            return hall.run(commands.finish(hall.queue, counter, status, hall.now))
        if roll < 0.9:
            return hall.run(commands.recall(hall.queue, counter))
        return hall.transfer(counter, rng.choice("ABC"))
    except DomainError:
        return []


@pytest.mark.parametrize("seed", range(8))
def test_a_random_day_leaves_every_phone_at_the_queues_place(
    hall: Hall, feed: Feed, seed: int
) -> None:
    """Moves come soon after reads and long after; reads are answered late, crossed by
    the events of a step."""
    rng = random.Random(seed)

    def crossing(tries: int) -> list[Event]:
        return random_move(hall, rng) if tries == 1 and rng.random() < 0.3 else []

    for step in range(300):
        feed.at += rng.choice([0.1, 0.2, 1.0])
        if feed.core.reads_due and rng.random() < 0.3:
            feed.read_next(lambda: random_move(hall, rng))
        else:
            feed.publish(random_move(hall, rng), read=False)
        if step % 7 == 0 and hall.tickets:  # a phone starts following some ticket
            ticket_id = rng.choice(sorted(hall.tickets))
            if ticket_id not in feed.got:
                feed.follow(ticket_id, ticket_id, crossing)
        if rng.random() < 0.5:
            feed.read_due()
    feed.read_due()
    assert feed.got
    for ticket_id in feed.got:
        assert feed.shown(ticket_id)["ticket"] == hall.tickets[ticket_id].holder_json(), ticket_id
        assert feed.shown(ticket_id)["position"] == hall.position(ticket_id), ticket_id


@pytest.mark.parametrize("estimate", [None, Estimate(3, 11)])
@pytest.mark.parametrize("position", [None, 0, 17])
def test_messages_are_the_one_envelope(
    hall: Hall, position: int | None, estimate: Estimate | None
) -> None:
    """The feed builds its messages from pre-encoded parts: the very text of the envelope."""
    ticket, _ = hall.issue("B")
    ts = datetime(2026, 11, 30, 2, 0, 1, 234567, tzinfo=UTC)
    data = {
        "ticket": ticket.to_json(),
        "position": position,
        "estimate": None if estimate is None else estimate.to_json(),
    }
    for kind in ("snapshot", "ticket.moved", "ticket.called"):
        built = encode(kind, 'ep"och', 42, ts, dumps(ticket.to_json()), position, estimate)
        assert built == dumps(envelope(kind, 'ep"och', 42, ts, data))


# -- the shell ----------------------------------------------------------------------------


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


class Shell:
    """The asyncio feed, followed as the ticket socket does: the snapshot first, then what
    changed meanwhile."""

    def __init__(self, hall: Hall, read: shell.Read | None = None) -> None:
        self.feed = TicketFeed([SITE], read or hall.read, lambda: EPOCH, lambda: hall.now)
        self.following = AsyncExitStack()

    async def follow(self, ticket_id: str) -> Phone:
        phone = Phone()
        following = self.feed.follow(ticket_id, phone)
        subscription, entry = await self.following.enter_async_context(following)
        phone.send_now(self.feed.snapshot(entry))
        subscription.start()
        return phone

    def publish(self, events: list[Event]) -> None:
        for event in events:
            self.feed.publish(event)

    async def close(self) -> None:
        await self.following.aclose()
        self.feed.close()


async def settle() -> None:
    """A moment for the shell's tasks (reads, sends) to run."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_the_shell_reads_once_pushes_to_every_phone_and_lets_go(hall: Hall) -> None:
    tickets = Shell(hall)
    mine = hall.behind(3)
    phones = [await tickets.follow(mine.id) for _ in range(3)]
    assert hall.reads == 1
    tickets.publish(hall.call("1"))  # right after the read: read again, in the background
    await settle()
    assert hall.reads == 2
    tickets.publish(hall.call("2"))  # taken as is, sent at once
    assert [phone.last["data"]["position"] for phone in phones] == [1, 1, 1]
    await tickets.close()
    assert not tickets.feed._core.following  # the last phone gone: nothing kept


async def test_an_unknown_ticket_is_not_followed(hall: Hall) -> None:
    tickets = Shell(hall)
    with pytest.raises(NotFound):
        await tickets.follow("nobody-knows-it")
    assert not tickets.feed._core.following


async def test_a_first_read_that_never_settles_is_read_again_once_followed(hall: Hall) -> None:
    """In a busy hall events cross every try of a phone's first read; the last one was its
    own call, published before the phone's entry existed. The phone must still be told."""
    mine, _ = hall.issue("A")

    async def busy_read(ticket_id: str) -> tuple[Ticket, int | None]:
        answer = await hall.read(ticket_id)  # taken before the events below
        if hall.reads < READ_TRIES:
            tickets.publish(hall.issue("B")[1])  # elsewhere in the hall
        elif hall.reads == READ_TRIES:
            tickets.publish(hall.call("1"))  # its call
        return answer

    tickets = Shell(hall, busy_read)
    phone = await tickets.follow(mine.id)
    assert phone.last["data"]["ticket"]["status"] == "waiting"
    await settle()
    assert hall.reads == READ_TRIES + 1
    assert phone.last["data"]["ticket"]["status"] == "called"
    assert [m["seq"] for m in phone.messages] == [0, 1]
    await tickets.close()


async def test_a_read_that_fails_keeps_what_the_phone_shows(hall: Hall) -> None:
    away = False

    async def read(ticket_id: str) -> tuple[Ticket, int | None]:
        if away:
            raise ConnectionError("the store is away")
        return await hall.read(ticket_id)

    tickets = Shell(hall, read)
    mine = hall.behind(2)
    phone = await tickets.follow(mine.id)
    away = True
    tickets.publish(hall.call("1"))  # right after the read: to be read again, which fails
    await settle()
    assert len(phone.messages) == 1  # what it showed stays
    away = False
    hall.issue("B")  # lost on its way: a gap, so every entry is read again
    tickets.publish(hall.issue("B")[1])
    await settle()
    assert phone.last["data"]["position"] == 1 == hall.position(mine.id)
    await tickets.close()


async def test_the_shell_sends_estimates_as_they_age(
    hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shell, "REFRESH_S", 0.0)
    tickets = Shell(hall)
    mine = hall.behind(6)
    for _ in range(4):  # a basis for estimates
        tickets.publish(hall.call("1"))
    phone = await tickets.follow(mine.id)
    hall.now += timedelta(minutes=40)
    await settle()
    assert phone.last["type"] == "ticket.moved"
    assert phone.last["data"]["estimate"] != phone.messages[0]["data"]["estimate"]
    await tickets.close()
