"""Dates and times in the page's language (CLDR data through Babel), at the site's clock."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def moment_text(moment: datetime, lang: str, timezone: str) -> str:
    """Date and time as people of that language write them, 24-hour: '28.11.2026 15:02'."""
    local, locale = moment.astimezone(ZoneInfo(timezone)), _locale(lang)
    date = format_skeleton("yMd", local, locale=locale)
    time = format_skeleton("Hm", local, locale=locale)
    pattern = str(locale.datetime_formats["short"])  # how the language joins them: "{1}, {0}"
    return pattern.replace("{1}", date).replace("{0}", time).replace("'", "")


def day_text(day: date, lang: str) -> str:
    """A calendar day written out in the language: '28 November 2026'."""
    return format_skeleton("yMMMMd", day, locale=_locale(lang))
