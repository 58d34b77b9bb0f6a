"""Loket: real-time queue calling and hall displays for public service centres."""

__version__ = "0.1.0"
