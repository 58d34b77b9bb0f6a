"""A pseudo-locale for testing layouts: every English text accented and stretched by about
40% (as German or Russian often are), placeholders kept, so that a page shows at a glance
which texts escape translation and where longer ones overflow. Offered only when
LOKET_PSEUDO_LOCALE=1."""

from __future__ import annotations

import gettext
import re

PSEUDO_LANG = "xx"
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅßÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# placeholders ({n}, %(name)s) and markup stay as they are
_KEEP = re.compile(r"(\{[^}]*\}|%\([^)]*\)s|<[^>]*>|&\w+;)")
STRETCH = 0.4


def pseudo(text: str) -> str:
    if not text:
        return text
    parts = _KEEP.split(text)
    out = "".join(part if _KEEP.fullmatch(part) else part.translate(_ACCENTED) for part in parts)
    padding = "·" * max(1, round(len(text) * STRETCH))
    return f"[{out}{padding}]"


class PseudoTranslations(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message)

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)
