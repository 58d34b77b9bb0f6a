"""The pages' translations per language: the compiled catalog (`pip install .` builds the
.mo files, setup.py), or, in a source checkout, the .po file read directly."""

from __future__ import annotations

import gettext
import io
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


class Catalogs:
    def __init__(self) -> None:
        self._loaded: dict[str, gettext.NullTranslations] = {}
        self._languages: tuple[str, ...] | None = None

    def languages(self) -> tuple[str, ...]:
        """The page languages: one per catalog in server/locale (a new catalog is a new
        language, no code change), English first as the source."""
        if self._languages is None:
            root = resources.files("loket.server").joinpath("locale")
            found = sorted(
                entry.name
                for entry in root.iterdir()
                if entry.joinpath("LC_MESSAGES", "loket.po").is_file()
            )
            self._languages = tuple(sorted(found, key=lambda lang: lang != "en"))
        return self._languages

    def get(self, lang: str) -> gettext.NullTranslations:
        if lang not in self._loaded:
            self._loaded[lang] = _load(lang)
        return self._loaded[lang]


def _load(lang: str) -> gettext.NullTranslations:
    folder = resources.files("loket.server").joinpath("locale", lang, "LC_MESSAGES")
    compiled = folder.joinpath("loket.mo")
    if compiled.is_file():
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    source = folder.joinpath("loket.po")
    if not source.is_file():
        return gettext.NullTranslations()  # a language without a catalog shows English
    with source.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
