"""Site descriptions (TOML, CONTRACT section 2)."""

from loket.server.config.sites import load_sites, parse_sites
from loket.server.reader import LANG, ConfigError

__all__ = ["LANG", "ConfigError", "load_sites", "parse_sites"]
