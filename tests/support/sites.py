"""Small sites for tests that need one of their own: their TOML (CONTRACT section 2)."""

from __future__ import annotations


def small_site(site_id: str, name: str = "Office", extra: str = "") -> str:
    """A site in English with one service (A, "Permits") and one counter (1); `extra` is
    put after the site's own keys, e.g. its `[sites.announcements]`."""
    return f"""
[[sites]]
id = "{site_id}"
name = {{ en = "{name}" }}
timezone = "Asia/Jakarta"
languages = ["en"]
{extra}
[[sites.services]]
id = "A"
name = {{ en = "Permits" }}
[[sites.counters]]
id = "1"
name = {{ en = "Counter 1" }}
services = ["A"]
"""
