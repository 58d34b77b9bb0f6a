"""A counter's status (CONTRACT 6.2) as the domain keeps it: open with today's services,
paused, closed; a new day closes every counter; calling opens a paused or closed one."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from loket.server.config import load_sites
from loket.server.domain import SiteQueue, commands
from loket.server.domain.commands import CounterChange, StatusChange
from loket.server.domain.counter_state import CounterState, CounterStatus
from loket.server.domain.errors import CurrentTicket, NotFound
from loket.server.domain.events import CounterOpened, CounterPaused, payload_from_json

SITE = load_sites(None)[0]  # the demo site: counters 1 and 2 call A, 3 and 4 B, 6 all
NOON = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 12:00 in Jakarta
OPEN = CounterStatus.OPEN


def queue_with(*services: str) -> SiteQueue:
    queue = SiteQueue(SITE)
    for n, service in enumerate(services):
        commands.issue(queue, f"t{n}", service, priority=False, lang=None, now=NOON)
    return queue


def events(outcome: commands.Outcome) -> list[str]:
    return [change.event.value for change in outcome.changes]


def test_every_counter_starts_the_day_closed_with_its_configured_services() -> None:
    states = SiteQueue(SITE).counter_states(NOON)
    assert [s.status for s in states] == [CounterStatus.CLOSED] * len(SITE.counters)
    assert states[5].services == ("A", "B", "C")
    assert states[0].since == datetime(2026, 11, 28, tzinfo=UTC) - timedelta(hours=7)


def test_open_with_chosen_services_calls_from_those_lines_only() -> None:
    queue = queue_with("A", "C")
    outcome = commands.open_counter(queue, "1", NOON, by="siti", services=("C",))
    assert events(outcome) == ["counter.opened"]
    assert queue.counter_state("1", NOON) == CounterState("1", OPEN, ("C",), NOON, "siti")
    called = commands.call_next(queue, "1", NOON, by="siti")
    assert events(called) == ["ticket.called"]  # open already: no second counter.opened
    assert called.ticket.service == "C"


def test_open_with_a_service_the_site_lacks_is_refused() -> None:
    with pytest.raises(NotFound):
        commands.open_counter(SiteQueue(SITE), "1", NOON, by="siti", services=("Z",))


def test_call_next_at_a_closed_counter_opens_it_first_with_its_configured_services() -> None:
    queue = queue_with("B", "A")
    outcome = commands.call_next(queue, "6", NOON, by="budi")
    assert events(outcome) == ["counter.opened", "ticket.called"]
    assert outcome.state == CounterState("6", OPEN, ("A", "B", "C"), NOON, "budi")
    assert outcome.ticket.number == "B001"


def test_call_next_at_a_paused_counter_opens_it_with_todays_services() -> None:
    queue = queue_with("A", "C")
    commands.open_counter(queue, "6", NOON, by="budi", services=("C",))
    later = NOON + timedelta(minutes=5)
    paused = commands.pause_counter(queue, "6", later, by="budi", reason="Prayer")
    assert events(paused) == ["counter.paused"]
    state = queue.counter_state("6", later)
    assert (state.status, state.reason, state.services) == (CounterStatus.PAUSED, "Prayer", ("C",))
    again = commands.call_next(queue, "6", later + timedelta(minutes=20), by="budi")
    assert events(again) == ["counter.opened", "ticket.called"]
    assert again.ticket.service == "C" and again.state is not None
    assert again.state.services == ("C",)


def test_an_empty_call_next_still_opens_the_counter_and_then_refuses() -> None:
    outcome = commands.call_next(SiteQueue(SITE), "1", NOON, by="siti")
    assert events(outcome) == ["counter.opened"]
    assert outcome.error is not None and outcome.error.code == "queue_empty"


def test_close_with_a_current_ticket_is_refused_and_without_one_closes() -> None:
    queue = queue_with("A")
    commands.call_next(queue, "1", NOON, by="siti")
    with pytest.raises(CurrentTicket) as refused:
        commands.close_counter(queue, "1", NOON)
    assert refused.value.code == "current_ticket"
    commands.finish(queue, "1", commands.Status.DONE, NOON)
    closed = commands.close_counter(queue, "1", NOON + timedelta(minutes=1))
    assert events(closed) == ["counter.closed"]
    assert queue.counter_state("1", NOON).status is CounterStatus.CLOSED


def test_a_state_of_an_earlier_day_reads_as_closed() -> None:
    queue = SiteQueue(SITE)
    commands.open_counter(queue, "3", NOON, by="ani", services=("A",))
    tomorrow = NOON + timedelta(days=1)
    state = queue.counter_state("3", tomorrow)
    assert state.status is CounterStatus.CLOSED and state.services == ("B",)
    assert SITE.local_day(state.since) == SITE.local_day(tomorrow)


def test_without_a_kept_state_a_counter_serving_someone_reads_as_open() -> None:
    """Data of the release before statuses: a clerk mid-service stays open."""
    queue = queue_with("A")
    queue.apply(queue.next_for("1").call("1", NOON, "siti"))  # as an old release kept it
    state = queue.counter_state("1", NOON + timedelta(minutes=3))
    assert state == CounterState("1", OPEN, ("A",), NOON, "siti")
    # done with that visitor, it stays open: its status is kept by that first move
    done = commands.finish(queue, "1", commands.Status.DONE, NOON + timedelta(minutes=4))
    assert events(done) == ["counter.opened", "ticket.done"]
    assert queue.counter_state("1", NOON + timedelta(minutes=5)) == state
    # and calls on without opening again (nobody waits: nothing at all happens)
    assert events(commands.call_next(queue, "1", NOON + timedelta(minutes=6), by="siti")) == []


def test_the_set_status_command_dispatches_and_the_event_names_no_user() -> None:
    queue = SiteQueue(SITE)
    change = StatusChange(CounterStatus.PAUSED, reason="Meeting")
    outcome = commands.set_status(queue, "2", change, NOON, by="siti")
    (step,) = outcome.changes
    assert isinstance(step, CounterChange)
    data = json.loads(json.dumps(step.payload().to_json()))
    assert data == {
        "counter": {
            "counter": "2",
            "status": "paused",
            "services": ["A"],
            "since": "2026-11-28T05:00:00.000Z",
        }
    }
    assert step.state.to_json(staff=True)["user"] == "siti"


def test_counter_events_read_back_and_tolerate_what_they_do_not_know() -> None:
    state = CounterState("3", OPEN, ("A", "B"), NOON)
    for payload in (CounterOpened(state), CounterPaused(state)):
        stored = json.loads(json.dumps(payload.to_json()))
        stored["later"] = 1
        stored["counter"]["colour"] = "red"
        assert payload_from_json(payload.type.value, stored, lambda _: NOON.date()) == payload
    with pytest.raises(ValueError):
        payload_from_json("counter.opened", {"counter": {**state.to_json(), "status": "x"}}, None)  # type: ignore[arg-type]
