"""Announcements: what is said for each call, in each of the site's languages."""

from loket.server.announce.announcer import Announcer

__all__ = ["Announcer"]
