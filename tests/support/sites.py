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


def two_line_site(site_id: str, max_waiting: int) -> str:
    """A site in English with two services, A ("Permits", at most `max_waiting` waiting)
    and B ("Taxes"), and one counter (1) calling from both."""
    return f"""
[[sites]]
id = "{site_id}"
name = {{ en = "Hall" }}
timezone = "Asia/Jakarta"
languages = ["en"]

[[sites.services]]
id = "A"
name = {{ en = "Permits" }}
max_waiting = {max_waiting}

[[sites.services]]
id = "B"
name = {{ en = "Taxes" }}

[[sites.counters]]
id = "1"
name = {{ en = "Counter 1" }}
services = ["A", "B"]
"""
