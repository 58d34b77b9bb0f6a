"""Site descriptions (TOML, CONTRACT section 2)."""

from server.config.reader import LANG, ConfigError
from server.config.sites import load_sites, parse_sites

__all__ = ["LANG", "ConfigError", "load_sites", "parse_sites"]
