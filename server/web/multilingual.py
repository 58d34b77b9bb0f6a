"""Labels of the hall display in several languages at once: each text as one span per
language, which static/js/labels.js rotates (or shows as a pair, per the site's setting).
A hall serves people of all its languages, not only the one the TV's URL names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from loket.server.domain.site import Names, Site
from loket.server.web.templating import PageTemplates


@dataclass(frozen=True, slots=True)
class Labels:
    site: Site
    lang: str  # the page's own language: shown first
    templates: PageTemplates

    @property
    def languages(self) -> tuple[str, ...]:
        if self.site.display.mode == "single":
            return (self.lang,)
        rest = tuple(lang for lang in self.site.languages if lang != self.lang)
        return (self.lang, *rest)

    def _spans(self, text_in: Callable[[str], str]) -> Markup:
        langs = self.languages
        if len(langs) == 1:
            return escape(text_in(langs[0]))
        shown = 2 if self.site.display.mode == "pair" else 1
        spans = Markup("").join(
            Markup('<span lang="{}" data-i="{}"{}>{}</span>').format(
                lang, i, Markup(" hidden") if i >= shown else "", text_in(lang)
            )
            for i, lang in enumerate(langs)
        )
        return Markup('<span class="ml ml-{}" data-ml>{}</span>').format(
            self.site.display.mode, spans
        )

    def text(self, message: str) -> Markup:
        """A UI text (extracted for translation as `ml("...")`) in each language."""
        return self._spans(lambda lang: self.templates.translations(lang).gettext(message))

    def names(self, names: Names) -> Markup:
        """A name from the site file in each language (the site's first as the fallback)."""
        return self._spans(lambda lang: self.site.text(names, lang))

    def config(self) -> dict[str, object]:
        """For the page script: the rotation, and every counter's and service's name in each
        language (a transfer shows where the ticket goes: a desk or a service's line)."""
        return {
            "mode": self.site.display.mode,
            "seconds": self.site.display.seconds,
            "langs": list(self.languages),
            "counters": {
                c.id: {lang: self.site.text(c.name, lang) for lang in self.languages}
                for c in self.site.counters
            },
            "services": {
                s.id: {lang: self.site.text(s.name, lang) for lang in self.languages}
                for s in self.site.services
            },
        }
