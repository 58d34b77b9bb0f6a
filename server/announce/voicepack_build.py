"""`loket voicepack build`: a complete voice pack spoken by espeak-ng, as a starting point
that an office replaces clip by clip with its own recordings.

The vocabulary is everything the site can say in one language: the template's fixed words,
the services' letters, ticket numbers, counters, and the counter and service names when the
template says them. Numbers get a clip per chunk read in one breath ("lima belas",
"dua ratus"), so that greedy matching joins natural pieces, and a clip for each word no
chunk covers ("twenty-one", "and"). Nothing is recorded that no announcement uses.
"""

from __future__ import annotations

import json
import os
import string
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from loket.server.announce.announcer import Announcer
from loket.server.announce.espeak import Espeak
from loket.server.announce.voicepack import (
    MANIFEST,
    PAUSE_MS,
    Phrase,
    normal,
    runs,
    split,
    written_runs,
)
from loket.server.announce.words import cardinal, counter_words, letters
from loket.server.domain.numbers import format_number
from loket.server.domain.site import Site

# Numbers read as one chunk: 0-19, the tens and the hundreds.
CHUNKS = (*range(20), *range(20, 100, 10), *range(100, 1000, 100))
TICKETS = range(1, 1000)  # the figures of a ticket number (A001-A999)

# ASCII file names for scripts other than Latin (letters with accents lose them by NFKD).
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)
_SPECIAL = {"ə": "e", "ı": "i", "ß": "ss", "ø": "o", "æ": "ae", **_CYRILLIC}


def _key(words: list[str]) -> Phrase:
    return tuple(normal(word) for word in words)


def _all_words(text: str) -> Phrase:
    return tuple(word for run in runs(text) for word in run)


class Vocabulary:
    """Phrases to record, each with the text espeak-ng speaks for it, in a readable order."""

    def __init__(self) -> None:
        self.spoken: dict[Phrase, str] = {}

    def phrases(self, text: str) -> None:
        """Each run of the text (between pauses) as one phrase."""
        for run in written_runs(text):
            self.spoken.setdefault(_key(run), " ".join(run))

    def words(self, text: str) -> None:
        """Each word of the text as a phrase of its own."""
        for run in written_runs(text):
            for word in run:
                self.spoken.setdefault(_key([word]), word)

    def uncovered(self, text: str) -> list[str]:
        """Words of the text that greedy matching leaves without a clip, as written."""
        longest = max(map(len, self.spoken))
        missing = []
        for run in written_runs(text):
            at = 0
            for phrase in split(_key(run), self.spoken, longest):
                if phrase not in self.spoken:
                    missing.append(run[at])
                at += len(phrase)
        return missing


def _numbers(site: Site, lang: str) -> set[int]:
    """Every number the site reads: ticket figures (digit by digit, or whole) and counters."""
    numbers = set(range(10)) if site.announcements.digits else set(TICKETS)
    return numbers | {int(c.id) for c in site.counters if c.id.isdigit()}


def _contains(words: Phrase, part: Phrase) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def texts(site: Site, lang: str) -> Iterator[str]:
    """Every announcement the site can make in `lang` (tickets 1-999, each service, each
    counter)."""
    announcer = Announcer()
    for service in site.services:
        for n in TICKETS:
            for counter in site.counters:
                yield announcer.text(
                    site, format_number(service.id, n), service.id, counter.id, lang
                )


def vocabulary(site: Site, lang: str) -> dict[Phrase, str]:
    """Phrase → what espeak-ng says for it, covering every text of `texts(site, lang)`."""
    settings = site.announcements
    vocab = Vocabulary()
    fields = set()
    for literal, field, _, _ in string.Formatter().parse(settings.template(lang)):
        vocab.phrases(literal)
        fields.add(field)
    for service in site.services:
        vocab.words(letters(service.id, lang))
    numbers = {n: _all_words(cardinal(n, lang)) for n in sorted(_numbers(site, lang))}
    for chunk in CHUNKS:
        if any(_contains(words, _all_words(cardinal(chunk, lang))) for words in numbers.values()):
            vocab.phrases(cardinal(chunk, lang))
    for counter in site.counters:
        vocab.phrases(counter_words(counter.id, lang))
        if "counter_name" in fields:
            vocab.phrases(site.text(counter.name, lang))
    if "service" in fields:
        for service in site.services:
            vocab.phrases(site.text(service.name, lang))
    # whatever is still missing gets a clip per word: number words outside the chunks
    # ("twenty-one"), and words where greedy matching cut across two phrases
    for text in texts(site, lang):
        for word in vocab.uncovered(text):
            vocab.words(word)
    return vocab.spoken


def slug(spoken: str) -> str:
    """An ASCII file name stem: 'lima belas' → 'lima-belas', 'yüz' → 'yuz'."""
    out = []
    for ch in spoken.lower():
        ch = _SPECIAL.get(ch, ch)
        out.append(unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode())
    stem = "".join(ch if ch.isalnum() else "-" for ch in "".join(out))
    return "-".join(part for part in stem.split("-") if part) or "phrase"


def write_pack(site: Site, lang: str, folder: Path) -> list[str]:
    """Writes manifest.toml and one WAV clip per phrase into `folder`; the clip names."""
    voice = site.announcements.voice(lang)
    engine = Espeak()
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Voice pack: {lang}, for site {site.id!r}, first spoken by espeak-ng ({voice.name}).",
        "# One line per phrase: words (any case, no punctuation) = a 16-bit PCM WAV file here.",
        "# Replace any clip with a recording of the same words; never MP3 (it adds gaps).",
        f"pause_ms = {PAUSE_MS}  # silence at a comma or period of the text",
        "",
        "[clips]",
    ]
    names: list[str] = []
    taken: set[str] = set()
    for phrase, spoken in vocabulary(site, lang).items():
        stem = slug(spoken)
        name, n = f"{stem}.wav", 2
        while name in taken:  # two phrases with one ASCII spelling
            name, n = f"{stem}-{n}.wav", n + 1
        taken.add(name)
        (folder / name).write_bytes(engine.speak(spoken, voice).trimmed().wav())
        lines.append(f"{json.dumps(' '.join(phrase), ensure_ascii=False)} = {json.dumps(name)}")
        names.append(name)
    (folder / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


def _site(sites: Sequence[Site], site_id: str | None, lang: str) -> Site | str:
    """The site to build for, or why there is none."""
    ids = ", ".join(site.id for site in sites)
    if site_id is None and len(sites) > 1:
        return f"the configuration has several sites ({ids}): choose one with --site"
    site = sites[0] if site_id is None else next((s for s in sites if s.id == site_id), None)
    if site is None:
        return f"no site {site_id!r} (sites: {ids})"
    if lang not in site.languages:
        return (
            f"site {site.id!r} does not speak {lang!r} (its languages: {', '.join(site.languages)})"
        )
    return site


def build(
    sites: Sequence[Site],
    site_id: str | None,
    lang: str,
    out: Path,
    force: bool = False,
    config: Path | None = None,
) -> int:
    """The command: writes `out/lang/`, says what it wrote and how to use it; exit status."""
    site = _site(sites, site_id, lang)
    if isinstance(site, str):
        print(f"loket: {site}", file=sys.stderr)
        return 2
    folder = out / lang
    if (folder / MANIFEST).exists() and not force:
        print(
            f"loket: {folder} already holds a voice pack; --force overwrites its manifest and "
            "the clips of the same names (recordings under other names stay)",
            file=sys.stderr,
        )
        return 1
    started = time.perf_counter()
    names = write_pack(site, lang, folder)
    took = time.perf_counter() - started
    where = os.path.relpath(out.resolve(), config.resolve().parent) if config else out.resolve()
    print(
        f"Wrote {folder / MANIFEST} and {len(names)} clips ({took:.1f} s) for site {site.id!r}.\n"
        f"To use it, put in the [sites.announcements] table of {config or 'the site TOML'}:\n"
        f'    voice_packs = "{where}"\n'
        "then restart `loket serve`. Replace any clip with a recording of the same words\n"
        "(16-bit PCM WAV, any rate, not MP3); see docs/voice-packs.md."
    )
    return 0
