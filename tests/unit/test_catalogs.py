"""The translation catalogs: complete, placeholders kept, plural forms as CLDR has them."""

from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Message

from loket.server.i18n.catalogs import Catalogs
from loket.server.i18n.check import catalog_paths, catalog_problems, message_problems, read_catalog
from loket.server.i18n.pseudo import PseudoTranslations, pseudo
from loket.server.web.strings import PAGE_STRINGS

LOCALE = Path(__file__).resolve().parents[2] / "server" / "locale"  # the checkout's
LANGUAGES = ("id", "en", "az", "ru")


def test_there_is_a_catalog_for_each_ui_language() -> None:
    assert set(catalog_paths(LOCALE)) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_is_complete(lang: str) -> None:
    catalog = read_catalog(catalog_paths(LOCALE)[lang])
    assert catalog_problems(catalog) == []
    assert len([m for m in catalog if m.id]) >= 100  # every page's strings, not a stub


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_catalog_has_the_template_s_every_string(lang: str) -> None:
    """scripts/i18n was run after the last change of a UI text."""
    template = read_catalog(LOCALE / "loket.pot")
    catalog = read_catalog(catalog_paths(LOCALE)[lang])
    wanted = {(m.context, m.id) for m in template if m.id}
    assert wanted - {(m.context, m.id) for m in catalog if m.id} == set()


def test_the_check_finds_empty_fuzzy_and_broken_entries() -> None:
    assert message_problems(Message("Hi {n}", "")) == ["'Hi {n}': not translated"]
    assert "fuzzy" in message_problems(Message("Hi", "Hai", flags=["fuzzy"]))[0]
    assert "lacks {n}" in message_problems(Message("Hi {n}", "Hai"))[0]
    assert message_problems(Message("Hi {n}", "Hai {n}")) == []


def test_the_page_scripts_plurals_cover_the_languages_categories() -> None:
    """The page picks ahead_<category> with Intl.PluralRules (CLDR): every category a
    language uses needs its key, translated."""
    keys = {key.removeprefix("ahead_") for key in PAGE_STRINGS["kiosk"] if key.startswith("ahead")}
    for lang in LANGUAGES:
        assert set(Locale.parse(lang).plural_form.tags) | {"other"} <= keys, lang
    ru = Catalogs().get("ru")

    def ahead(n: int) -> str:
        key = f"ahead_{Locale.parse('ru').plural_form(n)}"
        return ru.pgettext(key, PAGE_STRINGS["kiosk"][key]).format(n=n)

    forms = {n: ahead(n) for n in (1, 3, 5, 21, 22, 25, 11)}
    # one: 1, 21; few: 3, 22; many: 5, 25, 11 — the noun agrees within each category, and
    # "few" differs from "many" (2 человека, 5 человек: "one" may share a form with either)
    assert forms[1].replace("1", "") == forms[21].replace("21", "")
    assert forms[3].replace("3", "") == forms[22].replace("22", "")
    assert forms[5].replace("5", "") == forms[11].replace("11", "")
    assert forms[3].replace("3", "") != forms[5].replace("5", "")


def test_a_language_without_a_catalog_shows_english() -> None:
    assert Catalogs().get("fr").gettext("Now calling") == "Now calling"


def test_the_pseudo_locale_stretches_and_keeps_placeholders() -> None:
    text = "Back to the start in {n} s"
    stretched = pseudo(text)
    assert "{n}" in stretched and "Back" not in stretched
    assert len(stretched) >= len(text) * 1.4
    assert PseudoTranslations().pgettext("returning", text) == stretched
