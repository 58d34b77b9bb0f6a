"""Reading JSON bodies: bad JSON is a 400, a wrong shape or type a 422, one over the limit
a 413 before it is read whole, never a 500."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from starlette.requests import Request

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid, ServiceError, TooLarge

T = TypeVar("T")
MAX_BODY = 64 * 1024


class BadJson(ServiceError):
    status = 400
    code = ErrorCode.INVALID_JSON


def parse_json(raw: str | bytes) -> Any:
    """json.loads; nesting deeper than the parser goes (a RecursionError) is not JSON either."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply") from None


async def _limited_body(request: Request) -> bytes:
    """The body, read only while it stays within MAX_BODY: a client that declares more, or
    sends more, is refused before the rest is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge(f"The body is over {MAX_BODY} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge(f"The body is over {MAX_BODY} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(request: Request, required: bool = True) -> dict[str, Any]:
    raw = await _limited_body(request)
    if not raw.strip() and not required:
        return {}
    try:
        value = parse_json(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadJson("The body is not valid JSON.") from None
    if not isinstance(value, dict):
        raise Invalid("The body must be a JSON object.", ErrorCode.INVALID_BODY)
    return value


def field(body: dict[str, Any], name: str, kind: type[T], default: Any = ...) -> T:
    """`body[name]` of type `kind`; missing with no default, or of another type: 422."""
    if name not in body or body[name] is None:
        if default is ...:
            raise Invalid(f"The field {name!r} is required.", ErrorCode.MISSING_FIELD)
        return default
    value = body[name]
    # bool is an int in Python; JSON true is not a number
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Invalid(f"The field {name!r} must be a {_json_name(kind)}.", ErrorCode.INVALID_FIELD)
    return value


def string_list(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(f"The field {name!r} must be a list of strings.", ErrorCode.INVALID_FIELD)
    return value


def _json_name(kind: type) -> str:
    return {str: "string", bool: "boolean", int: "integer", dict: "object"}.get(kind, kind.__name__)
