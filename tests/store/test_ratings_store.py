"""Satisfaction ratings kept with their tickets on both stores (CONTRACT 6.4): once per
ticket even from two processes at once, only after the ticket is done, within 24 h (5
minutes and the counter's last ticket at the desk), and kept across restarts."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loket.server.domain import NotFound, Status
from loket.server.domain.errors import DomainError
from loket.server.domain.rating import Rater, Rating
from loket.server.store import Stamp, Store, open_store
from loket.server.store.schema import MIGRATIONS
from tests.store.test_store_contract import ANNOUNCE, SITES, Opened
from tests.store.test_store_contract import opened as opened  # noqa: F401  (fixture)
from tests.store.test_store_contract import store_url as store_url  # noqa: F401  (fixture)

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)  # 15:00 in Jakarta, the demo site's day


async def serve(store: Store, counter: str, done_at: datetime) -> str:
    """A ticket issued, called at `counter` and done there at `done_at`: its ref."""
    issued = await store.issue("demo", "A", Stamp(done_at - timedelta(seconds=30)))
    await store.call_next(
        "demo", counter, Stamp(done_at - timedelta(seconds=20), "clerk"), ANNOUNCE
    )
    await store.finish("demo", counter, Status.DONE, Stamp(done_at, "clerk"))
    return str(issued.ticket["ref"])


def by_holder(ref: str, at: datetime, score: int = 4) -> Rating:
    return Rating(ref, score, at, Rater.HOLDER, comment="Cepat", answers={"U1": 4, "U5": 3})


def at_desk(ref: str, at: datetime, counter: str = "2") -> Rating:
    return Rating(ref, 3, at, Rater.DESK, counter=counter)


async def rate(store: Store, rating: Rating) -> Rating | str:
    """The rating kept, or the refusal's code."""
    try:
        return await store.rate("demo", rating)
    except DomainError as refusal:
        return str(refusal.code)


async def refused(store: Store, rating: Rating) -> str:
    with pytest.raises(DomainError) as refusal:
        await store.rate("demo", rating)
    return str(refusal.value.code)


async def test_a_ticket_is_rated_once_and_the_rating_survives_a_restart(opened: Opened) -> None:
    store = opened.store
    ref = await serve(store, "2", T0)
    assert await store.rating("demo", ref) is None
    rating = by_holder(ref, T0 + timedelta(minutes=3))
    assert await store.rate("demo", rating) == rating
    assert await refused(store, by_holder(ref, T0 + timedelta(minutes=4), score=1)) == (
        "already_rated"
    )
    assert await refused(store, at_desk(ref, T0 + timedelta(minutes=4))) == "already_rated"
    store = await opened.reopen()
    assert await store.rating("demo", ref) == rating
    assert await refused(store, by_holder(ref, T0 + timedelta(hours=1))) == "already_rated"


async def test_only_a_ticket_done_is_rated(opened: Opened) -> None:
    store = opened.store
    waiting = await store.issue("demo", "A", Stamp(T0))
    ref = str(waiting.ticket["ref"])
    assert await refused(store, by_holder(ref, T0 + timedelta(minutes=1))) == "not_served"
    await store.call_next("demo", "2", Stamp(T0 + timedelta(minutes=2), "clerk"), ANNOUNCE)
    assert await refused(store, by_holder(ref, T0 + timedelta(minutes=3))) == "not_served"
    await store.finish("demo", "2", Status.NO_SHOW, Stamp(T0 + timedelta(minutes=4), "clerk"))
    assert await refused(store, by_holder(ref, T0 + timedelta(minutes=5))) == "not_served"
    assert await store.rating("demo", ref) is None
    with pytest.raises(NotFound):
        await store.rate("demo", by_holder("20261206-A999", T0))
    with pytest.raises(NotFound):
        await store.rate("demo", by_holder("not-a-ref", T0))


async def test_the_holder_rates_up_to_24_hours_after_it_was_done(opened: Opened) -> None:
    store = opened.store
    late = await serve(store, "2", T0)
    on_time = await serve(store, "2", T0 + timedelta(minutes=1))
    closed = by_holder(late, T0 + timedelta(hours=24, seconds=1))
    assert await refused(store, closed) == "rating_closed"
    assert await store.rating("demo", late) is None
    last_moment = by_holder(on_time, T0 + timedelta(minutes=1, hours=24))
    assert await store.rate("demo", last_moment) == last_moment


async def test_the_desk_rates_the_ticket_its_counter_served_last_within_5_minutes(
    opened: Opened,
) -> None:
    store = opened.store
    first = await serve(store, "2", T0)
    second = await serve(store, "2", T0 + timedelta(minutes=1))
    elsewhere = await serve(store, "1", T0 + timedelta(minutes=2))  # served since, elsewhere
    at = T0 + timedelta(minutes=3)
    assert await refused(store, at_desk(first, at)) == "not_last_served"
    assert await refused(store, at_desk(second, at, counter="1")) == "not_last_served"
    assert await refused(store, at_desk(second, T0 + timedelta(minutes=6, seconds=1))) == (
        "rating_closed"
    )
    assert await store.rate("demo", at_desk(second, T0 + timedelta(minutes=6))) is not None
    assert await store.rate("demo", at_desk(elsewhere, at, counter="1")) is not None
    # the holder of the first ticket still may, from the phone
    assert await store.rate("demo", by_holder(first, at)) is not None


async def test_call_next_closing_a_ticket_makes_it_the_one_the_desk_rates(
    opened: Opened,
) -> None:
    store = opened.store
    issued = [await store.issue("demo", "A", Stamp(T0)) for _ in range(2)]
    await store.call_next("demo", "2", Stamp(T0 + timedelta(minutes=1), "clerk"), ANNOUNCE)
    # the next call closes A001 as done and calls A002
    await store.call_next("demo", "2", Stamp(T0 + timedelta(minutes=2), "clerk"), ANNOUNCE)
    first, second = (str(result.ticket["ref"]) for result in issued)
    at = T0 + timedelta(minutes=3)
    assert await refused(store, at_desk(second, at)) == "not_served"
    rating = at_desk(first, at)
    assert await store.rate("demo", rating) == rating


async def test_two_processes_rating_one_ticket_at_once_keep_one_rating(redis_url: str) -> None:
    stores = [open_store(redis_url) for _ in range(2)]
    for store in stores:
        await store.open(SITES, lambda event: None)
    try:
        for round_ in range(5):
            done_at = T0 + timedelta(minutes=round_)
            ref = await serve(stores[0], "2", done_at)
            at = done_at + timedelta(minutes=1)
            outcomes = await asyncio.gather(
                *(
                    rate(store, by_holder(ref, at, score))
                    for store, score in zip(stores, (1, 4), strict=True)
                )
            )
            assert sorted(map(str, outcomes)).count("already_rated") == 1, outcomes
            kept = next(outcome for outcome in outcomes if isinstance(outcome, Rating))
            assert await stores[1].rating("demo", ref) == kept
    finally:
        for store in stores:
            await store.close()


async def test_two_raters_at_once_in_one_process_keep_one_rating(opened: Opened) -> None:
    store = opened.store
    ref = await serve(store, "2", T0)
    ratings = [by_holder(ref, T0 + timedelta(minutes=1), 2), at_desk(ref, T0)]
    outcomes = await asyncio.gather(
        *(store.rate("demo", rating) for rating in ratings), return_exceptions=True
    )
    codes = [getattr(outcome, "code", "kept") for outcome in outcomes]
    assert sorted(codes) == ["already_rated", "kept"], outcomes


async def test_the_desk_finds_its_last_ticket_behind_pages_of_history(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loket.server.store.redis.store.PAGE", 2)  # the stream read 2 by 2
    store = open_store(redis_url)
    await store.open(SITES, lambda event: None)
    try:
        earlier = await serve(store, "2", T0)
        ref = await serve(store, "2", T0 + timedelta(minutes=1))
        for second in range(7):  # newer events, none of them a "done" at counter 2
            await store.issue("demo", "B", Stamp(T0 + timedelta(minutes=1, seconds=second)))
        at = T0 + timedelta(minutes=2)
        assert await refused(store, at_desk(earlier, at)) == "not_last_served"
        assert await store.rate("demo", at_desk(ref, at)) is not None
    finally:
        await store.close()


async def test_a_ticket_served_before_an_upgrade_is_rated_after_it(tmp_path: Path) -> None:
    """A file of the release before ratings (schema 10) gets the table as it opens; the
    ticket it served is rated."""
    path = tmp_path / "loket.db"
    box = Opened(f"sqlite:///{path}")
    store = await box.reopen()
    ref = await serve(store, "2", T0)
    await store.close()
    with closing(sqlite3.connect(path)) as conn:  # as the previous release left it
        conn.execute("DROP TABLE ratings")  # migration 11
        conn.execute("ALTER TABLE kiosks DROP COLUMN counter")  # migration 12
        conn.execute("PRAGMA user_version = 10")
        conn.commit()
    store = await box.reopen()
    try:
        rating = by_holder(ref, T0 + timedelta(hours=1))
        assert await store.rate("demo", rating) == rating
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT site, ref, score FROM ratings").fetchall() == [("demo", ref, 4)]
