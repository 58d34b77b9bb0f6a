"""Site descriptions (TOML, CONTRACT section 2), validated with messages naming the place."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loket.server.config.announcements import check_sayable, parse_announcements
from loket.server.domain.site import Counter, DisplayLabels, Service, Site
from loket.server.reader import LANG, ConfigError, Reader

SITE_ID = re.compile(r"[a-z0-9-]+")
SERVICE_ID = re.compile(r"[A-Z]{1,3}")
COUNTER_ID = re.compile(r"[A-Za-z0-9-]+")
MAX_WAITING = 100_000
MAX_TARGET_WAIT_MIN = 24 * 60
PAPER_WIDTHS = (80, 58)  # the common thermal rolls, in mm; the print styles know these two


def _display(r: Reader, raw: Any, place: str) -> DisplayLabels:
    """`[sites.display]`: `labels = "rotate" | "pair" | "single"`, `rotate_seconds = 8`."""
    table = r.table(raw, place)
    for key in table:
        if key not in ("labels", "rotate_seconds"):
            raise r.fail(f"{place}.{key}", "unknown key (known: labels, rotate_seconds)")
    default = DisplayLabels()
    mode = table.get("labels", default.mode)
    if mode not in DisplayLabels.MODES:
        raise r.fail(f"{place}.labels", f"must be one of {', '.join(DisplayLabels.MODES)}")
    seconds = table.get("rotate_seconds", default.seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 2 <= seconds <= 120:
        raise r.fail(f"{place}.rotate_seconds", "must be a whole number from 2 to 120")
    return DisplayLabels(mode, seconds)


def _max_waiting(r: Reader, raw: dict[str, Any], place: str) -> int | None:
    """`max_waiting = N` (optional): at N people waiting, the service takes no more."""
    value = raw.get("max_waiting")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WAITING:
        raise r.fail(
            f"{place}.max_waiting",
            f"must be a whole number from 1 to {MAX_WAITING} (leave it out for no limit), "
            f"not {value!r}",
        )
    return value


def _target_wait(r: Reader, raw: dict[str, Any], place: str) -> float | None:
    """`target_wait_min = 15` (optional): the longest wait the office promises (6.3)."""
    value = raw.get("target_wait_min")
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= MAX_TARGET_WAIT_MIN
    ):
        raise r.fail(
            f"{place}.target_wait_min",
            f"must be a number of minutes above 0 and at most {MAX_TARGET_WAIT_MIN} "
            f"(leave it out for no target), not {value!r}",
        )
    return float(value)


def _paper_mm(r: Reader, raw: dict[str, Any], place: str) -> int:
    """`paper_mm = 58` (optional, default 80): the width of the kiosks' ticket printer roll."""
    value = raw.get("paper_mm", PAPER_WIDTHS[0])
    if isinstance(value, bool) or not isinstance(value, int) or value not in PAPER_WIDTHS:
        raise r.fail(
            f"{place}.paper_mm", f"must be 80 or 58 (mm, the printer's roll), not {value!r}"
        )
    return value


def _flag(r: Reader, raw: dict[str, Any], key: str, default: bool, place: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise r.fail(f"{place}.{key}", f"must be true or false, not {value!r}")
    return value


def _site(r: Reader, raw: dict[str, Any], place: str) -> Site:
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
            max_waiting=_max_waiting(r, s, sp),
            target_wait_min=_target_wait(r, s, sp),
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
    announcements = parse_announcements(
        r, raw.get("announcements", {}), f"{place}.announcements", languages
    )
    check_sayable(r, announcements, languages, f"{place}.languages")
    return Site(
        id=site_id,
        name=r.names(r.field(raw, "name", place), f"{place}.name", languages),
        timezone=timezone,
        languages=languages,
        services=services,
        counters=tuple(counters),
        ticker={} if ticker is None else r.names(ticker, f"{place}.ticker", languages),
        display=_display(r, raw.get("display", {}), f"{place}.display"),
        announcements=announcements,
        remote_tickets=_flag(r, raw, "remote_tickets", True, place),
        paper_mm=_paper_mm(r, raw, place),
        announce_transfers=_flag(r, raw, "announce_transfers", False, place),
    )


def parse_sites(text: str, source: str, base: Path | None = None) -> tuple[Site, ...]:
    """`base`: the folder that relative paths in the text (chime, voice packs) start from."""
    r = Reader(source, base)
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
        demo = resources.files("loket.server").joinpath("demo.toml").read_text(encoding="utf-8")
        return parse_sites(demo, "built-in demo site")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), "", f"cannot read it: {error}") from None
    return parse_sites(text, str(path), path.parent)
