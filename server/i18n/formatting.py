"""Dates and times in the page's language (CLDR data through Babel), at the site's clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_skeleton


def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def moment_format(lang: str) -> dict[str, Any]:
    """How the language writes a moment, medium length, 24-hour, the month as a word (never
    "12/06/2026", read either way round): the CLDR pattern ("d MMM y HH.mm", "MMM d, y,
    HH:mm") with its month names, for the browser too (ticketcard.js formatMoment): its
    Intl data may lack a language (Chromium writes Azerbaijani as "2026 M12 6")."""
    locale = _locale(lang)
    date = locale.datetime_skeletons["yMMMd"].pattern
    time = locale.datetime_skeletons["Hm"].pattern
    joined = str(locale.datetime_formats["medium"])  # how the language joins them: "{1}, {0}"
    pattern = joined.replace("{1}", date).replace("{0}", time)
    width = "wide" if "MMMM" in pattern else "abbreviated"
    months = [locale.months["format"][width][month] for month in range(1, 13)]
    return {"pattern": pattern, "months": months}


def moment_text(moment: datetime, lang: str, timezone: str) -> str:
    """Date and time as people of that language write them: '6 Des 2026 07.38',
    'Dec 6, 2026, 07:38', '6 дек. 2026 г., 07:38'."""
    local = moment.astimezone(ZoneInfo(timezone))
    pattern = moment_format(lang)["pattern"]
    return format_datetime(local, pattern, locale=_locale(lang))


def day_text(day: date, lang: str) -> str:
    """A calendar day written out in the language: '28 November 2026'."""
    return format_skeleton("yMMMMd", day, locale=_locale(lang))
