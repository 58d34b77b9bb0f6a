"""How a site's calls are spoken: templates, voices, number reading, chime (site TOML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Placeholders a template may use; config validation refuses any other.
PLACEHOLDERS = frozenset({"number", "counter", "counter_name", "service"})

DEFAULT_TEMPLATES = {
    "id": "Nomor antrian {number}, silakan menuju loket {counter}",
    "en": "Number {number}, please proceed to counter {counter}",
    "az": "Növbə nömrəsi {number}, {counter} nömrəli masaya yaxınlaşın",
    # "окну номер три": after "номер" the counter is a plain (masculine) cardinal
    "ru": "Номер очереди {number}, пройдите к окну номер {counter}",
}

# A transfer to another service's line, when the site announces transfers: where to wait.
# (A transfer to one counter is announced as a call to that counter.)
DEFAULT_WAIT_TEMPLATES = {
    "id": "Nomor antrian {number}, silakan menunggu panggilan {service}",
    "en": "Number {number}, please wait for {service}",
    "az": "Növbə nömrəsi {number}, {service} növbəsini gözləyin",
    "ru": "Номер очереди {number}, ожидайте вызова: {service}",
}


@dataclass(frozen=True, slots=True)
class Voice:
    """An espeak-ng voice. `rate` in words per minute: slower than espeak's 175 carries
    better in a hall with echo."""

    name: str
    rate: int = 145
    pitch: int = 50

    def signature(self) -> str:
        return f"{self.name}:{self.rate}:{self.pitch}"


@dataclass(frozen=True, slots=True)
class Announcements:
    templates: dict[str, str] = field(default_factory=dict)  # overrides of the defaults
    voices: dict[str, Voice] = field(default_factory=dict)  # overrides of Voice(lang)
    digits: bool = False  # read "A nol satu lima" instead of "A lima belas"
    lead_ms: int = 1500  # between the call and start_at: time for every TV to fetch audio
    chime: bool = True
    chime_file: Path | None = None  # the office's own chime (WAV) instead of the generated one
    voice_packs: Path | None = None  # one folder per language of recorded clips

    def template(self, lang: str) -> str:
        return self.templates.get(lang) or DEFAULT_TEMPLATES.get(lang, DEFAULT_TEMPLATES["en"])

    def wait_template(self, lang: str) -> str:
        return DEFAULT_WAIT_TEMPLATES.get(lang, DEFAULT_WAIT_TEMPLATES["en"])

    def voice(self, lang: str) -> Voice:
        return self.voices.get(lang) or Voice(lang)
