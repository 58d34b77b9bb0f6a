"""One suite for every store: what the service relies on."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from loket.server.announce import Announcer
from loket.server.config import load_sites
from loket.server.domain import NoCurrentTicket, NotFound, QueueEmpty, Status
from loket.server.domain.commands import Destination
from loket.server.protocol import Event
from loket.server.store import Stamp, Store, open_store
from loket.server.store.base import KEEP_EVENTS, ReplayedError
from loket.server.users import Role, User

SITES = load_sites(None)
ANNOUNCE = Announcer().announcement


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))  # a real redis-server, flushed
    return f"sqlite:///{tmp_path / 'loket.db'}"


@pytest.fixture
def other_store_url(store_url: str, tmp_path: Path) -> str:
    """Another, empty store of the same kind."""
    if store_url.startswith("redis://"):
        other = store_url.rsplit("/", 1)[0] + "/1"
        redis.Redis.from_url(other).flushdb()
        return other
    return f"sqlite:///{tmp_path / 'other.db'}"


class Opened:
    def __init__(self, url: str) -> None:
        self.url = url
        self.events: list[Event] = []
        self.store: Store = open_store(url)

    async def reopen(self) -> Store:
        await self.store.close()
        self.store = open_store(self.url)
        await self.store.open(SITES, self.events.append)
        return self.store


@pytest.fixture
async def opened(store_url: str) -> AsyncIterator[Opened]:
    box = Opened(store_url)
    await box.store.open(SITES, box.events.append)
    yield box
    await box.store.close()


async def settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def test_issue_and_call_write_consecutive_events(opened: Opened) -> None:
    store = opened.store
    first = await store.issue("demo", "A", Stamp(now()), priority=False, lang="id")
    second = await store.issue("demo", "A", Stamp(now()), priority=True)
    assert (first.ticket["number"], second.ticket["number"]) == ("A001", "A002")
    assert (first.position, second.position) == (0, 0)  # the priority ticket goes first
    called = await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    assert called.ticket["number"] == "A002" and called.seq == 4
    await settle()
    assert [(e.seq, e.type) for e in opened.events] == [
        (1, "ticket.issued"),
        (2, "ticket.issued"),
        (3, "counter.opened"),  # a closed counter opens to call (CONTRACT 6.2)
        (4, "ticket.called"),
    ]
    segments = opened.events[3].data["announcement"]["segments"]
    assert [s["lang"] for s in segments] == ["id", "en", "az"]
    assert segments[0]["text"] == "Nomor antrian A dua, silakan menuju loket satu"


async def test_everything_acknowledged_survives_a_reopen(opened: Opened) -> None:
    store = opened.store
    for _ in range(3):
        await store.issue("demo", "A", Stamp(now()))
    await store.call_next("demo", "2", Stamp(now(), "clerk"), ANNOUNCE)
    epoch = store.epoch
    store = await opened.reopen()
    assert store.epoch == epoch
    snapshot = await store.snapshot("demo")
    assert snapshot.seq == 5  # 3 issued, counter 2 opened, A001 called
    assert snapshot.data["waiting"]["A"] == 2
    assert [c["ticket"]["number"] for c in snapshot.data["now_serving"]] == ["A001"]
    assert [c["status"] for c in snapshot.data["counters"]][:2] == ["closed", "open"]
    assert (await store.issue("demo", "A", Stamp(now()))).ticket["number"] == "A004"
    assert (await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)).seq == 8


async def test_history_replays_events_after_a_seq(opened: Opened) -> None:
    store = opened.store
    for _ in range(4):
        await store.issue("demo", "B", Stamp(now()))
    replay = await store.events_after("demo", 2)
    assert replay is not None and [e.seq for e in replay] == [3, 4]
    assert await store.events_after("demo", 4) == []
    assert await store.events_after("demo", 9) is None  # from the future: cannot


async def test_idempotency_key_answers_the_first_answer_again(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "A", Stamp(now()))
    await store.issue("demo", "A", Stamp(now()))
    key = ("clerk", "press-1")
    first = await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE, key)
    again = await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE, key)
    assert again == type(again)(first.ticket, first.seq)
    assert (await store.snapshot("demo")).data["waiting"]["A"] == 1
    # another user's same key is another press
    other = await store.call_next(
        "demo", "2", Stamp(now(), "clerk"), ANNOUNCE, ("other", "press-1")
    )
    assert other.ticket["number"] == "A002"
    with pytest.raises(QueueEmpty):
        await store.call_next("demo", "3", Stamp(now(), "clerk"), ANNOUNCE, ("clerk", "press-2"))
    with pytest.raises(ReplayedError) as again_refused:
        await store.call_next("demo", "3", Stamp(now(), "clerk"), ANNOUNCE, ("clerk", "press-2"))
    assert again_refused.value.code == "queue_empty"


async def test_concurrent_calls_never_hand_out_a_ticket_twice(opened: Opened) -> None:
    store = opened.store
    for _ in range(60):
        await store.issue("demo", "A", Stamp(now()))

    async def clerk(counter: str) -> list[str]:
        numbers = []
        while True:
            try:
                result = await store.call_next("demo", counter, Stamp(now(), "clerk"), ANNOUNCE)
            except QueueEmpty:
                return numbers
            numbers.append(result.ticket["number"])

    results = await asyncio.gather(*(clerk(c) for c in ("1", "2", "6")))
    called = sorted(n for numbers in results for n in numbers)
    assert called == [f"A{i:03d}" for i in range(1, 61)]


async def test_counter_moves_and_their_refusals(opened: Opened) -> None:
    store = opened.store
    issued = await store.issue("demo", "A", Stamp(now()))
    assert issued.ticket_id and "id" not in issued.ticket  # the secret only beside it
    with pytest.raises(NoCurrentTicket):
        await store.recall("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    assert (await store.recall("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)).ticket["recalls"] == 1
    moved = await store.transfer("demo", "1", Destination("B"), Stamp(now(), "clerk"))
    assert (moved.ticket["status"], moved.ticket["service"]) == ("waiting", "B")
    await store.call_next("demo", "3", Stamp(now(), "clerk"), ANNOUNCE)
    closed = await store.finish("demo", "3", Status.NO_SHOW, Stamp(now(), "clerk"))
    assert closed.ticket["status"] == "no_show" and "id" not in closed.ticket
    assert closed.ticket["ref"] == issued.ticket["ref"]
    ticket, position = await store.ticket(issued.ticket_id)
    assert ticket.status is Status.NO_SHOW and position is None
    with pytest.raises(NotFound):
        await store.ticket("nope")
    with pytest.raises(NotFound):
        await store.issue("nowhere", "A", Stamp(now()))


async def test_users_and_sessions(opened: Opened) -> None:
    store = opened.store
    clerk = User("clerk", Role.STAFF, ("demo/1",))
    assert await store.add_user(clerk, "hash", now())
    assert not await store.add_user(clerk, "hash", now())
    assert await store.user_hash("clerk") == (clerk, "hash")
    await store.add_session("th", "clerk", "csrf", datetime(2999, 1, 1, tzinfo=UTC))
    session = await store.session("th", now())
    assert session is not None and session.user == clerk and session.csrf == "csrf"
    await store.add_session("old", "clerk", "c", datetime(2000, 1, 1, tzinfo=UTC))
    assert await store.session("old", now()) is None
    await store.drop_session("th")
    assert await store.session("th", now()) is None
    assert [u.username for u in await store.users()] == ["clerk"]


async def test_prune_keeps_recent_history_and_drops_stale_keys(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "A", Stamp(now()))
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE, ("clerk", "k"))
    await store.prune(now() + timedelta(days=2))
    # fewer than the kept count: the history still reaches back to the start
    assert [e.seq for e in await store.events_after("demo", 0) or []] == [1, 2, 3]
    # the idempotency key is forgotten: the same key is a new press now
    await store.issue("demo", "A", Stamp(now()))
    again = await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE, ("clerk", "k"))
    assert again.ticket["number"] == "A002"


async def test_history_too_old_cannot_be_replayed(opened: Opened) -> None:
    store = opened.store
    long_ago = now() - timedelta(days=3)
    for _ in range(KEEP_EVENTS + 5):
        await store.issue("demo", "C", Stamp(long_ago))
    await store.prune(now())
    assert await store.events_after("demo", 0) is None  # gone: the display needs a snapshot
    kept = await store.events_after("demo", 5)
    assert kept is not None and len(kept) == KEEP_EVENTS


async def test_a_new_store_has_a_new_epoch(opened: Opened, other_store_url: str) -> None:
    other = open_store(other_store_url)
    await other.open(SITES, lambda event: None)
    try:
        assert other.epoch and other.epoch != opened.store.epoch
    finally:
        await other.close()


async def test_recent_calls_are_the_same_after_a_reopen(opened: Opened) -> None:
    store = opened.store
    for _ in range(3):
        await store.issue("demo", "A", Stamp(now()))
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    await store.call_next("demo", "2", Stamp(now(), "clerk"), ANNOUNCE)
    await store.recall(
        "demo", "1", Stamp(now(), "clerk"), ANNOUNCE
    )  # A001 is the newest call again
    await store.call_next("demo", "6", Stamp(now(), "clerk"), ANNOUNCE)
    await store.transfer(
        "demo", "6", Destination("B"), Stamp(now(), "clerk")
    )  # A003 waits again, its call stays history
    before = (await store.snapshot("demo")).data["recent"]
    store = await opened.reopen()
    after = (await store.snapshot("demo")).data["recent"]
    assert after == before
    assert [(c["ticket"]["number"], c["recall"]) for c in after] == [
        ("A003", 0),
        ("A001", 1),
        ("A002", 0),
    ]


async def test_replayed_events_are_the_published_ones(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "A", Stamp(now()), priority=True, lang="en")
    await store.issue("demo", "B", Stamp(now()))
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    await store.recall("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    await store.transfer("demo", "1", Destination("C"), Stamp(now(), "clerk"))
    await store.call_next("demo", "3", Stamp(now(), "clerk"), ANNOUNCE)
    await store.finish("demo", "3", Status.DONE, Stamp(now(), "clerk"))
    await settle()
    replay = await store.events_after("demo", 0)
    assert replay is not None
    live = [event.wire(store.epoch) for event in opened.events]
    assert [event.wire(store.epoch) for event in replay] == live
    assert [event.seq for event in opened.events] == list(range(1, 10))  # 2 counters opened


async def test_a_transferred_ticket_waits_in_its_old_place(opened: Opened) -> None:
    store = opened.store
    start = now()
    first = await store.issue("demo", "A", Stamp(start))
    await store.issue("demo", "B", Stamp(start + timedelta(seconds=1)))
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    moved = await store.transfer("demo", "1", Destination("B"), Stamp(now(), "clerk"))
    assert moved.position == 0 and moved.ticket["number"] == "A001"
    ticket, position = await store.ticket(first.ticket_id)
    assert (ticket.service, ticket.number, position) == ("B", "A001", 0)
    # counter 3 calls from B and C: the transferred ticket first, by its issue time
    called = await store.call_next("demo", "3", Stamp(now(), "clerk"), ANNOUNCE)
    assert called.ticket["ref"] == first.ticket["ref"] and called.ticket["recalls"] == 0


async def test_numbers_restart_each_local_day(opened: Opened) -> None:
    store = opened.store
    day = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 23:00 in Jakarta
    assert (await store.issue("demo", "A", Stamp(day))).ticket["number"] == "A001"
    assert (await store.issue("demo", "B", Stamp(day))).ticket["number"] == "B001"
    assert (await store.issue("demo", "A", Stamp(day))).ticket["number"] == "A002"
    next_day = day + timedelta(hours=2)  # past midnight in Jakarta
    assert (await store.issue("demo", "A", Stamp(next_day))).ticket["number"] == "A001"


async def test_calling_with_nobody_waiting_still_closes_the_current(opened: Opened) -> None:
    store = opened.store
    await store.issue("demo", "A", Stamp(now()))
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)
    key = ("clerk", "twice")
    with pytest.raises(QueueEmpty):
        await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE, key)
    await settle()
    assert [e.type for e in opened.events][-1] == "ticket.done"
    snapshot = await store.snapshot("demo")
    assert snapshot.seq == 4 and snapshot.data["now_serving"] == []
    with pytest.raises(ReplayedError):  # the same press again: the same refusal, no event
        await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE, key)
    assert (await store.snapshot("demo")).seq == 4


async def test_positions_count_the_people_ahead_in_the_service(opened: Opened) -> None:
    store = opened.store
    issued = [await store.issue("demo", "A", Stamp(now())) for _ in range(3)]
    late_priority = await store.issue("demo", "A", Stamp(now()), priority=True)
    assert [r.position for r in issued] == [0, 1, 2] and late_priority.position == 0
    assert (await store.ticket(issued[2].ticket_id))[1] == 3
    await store.call_next("demo", "1", Stamp(now(), "clerk"), ANNOUNCE)  # the priority ticket
    assert (await store.ticket(issued[2].ticket_id))[1] == 2
    assert (await store.ticket(late_priority.ticket_id))[1] is None


async def test_snapshot_shows_counters_waiting_and_calls(opened: Opened) -> None:
    store = opened.store
    for service in "AABC":
        await store.issue("demo", service, Stamp(now()))
    await store.call_next("demo", "2", Stamp(now(), "clerk"), ANNOUNCE)
    await store.call_next("demo", "4", Stamp(now(), "clerk"), ANNOUNCE)
    await store.finish("demo", "2", Status.NO_SHOW, Stamp(now(), "clerk"))
    snapshot = await store.snapshot("demo")
    assert snapshot.seq == 9  # with counters 2 and 4 opened
    assert snapshot.data["waiting"] == {"A": 1, "B": 0, "C": 1}
    serving = [(s["counter"], s["ticket"]["number"]) for s in snapshot.data["now_serving"]]
    assert serving == [("4", "B001")]
    recent = [(c["ticket"]["number"], c["ticket"]["status"]) for c in snapshot.data["recent"]]
    assert recent == [("B001", "called"), ("A001", "no_show")]
