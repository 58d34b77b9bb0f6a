"""`GET /api/v1/openapi.json` (CONTRACT 6.8): the OpenAPI 3.1 document of the HTTP API.

Made from one table (operations.py) and one set of schemas (schemas.py), and only of the
operations this app routes, so that it never describes what the server does not answer.
tests/unit/test_openapi.py holds the table and the routes to each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from loket.server.domain.site import Site
from loket.server.protocol import dumps
from loket.server.web.openapi.codes import CONNECTION, STATUS_OF
from loket.server.web.openapi.operations import (
    ADMIN,
    ANYONE,
    JSON,
    METRICS,
    OPERATIONS,
    STAFF,
    SUPERVISOR,
    Operation,
)
from loket.server.web.openapi.schemas import SCHEMAS, Schema, ref
from loket.server.web.state import service_of

PATH = "/api/v1/openapi.json"
VERSION = "1.1.0"

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "the token of a login"},
    "session": {"type": "apiKey", "in": "cookie", "name": "loket_session"},
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "the `csrf` of the login (also the cookie loket_csrf), with the cookie",
    },
}
_READ: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]
_CHANGE: list[dict[str, list[str]]] = [{"bearer": []}, {"session": [], "csrf": []}]
_DESCRIPTIONS = {
    400: "Not JSON",
    408: "The request did not arrive whole in time",
    401: "Not logged in, or the credentials are wrong",
    403: "Not allowed",
    404: "Unknown",
    409: "Refused by the state of things",
    413: "The body is over 64 KB",
    415: "Not a JSON body",
    422: "A body or field of the wrong shape",
    429: "Too many; try again after Retry-After seconds",
    431: "The request's line and headers are too large",
    503: "Unavailable for now (the store, or speech)",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}


def routed(routes: Iterable[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every HTTP route, methods in lower case; HEAD goes with GET."""
    return {
        (method.lower(), route.path)
        for route in routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }


def document(
    operations: Iterable[Operation] = OPERATIONS, examples: dict[str, str] | None = None
) -> dict[str, Any]:
    """`examples`: a value for parameters and body fields of that name (this server's own
    site, counter, service), so that a reader, or a fuzzer, can try one that exists."""
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method] = _operation(
            operation, examples or {}
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Loket",
            "version": VERSION,
            "description": "Queue calling for public service halls. Every error answers "
            '`{"error": {"code", "message"}}`; the codes each operation may answer are '
            "listed under its statuses.",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }


def of_routes(routes: Iterable[BaseRoute], sites: Iterable[Site] = ()) -> dict[str, Any]:
    """The document of the operations these routes serve, with examples from the first
    of `sites`."""
    served = routed(routes)
    first = next(iter(sites), None)
    examples = {}
    if first is not None:
        examples = {
            "site": first.id,
            "counter": first.counters[0].id,
            "service": first.services[0].id,
        }
    return document((op for op in OPERATIONS if (op.method, op.path) in served), examples)


def _example(schema: Schema, name: str, examples: dict[str, str]) -> Schema:
    return {**schema, "examples": [examples[name]]} if name in examples else schema


def _operation(op: Operation, examples: dict[str, str]) -> dict[str, Any]:
    answer: Schema = {"type": "string"} if op.answer is None else op.answer
    done: dict[str, Any] = {"description": "Done"}
    if op.status != 204:
        done["content"] = {op.media: {"schema": answer}}
        for media in op.other_media:
            done["content"][media] = {"schema": {"type": "string"}}
    result: dict[str, Any] = {
        "operationId": re.sub(r"[^A-Za-z0-9]+", "_", f"{op.method}{op.path}").strip("_"),
        "summary": op.summary,
        "responses": {
            str(op.status): done,
            **_errors((*op.errors, *CONNECTION)),
        },
    }
    if op.params:
        result["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required,
                "schema": _example(p.schema, p.name, examples),
            }
            for p in op.params
        ]
    if op.body is not None:
        result["requestBody"] = {
            "required": op.body_required,
            "content": {JSON: {"schema": _body(op.body, examples)}},
        }
    if op.who in (STAFF, ADMIN, SUPERVISOR):
        result["security"] = _READ if op.method == "get" else _CHANGE
    elif op.who == METRICS:
        result["security"] = [{"bearer": []}, {}]  # {}: from the server's own machine
    else:
        assert op.who == ANYONE
    return result


def _body(schema: Schema, examples: dict[str, str]) -> Schema:
    fields = schema.get("properties", {})
    return {**schema, "properties": {k: _example(v, k, examples) for k, v in fields.items()}}


def _errors(codes: Iterable[str]) -> dict[str, Any]:
    by_status: dict[int, set[str]] = {}
    for code in codes:
        by_status.setdefault(STATUS_OF[code], set()).add(str(code))
    responses: dict[str, Any] = {}
    for status, named in sorted(by_status.items()):
        schema = {
            "allOf": [
                ref("Error"),
                {"properties": {"error": {"properties": {"code": {"enum": sorted(named)}}}}},
            ]
        }
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[status],
            "content": {JSON: {"schema": schema}},
        }
        if status == 429:
            response["headers"] = RETRY_AFTER
        responses[str(status)] = response
    return responses


async def openapi_json(request: Request) -> Response:
    text: str | None = getattr(request.app.state, "openapi", None)
    if text is None:  # made once per app, from its own routes
        sites = service_of(request).sites.values()
        text = request.app.state.openapi = dumps(of_routes(request.app.routes, sites))
    return Response(text, media_type=JSON)


ROUTES = [Route(PATH, openapi_json)]
