"""Kiosks and who may take a ticket (CONTRACT 6.7; issue 14, attack 1: 2,000 fake tickets
from one address in 5.6 s): an admin enrols kiosks, whose key lifts the per-address limit;
anyone else may take 3 tickets per 15 minutes per address, none where the site says
`remote_tickets = false`; the server's own machine is not limited; `max_waiting` caps a
service's line."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from loket.server.config import parse_sites
from loket.server.kiosks import MAX_NAME, MAX_PER_SITE
from loket.server.service import ANONYMOUS_TICKETS, ANONYMOUS_WINDOW
from tests.inprocess.running import Loket, running_loket
from tests.support.sites import small_site, two_line_site

PHONE = "203.0.113.5"  # a guest on the hall's Wi-Fi, not the server's machine
SITES = parse_sites(
    two_line_site("hall", 2) + small_site("inside", "Kiosks only", "remote_tickets = false"),
    "test sites",
)


def tickets(site: str = "demo") -> str:
    return f"/api/v1/sites/{site}/tickets"


def kiosks(site: str = "demo") -> str:
    return f"/api/v1/sites/{site}/kiosks"


@asynccontextmanager
async def from_address(loket: Loket, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=loket.app, client=(address, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def enrol(loket: Loket, site: str = "demo", name: str = "Entrance") -> dict[str, Any]:
    answer = await loket.http.post(kiosks(site), json={"name": name}, headers=await loket.auth())
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def error(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    return str(answer.json()["error"]["code"])


@pytest.fixture
async def hall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Loket]:
    async with running_loket(tmp_path, monkeypatch, sites=SITES) as running:
        yield running


# -- enrolment ---------------------------------------------------------------------


async def test_an_admin_enrols_lists_and_revokes_kiosks(loket: Loket) -> None:
    enrolled = await enrol(loket, name="  Entrance, left  ")
    kiosk, key = enrolled["kiosk"], enrolled["key"]
    assert kiosk["name"] == "Entrance, left" and kiosk["id"] in key
    listed = (await loket.http.get(kiosks(), headers=await loket.auth())).json()["kiosks"]
    assert [(k["id"], k["name"], k["last_used_at"]) for k in listed] == [
        (kiosk["id"], "Entrance, left", None)
    ]
    assert "key" not in listed[0] and key not in str(listed)  # shown once, kept as a hash
    stored = loket.sql("SELECT key_hash FROM kiosks")
    assert len(stored) == 1 and key not in stored[0][0]

    async with from_address(loket, PHONE) as phone:
        used = await phone.post(tickets(), json={"service": "A"}, headers={"X-Kiosk-Key": key})
        assert used.status_code == 201, used.text
        who = await phone.get("/api/v1/sites/demo/kiosk", headers={"X-Kiosk-Key": key})
        assert who.json() == {
            "kiosk": {"id": kiosk["id"], "name": "Entrance, left", "counter": None}
        }
    listed = (await loket.http.get(kiosks(), headers=await loket.auth())).json()["kiosks"]
    assert listed[0]["last_used_at"] is not None

    path = f"{kiosks()}/{kiosk['id']}"
    assert (await loket.http.delete(path, headers=await loket.auth())).status_code == 200
    assert (await loket.http.get(kiosks(), headers=await loket.auth())).json() == {"kiosks": []}
    assert error(await loket.http.delete(path, headers=await loket.auth()), 404) == "unknown_kiosk"


async def test_only_an_admin_manages_kiosks(loket: Loket) -> None:
    assert error(await loket.http.get(kiosks()), 401) == "login_required"
    assert error(await loket.http.post(kiosks(), json={"name": "x"}), 401) == "login_required"
    admin = await loket.auth()
    await loket.service.add_user("clerk", "clerk-password-7", "staff")
    staff = {"Authorization": f"Bearer {await loket.login('clerk', 'clerk-password-7')}"}
    assert error(await loket.http.get(kiosks(), headers=staff), 403) == "admin_only"
    assert error(await loket.http.post(kiosks(), json={"name": "x"}, headers=staff), 403) == (
        "admin_only"
    )
    kiosk = (await enrol(loket))["kiosk"]
    refused = await loket.http.delete(f"{kiosks()}/{kiosk['id']}", headers=staff)
    assert error(refused, 403) == "admin_only"
    assert error(await loket.http.get(kiosks("nowhere"), headers=admin), 404) == "unknown_site"


async def test_names_and_the_number_of_kiosks_are_bounded(loket: Loket) -> None:
    admin = await loket.auth()
    for name in ("", "   ", "x" * (MAX_NAME + 1), "two\nlines"):
        answer = await loket.http.post(kiosks(), json={"name": name}, headers=admin)
        assert error(answer, 422) == "invalid_field", name
    assert error(await loket.http.post(kiosks(), json={}, headers=admin), 422) == "missing_field"
    for n in range(MAX_PER_SITE):
        await enrol(loket, name=f"Kiosk {n}")
    answer = await loket.http.post(kiosks(), json={"name": "one more"}, headers=admin)
    assert error(answer, 409) == "too_many_kiosks"
    long_id = "f" * 500
    assert error(await loket.http.delete(f"{kiosks()}/{long_id}", headers=admin), 404) == (
        "unknown_kiosk"
    )


# -- who may take a ticket -------------------------------------------------------------


async def test_one_address_without_a_kiosk_takes_three_tickets_in_a_window(
    loket: Loket,
) -> None:
    start = datetime.now(UTC)
    loket.service.clock = lambda: start
    async with from_address(loket, PHONE) as phone, from_address(loket, "203.0.113.6") as other:
        for n in range(ANONYMOUS_TICKETS):  # one a minute
            loket.service.clock = lambda n=n: start + timedelta(minutes=n)  # type: ignore[misc]
            assert (await phone.post(tickets(), json={"service": "A"})).status_code == 201
        refused = await phone.post(tickets(), json={"service": "B"})
        assert error(refused, 429) == "too_many_tickets"
        # until the first of the three is 15 minutes old
        waited = ANONYMOUS_WINDOW - timedelta(minutes=ANONYMOUS_TICKETS - 1)
        assert int(refused.headers["Retry-After"]) == waited.total_seconds()
        assert (await other.post(tickets(), json={"service": "A"})).status_code == 201
        # the oldest of the three leaves the window: one more
        loket.service.clock = lambda: start + ANONYMOUS_WINDOW
        assert (await phone.post(tickets(), json={"service": "A"})).status_code == 201
        assert error(await phone.post(tickets(), json={"service": "A"}), 429) == (
            "too_many_tickets"
        )


async def test_a_flood_from_one_address_gets_three_tickets_and_a_kiosk_gets_all(
    loket: Loket,
) -> None:
    key = (await enrol(loket))["key"]
    async with from_address(loket, PHONE) as phone:
        flood = await asyncio.gather(
            *(phone.post(tickets(), json={"service": "A"}) for _ in range(60))
        )
        statuses = [answer.status_code for answer in flood]
        assert statuses.count(201) == ANONYMOUS_TICKETS
        assert set(statuses) == {201, 429}
        kiosk = {"X-Kiosk-Key": key}
        issued = await asyncio.gather(
            *(phone.post(tickets(), json={"service": "A"}, headers=kiosk) for _ in range(60))
        )
        assert [answer.status_code for answer in issued] == [201] * 60
    state = (await loket.http.get("/api/v1/sites/demo/state")).json()
    assert state["data"]["waiting"]["A"] == ANONYMOUS_TICKETS + 60


async def test_the_servers_own_machine_is_not_limited(loket: Loket) -> None:
    for address in ("127.0.0.1", "::1"):
        async with from_address(loket, address) as local:
            for _ in range(ANONYMOUS_TICKETS * 3):
                assert (await local.post(tickets(), json={"service": "A"})).status_code == 201


async def test_a_key_that_is_not_valid_is_refused_not_ignored(loket: Loket) -> None:
    enrolled = await enrol(loket)
    key, kiosk_id = enrolled["key"], enrolled["kiosk"]["id"]
    async with from_address(loket, PHONE) as phone:
        for bad in ("nonsense", f"{kiosk_id}.{'A' * 43}", "x" * 5000):
            answer = await phone.post(
                tickets(), json={"service": "A"}, headers={"X-Kiosk-Key": bad}
            )
            assert error(answer, 403) == "invalid_kiosk_key"
        kiosk = {"X-Kiosk-Key": key}
        assert (
            await phone.post(tickets(), json={"service": "A"}, headers=kiosk)
        ).status_code == 201
        path = f"{kiosks()}/{kiosk_id}"
        assert (await loket.http.delete(path, headers=await loket.auth())).status_code == 200
        # revoked here: refused at once, although the key was checked a moment ago
        answer = await phone.post(tickets(), json={"service": "A"}, headers=kiosk)
        assert error(answer, 403) == "invalid_kiosk_key"
        who = await phone.get("/api/v1/sites/demo/kiosk", headers=kiosk)
        assert error(who, 403) == "invalid_kiosk_key"
        assert error(await phone.get("/api/v1/sites/demo/kiosk"), 403) == "invalid_kiosk_key"
    async with from_address(loket, "127.0.0.1") as local:  # the machine's own: still refused
        answer = await local.post(tickets(), json={"service": "A"}, headers=kiosk)
        assert error(answer, 403) == "invalid_kiosk_key"


async def test_a_revocation_on_another_process_counts_within_the_cache_time(loket: Loket) -> None:
    enrolled = await enrol(loket)
    kiosk = {"X-Kiosk-Key": enrolled["key"]}
    async with from_address(loket, PHONE) as phone:
        assert (
            await phone.post(tickets(), json={"service": "A"}, headers=kiosk)
        ).status_code == 201
        loket.sql("DELETE FROM kiosks")  # as another process sharing the store would
        assert (
            await phone.post(tickets(), json={"service": "A"}, headers=kiosk)
        ).status_code == 201
        loket.service.kiosks._known._clock = lambda: 1e12  # CACHE_SECONDS later
        answer = await phone.post(tickets(), json={"service": "A"}, headers=kiosk)
        assert error(answer, 403) == "invalid_kiosk_key"


async def test_a_site_for_kiosks_only_refuses_phones(hall: Loket) -> None:
    key = (await enrol(hall, site="inside"))["key"]
    hall_key = (await enrol(hall, site="hall"))["key"]
    async with from_address(hall, PHONE) as phone:
        answer = await phone.post(tickets("inside"), json={"service": "A"})
        assert error(answer, 403) == "kiosk_only"
        kiosk = {"X-Kiosk-Key": key}
        answer = await phone.post(tickets("inside"), json={"service": "A"}, headers=kiosk)
        assert answer.status_code == 201, answer.text
        # a kiosk's key is its own site's
        answer = await phone.post(
            tickets("inside"), json={"service": "A"}, headers={"X-Kiosk-Key": hall_key}
        )
        assert error(answer, 403) == "invalid_kiosk_key"
        # the other site takes phones' tickets
        assert (await phone.post(tickets("hall"), json={"service": "B"})).status_code == 201
    async with from_address(hall, "127.0.0.1") as local:
        assert (await local.post(tickets("inside"), json={"service": "A"})).status_code == 201


async def test_a_full_service_refuses_tickets_but_takes_transfers(hall: Loket) -> None:
    await hall.issue("B", site="hall")
    assert (await hall.call("1", site="hall"))["ticket"]["service"] == "B"
    for _ in range(2):
        await hall.issue("A", site="hall")
    kiosk = {"X-Kiosk-Key": (await enrol(hall, site="hall"))["key"]}
    answer = await hall.http.post(tickets("hall"), json={"service": "A"}, headers=kiosk)
    assert error(answer, 409) == "queue_full"
    async with from_address(hall, PHONE) as phone:
        assert error(await phone.post(tickets("hall"), json={"service": "A"}), 409) == "queue_full"
        # a refusal takes nothing from the phone's allowance
        for _ in range(ANONYMOUS_TICKETS):
            assert (await phone.post(tickets("hall"), json={"service": "B"})).status_code == 201
    # a clerk's transfer into the full service stands: that visitor is in the hall already
    moved = await hall.act("1", "transfer", site="hall", json={"service": "A"})
    assert moved.status_code == 200, moved.text
    state = (await hall.http.get("/api/v1/sites/hall/state")).json()
    assert state["data"]["waiting"]["A"] == 3
    assert error(await hall.http.post(tickets("hall"), json={"service": "A"}), 409) == (
        "queue_full"
    )
    # once people are called, there is room again
    await hall.call("1", site="hall")
    await hall.call("1", site="hall")
    assert (await hall.http.post(tickets("hall"), json={"service": "A"})).status_code == 201


async def test_kiosks_outlive_a_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_loket(tmp_path, monkeypatch) as first:
        key = (await enrol(first))["key"]
    async with running_loket(tmp_path, monkeypatch, client=(PHONE, 1)) as second:
        kiosk = {"X-Kiosk-Key": key}
        for _ in range(ANONYMOUS_TICKETS + 2):
            answer = await second.http.post(tickets(), json={"service": "A"}, headers=kiosk)
            assert answer.status_code == 201, answer.text


def test_the_window_is_fifteen_minutes() -> None:
    assert (ANONYMOUS_TICKETS, ANONYMOUS_WINDOW) == (3, timedelta(minutes=15))


async def test_guessing_kiosk_keys_is_bounded_per_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_loket(tmp_path, monkeypatch, ticket_rate=0.01, ticket_burst=5) as loket:
        key = (await enrol(loket))["key"]
        kiosk_id = key.partition(".")[0]
        async with from_address(loket, PHONE) as guesser:
            codes = []
            for n in range(8):
                guess = {"X-Kiosk-Key": f"{kiosk_id}.{n:043d}"}
                answer = await guesser.post(tickets(), json={"service": "A"}, headers=guess)
                codes.append(answer.json()["error"]["code"])
            assert codes == ["invalid_kiosk_key"] * 5 + ["rate_limited"] * 3
            # the kiosk itself, behind the same address, is not held back: its record was
            # read for the guesses, and a key found valid costs no token
            right = {"X-Kiosk-Key": key}
            answer = await guesser.post(tickets(), json={"service": "A"}, headers=right)
            assert answer.status_code == 201
            # a well-formed key of another kiosk id is not looked up any more
            other = {"X-Kiosk-Key": f"{'0' * 12}.{'0' * 43}"}
            answer = await guesser.post(tickets(), json={"service": "A"}, headers=other)
            assert error(answer, 429) == "rate_limited"
