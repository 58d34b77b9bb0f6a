"""How a language writes days, moments and times (CLDR data through Babel), in one place:
the server writes its own text with these patterns, and hands the same patterns, with the
names they need, to page scripts (static/js/calendar.js fillPattern). Browsers built with
reduced locale data know no month names in some languages (Chromium writes Azerbaijani as
"2026 M12 6"), so the pages do not use their own Intl data for words."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_datetime, format_skeleton, match_skeleton

Format = dict[str, object]  # {"pattern": CLDR pattern, "months"?: [...], "weekdays"?: [...]}

DAY_SKELETON = "MMMMEEEEd"  # weekday, day and month in words: "Sunday, December 6"
MONTH_IN_WORDS = re.compile(r"(?<!')[ML]{3,}")  # MMM, MMMM (LLL: the same, standalone)


def locale_for(lang: str) -> Locale:
    """The language's CLDR data; English for a code Babel does not know."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _with_names(locale: Locale, pattern: str, weekdays: bool = False) -> Format:
    """The pattern and the names its fields in words need: the months when it has any (in
    full for MMMM, as declined after a day: "6 декабря"), the weekdays in full, Monday first."""
    written: Format = {"pattern": pattern}
    if found := MONTH_IN_WORDS.search(pattern):
        width = "wide" if len(found.group()) >= 4 else "abbreviated"
        written["months"] = [str(locale.months["format"][width][m]) for m in range(1, 13)]
    if weekdays:
        written["weekdays"] = [str(locale.days["format"]["wide"][i]) for i in range(7)]
    return written


def day_format(lang: str) -> Format:
    """A day with its weekday, for the hall display: "EEEE, d MMMM" or as close as the
    language has ("E, d MMMM": E filled with the weekday in full, "Minggu, 6 Desember")."""
    locale = locale_for(lang)
    skeleton = match_skeleton(DAY_SKELETON, locale.datetime_skeletons) or "MMMMEd"
    return _with_names(locale, str(locale.datetime_skeletons[skeleton].pattern), weekdays=True)


def _time_pattern(locale: Locale) -> str:
    return str(locale.datetime_skeletons["Hm"].pattern)


def _moment_pattern(locale: Locale) -> str:
    date_pattern = locale.datetime_skeletons["yMMMd"].pattern
    joined = str(locale.datetime_formats["medium"])  # how the language joins them: "{1}, {0}"
    return joined.replace("{1}", date_pattern).replace("{0}", _time_pattern(locale))


def moment_format(lang: str) -> Format:
    """A moment, medium length, 24-hour, the month as a word (never "12/06/2026", read
    either way round): "d MMM y HH.mm", "MMM d, y, HH:mm", with the month names."""
    locale = locale_for(lang)
    return _with_names(locale, _moment_pattern(locale))


def time_format(lang: str) -> Format:
    """A time of day, 24-hour: "HH.mm" in Indonesian, "HH:mm" in English."""
    locale = locale_for(lang)
    return _with_names(locale, _time_pattern(locale))


def moment_text(moment: datetime, lang: str, timezone: str) -> str:
    """Date and time as people of that language write them, at the site's clock:
    '6 Des 2026 07.38', 'Dec 6, 2026, 07:38', '6 дек. 2026 г., 07:38'."""
    locale = locale_for(lang)
    return format_datetime(
        moment.astimezone(ZoneInfo(timezone)), _moment_pattern(locale), locale=locale
    )


def day_text(day: date, lang: str) -> str:
    """A calendar day written out in the language: '28 November 2026'."""
    return format_skeleton("yMMMMd", day, locale=locale_for(lang))


def _skeleton_pattern(locale: Locale, skeleton: str) -> str:
    return str(locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)])


def _short_names(locale: Locale, pattern: str) -> Format:
    """The pattern with the abbreviated month and weekday names its fields need."""
    return {
        "pattern": pattern,
        "months": [str(locale.months["format"]["abbreviated"][m]) for m in range(1, 13)],
        "weekdays": [str(locale.days["format"]["abbreviated"][i]) for i in range(7)],
    }


def first_week_day(lang: str, timezone: str) -> int:
    """The day a week starts on where the site is (0 Monday … 6 Sunday): CLDR's week data
    is by territory, which the site's time zone tells ("Asia/Jakarta": Indonesia, Sunday)
    whatever the page's language; without one, the language's own."""
    territory = get_global("zone_territories").get(timezone)
    try:
        where = Locale.parse(f"und_{territory}") if territory else locale_for(lang)
    except (UnknownLocaleError, ValueError):
        where = locale_for(lang)
    return int(where.first_week_day)


def number_format(locale: Locale) -> dict[str, str]:
    """How numbers and percentages are written: the grouping sign ("4.118", "4 118"), the
    decimal sign ("87,50") and the percent pattern ("#,##0 %"); pages do not rely on the
    browser's own data."""
    symbols = locale.number_symbols
    latin = symbols["latn"] if "latn" in symbols else symbols  # Babel ≥ 2.14 keys by system
    return {
        "group": str(latin["group"]),
        "decimal": str(latin["decimal"]),
        "percent": str(locale.percent_formats[None].pattern),
    }


DURATION_UNITS = ("hour", "minute", "second")


def report_format(lang: str, timezone: str) -> dict[str, object]:
    """What the reports page writes dates, hours, weekdays and durations with: CLDR
    patterns and names (static/js/calendar.js fillPattern), the short units' plural
    patterns ("{0} min") and the week's first day at the site."""
    locale = locale_for(lang)
    units = locale._data["unit_patterns"]
    return {
        "first_week_day": first_week_day(lang, timezone),
        "date": _short_names(locale, _skeleton_pattern(locale, "yMMMd")),
        "day": _short_names(locale, _skeleton_pattern(locale, "yMMMEd")),
        "day_short": _short_names(locale, _skeleton_pattern(locale, "MMMd")),
        "weekdays": [str(locale.days["stand-alone"]["wide"][i]) for i in range(7)],
        "time": time_format(lang),
        "moment": moment_format(lang),
        "number": number_format(locale),
        "units": {
            unit: {
                form: str(text)
                for form, text in units[f"duration-{unit}"]["short"].items()
                if form != "per"
            }
            for unit in DURATION_UNITS
        },
    }
