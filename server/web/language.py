"""Which language a page speaks: ?lang=, then Accept-Language, then the site's first."""

from __future__ import annotations

import unicodedata

from babel import Locale, UnknownLocaleError
from starlette.requests import Request

# Each language named in itself, as people look for it on a switcher; a language added by
# a catalog alone gets its name from CLDR (language_name).
LANGUAGE_NAMES = {
    "id": "Bahasa Indonesia",
    "en": "English",
    "az": "Azərbaycanca",
    "ru": "Русский",
    "xx": "[Pseudo]",  # the layout-testing pseudo-locale (server/i18n/pseudo.py)
}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def language_name(code: str) -> str:
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    # a switcher starts names with a capital, in the scripts that have them (not Georgian)
    if unicodedata.name(name[0], "").startswith(("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")):
        return name[:1].upper() + name[1:]
    return name


def offered(site_languages: tuple[str, ...], ui_languages: tuple[str, ...]) -> tuple[str, ...]:
    """The site's languages first (its default leads), then the other UI languages."""
    return site_languages + tuple(lang for lang in ui_languages if lang not in site_languages)


def _accepted(header: str) -> list[str]:
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            weighted.append((-weight, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(
    request: Request,
    languages: tuple[str, ...],
    preferred: str | None = None,
    offered: tuple[str, ...] | None = None,
) -> str:
    """?lang=, then `preferred` (a visitor's ticket: the language taken at the kiosk), both
    among `languages`; then Accept-Language, then the first language, among `offered` (the
    site's own languages; default: `languages`) - a browser's wish is no reason to show
    labels in a language the site's names are not written in."""
    asked = request.query_params.get("lang")
    if asked in languages:
        return asked
    if preferred in languages:
        return preferred
    candidates = offered or languages
    for tag in _accepted(request.headers.get("accept-language", "")):
        if tag in candidates:
            return tag
    return candidates[0]


def direction(lang: str) -> str:
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"
