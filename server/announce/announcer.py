"""Builds the Announcement of a call: start time and one spoken segment per language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.announce.words import counter_words, ticket_words
from server.domain.site import Site
from server.domain.ticket import Ticket

TEMPLATES = {
    "id": "Nomor antrian {number}, silakan menuju loket {counter}",
    "en": "Number {number}, please proceed to counter {counter}",
    "az": "Növbə nömrəsi {number}, {counter} nömrəli masaya yaxınlaşın",
    "ru": "Номер очереди {number}, пройдите к окну {counter}",
}


@dataclass(frozen=True, slots=True)
class Announcer:
    lead_ms: int = 1500  # time for every display to fetch the audio before it plays

    def text(self, ticket: Ticket, counter_id: str, lang: str) -> str:
        template = TEMPLATES.get(lang, TEMPLATES["en"])
        return template.format(
            number=ticket_words(ticket.number, ticket.service, lang),
            counter=counter_words(counter_id, lang),
        )

    def announcement(
        self, site: Site, ticket: Ticket, counter_id: str, now: datetime
    ) -> dict[str, Any]:
        segments = []
        for lang in site.languages:
            text = self.text(ticket, counter_id, lang)
            digest = hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()[:24]
            segments.append({"lang": lang, "text": text, "url": f"/audio/{lang}/{digest}.wav"})
        return {"start_at": int(now.timestamp() * 1000) + self.lead_ms, "segments": segments}
