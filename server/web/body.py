"""Reading JSON bodies: bad JSON is a 400, a wrong shape or type a 422, never a 500."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from starlette.requests import Request

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid, ServiceError

T = TypeVar("T")
MAX_BODY = 64 * 1024


class BadJson(ServiceError):
    status = 400
    code = ErrorCode.INVALID_JSON


async def json_object(request: Request, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ServiceError("The body is too large.", ErrorCode.BODY_TOO_LARGE)
    if not raw.strip() and not required:
        return {}
    try:
        value = json.loads(raw)
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
