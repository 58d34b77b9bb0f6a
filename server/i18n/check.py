"""Is every catalog complete? No empty or fuzzy entry, and every placeholder of the English
text ({n}, %(name)s) kept in the translation. `python -m loket.server.i18n.check` prints the
problems and exits 1 when there are any; `... check server/locale` checks those files."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def catalog_paths(locale_dir: Path = LOCALE_DIR) -> dict[str, Path]:
    return {p.parent.parent.name: p for p in sorted(locale_dir.glob("*/LC_MESSAGES/loket.po"))}


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def _texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def message_problems(message: Message) -> list[str]:
    label = f"{message.context + ' | ' if message.context else ''}{_texts(message.id)[0]!r}"
    if message.fuzzy:
        return [f"{label}: fuzzy (check and remove the flag)"]
    translations = _texts(message.string)
    if not translations or any(not text.strip() for text in translations):
        return [f"{label}: not translated"]
    wanted = {p for text in _texts(message.id) for p in PLACEHOLDER.findall(text)}
    problems = []
    for text in translations:
        missing = wanted - set(PLACEHOLDER.findall(text))
        if missing:
            problems.append(f"{label}: the translation lacks {', '.join(sorted(missing))}")
    return problems


def catalog_problems(catalog: Catalog) -> list[str]:
    return [problem for message in catalog if message.id for problem in message_problems(message)]


def main(argv: list[str] | None = None) -> int:
    """Checks the catalogs in the folder given (the checkout's server/locale), else its own."""
    given = sys.argv[1:] if argv is None else argv
    failed = False
    for lang, path in catalog_paths(Path(given[0]) if given else LOCALE_DIR).items():
        problems = catalog_problems(read_catalog(path))
        failed |= bool(problems)
        print(f"{lang}: {'complete' if not problems else f'{len(problems)} problems'}")
        for problem in problems:
            print(f"  {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
