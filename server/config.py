"""Site descriptions (TOML, CONTRACT section 2), validated with messages naming the place."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server.domain.site import Counter, Names, Service, Site

SITE_ID = re.compile(r"[a-z0-9-]+")
SERVICE_ID = re.compile(r"[A-Z]{1,3}")
COUNTER_ID = re.compile(r"[A-Za-z0-9-]+")
LANG = re.compile(r"[a-z]{2,3}")


class ConfigError(Exception):
    """A problem in a site file: which file, where in it, and what is wrong."""

    def __init__(self, source: str, place: str, problem: str) -> None:
        super().__init__(f"{source}: {place}: {problem}" if place else f"{source}: {problem}")
        self.source, self.place, self.problem = source, place, problem


@dataclass(frozen=True, slots=True)
class _Reader:
    source: str

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


def _site(r: _Reader, raw: dict[str, Any], place: str) -> Site:
    site_id = r.ident(r.field(raw, "id", place), SITE_ID, f"{place}.id", "site id")
    langs_raw = r.field(raw, "languages", place)
    if not isinstance(langs_raw, list) or not langs_raw:
        raise r.fail(f"{place}.languages", "must be a non-empty array of language codes")
    languages = tuple(
        r.ident(lang, LANG, f"{place}.languages[{i}]", "language code")
        for i, lang in enumerate(langs_raw)
    )
    timezone = r.field(raw, "timezone", place)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise r.fail(f"{place}.timezone", f"unknown time zone {timezone!r}") from None
    services = tuple(
        Service(
            id=r.ident(r.field(s, "id", sp), SERVICE_ID, f"{sp}.id", "service id"),
            name=r.names(r.field(s, "name", sp), f"{sp}.name", languages),
        )
        for i, s in enumerate(r.items(r.field(raw, "services", place), f"{place}.services"))
        for sp in [f"{place}.services[{i}]"]
    )
    r.unique([s.id for s in services], f"{place}.services", "service")
    known = {s.id for s in services}
    counters = []
    for i, c in enumerate(r.items(r.field(raw, "counters", place), f"{place}.counters")):
        cp = f"{place}.counters[{i}]"
        served = r.field(c, "services", cp)
        if not isinstance(served, list) or not served:
            raise r.fail(f"{cp}.services", "must be a non-empty array of service ids")
        for j, service in enumerate(served):
            if service not in known:
                raise r.fail(f"{cp}.services[{j}]", f"unknown service {service!r}")
        counters.append(
            Counter(
                id=r.ident(r.field(c, "id", cp), COUNTER_ID, f"{cp}.id", "counter id"),
                name=r.names(r.field(c, "name", cp), f"{cp}.name", languages),
                services=tuple(served),
            )
        )
    r.unique([c.id for c in counters], f"{place}.counters", "counter")
    ticker = raw.get("ticker")
    return Site(
        id=site_id,
        name=r.names(r.field(raw, "name", place), f"{place}.name", languages),
        timezone=timezone,
        languages=languages,
        services=services,
        counters=tuple(counters),
        ticker={} if ticker is None else r.names(ticker, f"{place}.ticker", languages),
    )


def parse_sites(text: str, source: str) -> tuple[Site, ...]:
    r = _Reader(source)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise r.fail("", f"not valid TOML: {error}") from None
    sites = tuple(
        _site(r, raw, f"sites[{i}]")
        for i, raw in enumerate(r.items(r.field(document, "sites", ""), "sites"))
    )
    r.unique([s.id for s in sites], "sites", "site")
    return sites


def load_sites(path: Path | None) -> tuple[Site, ...]:
    """Sites from a file, or the built-in demo site when `path` is None."""
    if path is None:
        demo = resources.files("server").joinpath("demo.toml").read_text(encoding="utf-8")
        return parse_sites(demo, "built-in demo site")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), "", f"cannot read it: {error}") from None
    return parse_sites(text, str(path))
