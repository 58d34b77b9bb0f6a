"""Which language a page speaks: ?lang=, then Accept-Language, then the site's first."""

from __future__ import annotations

from starlette.requests import Request

UI_LANGUAGES = ("id", "en", "az", "ru")
LANGUAGE_NAMES = {
    "id": "Bahasa Indonesia",
    "en": "English",
    "az": "Azərbaycanca",
    "ru": "Русский",
    "xx": "[Pseudo]",  # the layout-testing pseudo-locale (server/i18n/pseudo.py)
}
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})


def offered(site_languages: tuple[str, ...]) -> tuple[str, ...]:
    """The site's languages first (its default leads), then the other UI languages."""
    return site_languages + tuple(lang for lang in UI_LANGUAGES if lang not in site_languages)


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


def choose(request: Request, languages: tuple[str, ...]) -> str:
    asked = request.query_params.get("lang")
    if asked in languages:
        return asked
    for tag in _accepted(request.headers.get("accept-language", "")):
        if tag in languages:
            return tag
    return languages[0]


def direction(lang: str) -> str:
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"
