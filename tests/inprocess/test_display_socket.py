"""The display socket's conversation (CONTRACT section 4 and the additions in
docs/ARCHITECTURE.md): the clock ping, a screen's hello and the screens list it feeds,
refusals that keep the socket open, and the closes (unknown site, store away)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.inprocess.running import Loket
from tests.inprocess.wsclient import Closed, WsClient

HELLO = {
    "type": "hello",
    "display": {
        "id": "tv-1",
        "page": "display",
        "zone": "hall",
        "screen": "1920x1080",
        "version": "1",
        "lang": "en",
    },
    "audio": "on",
}


async def screens(loket: Loket) -> list[dict[str, Any]]:
    answer = await loket.http.get("/api/v1/sites/demo/displays", headers=await loket.auth())
    assert answer.status_code == 200, answer.text
    return list(answer.json()["displays"])


async def test_ping_is_answered_with_both_clocks(loket: Loket) -> None:
    async with loket.display() as ws:
        snapshot = await ws.receive()
        await ws.send({"type": "ping", "t": 1234})
        pong = await ws.receive()
    assert pong["type"] == "pong" and pong["seq"] is None
    assert pong["epoch"] == snapshot["epoch"]
    assert pong["data"]["client"] == 1234 and isinstance(pong["data"]["server"], int)


@pytest.mark.parametrize("kind", ["display", "phone"])
@pytest.mark.parametrize("t", [-1.5, "not a time", {"a": 1}, [1], True, None])
async def test_a_ping_echoes_only_a_number(loket: Loket, kind: str, t: object) -> None:
    """The ping's `t` is the client's clock: anything else comes back as null."""
    ticket = await loket.issue()
    async with loket.display() if kind == "display" else loket.phone(ticket["ticket"]["id"]) as ws:
        await ws.receive()
        await ws.send({"type": "ping", "t": t})
        pong = await ws.receive()
    assert pong["type"] == "pong"
    assert pong["data"]["client"] == (t if isinstance(t, float) else None)


async def test_a_ping_nested_near_the_recursion_limit_gets_a_pong(loket: Loket) -> None:
    """Nested just shallow enough to be read, its echo would be too deep to be written:
    it was a RecursionError and a dropped socket (found by tests/integration's fuzzing)."""
    async with loket.display() as ws:
        await ws.receive()
        for depth in range(800, 1001):  # where the band falls depends on the stack
            nested = '{"a":' * depth + "1" + "}" * depth
            await ws.send(f'{{"type":"ping","t":{nested}}}')
            answer = await ws.receive()
            assert answer["type"] in ("pong", "error"), answer
        await ws.send({"type": "ping", "t": 7})
        assert (await ws.receive())["data"]["client"] == 7


async def test_a_screen_says_hello_and_is_listed_until_it_leaves(loket: Loket) -> None:
    await loket.issue()
    async with loket.display() as ws:
        snapshot = await ws.receive()
        await ws.send({**HELLO, "epoch": snapshot["epoch"], "seq": snapshot["seq"]})
        await ws.send({"type": "ping", "t": 1})  # the hello has no answer; this one does
        assert (await ws.receive())["type"] == "pong"
        (tv,) = await screens(loket)
        assert tv["id"] == "tv-1" and tv["zone"] == "hall" and tv["audio"] == "on"
        assert tv["connected"] is True and tv["stale"] is False
        assert (tv["epoch"], tv["seq"]) == (snapshot["epoch"], 1)
    (tv,) = await screens(loket)
    assert tv["connected"] is False and tv["stale"] is True


async def test_a_screen_that_stays_behind_is_lagging(loket: Loket) -> None:
    await loket.issue()
    async with loket.display() as ws:
        snapshot = await ws.receive()
        await ws.send({**HELLO, "epoch": snapshot["epoch"], "seq": 0})
        # its next report still says 0: short of what the site had at its last one
        await ws.send({**HELLO, "epoch": snapshot["epoch"], "seq": 0})
        await ws.send({"type": "ping", "t": 1})
        await ws.receive()
        (tv,) = await screens(loket)
    assert tv["lagging"] is True and tv["stale"] is True


async def test_a_screen_of_another_epoch_is_stale(loket: Loket) -> None:
    async with loket.display() as ws:
        await ws.receive()
        await ws.send({**HELLO, "epoch": "an-old-epoch", "seq": 0})
        await ws.send({"type": "ping"})
        await ws.receive()
        (tv,) = await screens(loket)
    assert tv["stale"] is True and tv["lagging"] is False


async def test_a_socket_is_one_screen_and_cannot_flood_the_list_with_ids(
    loket: Loket,
) -> None:
    """2,100 hellos with new ids on one socket (issue 14, attack 9): the socket stays the
    screen it said first; every other id is refused, and a silent TV stays listed."""
    async with loket.display() as silent:
        await silent.receive()
        await silent.send({**HELLO, "display": {"id": "tv-silent"}})
        await silent.send({"type": "ping"})
        await silent.receive()
    async with loket.display() as ws:
        await ws.receive()
        await ws.send(HELLO)
        for n in range(2100):
            await ws.send({**HELLO, "display": {"id": f"fake-{n}"}})
        refused = [await ws.receive() for _ in range(2100)]
        assert {m["data"]["code"] for m in refused} == {"invalid_hello"}
        listed = {tv["id"]: tv["connected"] for tv in await screens(loket)}
    assert listed == {"tv-silent": False, "tv-1": True}


async def test_an_older_socket_closing_does_not_disconnect_the_newer(loket: Loket) -> None:
    """The same screen reconnected before its old socket was noticed gone."""
    async with loket.display() as old:
        await old.receive()
        await old.send(HELLO)
        async with loket.display() as new:
            await new.receive()
            await new.send(HELLO)
            await new.send({"type": "ping"})
            await new.receive()
            await old.disconnect()
            (tv,) = await screens(loket)
            assert tv["connected"] is True


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (b"\x00\x01", "invalid_message"),
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"type": 7}', "invalid_message"),
        ({"type": "subscribe"}, "unknown_message"),
        ({"type": "hello"}, "invalid_hello"),
        ({"type": "hello", "display": {"id": ""}}, "invalid_hello"),
        ({"type": "hello", "display": {"id": "x" * 65}}, "invalid_hello"),
        ({"type": "hello", "display": {"id": "tv", "zone": 3}}, "invalid_hello"),
        ({"type": "hello", "display": {"id": "tv"}, "seq": -1}, "invalid_hello"),
        ({"type": "hello", "display": {"id": "tv"}, "seq": True}, "invalid_hello"),
        ({"type": "hello", "display": {"id": "tv"}, "audio": "x" * 33}, "invalid_hello"),
    ],
)
async def test_what_cannot_be_taken_is_refused_and_the_socket_stays(
    loket: Loket, message: Any, code: str
) -> None:
    async with loket.display() as ws:
        await ws.receive()
        await ws.send(message)
        error = await ws.receive()
        assert (error["type"], error["seq"], error["data"]["code"]) == ("error", None, code)
        assert error["data"]["message"]
        await loket.issue()
        assert (await ws.event())["type"] == "ticket.issued"
    assert await screens(loket) == []


async def test_an_unknown_site_is_refused_with_4404(loket: Loket) -> None:
    ws = loket.display("nowhere")
    await ws.__aenter__()
    error = await ws.receive()
    assert error["type"] == "error" and error["data"]["code"] == "unknown_site"
    with pytest.raises(Closed) as closed:
        await ws.receive()
    assert closed.value.code == 4404
    await ws.disconnect()


async def test_with_the_store_away_a_display_is_told_and_closed_with_1013(
    loket: Loket,
) -> None:
    async with loket.display() as open_before:
        await open_before.receive()
        await loket.service.store.close()  # the database is gone from under the server
        async with loket.display() as ws:
            error = await ws.receive()
            assert error["type"] == "error" and error["data"]["code"] == "store_unavailable"
            with pytest.raises(Closed) as closed:
                await ws.receive()
            assert closed.value.code == 1013
        # a display already open keeps its board; its resume is what fails
        await open_before.send({"type": "resume", "epoch": "e", "seq": 0})
        got, closed_after = await open_before.closing()
        assert [m["data"]["code"] for m in got] == ["store_unavailable"]
        assert closed_after.code == 1013
    answer = await loket.http.get("/api/v1/sites/demo/state")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "store_unavailable"


async def test_a_refusal_to_a_peer_already_gone_ends_quietly(loket: Loket) -> None:
    ws = WsClient(loket.app, "/ws/display/nowhere", lose_after=1)  # gone after the accept
    await ws.__aenter__()
    assert ws.task is not None
    await asyncio.wait_for(ws.task, 5)
    assert ws.task.exception() is None
    assert ws.backlog == 0, "nothing reached it"


async def test_screens_past_an_addresss_share_are_refused(
    loket: Loket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loket.server.displays.MAX_PER_ADDRESS", 1)
    async with loket.display() as first, loket.display() as second:
        await first.receive()
        await second.receive()
        await first.send(HELLO)
        await second.send({**HELLO, "display": {"id": "tv-2"}})
        refused = await second.receive()
        assert refused["type"] == "error" and refused["data"]["code"] == "too_many_screens"
        await first.send({"type": "ping"})
        await first.receive()
        assert [tv["id"] for tv in await screens(loket)] == ["tv-1"]
