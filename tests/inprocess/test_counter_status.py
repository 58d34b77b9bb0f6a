"""POST .../counters/{counter}/open|pause|close (CONTRACT 6.2) through the app: who may,
what it answers, what displays and the state see (never the user), bad bodies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.inprocess.running import ADMIN_PASSWORD, Loket

CLERK_PASSWORD = ADMIN_PASSWORD + "x"


async def as_user(
    loket: Loket, username: str, role: str, counters: list[str] | None
) -> dict[str, str]:
    await loket.service.add_user(username, CLERK_PASSWORD, role, counters)
    return {"Authorization": f"Bearer {await loket.login(username, CLERK_PASSWORD)}"}


def counters_of(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["counter"]: c for c in state["data"]["counters"]}


async def test_open_pause_close_answer_the_state_with_its_user(loket: Loket) -> None:
    clerk = await as_user(loket, "siti", "staff", ["demo/1"])
    opened = await loket.act("1", "open", headers=clerk, json={"services": ["C", "A"]})
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["seq"] == 1
    assert {k: body["counter"][k] for k in ("counter", "status", "services", "user")} == {
        "counter": "1",
        "status": "open",
        "services": ["C", "A"],
        "user": "siti",
    }
    paused = await loket.act("1", "pause", headers=clerk, json={"reason": "Prayer"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["counter"]["status"] == "paused"
    assert paused.json()["counter"]["reason"] == "Prayer" and paused.json()["seq"] == 2
    queue = await loket.http.get("/api/v1/sites/demo/counters/1/queue", headers=clerk)
    assert (
        queue.json()["counter"]["status"] == "paused" and queue.json()["counter"]["user"] == "siti"
    )
    closed = await loket.act("1", "close", headers=clerk)  # no body at all
    assert closed.status_code == 200 and closed.json()["counter"]["status"] == "closed"
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()
    assert counters_of(state)["1"]["status"] == "closed" and state["seq"] == 3
    assert "siti" not in str(state) and "Prayer" not in str(state)


async def test_who_may_set_a_counters_status(loket: Loket) -> None:
    other = await as_user(loket, "ani", "staff", ["demo/3"])
    refused = await loket.act("1", "open", headers=other)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
    boss = await as_user(loket, "boss", "supervisor", None)
    for action in ("open", "pause", "close"):
        answer = await loket.act("1", action, headers=boss)
        assert answer.status_code == 200, (action, answer.text)
    assert (await loket.act("1", "open")).status_code == 200  # an admin
    loket.http.cookies.clear()
    anonymous = await loket.http.post("/api/v1/sites/demo/counters/1/open")
    assert anonymous.status_code == 401


async def test_close_with_a_current_ticket_is_a_conflict(loket: Loket) -> None:
    await loket.issue("A")
    await loket.call("1")
    refused = await loket.act("1", "close")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "current_ticket")
    await loket.act("1", "done")
    assert (await loket.act("1", "close")).status_code == 200


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("open", {"services": ["Z"]}, "invalid_services"),
        ("open", {"services": []}, "invalid_services"),
        ("open", {"services": "A"}, "invalid_field"),
        ("open", {"services": [1]}, "invalid_field"),
        ("open", {"services": ["A"] * 101}, "invalid_field"),
        ("pause", {"reason": "x" * 201}, "invalid_field"),
        ("pause", {"reason": 7}, "invalid_field"),
        ("pause", ["Break"], "invalid_body"),
    ],
)
async def test_bad_bodies_are_422_with_a_code(
    loket: Loket, action: str, body: Any, code: str
) -> None:
    answer = await loket.act("1", action, json=body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, code), answer.text
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()
    assert state["seq"] == 0 and counters_of(state)["1"]["status"] == "closed"  # unchanged


async def test_bad_json_is_400(loket: Loket) -> None:
    headers = {**await loket.auth(), "Content-Type": "application/json"}
    answer = await loket.http.post(
        "/api/v1/sites/demo/counters/1/pause", content=b"{nope", headers=headers
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_json")


async def test_call_next_at_a_paused_counter_opens_it_and_displays_see_both(
    loket: Loket,
) -> None:
    await loket.issue("A")
    await loket.issue("C")
    await loket.act("6", "open", json={"services": ["C"]})
    await loket.act("6", "pause", json={"reason": "Meeting"})
    async with loket.display() as tv:
        snapshot = await tv.receive()
        assert counters_of(snapshot)["6"]["status"] == "paused"
        assert all("user" not in c and "reason" not in c for c in snapshot["data"]["counters"])
        called = await loket.call("6")
        assert called["ticket"]["number"] == "C001"  # today's service, not A001
        assert called["counter"]["status"] == "open" and called["counter"]["services"] == ["C"]
        opened, call = await tv.until(snapshot["seq"] + 2)
    assert (opened["type"], call["type"]) == ("counter.opened", "ticket.called")
    assert call["seq"] == opened["seq"] + 1 == called["seq"]
    assert opened["data"]["counter"]["status"] == "open"
    assert "user" not in opened["data"]["counter"] and "admin" not in str(opened)
