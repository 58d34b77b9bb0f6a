"""Reading a site file: the error type and the checks that name the place of a problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loket.server.domain.site import Names

LANG = re.compile(r"[a-z]{2,3}")


class ConfigError(Exception):
    """A problem in a site file: which file, where in it, and what is wrong."""

    def __init__(self, source: str, place: str, problem: str) -> None:
        super().__init__(f"{source}: {place}: {problem}" if place else f"{source}: {problem}")
        self.source, self.place, self.problem = source, place, problem


@dataclass(frozen=True, slots=True)
class Reader:
    source: str
    base: Path | None = None  # the folder of the file: relative paths start there

    def fail(self, place: str, problem: str) -> ConfigError:
        return ConfigError(self.source, place, problem)

    def table(self, value: Any, place: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(place, f"must be a table, not {type(value).__name__}")
        return value

    def field(self, table: dict[str, Any], key: str, place: str) -> Any:
        if key not in table:
            raise self.fail(place, f"missing required key {key!r}")
        return table[key]

    def ident(self, value: Any, pattern: re.Pattern[str], place: str, what: str) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise self.fail(
                place, f"{value!r} is not a valid {what} (must match {pattern.pattern})"
            )
        return value

    def names(self, value: Any, place: str, languages: tuple[str, ...]) -> Names:
        names = self.table(value, place)
        if not names:
            raise self.fail(place, 'needs at least one language, e.g. { en = "..." }')
        for lang, text in names.items():
            if not isinstance(text, str) or not text.strip():
                raise self.fail(f"{place}.{lang}", "must be a non-empty string")
        if languages and not set(names) & set(languages):
            raise self.fail(place, f"has none of the site's languages {list(languages)}")
        return dict(names)

    def items(self, value: Any, place: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise self.fail(place, "must be a non-empty array of tables")
        return [self.table(item, f"{place}[{i}]") for i, item in enumerate(value)]

    def unique(self, ids: list[str], place: str, what: str) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                raise self.fail(f"{place}[{i}].id", f"duplicate {what} id {ident!r}")
            seen.add(ident)
