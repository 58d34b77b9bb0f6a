"""CONTRACT 6.1: a ticket's secret `id` reaches its holder only; everywhere else — the
display socket, `GET .../state`, the answers to staff, a resume — the ticket is named by
its public `ref`. (In v1 anyone watching a TV's socket could open every visitor's page.)"""

from __future__ import annotations

import json
from typing import Any

from tests.inprocess.running import Loket


def _refs_only(where: str, value: Any, secrets: set[str]) -> None:
    """Every ticket in `value` has a ref and no id, and no secret appears in its text."""
    text = json.dumps(value)
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"{where} carries a holder's id: {leaked}"
    if isinstance(value, dict):
        if "number" in value and "status" in value:  # a Ticket
            assert "id" not in value and value["ref"].endswith(value["number"]), where
        for item in value.values():
            _refs_only(where, item, secrets)
    elif isinstance(value, list):
        for item in value:
            _refs_only(where, item, secrets)


async def test_the_public_feeds_and_staff_never_see_a_holders_id(loket: Loket) -> None:
    async with loket.display() as tv:
        snapshot = await tv.receive()
        issued = [await loket.issue(service) for service in "AAB"]
        secrets = {answer["ticket"]["id"] for answer in issued}
        assert len(secrets) == 3
        staff = [
            await loket.call("1"),
            (await loket.act("1", "recall")).json(),
            (await loket.act("1", "transfer", json={"service": "B"})).json(),
            await loket.call("1"),
            (await loket.act("1", "no-show")).json(),
            await loket.call("3"),
            (await loket.act("3", "done")).json(),
        ]
        events = await tv.until(snapshot["seq"] + 3 + len(staff))
        _refs_only("the display socket", events, secrets)
        _refs_only("the staff answers", staff, secrets)
        _refs_only(
            "GET .../state", (await loket.http.get("/api/v1/sites/demo/state")).json(), secrets
        )
    async with loket.display() as again:
        epoch = (fresh := await again.receive())["epoch"]
        _refs_only("a snapshot", fresh, secrets)
        await again.send({"type": "resume", "epoch": epoch, "seq": snapshot["seq"]})
        _refs_only("a resume", await again.until(fresh["seq"]), secrets)


async def test_the_holder_sees_both_and_the_ref_names_the_ticket_everywhere(
    loket: Loket,
) -> None:
    mine = (await loket.issue("B"))["ticket"]
    assert mine["id"] and mine["ref"].endswith("-" + mine["number"])
    read = (await loket.http.get(f"/api/v1/tickets/{mine['id']}")).json()["ticket"]
    assert (read["id"], read["ref"]) == (mine["id"], mine["ref"])
    async with loket.phone(mine["id"]) as phone:
        shown = await phone.receive()
        assert (shown["data"]["ticket"]["id"], shown["data"]["ticket"]["ref"]) == (
            mine["id"],
            mine["ref"],
        )
        called = await loket.call("3")
        assert called["ticket"]["ref"] == mine["ref"]
        while (moved := await phone.receive())["data"]["ticket"]["status"] != "called":
            pass
        assert moved["data"]["ticket"]["id"] == mine["id"]  # its own phone keeps its id
    page = await loket.http.get(f"/t/{mine['id']}")
    assert page.status_code == 200 and mine["ref"] in page.text


async def test_refs_are_unique_within_a_site_and_stable(loket: Loket) -> None:
    issued = [(await loket.issue(service))["ticket"] for service in "ABCABC"]
    assert len({t["ref"] for t in issued}) == len(issued)
    await loket.call("1")
    moved = (await loket.act("1", "transfer", json={"service": "C"})).json()["ticket"]
    assert moved["ref"] == issued[0]["ref"]  # a transfer keeps its ref, as its number
