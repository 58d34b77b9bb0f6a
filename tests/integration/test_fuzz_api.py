"""Fuzzing the HTTP API (issue 14): schemathesis reads GET /api/v1/openapi.json from a real
`loket serve` — on SQLite and on Redis — and sends every operation it describes valid and
invalid requests, as the admin. Every answer must be no 5xx and conform to the document:
a documented status, its content type, its schema (an error's code among those listed).

The document is made of the routes the server has, so whatever endpoint is added is fuzzed
too. Bounded: a few dozen examples per operation. The admin is kept able to work: the
token is taken before the fuzzing starts (failed logins then only throttle logins), and
nobody fuzzes the admin's own account or session away.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import login
from tests.support.redis import RedisServer
from tests.support.server import LoketServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# per operation and mode; LOKET_FUZZ_EXAMPLES=500 to look harder
EXAMPLES = int(os.environ.get("LOKET_FUZZ_EXAMPLES", "25"))
# the admin's own account and session stay: fuzzed, they would only answer 401 after
ADMIN_SELF = {("POST", "/api/v1/auth/logout")}


Fuzzed = tuple[LoketServer, str, dict[str, str]]  # the server, the admin's token, real names


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    with ExitStack() as stack:
        args: list[str] = []
        if request.param == "redis":
            redis = stack.enter_context(RedisServer(workdir / "redis").running())
            args = ["--store", redis.url()]
        server = stack.enter_context(LoketServer(workdir, *args).running())
        with httpx.Client(base_url=server.url, timeout=10) as http:
            token = login(http)
            ticket = http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).json()
        known = {"site": "demo", "counter": "1", "service": "A", "lang": "id"}
        yield server, token, {**known, "ticket_id": ticket["ticket"]["id"]}


def test_every_answer_conforms_to_the_document(fuzzed: Fuzzed) -> None:
    server, token, known = fuzzed
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    schema.config.update(base_url=server.url, request_timeout=10)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in _modes(operation):
            try:
                _fuzz(operation, mode, token, known)
            except (
                Exception,
                BaseExceptionGroup,
            ) as failed:  # every operation is fuzzed; all failures are told
                failures.append(f"{operation.label} ({mode.value}): {failed}")
    assert not failures, "\n\n".join(failures)


def _modes(operation: schemathesis.APIOperation) -> list[GenerationMode]:
    """Valid requests; and invalid ones, where there is anything to make invalid."""
    inputs = (operation.path_parameters, operation.headers, operation.query, operation.body)
    invalid = [GenerationMode.NEGATIVE] if any(len(each) for each in inputs) else []
    return [GenerationMode.POSITIVE, *invalid]


def _fuzz(
    operation: schemathesis.APIOperation, mode: GenerationMode, token: str, known: dict[str, str]
) -> None:
    label = (operation.method.upper(), operation.path)
    headers = {} if label in ADMIN_SELF else _bearer(token)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def run(case: schemathesis.Case, real: bool) -> None:
        if real:  # things that exist, half of the time: answers beyond "unknown"
            _use(case, known)
            if "/counters/" in case.path and not case.path.endswith("call-next"):
                _serve_one(case.operation.schema.get_base_url(), token)
        if (case.path_parameters or {}).get("username") == "admin":
            case.path_parameters = {**(case.path_parameters or {}), "username": "someone"}
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def _use(case: schemathesis.Case, known: dict[str, str]) -> None:
    """The case, with the names of real things where it has such a parameter or field."""
    if case.path_parameters:
        case.path_parameters = {
            name: known.get(name, value) for name, value in case.path_parameters.items()
        }
    if isinstance(case.body, dict) and "service" in case.body:
        case.body = {**case.body, "service": known["service"]}


def _serve_one(url: str, token: str) -> None:
    """Counter 1 gets a current ticket, for the actions on it to act on."""
    with httpx.Client(base_url=url, headers=_bearer(token), timeout=10) as http:
        http.post("/api/v1/sites/demo/tickets", json={"service": "A"}).raise_for_status()
        http.post("/api/v1/sites/demo/counters/1/call-next").raise_for_status()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
