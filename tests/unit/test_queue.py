from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.server.config import load_sites
from loket.server.domain import NoCurrentTicket, NotFound, QueueEmpty, SiteQueue, Status, commands
from loket.server.domain.commands import Destination

START = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta


def demo_queue() -> SiteQueue:
    return SiteQueue(load_sites(None)[0])


def issue(q: SiteQueue, service: str, at: datetime, priority: bool = False) -> str:
    ticket_id = f"t{q.seq + 1}"
    outcome = commands.issue(q, ticket_id, service, priority=priority, lang=None, now=at)
    q.seq += len(outcome.changes)
    return outcome.ticket.number


def call(q: SiteQueue, counter: str, at: datetime = START) -> str:
    outcome = commands.call_next(q, counter, at)
    q.seq += len(outcome.changes)
    if outcome.error:
        raise outcome.error
    return outcome.ticket.number


def test_numbers_count_per_service() -> None:
    q = demo_queue()
    numbers = [issue(q, s, START) for s in "AABAC"]
    assert numbers == ["A001", "A002", "B001", "A003", "C001"]


def test_numbering_restarts_at_local_midnight_not_utc() -> None:
    q = demo_queue()
    jakarta_evening = datetime(2026, 11, 28, 16, 59, tzinfo=UTC)  # 23:59 WIB
    assert issue(q, "A", jakarta_evening) == "A001"
    assert issue(q, "A", jakarta_evening + timedelta(seconds=30)) == "A002"
    # 17:00 UTC is 00:00 in Jakarta: a new day there
    assert issue(q, "A", jakarta_evening + timedelta(minutes=1)) == "A001"


def test_priority_first_then_oldest_first_across_services() -> None:
    q = demo_queue()
    issue(q, "A", START)
    issue(q, "B", START + timedelta(seconds=1))
    issue(q, "C", START + timedelta(seconds=2), priority=True)
    issue(q, "A", START + timedelta(seconds=3))
    # counter 6 serves A, B and C
    assert [call(q, "6") for _ in range(4)] == ["C001", "A001", "B001", "A002"]


def test_a_counter_calls_only_its_services() -> None:
    q = demo_queue()
    issue(q, "B", START)
    with pytest.raises(QueueEmpty):
        call(q, "1")  # counter 1 serves A only
    assert call(q, "3") == "B001"


def test_call_next_closes_the_current_ticket_first() -> None:
    q = demo_queue()
    issue(q, "A", START)
    issue(q, "A", START)
    call(q, "1")
    outcome = commands.call_next(q, "1", START)
    assert [c.event for c in outcome.changes] == ["ticket.done", "ticket.called"]
    assert outcome.changes[0].ticket.status is Status.DONE


def test_call_next_with_nobody_waiting_still_closes_the_current_one() -> None:
    q = demo_queue()
    issue(q, "A", START)
    call(q, "1")
    outcome = commands.call_next(q, "1", START)
    assert [c.event for c in outcome.changes] == ["ticket.done"]
    assert isinstance(outcome.error, QueueEmpty)
    assert q.current("1") is None


def test_transfer_keeps_the_place_of_the_issue_time() -> None:
    q = demo_queue()
    issue(q, "A", START)  # A001, oldest of all
    issue(q, "B", START + timedelta(seconds=1))
    call(q, "1")
    commands.transfer(q, "1", Destination("B"), START)
    assert q.current("1") is None
    assert call(q, "3") == "A001"  # first in B by its issue time
    assert call(q, "4") == "B001"


def test_recall_and_errors_without_a_current_ticket() -> None:
    q = demo_queue()
    with pytest.raises(NoCurrentTicket):
        commands.recall(q, "1")
    with pytest.raises(NoCurrentTicket):
        commands.finish(q, "1", Status.DONE, START)
    issue(q, "A", START)
    call(q, "1")
    outcome = commands.recall(q, "1")
    assert outcome.changes[0].recall == 1 and outcome.changes[0].event == "ticket.called"


def test_unknown_counter_and_service() -> None:
    q = demo_queue()
    with pytest.raises(NotFound) as unknown:
        commands.call_next(q, "99", START)
    assert unknown.value.code == "unknown_counter"
    with pytest.raises(NotFound) as unknown:
        commands.issue(q, "x", "Z", priority=False, lang=None, now=START)
    assert unknown.value.code == "unknown_service"


def test_position_waiting_counts_now_serving_and_recent() -> None:
    q = demo_queue()
    for _ in range(3):
        issue(q, "A", START)
    tickets = [q.next_for("1")]
    assert q.position(tickets[0]) == 0
    assert q.waiting_counts() == {"A": 3, "B": 0, "C": 0}
    call(q, "1")
    call(q, "2")
    assert [c.counter for c in q.now_serving()] == ["1", "2"]
    assert [c.ticket.number for c in q.recent()] == ["A002", "A001"]
    assert q.waiting_counts()["A"] == 1


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.booleans(), st.integers(0, 3600)),
        min_size=1,
        max_size=40,
    ),
    st.lists(st.sampled_from("123456"), min_size=1, max_size=60),
)
def test_every_ticket_is_called_once_in_contract_order(issues, counters) -> None:
    q = demo_queue()
    issued = {}
    for service, priority, offset in issues:
        at = START + timedelta(seconds=offset)
        number = issue(q, service, at, priority)
        issued[number] = (not priority, at, q.seq)
    called: list[str] = []
    for counter in counters:
        services = q.site.counter(counter).services
        waiting = [n for n in issued if n not in called and n[0] in services]
        try:
            number = call(q, counter)
        except QueueEmpty:
            assert not waiting
            continue
        assert number == min(waiting, key=lambda n: issued[n])
        called.append(number)
    assert len(called) == len(set(called))
