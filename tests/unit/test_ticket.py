from datetime import date

import pytest

from loket.server.domain import IllegalTransition, Status
from loket.server.domain.ticket import make_ref, parse_ref
from tests.support.tickets import ISSUED, a_ticket

NOW = ISSUED


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
    for move in (lambda: closed.call("1", NOW), closed.recall, lambda: closed.transfer("B")):
        with pytest.raises(IllegalTransition):
            move()


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
