"""Stored tickets and events read back across releases: by name, old arrays too, unknown
fields ignored, missing ones defaulted."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from loket.server.domain.events import (
    Called,
    Done,
    EventType,
    Issued,
    NoShow,
    Payload,
    Transferred,
    payload_from_json,
)
from loket.server.domain.speech import Announcement, Segment
from loket.server.domain.ticket import PublicTicket, Status, Ticket
from loket.server.protocol import Event
from loket.server.store.redis.records import new_record, record, ticket_from_record
from loket.server.store.rows import ticket_from_row, ticket_row
from tests.support.tickets import a_ticket

ISSUED_AT = datetime(2026, 12, 1, 1, 2, 3, 456000, tzinfo=UTC)  # the wire has ms
CALLED = a_ticket(
    id="x1",
    number="B007",
    service="B",
    status=Status.CALLED,
    priority=True,
    issued_at=ISSUED_AT,
    day=date(2026, 12, 1),
    serial=12,
    lang="az",
    called_at=datetime(2026, 12, 1, 1, 9, tzinfo=UTC),
    counter="3",
    recalls=1,
    called_by="siti",
)
# a record exactly as release bed7891 wrote it (records.py then: the row as a JSON array)
V1_RECORD = (
    '["x1","demo","B007","B","called",1,"2026-12-01T01:02:03.456000+00:00","2026-12-01",12,'
    '"az","2026-12-01T01:09:00+00:00","3",1,null]'
)


def _fields(ticket: Ticket, **changes: Any) -> Ticket:
    return replace(ticket, **changes)


def test_a_record_of_the_previous_release_reads() -> None:
    assert ticket_from_record(V1_RECORD) == _fields(CALLED, called_by=None)


def test_a_record_reads_back_by_name_and_ignores_what_it_does_not_know() -> None:
    text = record(CALLED)
    assert json.loads(text)["called_by"] == "siti"
    assert ticket_from_record(text) == CALLED
    newer = {**json.loads(text), "a_field_of_a_later_release": [1, 2]}
    assert ticket_from_record(json.dumps(newer)) == CALLED
    older = {k: v for k, v in json.loads(text).items() if k not in ("called_by", "finished_at")}
    assert ticket_from_record(json.dumps(older)) == _fields(CALLED, called_by=None)


def test_a_record_without_a_field_that_has_no_default_is_refused() -> None:
    values = json.loads(record(CALLED))
    del values["number"]
    with pytest.raises(ValueError, match="number"):
        ticket_from_record(json.dumps(values))


def test_a_new_record_has_holes_for_what_the_script_decides() -> None:
    values = json.loads(new_record(CALLED))
    assert values["number"] == "\x00number\x00" and values["serial"] == "\x00serial\x00"


def test_a_row_is_every_field_in_order() -> None:
    assert ticket_from_row(ticket_row(CALLED)) == CALLED


PUBLIC = PublicTicket.of(CALLED)
ANNOUNCED = Announcement(1_700_000_000_000, (Segment("id", "Nomor", "/audio/x.wav"),), "/c.wav")


@pytest.mark.parametrize(
    "payload",
    [
        Issued(PublicTicket.of(_fields(CALLED, status=Status.WAITING)), {"A": 0, "B": 2}),
        Called(PUBLIC, "3", 1, ANNOUNCED, {"A": 0, "B": 1}),
        Called(PUBLIC, "3", 0, None, {"A": 0}),
        Done(PUBLIC, "3", {"B": 1}),
        NoShow(PUBLIC, "3", {"B": 1}),
        Transferred(PUBLIC, "3", {"B": 1}),
    ],
)
def test_every_event_reads_back_as_it_was_written(payload: Payload) -> None:
    stored = json.loads(json.dumps(payload.to_json()))
    assert "id" not in stored["ticket"]  # the holder's secret is never in an event
    assert payload_from_json(payload.type, stored, _no_day) == payload
    stored["added_later"] = True
    stored["ticket"]["colour"] = "K7Q"
    assert payload_from_json(payload.type, stored, _no_day) == payload


def _no_day(moment: datetime) -> date:
    raise AssertionError("an event with a ref needs no day to read")


def _day_in_jakarta(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo("Asia/Jakarta")).date()


def test_an_event_kept_before_refs_reads_with_a_ref_and_is_sent_without_the_id() -> None:
    """A release before CONTRACT 6.1 kept the holder's id in its events: read back, the
    ticket has its ref (its day at the site and its number) and the text sent has no id."""
    old = Called(PUBLIC, "3", 1, ANNOUNCED, {"A": 0}).to_json()
    old["ticket"] = {"id": "x1", **{k: v for k, v in old["ticket"].items() if k != "ref"}}
    text = json.dumps(old)
    event = Event.stored("demo", 7, ISSUED_AT, "ticket.called", text, "siti", _day_in_jakarta)
    assert event.payload == Called(PUBLIC, "3", 1, ANNOUNCED, {"A": 0})
    assert event.payload.ticket.ref == "20261201-B007"
    assert "x1" not in event.wire("e1") and '"ref":"20261201-B007"' in event.wire("e1")
    new = Event.stored("demo", 8, ISSUED_AT, "ticket.called", event.data_text, None, _no_day)
    assert new.text == event.data_text  # kept with a ref: sent as it is


def test_an_event_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError):
        payload_from_json("ticket.teleported", {"ticket": PUBLIC.to_json()}, _no_day)
    assert EventType("ticket.called") is EventType.CALLED
