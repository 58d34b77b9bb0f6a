"""A language's names of the weekdays and months, and how it writes a day with them (CLDR
data through Babel), for a page script that writes the date itself: browsers built with
reduced locale data know no month names in some languages (Chromium: Azerbaijani)."""

from __future__ import annotations

from babel.dates import match_skeleton

from loket.server.i18n.formatting import _locale

DAY_SKELETON = "MMMMEEEEd"  # weekday, day and month in words: "Sunday, December 6"


def calendar_names(lang: str) -> dict[str, object]:
    """{"pattern": "EEEE, d MMMM" (CLDR), "weekdays": Monday first, "months": January first}.
    The pattern's E is the weekday in full, MMMM the month as the pattern's language
    declines it after a day ("6 декабря"), d the day."""
    locale = _locale(lang)
    skeleton = match_skeleton(DAY_SKELETON, locale.datetime_skeletons) or "MMMMEd"
    return {
        "pattern": str(locale.datetime_skeletons[skeleton].pattern),
        "weekdays": [str(locale.days["format"]["wide"][i]) for i in range(7)],
        "months": [str(locale.months["format"]["wide"][m]) for m in range(1, 13)],
    }
