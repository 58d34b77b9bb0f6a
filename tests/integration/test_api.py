"""The HTTP API of CONTRACT section 3 against a real server: successes and refusals."""

import json
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import login

COUNTER = "/api/v1/sites/demo/counters"
JSON_TYPE = {"Content-Type": "application/json"}  # bodies of any other type answer 415


def error_code(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["message"]
    return str(body["error"]["code"])


def issue(http: httpx.Client, service: str = "A", **extra: object) -> dict:
    answer = http.post("/api/v1/sites/demo/tickets", json={"service": service, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def drain(http: httpx.Client, auth: dict[str, str], counter: str) -> None:
    """Call until nobody waits for this counter, then close its ticket."""
    for _ in range(1000):
        if http.post(f"{COUNTER}/{counter}/call-next", headers=auth).status_code == 409:
            return
    raise AssertionError("queue did not drain")


def test_health_and_sites(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    (site,) = http.get("/api/v1/sites").json()["sites"]
    assert site["id"] == "demo" and site["languages"] == ["id", "en", "az"]
    assert http.get("/api/v1/sites/demo").json() == site
    assert [c["id"] for c in site["counters"]] == ["1", "2", "3", "4", "5", "6"]
    assert error_code(http.get("/api/v1/sites/nowhere"), 404) == "unknown_site"
    assert error_code(http.get("/api/v1/sites/nowhere/state"), 404) == "unknown_site"


def test_issue_a_ticket_and_look_it_up(http: httpx.Client) -> None:
    before = http.get("/api/v1/sites/demo/state").json()
    first = issue(http, "C", lang="az")
    second = issue(http, "C", priority=True)
    assert first["ticket"]["number"][0] == "C" and first["ticket"]["status"] == "waiting"
    assert first["ticket"]["lang"] == "az" and second["ticket"]["priority"] is True
    assert second["position"] == 0  # priority goes before the earlier ordinary ticket
    looked_up = http.get(f"/api/v1/tickets/{first['ticket']['id']}").json()
    assert looked_up["ticket"] == first["ticket"] and looked_up["position"] == 1
    state = http.get("/api/v1/sites/demo/state").json()
    assert state["type"] == "snapshot" and state["seq"] == before["seq"] + 2
    assert state["data"]["waiting"]["C"] == before["data"]["waiting"]["C"] + 2
    assert error_code(http.get("/api/v1/tickets/does-not-exist"), 404) == "unknown_ticket"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[1, 2]", 422, "invalid_body"),
        (b"{}", 422, "missing_field"),
        (b'{"service": 1}', 422, "invalid_field"),
        (b'{"service": "A", "priority": "yes"}', 422, "invalid_field"),
        (b'{"service": "A", "lang": "klingon!"}', 422, "invalid_field"),
        (b'{"service": "Z"}', 404, "unknown_service"),
    ],
)
def test_bad_ticket_requests(http: httpx.Client, body: bytes, status: int, code: str) -> None:
    answer = http.post("/api/v1/sites/demo/tickets", content=body, headers=JSON_TYPE)
    assert error_code(answer, status) == code


def test_login(http: httpx.Client) -> None:
    good = http.post(
        "/api/v1/auth/login", json={"username": "admin", "password": "admin-test-pass"}
    )
    assert good.status_code == 200 and good.json()["token"] and good.json()["csrf"]
    assert "loket_session" in good.cookies and "loket_csrf" in good.cookies
    wrong = http.post("/api/v1/auth/login", json={"username": "admin", "password": "nope"})
    assert error_code(wrong, 401) == "bad_credentials"
    nobody = http.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
    assert error_code(nobody, 401) == "bad_credentials"
    assert error_code(http.post("/api/v1/auth/login", json={"username": "a"}), 422)


@pytest.mark.parametrize("action", ["call-next", "recall", "done", "no-show", "transfer"])
def test_staff_actions_need_a_valid_token(http: httpx.Client, action: str) -> None:
    url = f"{COUNTER}/1/{action}"
    assert error_code(http.post(url, json={"service": "B"}), 401) == "login_required"
    bad = {"Authorization": "Bearer not-a-token"}
    assert error_code(http.post(url, json={"service": "B"}, headers=bad), 401) == "bad_token"
    basic = {"Authorization": "Basic YWRtaW46eA=="}
    assert error_code(http.post(url, headers=basic), 401) == "bad_authorization"


def test_the_cookie_needs_the_csrf_token(server) -> None:
    with httpx.Client(base_url=server.url) as browser:
        login(browser)
        assert browser.get("/api/v1/auth/me").json()["user"]["role"] == "admin"
        refused = browser.post(f"{COUNTER}/5/recall")
        assert error_code(refused, 403) == "csrf_failed"
        csrf = browser.cookies["loket_csrf"]
        answer = browser.post(f"{COUNTER}/5/recall", headers={"X-CSRF-Token": csrf})
        assert answer.status_code in (200, 409)
        assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).is_success
        assert error_code(browser.get("/api/v1/auth/me"), 401) == "login_required"


def test_the_calling_loop(http: httpx.Client, admin: dict[str, str]) -> None:
    drain(http, admin, "3")
    first, second = issue(http, "B"), issue(http, "B")
    called = http.post(f"{COUNTER}/3/call-next", headers=admin)
    assert called.status_code == 200
    assert called.json()["ticket"]["ref"] == first["ticket"]["ref"]
    assert "id" not in called.json()["ticket"]  # the holder's secret: not for staff either
    assert called.json()["ticket"]["status"] == "called"
    assert called.json()["ticket"]["counter"] == "3"
    recalled = http.post(f"{COUNTER}/3/recall", headers=admin).json()
    assert recalled["ticket"]["recalls"] == 1 and recalled["seq"] == called.json()["seq"] + 1
    done = http.post(f"{COUNTER}/3/done", headers=admin).json()
    assert done["ticket"]["status"] == "done"
    assert error_code(http.post(f"{COUNTER}/3/done", headers=admin), 409) == "no_current_ticket"
    http.post(f"{COUNTER}/3/call-next", headers=admin)
    gone = http.post(f"{COUNTER}/3/no-show", headers=admin).json()
    assert gone["ticket"]["ref"] == second["ticket"]["ref"]
    assert gone["ticket"]["status"] == "no_show"
    assert error_code(http.post(f"{COUNTER}/3/call-next", headers=admin), 409) == "queue_empty"


def test_call_next_closes_the_current_ticket_first(http, admin) -> None:
    drain(http, admin, "4")
    first, second = issue(http, "B"), issue(http, "B")
    http.post(f"{COUNTER}/4/call-next", headers=admin)
    answer = http.post(f"{COUNTER}/4/call-next", headers=admin).json()
    assert answer["ticket"]["ref"] == second["ticket"]["ref"]
    closed = http.get(f"/api/v1/tickets/{first['ticket']['id']}").json()["ticket"]
    assert closed["status"] == "done"


def test_transfer(http: httpx.Client, admin: dict[str, str]) -> None:
    drain(http, admin, "5")
    drain(http, admin, "6")
    ticket = issue(http, "C")["ticket"]
    http.post(f"{COUNTER}/5/call-next", headers=admin)
    url = f"{COUNTER}/5/transfer"
    assert error_code(http.post(url, json={}, headers=admin), 422) == "missing_field"
    assert error_code(http.post(url, json={"service": "Q"}, headers=admin), 404) == (
        "unknown_service"
    )
    moved = http.post(url, json={"service": "A"}, headers=admin).json()
    assert moved["ticket"]["ref"] == ticket["ref"] and moved["ticket"]["number"] == ticket["number"]
    assert (moved["ticket"]["service"], moved["ticket"]["status"]) == ("A", "waiting")
    assert error_code(http.post(url, json={"service": "A"}, headers=admin), 409) == (
        "no_current_ticket"
    )
    again = http.post(f"{COUNTER}/6/call-next", headers=admin).json()
    assert again["ticket"]["ref"] == ticket["ref"]  # oldest in A by its issue time


def test_idempotency_key(http: httpx.Client, admin: dict[str, str]) -> None:
    drain(http, admin, "2")
    issue(http, "A")
    issue(http, "A")
    key = {**admin, "Idempotency-Key": str(uuid.uuid4())}
    first = http.post(f"{COUNTER}/2/call-next", headers=key)
    again = http.post(f"{COUNTER}/2/call-next", headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    long_key = {**admin, "Idempotency-Key": "k" * 500}
    assert error_code(http.post(f"{COUNTER}/2/call-next", headers=long_key), 422) == (
        "invalid_header"
    )


def test_unknown_counter_site_and_routes(http: httpx.Client, admin: dict[str, str]) -> None:
    assert error_code(http.post(f"{COUNTER}/99/call-next", headers=admin), 404) == (
        "unknown_counter"
    )
    url = "/api/v1/sites/nowhere/counters/1/call-next"
    assert error_code(http.post(url, headers=admin), 404) == "unknown_site"
    assert error_code(http.get("/api/v1/nothing-here"), 404) == "not_found"
    assert error_code(http.delete("/api/v1/sites"), 405) == "method_not_allowed"


def test_users_limited_to_counters(http: httpx.Client, admin: dict[str, str]) -> None:
    name = f"clerk{uuid.uuid4().hex[:6]}"
    body = {"username": name, "password": "counter-one-pw", "counters": ["demo/1"]}
    created = http.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json()["user"] == {
        "username": name,
        "role": "staff",
        "counters": ["demo/1"],
        "disabled": False,
    }
    assert error_code(http.post("/api/v1/users", json=body, headers=admin), 409) == "user_exists"
    clerk = {"Authorization": f"Bearer {login(http, name, 'counter-one-pw')}"}
    assert http.post(f"{COUNTER}/1/recall", headers=clerk).status_code in (200, 409)
    assert error_code(http.post(f"{COUNTER}/2/recall", headers=clerk), 403) == "forbidden"
    assert error_code(http.get("/api/v1/users", headers=clerk), 403) == "admin_only"
    assert error_code(http.post("/api/v1/users", json=body, headers=clerk), 403) == "admin_only"
    names = [u["username"] for u in http.get("/api/v1/users", headers=admin).json()["users"]]
    assert name in names and "admin" in names


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "Bad Name", "password": "long-enough"}, 422, "invalid_username"),
        ({"username": "shorty", "password": "short"}, 422, "password_too_short"),
        ({"username": "roley", "password": "long-enough", "role": "king"}, 422, "invalid_role"),
        (
            {"username": "far", "password": "long-enough", "counters": ["demo/9"]},
            404,
            "unknown_counter",
        ),
        (
            {"username": "far", "password": "long-enough", "counters": "demo/1"},
            422,
            "invalid_field",
        ),
    ],
)
def test_bad_users(http: httpx.Client, admin, body: dict, status: int, code: str) -> None:
    assert error_code(http.post("/api/v1/users", json=body, headers=admin), status) == code


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
bodies = (
    st.dictionaries(
        st.sampled_from(["service", "priority", "lang", "username", "password", "x"]),
        json_values,
        max_size=4,
    )
    | json_values
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=bodies,
    path=st.sampled_from(
        [
            "/api/v1/sites/demo/tickets",
            "/api/v1/auth/login",
            f"{COUNTER}/1/transfer",
            "/api/v1/users",
        ]
    ),
)
def test_any_json_body_gets_a_clear_answer(http, admin, body, path) -> None:
    answer = http.post(path, content=json.dumps(body), headers={**admin, **JSON_TYPE})
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.json()["error"]["code"]
