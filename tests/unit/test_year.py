"""bench/_year.py, the generated year of a large hall, on three open days (a Friday, a
Saturday, a closed Sunday and a Monday): what a report would trust of it, and that Loket's
own SQLite store opens what it wrote."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from loket.server.store.sqlite import SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import _year  # noqa: E402

START = date(2025, 12, 5)  # a Friday
ZONE = ZoneInfo("Asia/Jakarta")
FINAL = {"done", "no_show", "held"}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("year")
    db, lines = folder / "year.db", folder / "year.jsonl"
    _year.main(
        ["--days", "4", "--seed", "3", "--start", START.isoformat()]
        + ["--sqlite", str(db), "--jsonl", str(lines)]
    )
    events = [json.loads(line) for line in lines.read_text(encoding="utf-8").splitlines()]
    return db, events


def local(ts: str) -> datetime:
    return datetime.fromisoformat(ts).astimezone(ZONE)


def test_the_same_seed_makes_the_same_year() -> None:
    site = _year.load_site()
    first = [out.events for out in _year.generate(site, START, 1, seed=5)]
    again = [out.events for out in _year.generate(site, START, 1, seed=5)]
    other = [out.events for out in _year.generate(site, START, 1, seed=6)]
    assert first == again
    assert first != other


def test_a_busy_hall_on_open_days_only(year: tuple[Path, list[dict[str, Any]]]) -> None:
    _, events = year
    issued: dict[date, int] = defaultdict(int)
    for event in events:
        if event["type"] == "ticket.issued":
            issued[local(event["ts"]).date()] += 1
    friday, saturday, monday = START, START + timedelta(days=1), START + timedelta(days=3)
    assert sorted(issued) == [friday, saturday, monday]  # Sunday closed
    assert 3_000 < issued[friday] < 4_500 and 3_500 < issued[monday] < 5_500
    assert 1_200 < issued[saturday] < 2_600
    kinds = {event["type"] for event in events}
    assert kinds == {f"ticket.{k}" for k in ("issued", "called", "done", "no_show")} | {
        "ticket.transferred",
        "ticket.held",
        "counter.opened",  # a desk's first call of the day opens it (CONTRACT 6.2)
    }
    calls = [e["data"] for e in events if e["type"] == "ticket.called"]
    assert any(call["recall"] for call in calls)
    assert {call.get("from") for call in calls} >= {None, "held", "no_show"}
    transfers = [e["data"]["ticket"] for e in events if e["type"] == "ticket.transferred"]
    assert any("for_counter" in t for t in transfers) and any("ahead_at" in t for t in transfers)
    tickets = [e["data"]["ticket"] for e in events if e["type"] == "ticket.issued"]
    assert 0.02 < sum(t["priority"] for t in tickets) / len(tickets) < 0.08
    targets = {service.id: service.target_wait_s for service in _year.load_site().services}
    first_calls = [c["ticket"] for c in calls if not c["recall"] and "from" not in c]
    over = [
        t
        for t in first_calls
        if local(t["called_at"]) - local(t["issued_at"])
        > timedelta(seconds=targets[t["service"]] or 0)
    ]
    assert 0.01 < len(over) / len(first_calls) < 0.3  # sometimes over the target, not mostly
    actors = {e["actor"] for e in events if e["type"] != "ticket.issued"}
    assert None not in actors and len(actors) > 40  # clerks by name; visitors have none
    assert all(e["actor"] is None for e in events if e["type"] == "ticket.issued")


def test_seqs_are_consecutive_and_both_writers_agree(
    year: tuple[Path, list[dict[str, Any]]],
) -> None:
    db, events = year
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    moments = [datetime.fromisoformat(e["ts"]) for e in events]
    assert moments == sorted(moments)  # seq follows time, as in a running store
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT seq, type, ts, data, actor FROM events ORDER BY seq").fetchall()
    assert [(e["seq"], e["type"], e["ts"], e["data"], e["actor"]) for e in events] == [
        (seq, kind, ts, json.loads(data), actor) for seq, kind, ts, data, actor in rows
    ]
    assert conn.execute("SELECT seq FROM sites").fetchone() == (len(events),)


def test_every_ticket_ends_once_on_its_day(year: tuple[Path, list[dict[str, Any]]]) -> None:
    db, events = year
    life: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if "ticket" in event["data"]:  # not a counter's status
            life[event["data"]["ticket"]["ref"]].append(event)
    for ref, moves in life.items():
        assert moves[0]["type"] == "ticket.issued", ref
        days = {local(m["ts"]).date() for m in moves}
        assert days == {date.fromisoformat(f"{ref[:4]}-{ref[4:6]}-{ref[6:8]}")}, ref
        last = moves[-1]["data"]["ticket"]["status"]
        assert last in FINAL, ref
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM tickets GROUP BY status"))
    assert set(statuses) == FINAL and sum(statuses.values()) == len(life)
    (open_held,) = conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE status = 'held' AND finished_at IS NULL"
    ).fetchone()
    assert open_held == 0
    (unfinished,) = conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE finished_at IS NULL"
    ).fetchone()
    assert unfinished == 0
    # each ticket's row is its last event's ticket
    rows = dict(conn.execute("SELECT day || number, status FROM tickets"))
    for ref, moves in life.items():
        key = f"{ref[:4]}-{ref[4:6]}-{ref[6:8]}{moves[0]['data']['ticket']['number']}"
        assert rows[key] == moves[-1]["data"]["ticket"]["status"]


def test_numbers_restart_each_local_day(year: tuple[Path, list[dict[str, Any]]]) -> None:
    _, events = year
    numbers: dict[tuple[date, str], list[str]] = defaultdict(list)
    for event in events:
        if event["type"] == "ticket.issued":
            ticket = event["data"]["ticket"]
            numbers[(local(event["ts"]).date(), ticket["service"])].append(ticket["number"])
    for (_, service), issued in numbers.items():
        assert issued == [f"{service}{n:03d}" for n in range(1, len(issued) + 1)]


def test_calls_only_while_the_hall_is_open(year: tuple[Path, list[dict[str, Any]]]) -> None:
    _, events = year
    for event in events:
        if event["type"] != "ticket.issued" and event["type"].startswith("ticket."):
            moment = local(event["ts"])
            closes = "13:00" if moment.weekday() == 5 else "16:30"
            assert moment.weekday() != 6
            assert "08:00" <= f"{moment:%H:%M}" < closes, event


async def test_loket_opens_the_file_with_nothing_left_waiting(
    year: tuple[Path, list[dict[str, Any]]],
) -> None:
    db, events = year
    store = SqliteStore(str(db))
    await store.open((_year.load_site(),), lambda event: None)
    try:
        snapshot = await store.snapshot("jaksel")
        after = await store.events_after("jaksel", len(events) - 5)
    finally:
        await store.close()
    assert snapshot.seq == len(events)
    assert set(snapshot.data["waiting"].values()) == {0}
    assert snapshot.data["now_serving"] == [] and snapshot.data["held"] == {}
    assert [e.seq for e in after or []] == list(range(len(events) - 4, len(events) + 1))
