import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from loket.server.announce.words import counter_words, ticket_words
from loket.server.domain.events import Issued
from loket.server.domain.ticket import PublicTicket, Status
from loket.server.protocol import Event, dumps, encoded, envelope, error_message, iso_ms, replayed

NOON = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_timestamps_are_utc_with_milliseconds() -> None:
    moment = datetime(2026, 11, 28, 15, 15, 2, 123456, tzinfo=timezone(timedelta(hours=7)))
    assert iso_ms(moment) == "2026-11-28T08:15:02.123Z"


def test_the_event_envelope_carries_the_payload_and_never_the_actor() -> None:
    ticket = PublicTicket("t1", "A001", "A", Status.WAITING, False, NOON, None, None, 0, "id")
    event = Event("demo", 7, NOON, Issued(ticket, {"A": 1}), actor="siti")
    wire = event.wire("ep")
    assert json.loads(wire) == {
        "v": 1,
        "type": "ticket.issued",
        "epoch": "ep",
        "seq": 7,
        "ts": "2026-01-01T12:00:00.000Z",
        "data": {"ticket": ticket.to_json(), "waiting": {"A": 1}},
    }
    assert "siti" not in wire
    assert json.loads(replayed(wire))["replayed"] is True


@given(
    st.sampled_from(["snapshot", "ticket.called", "pong"]),
    st.text(max_size=20),
    st.none() | st.integers(min_value=0, max_value=2**53),
    st.datetimes(timezones=st.just(UTC)),
    st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=4),
)
def test_the_fast_encoder_writes_what_dumps_writes(
    kind: str, epoch: str, seq: int | None, ts: datetime, data: dict[str, object]
) -> None:
    assert encoded(kind, epoch, seq, ts, dumps(data)) == dumps(envelope(kind, epoch, seq, ts, data))


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
