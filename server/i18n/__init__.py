"""Translations of the pages (gettext catalogs in server/locale, built by Babel)."""
