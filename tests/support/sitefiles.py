"""The demo site file and changed versions of it, for the tests of a reload (issue 16)."""

from __future__ import annotations

from importlib import resources

DEMO = resources.files("loket.server").joinpath("demo.toml").read_text(encoding="utf-8")


def demo_with(*changes: tuple[str, str], more: str = "") -> str:
    """The demo file with each (old, new) text replaced (each must be there), then `more`."""
    text = DEMO
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text + more


def without_service_c() -> str:
    """The demo site with service C gone (counters 5 and 6 serve other services)."""
    text = demo_with(
        ('services = ["C"]', 'services = ["B"]'), ('services = ["A", "B", "C"]', 'services = ["A"]')
    )
    start = text.index('[[sites.services]]\nid = "C"')
    return text[:start] + text[text.index("[[sites.counters]]") :]
