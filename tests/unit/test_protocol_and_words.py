import json
from datetime import UTC, datetime, timedelta, timezone

from server.announce.words import counter_words, ticket_words
from server.protocol import Event, error_message, iso_ms


def test_timestamps_are_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 28, 15, 15, 2, 123456, tzinfo=timezone(timedelta(hours=7)))
    assert iso_ms(moment) == "2026-11-28T08:15:02.123Z"


def test_the_event_envelope() -> None:
    event = Event("demo", 7, "ticket.issued", datetime(2026, 1, 1, tzinfo=UTC), {"x": 1})
    assert json.loads(event.wire("ep")) == {
        "v": 1,
        "type": "ticket.issued",
        "epoch": "ep",
        "seq": 7,
        "ts": "2026-01-01T00:00:00.000Z",
        "data": {"x": 1},
    }
    assert json.loads(event.wire("ep", replayed=True))["replayed"] is True


def test_control_messages_have_no_seq() -> None:
    message = json.loads(error_message("ep", datetime.now(UTC), "bad", "Bad."))
    assert message["seq"] is None and message["type"] == "error"
    assert message["data"] == {"code": "bad", "message": "Bad."}


def test_numbers_are_read_as_words() -> None:
    assert ticket_words("A015", "A", "id") == "A lima belas"
    assert ticket_words("A015", "A", "az") == "A on beş"
    assert ticket_words("A015", "A", "en") == "ay fifteen"  # not the article "a"
    assert counter_words("3", "id") == "tiga"
    assert counter_words("3", "en") == "three"
    assert counter_words("VIP", "en") == "VIP"
