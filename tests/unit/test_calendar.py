"""The hall display's date names come from CLDR (Babel), in every language alike."""

from loket.server.i18n.calendar import day_format


def test_azerbaijani_has_its_own_weekdays_and_months() -> None:
    names = day_format("az")
    assert names["weekdays"] == [
        "Bazar ertəsi",
        "Çərşənbə axşamı",
        "Çərşənbə",
        "Cümə axşamı",
        "Cümə",
        "Şənbə",
        "Bazar",
    ]
    assert names["months"][11] == "dekabr"
    assert "MMMM" in str(names["pattern"]) and "d" in str(names["pattern"])


def test_russian_months_are_declined_as_after_a_day() -> None:
    assert day_format("ru")["months"][11] == "декабря"  # "6 декабря", not "6 декабрь"


def test_an_unknown_language_falls_back_to_english() -> None:
    assert day_format("xx")["months"][0] == "January"
