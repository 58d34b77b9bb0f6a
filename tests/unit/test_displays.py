from datetime import UTC, datetime, timedelta

import pytest

from loket.server.displays import (
    FORGET_AFTER,
    MAX_PER_ADDRESS,
    MAX_PER_SITE,
    DisplayRegistry,
    parse_hello,
)

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


def hello(seq: int | None, **display: object) -> dict:
    return {
        "type": "hello",
        "display": {"id": "tv-1", "page": "display", **display},
        "epoch": "ep",
        "seq": seq,
        "audio": "running",
    }


def test_a_display_that_keeps_up_is_fresh() -> None:
    registry = DisplayRegistry()
    registry.report("demo", *parse_hello(hello(5, zone="hall-a")), site_seq=5, now=T0)
    registry.report("demo", *parse_hello(hello(9)), site_seq=12, now=T0 + timedelta(seconds=20))
    (tv,) = registry.list("demo", T0 + timedelta(seconds=21), "ep")
    assert (tv["id"], tv["seq"], tv["audio"], tv["connected"]) == ("tv-1", 9, "running", True)
    assert tv["stale"] is False  # 9 ≥ 5, what the site had at the previous report


def test_a_rating_tablet_says_which_counter_it_stands_at() -> None:
    registry = DisplayRegistry()
    tablet = hello(4, id="tablet-1", page="rate", counter="3")
    registry.report("demo", *parse_hello(tablet), site_seq=4, now=T0)
    registry.report("demo", *parse_hello(hello(4)), site_seq=4, now=T0)
    listed = registry.list("demo", T0, "ep")
    assert [(d["id"], d["page"], d["counter"]) for d in listed] == [
        ("tablet-1", "rate", "3"),
        ("tv-1", "display", None),  # a hall TV stands at no counter
    ]


def test_a_display_that_does_not_catch_up_is_stale() -> None:
    registry = DisplayRegistry()
    registry.report("demo", *parse_hello(hello(3)), site_seq=8, now=T0)
    registry.report("demo", *parse_hello(hello(3)), site_seq=9, now=T0 + timedelta(seconds=20))
    (tv,) = registry.list("demo", T0 + timedelta(seconds=20), "ep")
    assert tv["lagging"] is True and tv["stale"] is True


def test_quiet_disconnected_or_other_epoch_is_stale() -> None:
    registry = DisplayRegistry()
    registry.report("demo", *parse_hello(hello(1)), site_seq=1, now=T0)
    assert registry.list("demo", T0 + timedelta(seconds=46), "ep")[0]["stale"] is True
    assert registry.list("demo", T0, "another-epoch")[0]["stale"] is True
    registry.seen("demo", "tv-1", T0 + timedelta(seconds=40))
    assert registry.list("demo", T0 + timedelta(seconds=46), "ep")[0]["stale"] is False
    registry.disconnected("demo", "tv-1", T0 + timedelta(seconds=47), connection=0)
    assert registry.list("demo", T0 + timedelta(seconds=47), "ep")[0]["stale"] is True


def test_the_registry_stays_bounded_and_keeps_the_screens_it_knows() -> None:
    registry = DisplayRegistry()
    silent = parse_hello({"display": {"id": "tv-silent"}, "seq": 0})
    assert registry.report("demo", *silent, site_seq=0, now=T0, address="10.0.0.9")
    registry.disconnected("demo", "tv-silent", T0)  # a TV gone quiet: the admin must see it
    taken = [
        registry.report(
            "demo",
            *parse_hello({"display": {"id": f"tv-{n}"}, "seq": 0}),
            site_seq=0,
            now=T0 + timedelta(seconds=n),
            address=f"10.1.{n // 200}.{n % 200}",
        )
        for n in range(MAX_PER_SITE + 10)
    ]
    listed = {d["id"] for d in registry.list("demo", T0, "ep")}
    assert len(listed) == MAX_PER_SITE and "tv-silent" in listed
    assert taken.count(False) == 11  # the newcomers, not the known screens
    later = T0 + FORGET_AFTER + timedelta(days=1)  # a week unseen: forgotten, room again
    assert registry.report("demo", *silent, site_seq=0, now=later)


def test_one_address_registers_at_most_its_share() -> None:
    registry = DisplayRegistry()
    taken = [
        registry.report(
            "demo",
            *parse_hello({"display": {"id": f"tv-{n}"}, "seq": 0}),
            site_seq=0,
            now=T0,
            address="192.168.1.7",
        )
        for n in range(MAX_PER_ADDRESS + 5)
    ]
    assert taken.count(True) == MAX_PER_ADDRESS
    other = parse_hello({"display": {"id": "tv-elsewhere"}, "seq": 0})
    assert registry.report("demo", *other, site_seq=0, now=T0, address="192.168.1.8")


@pytest.mark.parametrize(
    "message",
    [
        {"type": "hello"},
        {"display": "tv"},
        {"display": {}},
        {"display": {"id": ""}},
        {"display": {"id": "x" * 65}},
        {"display": {"id": "tv", "zone": 3}},
        {"display": {"id": "tablet", "page": "rate", "counter": 3}},
        {"display": {"id": "tablet", "page": "rate", "counter": "3" * 65}},
        {"display": {"id": "tv"}, "seq": -1},
        {"display": {"id": "tv"}, "seq": True},
        {"display": {"id": "tv"}, "audio": ["on"]},
    ],
)
def test_bad_hellos_are_refused_with_a_reason(message: dict) -> None:
    with pytest.raises(ValueError):
        parse_hello(message)


def test_an_older_socket_closing_does_not_mark_a_reconnected_display_gone() -> None:
    registry = DisplayRegistry()
    registry.report("demo", *parse_hello(hello(1)), site_seq=1, now=T0, connection=1)
    registry.report("demo", *parse_hello(hello(1)), site_seq=1, now=T0, connection=2)
    registry.disconnected("demo", "tv-1", T0, connection=1)  # the old socket, late
    assert registry.list("demo", T0, "ep")[0]["connected"] is True
    registry.disconnected("demo", "tv-1", T0, connection=2)
    assert registry.list("demo", T0, "ep")[0]["connected"] is False


def test_a_screen_unheard_of_for_a_week_is_not_listed_and_a_removed_one_is_gone() -> None:
    registry = DisplayRegistry()
    registry.report("demo", *parse_hello(hello(1)), site_seq=1, now=T0)
    registry.disconnected("demo", "tv-1", T0)
    assert [d.id for d in registry.known("demo", T0 + FORGET_AFTER)] == ["tv-1"]
    assert registry.known("demo", T0 + FORGET_AFTER + timedelta(seconds=1)) == ()
    assert registry.forget("demo", "tv-1") and not registry.forget("demo", "tv-1")
    assert registry.list("demo", T0, "ep") == []
