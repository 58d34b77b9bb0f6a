"""Names people give things (a kiosk, a screen): one line of text, bounded."""

from __future__ import annotations

import re

from loket.server.domain.error_codes import ErrorCode
from loket.server.errors import Invalid

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str, limit: int, what: str) -> str:
    """`text` without spaces around it; Invalid unless it has 1 to `limit` characters on
    one line (a name is shown in a table cell: no line breaks, tabs or escapes)."""
    text = text.strip()
    if not text or len(text) > limit or _CONTROL.search(text) or not _encodable(text):
        raise Invalid(f"{what} has 1 to {limit} characters, on one line.", ErrorCode.INVALID_FIELD)
    return text


def _encodable(text: str) -> bool:
    """JSON may carry a lone surrogate ("\\ud800"); no store can keep it as text."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
