"""config.strings against the page scripts: every key a script uses, and no other, is in
server/web/strings.py for its page (the scripts have no English defaults of their own)."""

import re
from functools import cache
from gettext import NullTranslations
from pathlib import Path

import pytest

from loket.server.web.strings import PAGE_STRINGS, page_strings

ROOT = Path(__file__).resolve().parents[2]
PAGE_SCRIPTS = {
    "kiosk": "displays/assets/kiosk.js",
    "ticket": "displays/assets/ticket.js",
    "display": "displays/assets/display.js",
    "counter": "counter_client/assets/counter.js",
    "rate": "displays/assets/rate.js",
    "admin": "counter_client/assets/admin.js",
    "live": "counter_client/assets/live.js",
    "reports": "counter_client/assets/reports.js",
}
# scripts a page loads beside its own, which share its strings
EXTRA_SCRIPTS = {
    "admin": ("counter_client/assets/admin_kiosks.js", "counter_client/assets/admin_hall.js"),
    "ticket": ("displays/assets/ticket_past.js",),
}
TRANSLATOR_MODULE = "page"  # static/js/page.js defines t(); it uses no keys of its own
CLDR_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
REQUIRED_PLURALS = ("one", "other")  # other: the fallback; one: English needs it

IMPORT = re.compile(r"""\bfrom\s+["']loket/([\w-]+)["']""")
T_CALL = re.compile(r"\bt(\.plural)?\(")
KEY_LITERAL = re.compile(r"""\s*(["'])([a-z][a-z0-9_]*)\1\s*[,)]""")
COMMENT = re.compile(r"/\*.*?\*/|(?:^|(?<=\s))//[^\n]*", re.S)
KEY_WORD = re.compile(r"\b[a-z][a-z0-9_]*\b")


def module_path(name: str) -> Path:
    return ROOT / "static" / "js" / f"{name}.js"


@cache
def keys_in(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(keys of t("key"), keys of t.plural("key")) in one file; any other t() call fails."""
    text = path.read_text(encoding="utf-8")
    code = COMMENT.sub(lambda comment: "\n" * comment[0].count("\n"), text)  # keeps lines
    plain: set[str] = set()
    plural: set[str] = set()
    for call in T_CALL.finditer(code):
        literal = KEY_LITERAL.match(code, call.end())
        line = code[: call.start()].count("\n") + 1
        assert literal, (
            f"{path.relative_to(ROOT)}:{line}: a t() call whose key is not a string literal; "
            "write the key at the call site"
        )
        (plural if call.group(1) else plain).add(literal.group(2))
    return frozenset(plain), frozenset(plural)


def imported_modules(path: Path, seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    for name in IMPORT.findall(path.read_text(encoding="utf-8")):
        if name not in seen:
            seen.add(name)
            assert module_path(name).is_file(), f"{path.relative_to(ROOT)} imports loket/{name}"
            imported_modules(module_path(name), seen)
    return seen


def files_of(page: str) -> list[Path]:
    scripts = [ROOT / PAGE_SCRIPTS[page], *(ROOT / p for p in EXTRA_SCRIPTS.get(page, ()))]
    modules = set().union(*(imported_modules(script) for script in scripts)) - {TRANSLATOR_MODULE}
    return [*scripts, *(module_path(name) for name in sorted(modules))]


def used_keys(page: str) -> tuple[set[str], set[str]]:
    plain: set[str] = set()
    plural: set[str] = set()
    for path in files_of(page):
        file_plain, file_plural = keys_in(path)
        plain |= file_plain
        plural |= file_plural
    return plain, plural


@pytest.mark.parametrize("page", sorted(PAGE_SCRIPTS))
def test_every_key_a_page_script_uses_is_in_its_strings(page: str) -> None:
    plain, plural = used_keys(page)
    needed = plain | {f"{key}_{form}" for key in plural for form in REQUIRED_PLURALS}
    assert needed - page_strings(page).keys() == set()


@pytest.mark.parametrize("page", sorted(PAGE_STRINGS))
def test_no_page_has_strings_that_no_script_of_it_uses(page: str) -> None:
    plain, plural = used_keys(page) if page in PAGE_SCRIPTS else (set(), set())
    usable = plain | {f"{key}_{form}" for key in plural for form in CLDR_CATEGORIES}
    assert page_strings(page).keys() - usable == set()


def test_the_scan_finds_keys_in_every_kind_of_call() -> None:
    # Guards the regexes: a scan that found nothing would pass the tests above vacuously.
    kiosk_plain, kiosk_plural = used_keys("kiosk")
    assert {"returning", "ahead_zero"} <= kiosk_plain and kiosk_plural == {"ahead"}
    assert {"login_failed", "session_expired", "queue_empty", "called"} <= used_keys("counter")[0]
    assert used_keys("display") == (set(), set())


@pytest.mark.parametrize(
    "path", sorted({p for page in PAGE_SCRIPTS for p in files_of(page)}), ids=lambda p: p.name
)
def test_the_key_list_atop_each_script_is_true(path: Path) -> None:
    """The indented lines after "config.strings keys" in the opening comment name exactly
    the keys the file itself uses (for t.plural, its forms)."""
    opening = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("//"):
            break
        opening.append(line)
    listed: set[str] = set()
    for i, line in enumerate(opening):
        if "config.strings keys" in line:
            for item in opening[i + 1 :]:
                if not item.startswith("//   "):
                    break
                listed |= set(KEY_WORD.findall(item))
    plain, plural = keys_in(path)
    required = plain | {f"{key}_{form}" for key in plural for form in REQUIRED_PLURALS}
    allowed = plain | {f"{key}_{form}" for key in plural for form in CLDR_CATEGORIES}
    assert required - listed == set(), "used but not listed"
    assert listed - allowed == set(), "listed but not used"


def test_each_text_is_translated_with_its_key_as_context() -> None:
    class Marked(NullTranslations):
        def pgettext(self, context: str, message: str) -> str:
            return f"{context}|{message}"

    strings = page_strings("kiosk", Marked())
    assert strings["ahead_few"] == "ahead_few|" + PAGE_STRINGS["kiosk"]["ahead_few"]
    assert all(text.startswith(f"{key}|") for key, text in strings.items())
    assert page_strings("kiosk") == PAGE_STRINGS["kiosk"]
    assert page_strings("nonexistent") == {}
