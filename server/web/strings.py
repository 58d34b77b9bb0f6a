"""UI strings that page scripts render, per page; they pass through gettext."""

from __future__ import annotations

from gettext import NullTranslations

PAGE_STRINGS: dict[str, dict[str, str]] = {}


def page_strings(page: str, translations: NullTranslations | None = None) -> dict[str, str]:
    gettext = (translations or NullTranslations()).gettext
    return {key: gettext(text) for key, text in PAGE_STRINGS.get(page, {}).items()}
