"""Announcements: what is said for each call, in each of the site's languages."""

from server.announce.announcer import Announcer

__all__ = ["Announcer"]
