"""A ticket's time on paper and on the pages, per language (CLDR through Babel), at the
site's clock: the month as a word, so "06/12/2026" is never read as 12 June."""

from datetime import UTC, date, datetime

import pytest

from loket.server.i18n.calendar import day_text, moment_format, moment_text, time_format

ISSUED = datetime(2026, 12, 6, 0, 38, tzinfo=UTC)  # 07:38 in Jakarta


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("id", "6 Des 2026 07.38"),
        ("en", "Dec 6, 2026, 07:38"),
        ("az", "6 dek 2026 07:38"),
        ("ru", "6 дек. 2026\u202fг., 07:38"),  # a narrow no-break space before г.
        ("xx", "Dec 6, 2026, 07:38"),  # an unknown language: English
    ],
)
def test_a_moment_in_each_language(lang: str, text: str) -> None:
    assert moment_text(ISSUED, lang, "Asia/Jakarta") == text


def test_the_browser_gets_the_same_pattern_and_month_names() -> None:
    russian = moment_format("ru")
    assert russian["pattern"] == "d MMM y\u202f'г'., HH:mm"
    assert russian["months"][11] == "дек."
    assert len(moment_format("az")["months"]) == 12


def test_the_site_clock_decides_the_day() -> None:
    assert moment_text(ISSUED, "en", "America/New_York") == "Dec 5, 2026, 19:38"
    assert day_text(date(2026, 12, 6), "az") == "6 dekabr 2026"


def test_a_time_of_day_for_the_staff_pages() -> None:
    """The counter's "called at" and the admin's "updated at": 24-hour, the language's
    separator, no month names to carry."""
    assert time_format("id") == {"pattern": "HH.mm"}
    assert time_format("en") == {"pattern": "HH:mm"}
    assert time_format("ru") == {"pattern": "HH:mm"}
