"""When the database fails a command, or is gone: the client is answered 503
`store_unavailable`, nobody hears of what failed, and what comes after is whole (no seq
skipped, no number taken). Sockets opened meanwhile are told and closed with 1013."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.inprocess.running import Loket
from tests.inprocess.wsclient import Closed

REFUSE_B = """
CREATE TRIGGER refuse_b BEFORE INSERT ON events
WHEN NEW.data LIKE '%"service":"B"%'
BEGIN SELECT RAISE(ABORT, 'the disk says no'); END
"""


def digits(issued: dict[str, Any]) -> int:
    return int(re.sub(r"\D", "", issued["ticket"]["number"]))


async def test_a_command_the_database_fails_leaves_no_trace(loket: Loket) -> None:
    first = await loket.issue("B")
    async with loket.display() as ws:
        snapshot = await ws.receive()
        loket.sql(REFUSE_B)  # from now on the database fails every event of service B
        answer = await loket.http.post("/api/v1/sites/demo/tickets", json={"service": "B"})
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "store_unavailable"
        called = await loket.act("3")  # a call of B: its event fails as well
        assert called.status_code == 503
        # a command the database takes goes on from where the last one left off
        other = await loket.issue("A")
        event = await ws.event()
        assert (event["type"], event["seq"]) == ("ticket.issued", snapshot["seq"] + 1)
        assert event["data"]["waiting"] == {"A": 1, "B": 1, "C": 0}
        loket.sql("DROP TRIGGER refuse_b")
        second = await loket.issue("B")
        event = await ws.event()
        assert event["seq"] == snapshot["seq"] + 2
    assert digits(other) == 1
    # the number of the failed ticket was never taken, and the failed call called no one
    assert digits(second) == digits(first) + 1
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()
    assert state["data"]["now_serving"] == [] and state["data"]["waiting"]["B"] == 2
    looked_up = await loket.http.get(f"/api/v1/tickets/{first['ticket']['id']}")
    assert looked_up.json()["ticket"]["status"] == "waiting"


async def test_with_the_store_closed_every_door_answers_store_unavailable(
    loket: Loket,
) -> None:
    ticket = (await loket.issue())["ticket"]
    headers = await loket.auth()
    await loket.service.store.close()
    for answer in (
        await loket.http.get("/api/v1/sites/demo/state"),
        await loket.http.post("/api/v1/sites/demo/tickets", json={"service": "A"}),
        await loket.http.get(f"/api/v1/tickets/{ticket['id']}"),
        await loket.act("1", headers=headers),
    ):
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "store_unavailable"
    # a phone opening its ticket is told, then closed to come back later
    phone = loket.phone(ticket["id"])
    await phone.__aenter__()
    refused = await phone.receive()
    assert refused["type"] == "error" and refused["data"]["code"] == "store_unavailable"
    with pytest.raises(Closed) as closed:
        await phone.receive()
    assert closed.value.code == 1013
    await phone.disconnect()
