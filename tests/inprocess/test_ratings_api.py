"""Satisfaction ratings over HTTP (CONTRACT 6.4): the holder's from the ticket page, the
desk's from the device beside a counter, and every refusal of 6.4 with its code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.inprocess.running import ADMIN_PASSWORD, Loket, running_loket
from tests.inprocess.test_http import code
from tests.inprocess.test_kiosks import PHONE, from_address

SURVEY = {f"U{n}": 1 + n % 4 for n in range(1, 10)}


async def served(loket: Loket, counter: str = "1", service: str = "A") -> dict[str, Any]:
    """A ticket issued, called at `counter` and done there: its holder's answer."""
    ticket = (await loket.issue(service))["ticket"]
    while (await loket.call(counter))["ticket"]["ref"] != ticket["ref"]:
        assert (await loket.act(counter, "done")).status_code == 200
    assert (await loket.act(counter, "done")).status_code == 200
    return dict(ticket)


def rate(loket: Loket, ticket_id: str, body: Any) -> Any:
    return loket.http.post(f"/api/v1/tickets/{ticket_id}/rating", json=body)


def rate_at(loket: Loket, counter: str, body: Any, headers: dict[str, str]) -> Any:
    return loket.http.post(
        f"/api/v1/sites/demo/counters/{counter}/rating", json=body, headers=headers
    )


@pytest.fixture
async def hall(loket: Loket) -> Loket:
    loket.pin_morning()
    return loket


# -- the holder ---------------------------------------------------------------------


async def test_the_holder_rates_once_with_the_survey_and_the_ticket_says_so(hall: Loket) -> None:
    ticket = await served(hall)
    answer = await rate(hall, ticket["id"], {"score": 4, "comment": " Cepat! ", "answers": SURVEY})
    assert answer.status_code == 201, answer.text
    rating = answer.json()["rating"]
    assert (rating["ref"], rating["score"], rating["by"]) == (ticket["ref"], 4, "holder")
    assert rating["comment"] == "Cepat!" and rating["answers"] == SURVEY
    seen = (await hall.http.get(f"/api/v1/tickets/{ticket['id']}")).json()
    assert seen["rating"] == rating
    again = await rate(hall, ticket["id"], {"score": 1})
    assert code(again, 409) == "already_rated"
    assert (await hall.http.get(f"/api/v1/tickets/{ticket['id']}")).json()["rating"] == rating


async def test_a_ticket_not_served_cannot_be_rated(hall: Loket) -> None:
    waiting = (await hall.issue("A"))["ticket"]
    assert code(await rate(hall, waiting["id"], {"score": 3}), 409) == "not_served"
    await hall.call("1")
    assert code(await rate(hall, waiting["id"], {"score": 3}), 409) == "not_served"
    assert (await hall.act("1", "no-show")).status_code == 200
    assert code(await rate(hall, waiting["id"], {"score": 3}), 409) == "not_served"
    assert (await hall.http.get(f"/api/v1/tickets/{waiting['id']}")).json()["rating"] is None


async def test_the_holder_has_24_hours(hall: Loket) -> None:
    start = hall.pin_morning()
    first, second = await served(hall), await served(hall)
    hall.pin_clock(start + timedelta(hours=24))
    assert (await rate(hall, first["id"], {"score": 2})).status_code == 201
    hall.pin_clock(start + timedelta(hours=24, seconds=1))
    assert code(await rate(hall, second["id"], {"score": 2}), 409) == "rating_closed"


async def test_unknown_and_malformed_tickets(hall: Loket) -> None:
    assert code(await rate(hall, "A" * 43, {"score": 3}), 404) == "unknown_ticket"
    assert code(await rate(hall, "bad!id", {"score": 3}), 404) == "unknown_ticket"


BAD_BODIES = [
    ({}, "missing_field"),
    ({"score": None}, "invalid_score"),
    ({"score": 0}, "invalid_score"),
    ({"score": 5}, "invalid_score"),
    ({"score": "3"}, "invalid_score"),
    ({"score": 3.0}, "invalid_score"),
    ({"score": True}, "invalid_score"),
    ({"score": 3, "comment": "x" * 501}, "invalid_comment"),
    ({"score": 3, "comment": 7}, "invalid_comment"),
    ({"score": 3, "answers": {}}, "invalid_answers"),
    ({"score": 3, "answers": [1, 2]}, "invalid_answers"),
    ({"score": 3, "answers": {"U10": 2}}, "invalid_answers"),
    ({"score": 3, "answers": {"U1": 0}}, "invalid_answers"),
    ({"score": 3, "answers": {"U1": "4"}}, "invalid_answers"),
]


@pytest.mark.parametrize(("body", "expected"), BAD_BODIES)
async def test_a_malformed_rating_is_refused_and_nothing_kept(
    hall: Loket, body: dict[str, Any], expected: str
) -> None:
    ticket = await served(hall)
    assert code(await rate(hall, ticket["id"], body), 422) == expected
    assert code(await rate(hall, ticket["id"], [3]), 422) == "invalid_body"
    raw = await hall.http.post(
        f"/api/v1/tickets/{ticket['id']}/rating",
        content=b"{score",
        headers={"content-type": "application/json"},
    )
    assert code(raw, 400) == "invalid_json"
    assert (await hall.http.get(f"/api/v1/tickets/{ticket['id']}")).json()["rating"] is None
    assert (await rate(hall, ticket["id"], {"score": 3, "comment": "x" * 500})).status_code == 201


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-10, 10)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
BODIES = st.dictionaries(
    st.sampled_from(["score", "comment", "answers", "U1", "extra"]), JSON, max_size=4
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES)
async def test_any_body_gets_a_clear_answer_and_at_most_one_rating(
    hall: Loket, body: dict[str, Any]
) -> None:
    ticket = await served(hall)
    answer = await rate(hall, ticket["id"], body)
    assert answer.status_code in (201, 422), answer.text
    kept = (await hall.http.get(f"/api/v1/tickets/{ticket['id']}")).json()["rating"]
    assert (kept is not None) == (answer.status_code == 201)


async def test_a_flood_of_ratings_from_one_address_is_limited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_loket(tmp_path, monkeypatch, ticket_rate=0.01, ticket_burst=10) as loket:
        loket.pin_morning()
        ticket = await served(loket)
        async with from_address(loket, PHONE) as phone:
            codes = []
            for _ in range(30):
                answer = await phone.post(
                    f"/api/v1/tickets/{ticket['id']}/rating", json={"score": 4}
                )
                codes.append(answer.json().get("error", {}).get("code", answer.status_code))
        assert codes == [201] + ["already_rated"] * 9 + ["rate_limited"] * 20
        assert answer.headers["retry-after"]


# -- the desk -----------------------------------------------------------------------


async def desk_device(loket: Loket, counter: str | None) -> dict[str, str]:
    enrolled = await loket.http.post(
        "/api/v1/sites/demo/kiosks",
        json={"name": f"Rating, counter {counter}", "counter": counter},
        headers=await loket.auth(),
    )
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["kiosk"]["counter"] == counter
    return {"X-Kiosk-Key": enrolled.json()["key"]}


async def test_the_desk_rates_the_ticket_its_counter_served_last(hall: Loket) -> None:
    device = await desk_device(hall, "1")
    who = await hall.http.get("/api/v1/sites/demo/kiosk", headers=device)
    assert who.json()["kiosk"]["counter"] == "1"
    first = await served(hall, "1")
    answer = await rate_at(hall, "1", {"ref": first["ref"], "score": 3}, device)
    assert answer.status_code == 201, answer.text
    rating = answer.json()["rating"]
    assert (rating["by"], rating["counter"], rating["score"]) == ("desk", "1", 3)
    again = await rate_at(hall, "1", {"ref": first["ref"], "score": 4}, device)
    assert code(again, 409) == "already_rated"
    # the holder's rating of it is refused too: once per ticket
    assert code(await rate(hall, first["id"], {"score": 1}), 409) == "already_rated"
    second, third = await served(hall, "1"), await served(hall, "1")
    stale = await rate_at(hall, "1", {"ref": second["ref"], "score": 2}, device)
    assert code(stale, 409) == "not_last_served"
    elsewhere = await served(hall, "2")
    assert code(await rate_at(hall, "1", {"ref": elsewhere["ref"], "score": 2}, device), 409) == (
        "not_last_served"
    )
    assert (await rate_at(hall, "1", {"ref": third["ref"], "score": 2}, device)).status_code == 201


async def test_the_desk_has_5_minutes_and_only_served_tickets(hall: Loket) -> None:
    start = hall.pin_morning()
    clerk = await hall.auth()
    waiting = (await hall.issue("A"))["ticket"]
    refused = await rate_at(hall, "1", {"ref": waiting["ref"], "score": 4}, clerk)
    assert code(refused, 409) == "not_served"
    ticket = await served(hall, "1")
    hall.pin_clock(start + timedelta(minutes=5, seconds=1))
    closed = await rate_at(hall, "1", {"ref": ticket["ref"], "score": 4}, clerk)
    assert code(closed, 409) == "rating_closed"
    # the holder still may, for a day
    assert (await rate(hall, ticket["id"], {"score": 4})).status_code == 201


async def test_who_may_rate_at_a_desk(hall: Loket) -> None:
    ticket = await served(hall, "1")
    body = {"ref": ticket["ref"], "score": 4}
    async with from_address(hall, PHONE) as stranger:  # no session cookie, no key
        anonymous = await stranger.post("/api/v1/sites/demo/counters/1/rating", json=body)
    assert code(anonymous, 401) == "login_required"
    other_clerk = await hall.http.post(
        "/api/v1/users",
        headers=await hall.auth(),
        json={"username": "siti", "password": "siti-long-pass-7", "counters": ["demo/2"]},
    )
    assert other_clerk.status_code == 201, other_clerk.text
    siti = {"Authorization": f"Bearer {await hall.login('siti', 'siti-long-pass-7')}"}
    assert code(await rate_at(hall, "1", body, siti), 403) == "forbidden"
    assert code(await rate_at(hall, "1", body, await desk_device(hall, "2")), 403) == (
        "invalid_kiosk_key"
    )
    assert code(await rate_at(hall, "1", body, await desk_device(hall, None)), 403) == (
        "invalid_kiosk_key"
    )
    junk = {"X-Kiosk-Key": "0" * 12 + "." + "A" * 43}
    assert code(await rate_at(hall, "1", body, junk), 403) == "invalid_kiosk_key"
    assert (await hall.http.get(f"/api/v1/tickets/{ticket['id']}")).json()["rating"] is None
    assert (await rate_at(hall, "1", body, await hall.auth())).status_code == 201


async def test_desk_refusals_of_what_is_named(hall: Loket) -> None:
    clerk = await hall.auth()
    ticket = await served(hall, "1")
    assert code(await rate_at(hall, "99", {"ref": ticket["ref"], "score": 4}, clerk), 404) == (
        "unknown_counter"
    )
    missing = {"ref": ticket["ref"][:-1] + "9", "score": 4}
    assert code(await rate_at(hall, "1", missing, clerk), 404) == "unknown_ticket"
    assert code(await rate_at(hall, "1", {"ref": "nonsense", "score": 4}, clerk), 404) == (
        "unknown_ticket"
    )
    assert code(await rate_at(hall, "1", {"score": 4}, clerk), 422) == "missing_field"
    assert code(await rate_at(hall, "1", {"ref": ticket["ref"]}, clerk), 422) == "missing_field"
    assert code(await rate_at(hall, "1", {"ref": "x" * 41, "score": 4}, clerk), 422) == (
        "invalid_field"
    )
    bad = {"ref": ticket["ref"], "score": 9}
    assert code(await rate_at(hall, "1", bad, clerk), 422) == "invalid_score"
    enrol = await hall.http.post(
        "/api/v1/sites/demo/kiosks", json={"name": "x", "counter": "99"}, headers=clerk
    )
    assert code(enrol, 404) == "unknown_counter"


async def test_a_desk_rating_from_a_cookie_session_needs_its_csrf_token(hall: Loket) -> None:
    ticket = await served(hall, "1")
    # the counter page's login: the client keeps the session cookie from now on
    login = await hall.http.post(
        "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert login.status_code == 200
    body = {"ref": ticket["ref"], "score": 4}
    no_token = await hall.http.post("/api/v1/sites/demo/counters/1/rating", json=body)
    assert code(no_token, 403) == "csrf_failed"
    with_token = await hall.http.post(
        "/api/v1/sites/demo/counters/1/rating",
        json=body,
        headers={"X-CSRF-Token": login.json()["csrf"]},
    )
    assert with_token.status_code == 201, with_token.text
