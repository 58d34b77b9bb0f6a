"""The upgrade scenario, over HTTP and the display socket as real clients use them.

- `before()` runs a morning on the previous release (record.py): a staff user, tickets of
  every service (two priority ones), calls, a no-show, a transfer, a recall, an idempotent
  call, two hall displays (one leaves early, one stays until the server stops), and the
  stop itself (SIGTERM) mid-day, with tickets waiting for A and B (and none for C, whose
  next number only the store's count of the day knows). It returns the record: the
  board, every ticket as its holder sees it, what the displays saw, the clerks' tokens.
- `after()` is the site coming back on whatever release now runs on that store: the
  displays reconnect and resume from the last seq they saw, the board and the tickets
  are read, the clerks carry on with the tokens they had (an idempotent retry of a call
  whose answer they lost, a counter they may not use), the kiosk issues a ticket of each
  service, and every counter calls next until nobody waits.
- `check()` says what must hold of `after()`'s observations, from the record alone: the
  same board, numbering going on, call order priority first then oldest, displays resumed
  in the same epoch with exactly the events they missed, nothing lost or told twice.
- `summary()` is what the previous release itself did after a restart, to compare with.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

SITE = "demo"
ADMIN_PASSWORD = "admin-upgrade-pass"
STAFF = "siti"
STAFF_PASSWORD = "siti-upgrade-pass"
STAFF_COUNTERS = ["demo/1", "demo/2"]
RETRY_COUNTER = "2"
RETRY_KEY = "upgrade-call-at-2"
FORBIDDEN_COUNTER = "3"  # not one of the staff user's counters
SERVICE_RESTART = 1012  # the close code of a server that stops (CONTRACT section 1)

# the kiosk's tickets before the stop: (service, priority), in issue order
MORNING = [
    ("A", False),
    ("A", False),
    ("B", False),
    ("C", False),
    ("A", True),
    ("B", False),
    ("A", False),
    ("C", False),
    ("B", False),
    ("B", True),
    ("A", False),
    ("C", False),
]
# and after it (one priority: it must go after older priority tickets, before the rest)
AFTER_RESTART = [("A", False), ("B", True), ("C", False)]

Json = dict[str, Any]


# -- clients ----------------------------------------------------------------------


class Display:
    """A hall display's socket: every message it got, in order, and how it was closed."""

    _pings = itertools.count(1)

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[Json] = []
        self.close_code: int | None = None
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, ws_base: str) -> Display:
        ws = await connect(f"{ws_base}/ws/display/{SITE}", open_timeout=10, compression=None)
        display = cls(ws)
        await display.until(lambda m: m["type"] == "snapshot")
        return display

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                self.messages.append(json.loads(text))
        except ConnectionClosed:
            pass
        self.close_code = self.ws.close_code

    async def until(
        self, found: Callable[[Json], bool], start: int = 0, timeout: float = 15
    ) -> int:
        """The index of the first message from `start` on that `found` accepts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        checked = start
        while True:
            for index in range(checked, len(self.messages)):
                if found(self.messages[index]):
                    return index
            checked = max(checked, len(self.messages))
            if self._reader.done():
                raise AssertionError(f"the display's socket closed ({self.close_code}) first")
            if loop.time() > deadline:
                raise AssertionError(f"the display waited {timeout} s in vain")
            await asyncio.sleep(0.01)

    async def seen(self, seq: int) -> None:
        """Waits until the display has an event (or snapshot) with this seq."""
        await self.until(lambda m: isinstance(m.get("seq"), int) and m["seq"] >= seq)

    @property
    def last_seq(self) -> int:
        return max(m["seq"] for m in self.messages if isinstance(m.get("seq"), int))

    @property
    def epoch(self) -> str:
        return str(self.messages[0]["epoch"])

    async def resume(self, epoch: str, seq: int) -> tuple[list[Json], int]:
        """Asks to resume from `seq`, then pings. The socket answers in order, so what
        came between the two answered the resume; also the index after the pong."""
        start = len(self.messages)
        token = next(self._pings)
        await self.ws.send(json.dumps({"type": "resume", "epoch": epoch, "seq": seq}))
        await self.ws.send(json.dumps({"type": "ping", "t": token}))
        end = await self.until(
            lambda m: m["type"] == "pong" and m["data"].get("client") == token, start
        )
        return self.messages[start:end], end + 1

    async def closed(self, timeout: float = 20) -> int | None:
        await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        return self.close_code

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


class Http:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        token: str | None = None,
        key: str | None = None,
    ) -> tuple[int, Any]:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        answer = await self.client.request(method, path, json=body, headers=headers)
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, answer.text

    async def ok(self, method: str, path: str, **given: Any) -> Any:
        status, body = await self.send(method, path, **given)
        if status not in (200, 201):
            raise AssertionError(f"{method} {path}: {status} {body}")
        return body

    async def counter(
        self,
        counter: str,
        action: str,
        token: str,
        body: Json | None = None,
        key: str | None = None,
    ) -> tuple[int, Any]:
        path = f"/api/v1/sites/{SITE}/counters/{counter}/{action}"
        return await self.send("POST", path, body=body or {}, token=token, key=key)

    async def state(self) -> Json:
        body = await self.ok("GET", f"/api/v1/sites/{SITE}/state")
        return {"epoch": body["epoch"], "seq": body["seq"], "data": body["data"]}

    async def login(self, username: str, password: str) -> tuple[int, Any]:
        body = {"username": username, "password": password}
        return await self.send("POST", "/api/v1/auth/login", body=body)


def _client(http_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=http_url, timeout=20)


# -- before: the previous release, until it stops ------------------------------------


async def before(http_url: str, ws_url: str, stop: Callable[[], Awaitable[int]]) -> Json:
    """The morning on the previous release; `stop` sends it SIGTERM and waits for its exit
    status. The two displays watch from before the first ticket."""
    async with _client(http_url) as client:
        http = Http(client)
        site = await http.ok("GET", f"/api/v1/sites/{SITE}")
        status, body = await http.login("admin", ADMIN_PASSWORD)
        assert status == 200, body
        admin = body["token"]
        staff_user = {
            "username": STAFF,
            "password": STAFF_PASSWORD,
            "role": "staff",
            "counters": STAFF_COUNTERS,
        }
        await http.ok("POST", "/api/v1/users", body=staff_user, token=admin)
        status, body = await http.login(STAFF, STAFF_PASSWORD)
        assert status == 200, body
        siti = body["token"]

        early = await Display.open(ws_url)
        last = await Display.open(ws_url)
        ids: list[str] = []

        async def act(counter: str, action: str, token: str, **given: Any) -> Json:
            status, body = await http.counter(counter, action, token, **given)
            if status != 200:
                raise AssertionError(f"{action} at {counter}: {status} {body}")
            return dict(body)

        async def issue(service: str, priority: bool) -> None:
            path = f"/api/v1/sites/{SITE}/tickets"
            body = await http.ok("POST", path, body={"service": service, "priority": priority})
            ids.append(body["ticket"]["id"])

        for service, priority in MORNING:
            await issue(service, priority)
        await act("1", "call-next", siti)  # the priority A ticket
        await act("1", "call-next", siti)  # that one done; the oldest A
        await act("1", "no-show", siti)
        await act("1", "call-next", siti)
        moved = await act("1", "transfer", siti, body={"service": "B"})
        await early.seen(moved["seq"])
        await early.close()  # a TV switched off: it saw up to here
        await act("3", "call-next", admin)  # the priority B ticket
        await act("3", "done", admin)
        await act("3", "call-next", admin)  # the transferred one: it keeps its place
        await act("3", "recall", admin)
        for _ in range(3):  # every C ticket: its next number is known from the store's
            await act("5", "call-next", admin)  # counter alone, not from a waiting ticket
        retry = await act(RETRY_COUNTER, "call-next", siti, key=RETRY_KEY)
        await act("6", "call-next", admin)
        await issue("A", False)
        await issue("B", True)

        board = await http.state()
        tickets = {}
        for ticket_id in ids:
            view = await http.ok("GET", f"/api/v1/tickets/{ticket_id}")
            tickets[ticket_id] = {"ticket": view["ticket"], "position": view["position"]}
        await last.seen(board["seq"])
        exit_status = await stop()
        stopped_at = datetime.now(UTC)
        close_code = await last.closed()

    return {
        "site": site,
        "epoch": board["epoch"],
        "seq": board["seq"],
        "state": board["data"],
        "tickets": tickets,
        "tokens": {"admin": admin, STAFF: siti},
        "retry": {"counter": RETRY_COUNTER, "key": RETRY_KEY, "answer": retry},
        "displays": {
            "early": {"epoch": early.epoch, "seq": early.last_seq, "close": early.close_code},
            "last": {"epoch": last.epoch, "seq": last.last_seq, "close": close_code},
        },
        "events": [m for m in last.messages if m["type"] != "snapshot" and _is_event(m)],
        "exit_status": exit_status,
        "stopped_at": stopped_at.isoformat(),
    }


def _is_event(message: Json) -> bool:
    return isinstance(message.get("seq"), int)


# -- after: the site comes back -------------------------------------------------------


async def after(http_url: str, ws_url: str, record: Json) -> Json:
    """What the site does when it comes back; every answer, as observed."""
    observed: Json = {"displays": {}}
    async with _client(http_url) as client:
        http = Http(client)
        displays = {}
        resumed_at = {}
        for name, seen in record["displays"].items():
            display = await Display.open(ws_url)
            answer, resumed_at[name] = await display.resume(seen["epoch"], seen["seq"])
            displays[name] = display
            observed["displays"][name] = {"snapshot": display.messages[0], "answer": answer}
        observed["state"] = await http.state()
        observed["tickets"] = {}
        for ticket_id in record["tickets"]:
            status, body = await http.send("GET", f"/api/v1/tickets/{ticket_id}")
            observed["tickets"][ticket_id] = {"status": status, "body": body}

        tokens = record["tokens"]
        observed["login"] = (await http.login("admin", ADMIN_PASSWORD))[0]
        status, body = await http.counter(FORBIDDEN_COUNTER, "call-next", tokens[STAFF])
        observed["forbidden"] = {"status": status, "body": body}
        retry = record["retry"]
        status, body = await http.counter(
            retry["counter"], "call-next", tokens[STAFF], key=retry["key"]
        )
        observed["retry"] = {"status": status, "body": body}
        observed["seq_after_retry"] = (await http.state())["seq"]

        observed["issued"] = []
        for service, priority in AFTER_RESTART:
            status, body = await http.send(
                "POST",
                f"/api/v1/sites/{SITE}/tickets",
                body={"service": service, "priority": priority},
            )
            observed["issued"].append({"status": status, "body": body})

        counters = [counter["id"] for counter in record["site"]["counters"]]
        observed["calls"] = []
        for _ in range(20):  # rounds; the lines are empty after a few
            empty = True
            for counter in counters:
                status, body = await http.counter(counter, "call-next", tokens["admin"])
                observed["calls"].append({"counter": counter, "status": status, "body": body})
                empty = empty and status != 200
            if empty:
                break

        end = await http.state()
        observed["end"] = end
        for name, display in displays.items():
            await display.seen(end["seq"])
            live = display.messages[resumed_at[name] :]
            observed["displays"][name]["live"] = live
            await display.close()
    return observed


# -- what must hold ---------------------------------------------------------------


def _key(ticket: Json) -> tuple[bool, datetime]:
    """Call order: priority first, then oldest (CONTRACT section 3)."""
    return (not ticket["priority"], datetime.fromisoformat(ticket["issued_at"]))


def _count(number: str, service: str) -> int | None:
    rest = number[len(service) :]
    return int(rest) if number.startswith(service) and rest.isdigit() else None


def next_numbers(record: Json) -> dict[str, str]:
    """Each service's next number of the day: its last one issued before the stop, + 1."""
    numbers = [view["ticket"]["number"] for view in record["tickets"].values()]
    following = {}
    for service in record["site"]["services"]:
        counts = [c for c in (_count(n, service["id"]) for n in numbers) if c is not None]
        following[service["id"]] = f"{service['id']}{max(counts, default=0) + 1:03d}"
    return following


def check(record: Json, observed: Json) -> list[str]:
    """Everything that does not hold, in words; [] when the site carried on as it should."""
    problems: list[str] = []

    def expect(holds: bool, problem: str) -> None:
        if not holds:
            problems.append(problem)

    epoch, seq = record["epoch"], record["seq"]
    # the board, over HTTP and on each display's socket
    state = observed["state"]
    expect(state["epoch"] == epoch, f"epoch {state['epoch']!r}, was {epoch!r}")
    expect(state["seq"] == seq, f"the board is at seq {state['seq']}, was {seq}")
    for part in ("now_serving", "recent", "waiting"):
        expect(
            state["data"].get(part) == record["state"].get(part),
            f"the board's {part} differs:\n  now {state['data'].get(part)}\n"
            f"  was {record['state'].get(part)}",
        )
    events = {m["seq"]: m for m in record["events"]}
    for name, seen in record["displays"].items():
        display = observed["displays"][name]
        snapshot = display["snapshot"]
        expect(
            (snapshot["type"], snapshot["epoch"], snapshot["seq"]) == ("snapshot", epoch, seq),
            f"{name}: first message {snapshot['type']} {snapshot['epoch']} {snapshot['seq']}",
        )
        expect(
            all(snapshot["data"].get(p) == record["state"][p] for p in record["state"]),
            f"{name}: the snapshot's board differs from the one before the stop",
        )
        answer = display["answer"]
        got = [(m["type"], m["seq"], bool(m.get("replayed"))) for m in answer]
        missed = [(events[s]["type"], s, True) for s in range(seen["seq"] + 1, seq + 1)]
        expect(got == missed, f"{name}: resume from {seen['seq']} answered {got}, not {missed}")
        for message in answer:
            original = events.get(message["seq"])
            if original is None or message["type"] == "snapshot":
                continue
            same = {k: message.get(k) for k in ("type", "epoch", "ts", "data")}
            was = {k: original.get(k) for k in ("type", "epoch", "ts", "data")}
            expect(same == was, f"{name}: replayed {message['seq']} is {same}, was {was}")

    # every ticket, as its holder's phone reads it
    for ticket_id, was in record["tickets"].items():
        now = observed["tickets"][ticket_id]
        body = now["body"] if now["status"] == 200 else {}
        view = {"ticket": body.get("ticket"), "position": body.get("position")}
        expect(now["status"] == 200 and view == was, f"ticket {ticket_id}: {now}, was {was}")

    # the users and their sessions
    expect(observed["login"] == 200, f"admin's password: login answered {observed['login']}")
    forbidden = observed["forbidden"]
    expect(
        forbidden["status"] == 403,
        f"{STAFF} at counter {FORBIDDEN_COUNTER} (not hers): {forbidden}",
    )
    retry = observed["retry"]
    expect(
        retry == {"status": 200, "body": record["retry"]["answer"]},
        f"the retried call (Idempotency-Key) answered {retry}, "
        f"not the first answer {record['retry']['answer']}",
    )
    expect(observed["seq_after_retry"] == seq, "the retried call made an event")

    # numbering goes on; each new ticket waits in its place
    waiting = [
        v["ticket"] for v in record["tickets"].values() if v["ticket"]["status"] == "waiting"
    ]
    expect(
        {s: sum(t["service"] == s for t in waiting) for s in record["state"]["waiting"]}
        == record["state"]["waiting"],
        "the record's waiting tickets do not match its board",
    )
    following = next_numbers(record)
    for (service, priority), issued in zip(AFTER_RESTART, observed["issued"], strict=True):
        if issued["status"] != 201:
            problems.append(f"issuing {service}: {issued}")
            continue
        ticket = issued["body"]["ticket"]
        number = following[service]
        expect(ticket["number"] == number, f"new {service} ticket {ticket['number']}, not {number}")
        expect(ticket["priority"] == priority, f"{ticket['number']}: priority {ticket['priority']}")
        following[service] = f"{service}{int(number[len(service) :]) + 1:03d}"
        line = [t for t in waiting if t["service"] == service]
        ahead = sum(_key(t) < _key(ticket) for t in line)
        position = issued["body"]["position"]
        expect(position == ahead, f"{ticket['number']} at position {position}, not {ahead}")
        waiting.append(ticket)

    # call order: each counter calls the first in line of its services
    services = {c["id"]: c["services"] for c in record["site"]["counters"]}
    called = []
    for call in observed["calls"]:
        counter = call["counter"]
        line = sorted((t for t in waiting if t["service"] in services[counter]), key=_key)
        if not line:
            code = call["body"].get("error", {}).get("code") if call["status"] == 409 else None
            expect(code == "queue_empty", f"call-next at {counter}, nobody waiting: {call}")
            continue
        if call["status"] != 200:
            problems.append(f"call-next at {counter}: {call}, {line[0]['number']} waits")
            continue
        ticket = call["body"]["ticket"]
        expect(
            ticket["number"] == line[0]["number"],
            f"counter {counter} called {ticket['number']}, not {line[0]['number']} "
            f"(waiting: {[t['number'] for t in line]})",
        )
        waiting = [t for t in waiting if t["number"] != ticket["number"]]
        called.append((ticket["number"], counter, call["body"]["seq"]))
    expect(not waiting, f"still waiting after every line was called: {waiting}")

    # the displays heard everything after the restart once, live, in order
    end = observed["end"]
    expect(end["epoch"] == epoch, f"the epoch changed to {end['epoch']}")
    for name, display in observed["displays"].items():
        live = display["live"]
        seqs = [m["seq"] for m in live if _is_event(m)]
        expect(
            seqs == list(range(seq + 1, end["seq"] + 1)),
            f"{name}: after the resume got seqs {seqs}, not {seq + 1}..{end['seq']}",
        )
        expect(
            all(m["type"] != "snapshot" and not m.get("replayed") for m in live if _is_event(m)),
            f"{name}: a snapshot or a replay after the resume",
        )
        expect(all(m["epoch"] == epoch for m in live), f"{name}: another epoch after the resume")
        heard = [
            (m["data"]["ticket"]["number"], m["data"]["counter"], m["seq"])
            for m in live
            if m["type"] == "ticket.called"
        ]
        expect(heard == called, f"{name}: heard the calls {heard}, not {called}")
    return problems


def in_v11(record: Json) -> Json:
    """The record as CONTRACT 6.1 shows it since: a ticket named by its public ref (its
    local day and number of the day), and its holder's secret id only to its holder (the
    ticket's own answer), no longer on the board, the events or staff answers."""
    zone = ZoneInfo(record["site"]["timezone"])

    def ref(ticket: Json) -> str:
        day = datetime.fromisoformat(ticket["issued_at"]).astimezone(zone)
        return f"{day:%Y%m%d}-{ticket['number']}"

    def public(ticket: Json) -> Json:
        return {"ref": ref(ticket), **{k: v for k, v in ticket.items() if k != "id"}}

    def board(data: Json) -> Json:
        lists = {
            part: [{**item, "ticket": public(item["ticket"])} for item in data[part]]
            for part in ("now_serving", "recent")
            if part in data
        }
        return {**data, **lists}

    return {
        **record,
        "state": board(record["state"]),
        "events": [
            {**m, "data": {**m["data"], "ticket": public(m["data"]["ticket"])}}
            for m in record["events"]
        ],
        "tickets": {
            ticket_id: {**view, "ticket": {**view["ticket"], "ref": ref(view["ticket"])}}
            for ticket_id, view in record["tickets"].items()
        },
        "retry": {
            **record["retry"],
            "answer": {
                **record["retry"]["answer"],
                "ticket": public(record["retry"]["answer"]["ticket"]),
            },
        },
    }


def _brief(ticket: Json | None) -> Json | None:
    if ticket is None:
        return None
    fields = ("number", "service", "status", "priority", "counter", "recalls")
    return {k: ticket.get(k) for k in fields}


def summary(observed: Json) -> Json:
    """What is comparable across runs of after() on the same record: numbers, services,
    counters, seqs and statuses (not the new tickets' ids or times)."""

    def answer(status: int, body: Any) -> Json:
        if isinstance(body, dict) and "ticket" in body:
            return {"status": status, "ticket": _brief(body["ticket"]), "seq": body.get("seq")}
        code = body.get("error", {}).get("code") if isinstance(body, dict) else None
        return {"status": status, "code": code}

    return {
        "issued": [
            {**answer(i["status"], i["body"]), "position": i["body"].get("position")}
            for i in observed["issued"]
        ],
        "calls": [
            {"counter": c["counter"], **answer(c["status"], c["body"])} for c in observed["calls"]
        ],
        "heard": {
            name: [
                {
                    "seq": m["seq"],
                    "type": m["type"],
                    "ticket": _brief(m["data"].get("ticket")),
                    "counter": m["data"].get("counter"),
                }
                for m in display["live"]
                if _is_event(m)
            ]
            for name, display in observed["displays"].items()
        },
        "forbidden": answer(observed["forbidden"]["status"], observed["forbidden"]["body"]),
        "end": {"seq": observed["end"]["seq"], "waiting": observed["end"]["data"]["waiting"]},
    }
