"""CONTRACT 6.5 through the API: the counter's line, calling a ticket by name, holding it,
and transferring to a line's head or to one counter — and every refusal a clear 4xx."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from loket.server.config import parse_sites
from tests.inprocess.running import ADMIN_PASSWORD, Loket, running_loket


async def queue(loket: Loket, counter: str) -> dict[str, Any]:
    answer = await loket.http.get(
        f"/api/v1/sites/demo/counters/{counter}/queue", headers=await loket.auth()
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def numbers(tickets: list[dict[str, Any]]) -> list[str]:
    return [ticket["number"] for ticket in tickets]


async def test_the_line_is_in_the_counter_s_call_order(loket: Loket) -> None:
    for service, priority in [("A", False), ("B", False), ("A", True), ("C", False)]:
        await loket.issue(service, priority=priority)
    line = await queue(loket, "6")  # serves A, B and C
    assert numbers(line["waiting"]) == ["A002", "A001", "B001", "C001"]  # priority first
    assert line["waiting"][0]["priority"] is True
    assert all(ticket["waited_s"] >= 0 and "id" not in ticket for ticket in line["waiting"])
    assert line["current"] is None and line["held"] == []
    assert numbers((await queue(loket, "3"))["waiting"]) == ["B001"]  # B only

    await loket.call("3")  # B001 at counter 3, sent to counter 5's own line
    sent = await loket.act("3", "transfer", json={"counter": "5"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["ticket"]["for_counter"] == "5"
    assert numbers((await queue(loket, "5"))["waiting"]) == ["B001", "C001"]  # desk first
    assert (await loket.call("5"))["ticket"]["number"] == "B001"
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()
    assert state["data"]["waiting"] == {"A": 2, "B": 0, "C": 1}


async def test_a_ticket_is_called_by_number_or_ref_anywhere_in_the_line(loket: Loket) -> None:
    issued = [await loket.issue("A") for _ in range(3)]
    called = await loket.act("1", "call", json={"ticket": "A003"})
    assert called.status_code == 200, called.text
    assert (called.json()["ticket"]["number"], called.json()["ticket"]["counter"]) == ("A003", "1")
    by_ref = await loket.act("2", "call", json={"ticket": issued[1]["ticket"]["ref"]})
    assert by_ref.json()["ticket"]["number"] == "A002"
    # calling the next closes the current one as done, like call-next
    again = await loket.act("1", "call", json={"ticket": " A001 "})
    assert again.json()["ticket"]["number"] == "A001"
    first = await loket.http.get(f"/api/v1/tickets/{issued[2]['ticket']['id']}")
    assert first.json()["ticket"]["status"] == "done"


async def test_hold_then_call_back_and_a_late_no_show(loket: Loket) -> None:
    await loket.issue("A")
    await loket.issue("A")
    await loket.call("1")
    held = await loket.act("1", "hold")
    assert held.status_code == 200 and held.json()["ticket"]["status"] == "held"
    line = await queue(loket, "1")
    assert numbers(line["held"]) == ["A001"] and line["current"] is None
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()["data"]
    assert state["held"] == {"1": 1}
    assert (await loket.call("2"))["ticket"]["number"] == "A002"  # nobody else calls it
    other = await loket.act("2", "call", json={"ticket": "A001"})
    assert (other.status_code, other.json()["error"]["code"]) == (409, "not_callable")
    back = await loket.act("1", "call", json={"ticket": "A001"})
    assert back.json()["ticket"]["status"] == "called"
    await loket.act("2", "no-show")  # A002 did not come; comes back later the same day
    late = await loket.act("2", "call", json={"ticket": "A002"})
    assert (late.status_code, late.json()["ticket"]["status"]) == (200, "called")


async def test_a_transfer_to_the_head_of_a_line(loket: Loket) -> None:
    await loket.issue("A")
    await loket.issue("B", priority=True)
    await loket.issue("B")
    await loket.call("1")  # A001
    moved = await loket.act("1", "transfer", json={"service": "B", "first": True})
    assert moved.status_code == 200 and "ahead_at" in moved.json()["ticket"]
    assert numbers((await queue(loket, "3"))["waiting"]) == ["A001", "B001", "B002"]
    assert (await loket.call("3"))["ticket"]["number"] == "A001"


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("A999", 409, "not_callable"),  # no such ticket today
        ("20200101-A001", 409, "not_callable"),  # another day's
        ("", 422, "invalid_field"),
        ("A" * 41, 422, "invalid_field"),
    ],
)
async def test_what_cannot_be_called(loket: Loket, name: str, status: int, code: str) -> None:
    await loket.issue("A")
    answer = await loket.act("1", "call", json={"ticket": name})
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code)


async def test_done_tickets_and_current_ones_cannot_be_called(loket: Loket) -> None:
    await loket.issue("A")
    await loket.issue("A")
    await loket.call("1")
    await loket.act("1", "done")
    await loket.call("2")
    for name in ("A001", "A002"):  # done; at counter 2 now
        answer = await loket.act("1", "call", json={"ticket": name})
        assert answer.json()["error"]["code"] == "not_callable"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "missing_field"),
        ({"service": "B", "counter": "3"}, 422, "invalid_body"),
        ({"counter": "3", "first": True}, 422, "invalid_field"),
        ({"service": "B", "first": "yes"}, 422, "invalid_field"),
        ({"counter": 3}, 422, "invalid_field"),
        ({"counter": "99"}, 404, "unknown_counter"),
        ({"service": "Z"}, 404, "unknown_service"),
        ({"counter": "1"}, 409, "illegal_transition"),  # at counter 1 already
    ],
)
async def test_bad_transfers(loket: Loket, body: dict[str, Any], status: int, code: str) -> None:
    await loket.issue("A")
    await loket.call("1")
    answer = await loket.act("1", "transfer", json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    assert (await queue(loket, "1"))["current"]["number"] == "A001"  # nothing changed


async def test_hold_without_a_current_ticket_and_staff_of_other_counters(loket: Loket) -> None:
    answer = await loket.act("1", "hold")
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "no_current_ticket")
    await loket.service.add_user("clerk", ADMIN_PASSWORD + "x", "staff", ["demo/3"])
    token = await loket.login("clerk", ADMIN_PASSWORD + "x")
    other = await loket.http.get(
        "/api/v1/sites/demo/counters/1/queue", headers={"Authorization": f"Bearer {token}"}
    )
    assert other.status_code == 403
    loket.http.cookies.clear()  # no session at all
    assert (await loket.http.get("/api/v1/sites/demo/counters/1/queue")).status_code == 401


async def test_two_clerks_calling_the_same_ticket_at_once(loket: Loket) -> None:
    for _ in range(3):
        await loket.issue("A")
    await loket.auth()  # logged in before the race
    answers = await asyncio.gather(
        *(loket.act(counter, "call", json={"ticket": "A002"}) for counter in ("1", "2", "6"))
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 409, 409]
    winner = next(a for a in answers if a.status_code == 200).json()["ticket"]["counter"]
    serving = (await loket.http.get("/api/v1/sites/demo/state")).json()["data"]["now_serving"]
    assert [(s["counter"], s["ticket"]["number"]) for s in serving] == [(winner, "A002")]


async def test_a_site_that_announces_transfers_says_where_to_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = resources.files("loket.server").joinpath("demo.toml").read_text(encoding="utf-8")
    toml = demo.replace(
        'timezone = "Asia/Jakarta"', 'timezone = "Asia/Jakarta"\nannounce_transfers = true', 1
    )
    sites = parse_sites(toml, "demo with announced transfers")
    async with running_loket(tmp_path, monkeypatch, sites=sites) as loket:
        async with loket.display() as tv:
            seq = (await tv.receive())["seq"]
            await loket.issue("A")
            await loket.call("1")
            await loket.act("1", "transfer", json={"counter": "5"})
            await loket.call("5")
            await loket.act("5", "transfer", json={"service": "B"})
            # with counters 1 and 5 opened by their calls (CONTRACT 6.2)
            moves = [e for e in await tv.until(seq + 7) if e["type"] == "ticket.transferred"]
        to_desk, to_line = moves
        said = [s["text"] for s in to_desk["data"]["announcement"]["segments"]]
        assert said[0] == "Nomor antrian A satu, silakan menuju loket lima"
        waiting = [s["text"] for s in to_line["data"]["announcement"]["segments"]]
        assert waiting[1] == "Number ay one, please wait for Passport"  # service B
        audio = await loket.http.get(to_line["data"]["announcement"]["segments"][0]["url"])
        assert audio.status_code == 200


async def test_transfers_are_not_announced_unless_the_site_says_so(loket: Loket) -> None:
    await loket.issue("A")
    await loket.call("1")
    async with loket.display() as tv:
        seq = (await tv.receive())["seq"]
        await loket.act("1", "transfer", json={"counter": "5"})
        (moved,) = await tv.until(seq + 1)
    assert moved["type"] == "ticket.transferred" and "announcement" not in moved["data"]
