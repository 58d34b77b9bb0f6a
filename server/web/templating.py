"""Jinja2 templates in each page language: one environment per language, with that
language's gettext catalog installed (Jinja2's i18n extension, new-style gettext)."""

from __future__ import annotations

import gettext

from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from loket.server import __version__
from loket.server.i18n.catalogs import Catalogs
from loket.server.i18n.pseudo import PSEUDO_LANG, PseudoTranslations
from loket.server.web.importmap import import_map
from loket.server.web.language import offered


class PageTemplates:
    def __init__(
        self,
        catalogs: Catalogs | None = None,
        pseudo: bool = False,
        version: str = __version__,
    ) -> None:
        self.catalogs = catalogs or Catalogs()
        self.pseudo = pseudo  # offer the pseudo-locale (layout tests), never in production
        self.version = version  # the pages' `?v=`: pages.templates() gives the assets' digest
        self.import_map = import_map(version)  # its hash goes into the CSP (server/app.py)
        self._by_lang: dict[str, Jinja2Templates] = {}

    def languages(self, site_languages: tuple[str, ...]) -> tuple[str, ...]:
        ui = self.catalogs.languages()
        return offered(site_languages, ui) + ((PSEUDO_LANG,) if self.pseudo else ())

    def translations(self, lang: str) -> gettext.NullTranslations:
        if self.pseudo and lang == PSEUDO_LANG:
            return PseudoTranslations()
        return self.catalogs.get(lang)

    def get(self, lang: str) -> Jinja2Templates:
        if lang not in self._by_lang:
            env = Environment(
                loader=ChoiceLoader(
                    [
                        PackageLoader("loket.displays", "templates"),
                        PackageLoader("loket.counter_client", "templates"),
                    ]
                ),
                autoescape=select_autoescape(["html"]),
                extensions=["jinja2.ext.i18n"],
            )
            env.globals["import_map"] = Markup(self.import_map.text)
            env.install_gettext_translations(  # type: ignore[attr-defined]
                self.translations(lang), newstyle=True
            )
            self._by_lang[lang] = Jinja2Templates(env=env)
        return self._by_lang[lang]
