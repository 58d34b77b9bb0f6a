from datetime import date, timedelta

import pytest

from loket.server.domain import IllegalTransition, Status
from loket.server.domain.ticket import make_ref, parse_ref
from tests.support.tickets import ISSUED, a_ticket

NOW = ISSUED
MINUTE = timedelta(minutes=1)
LATER = NOW + 5 * MINUTE


def test_call_then_done() -> None:
    called = a_ticket().call("3", NOW)
    assert (called.status, called.counter, called.called_at) == (Status.CALLED, "3", NOW)
    done = called.finish(Status.DONE, NOW)
    assert done.status is Status.DONE and done.finished_at == NOW


def test_recall_counts_and_keeps_the_counter() -> None:
    ticket = a_ticket().call("2", NOW).recall().recall()
    assert (ticket.recalls, ticket.counter, ticket.status) == (2, "2", Status.CALLED)


def test_transfer_waits_again_in_the_other_service_with_its_number() -> None:
    moved = a_ticket().call("1", NOW).recall().transfer("B")
    assert (moved.status, moved.service, moved.number) == (Status.WAITING, "B", "A001")
    assert (moved.counter, moved.called_at, moved.recalls) == (None, None, 0)
    assert moved.issued_at == NOW


@pytest.mark.parametrize(
    "move",
    [
        lambda t: t.recall(),
        lambda t: t.finish(Status.DONE, NOW),
        lambda t: t.finish(Status.NO_SHOW, NOW),
        lambda t: t.transfer("B"),
    ],
)
def test_a_waiting_ticket_cannot_be_recalled_closed_or_transferred(move) -> None:
    with pytest.raises(IllegalTransition) as refused:
        move(a_ticket())
    assert refused.value.code == "illegal_transition"


@pytest.mark.parametrize("final", [Status.DONE, Status.NO_SHOW])
def test_a_closed_ticket_cannot_move_again(final: Status) -> None:
    closed = a_ticket().call("1", NOW).finish(final, NOW)
    moves = [closed.recall, closed.hold, lambda: closed.transfer("B")]
    if final is Status.DONE:
        moves.append(lambda: closed.call("1", NOW))
    for move in moves:
        with pytest.raises(IllegalTransition):
            move()


def test_a_no_show_who_comes_late_is_called_again() -> None:
    late = a_ticket().call("1", NOW).finish(Status.NO_SHOW, NOW).call("2", LATER)
    assert (late.status, late.counter, late.called_at) == (Status.CALLED, "2", LATER)
    assert late.finished_at is None


def test_a_held_ticket_stays_with_its_counter_until_called_back() -> None:
    held = a_ticket().call("3", NOW).hold()
    assert (held.status, held.counter) == (Status.HELD, "3")
    for move in (held.recall, held.hold, lambda: held.finish(Status.DONE, NOW)):
        with pytest.raises(IllegalTransition):
            move()
    back = held.call("3", LATER)
    assert (back.status, back.counter, back.called_at) == (Status.CALLED, "3", LATER)


def test_a_ticket_sent_to_a_desk_waits_in_that_counter_s_line() -> None:
    sent = a_ticket().call("1", NOW).send_to_desk("4")
    assert (sent.status, sent.service, sent.desk, sent.line) == (Status.WAITING, "A", "4", "@4")
    assert sent.to_json()["for_counter"] == "4"
    assert "for_counter" not in sent.call("4", LATER).to_json()  # only while it waits
    with pytest.raises(IllegalTransition):
        a_ticket().call("4", NOW).send_to_desk("4")  # at that counter already


def test_a_ticket_sent_to_the_head_of_a_line_goes_before_priority_ones() -> None:
    head = a_ticket(issued_at=LATER).call("1", LATER).transfer("B", first_at=LATER)
    priority = a_ticket(id="t2", service="B", priority=True)
    assert head.order_key < priority.order_key
    second = a_ticket(id="t3").call("2", LATER).transfer("B", first_at=LATER + MINUTE)
    assert head.order_key < second.order_key  # the first sent there stays first
    assert head.to_json()["ahead_at"] == "2026-11-28T08:05:00.000Z"
    again = a_ticket().call("1", NOW).transfer("A", first_at=LATER)  # its own line's head
    assert again.line == "A" and again.ahead_at == LATER


def test_a_called_ticket_cannot_be_called_again_or_finished_as_waiting() -> None:
    called = a_ticket().call("1", NOW)
    with pytest.raises(IllegalTransition):
        called.call("2", NOW)
    with pytest.raises(IllegalTransition):
        called.finish(Status.WAITING, NOW)
    with pytest.raises(IllegalTransition):
        called.transfer("A")


def test_json_has_the_contract_fields() -> None:
    ticket = a_ticket(priority=True)
    data = ticket.to_json()
    assert data == {
        "ref": "20261128-A001",
        "number": "A001",
        "service": "A",
        "status": "waiting",
        "priority": True,
        "issued_at": "2026-11-28T08:00:00.000Z",
        "called_at": None,
        "counter": None,
        "recalls": 0,
        "lang": None,
    }
    assert ticket.holder_json() == {"id": "t1", **data}  # only its holder sees the id


def test_the_ref_is_the_day_and_number_and_reads_back() -> None:
    ticket = a_ticket(number="C012", day=date(2026, 1, 2))
    assert ticket.ref == make_ref(date(2026, 1, 2), "C012") == "20260102-C012"
    assert parse_ref(ticket.ref) == (date(2026, 1, 2), "C012")
    moved = ticket.call("1", NOW).transfer("B")
    assert moved.ref == ticket.ref  # stable for the ticket's life


@pytest.mark.parametrize("text", ["", "A012", "2026-A012", "20261340-A012", "x2026010-A", "t1"])
def test_text_that_is_no_ref_parses_to_none(text: str) -> None:
    assert parse_ref(text) is None
