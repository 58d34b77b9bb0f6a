"""Builds the Announcement of a call (CONTRACT section 4): start time, an optional chime and
one spoken segment per site language, in the site's order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from loket.server.announce.keys import segment_key
from loket.server.announce.words import counter_words, ticket_words
from loket.server.domain.site import Site
from loket.server.domain.speech import Announcement, Segment
from loket.server.domain.ticket import Ticket


class Voicing(Protocol):
    """Where the audio of a text is served (server.announce.library.AudioLibrary)."""

    def url(self, site: Site, lang: str, text: str) -> str: ...

    def chime_url(self, site: Site) -> str | None: ...


class TextOnly:
    """URLs without audio behind them: for stores and tests that need only the texts."""

    def url(self, site: Site, lang: str, text: str) -> str:
        return f"/audio/{segment_key(lang, text, 'none')}.wav"

    def chime_url(self, site: Site) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class Announcer:
    voicing: Voicing = field(default_factory=TextOnly)

    def text(
        self,
        site: Site,
        number: str,
        service: str,
        counter_id: str | None,
        lang: str,
    ) -> str:
        """What is said of a call to `counter_id`; with None, of a transfer to the line of
        `service` (where to wait)."""
        settings = site.announcements
        words = ticket_words(number, service, lang, digits=settings.digits)
        service_name = site.text(site.service(service).name, lang)
        if counter_id is None:
            return settings.wait_template(lang).format(number=words, service=service_name)
        counter = site.counter(counter_id)
        return settings.template(lang).format(
            number=words,
            counter=counter_words(counter_id, lang),
            counter_name=site.text(counter.name, lang),
            service=service_name,
        )

    def segments(
        self, site: Site, number: str, service: str, counter_id: str | None
    ) -> tuple[Segment, ...]:
        segments = []
        for lang in site.languages:
            text = self.text(site, number, service, counter_id, lang)
            segments.append(Segment(lang, text, self.voicing.url(site, lang, text)))
        return tuple(segments)

    def announcement(
        self, site: Site, ticket: Ticket, counter_id: str | None, now: datetime
    ) -> Announcement:
        return Announcement(
            start_at=int(now.timestamp() * 1000) + site.announcements.lead_ms,
            segments=self.segments(site, ticket.number, ticket.service, counter_id),
            chime=self.voicing.chime_url(site),
        )

    def transfer(self, site: Site, ticket: Ticket, counter_id: str, now: datetime) -> Announcement:
        """Where a transferred ticket goes: to its desk (said as a call there), or to wait
        in its new service's line. `counter_id`, the counter it left, is not said."""
        return self.announcement(site, ticket, ticket.desk, now)
