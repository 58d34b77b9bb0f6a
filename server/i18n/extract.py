"""A Babel extractor for the page scripts' strings (server/web/strings.py), which are kept
as one readable table per page rather than as calls: each becomes `pgettext(key, text)`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import IO, Any

ExtractedMessage = tuple[int, str, tuple[str, str], list[str]]


def extract_page_strings(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[ExtractedMessage]:
    """Every `"key": "text"` pair of a dict literal in the file, with its line number."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                yield key.lineno, "pgettext", (key.value, value.value), []
