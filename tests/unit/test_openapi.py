"""The OpenAPI document (CONTRACT 6.8) and the app's routes hold each other: every HTTP
route of the API is documented, every documented operation is routed, every error code
named has its status; and the document is valid OpenAPI 3.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from starlette.routing import Route

from loket.server.app import create_app
from loket.server.config import load_sites
from loket.server.domain.error_codes import ErrorCode
from loket.server.settings import Settings
from loket.server.web import pages
from loket.server.web.openapi import codes, document, of_routes, routed
from loket.server.web.openapi.operations import OPERATIONS

# CONTRACT 6.6 and 6.7, documented here and routed by the branches that add them: once one
# is routed, the test below says so and it leaves this list


@pytest.fixture(scope="module")
def served() -> set[tuple[str, str]]:
    app = create_app(Settings(store="sqlite:///unused.db", audio_cache=Path("unused")))
    html = {(method.lower(), route.path) for route in pages.ROUTES if isinstance(route, Route)
            for method in route.methods or () if method != "HEAD"}  # fmt: skip
    return routed(app.routes) - html


def test_every_route_is_documented(served: set[tuple[str, str]]) -> None:
    documented = {(op.method, op.path) for op in OPERATIONS}
    assert served - documented == set()


def test_every_documented_operation_is_routed(served: set[tuple[str, str]]) -> None:
    documented = {(op.method, op.path) for op in OPERATIONS}
    assert documented == served


def test_the_document_served_has_only_what_is_routed(served: set[tuple[str, str]]) -> None:
    app = create_app(Settings(store="sqlite:///unused.db", audio_cache=Path("unused")))
    paths = of_routes(app.routes)["paths"]
    assert {(method, path) for path, ops in paths.items() for method in ops} == served


def test_every_code_named_is_an_error_code_with_a_status() -> None:
    known = {code.value for code in ErrorCode}
    for op in OPERATIONS:
        for code in op.errors:
            assert code in known, (op.path, code)
            assert codes.STATUS_OF[code] in range(400, 600)


@pytest.mark.parametrize("full", [True, False])
def test_the_document_is_valid_openapi_3_1(full: bool) -> None:
    doc = document() if full else of_routes([], load_sites(None))
    OpenAPIV31SpecValidator(doc).validate()
    assert doc["openapi"] == "3.1.0"


def test_errors_are_grouped_by_status_with_their_codes() -> None:
    answers = document()["paths"]["/api/v1/sites/{site}/counters/{counter}/call-next"]["post"]
    codes_409 = answers["responses"]["409"]["content"]["application/json"]["schema"]
    assert codes_409["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"] == [
        "queue_empty"
    ]
    assert (
        "Retry-After"
        in document()["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]["headers"]
    )
    assert {"bearer": []} in answers["security"]


def test_examples_are_the_servers_own_site() -> None:
    sites = load_sites(None)
    doc = of_routes(
        [Route("/api/v1/sites/{site}/tickets", lambda r: None, methods=["POST"])], sites
    )
    issue = doc["paths"]["/api/v1/sites/{site}/tickets"]["post"]
    assert issue["parameters"][0]["schema"]["examples"] == ["demo"]
    body = issue["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["service"]["examples"] == ["A"]
