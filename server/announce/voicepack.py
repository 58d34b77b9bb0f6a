"""Voice packs: an office's recorded clips, joined into announcements instead of speech.

A pack is a folder `<voice_packs>/<lang>/` with a `manifest.toml` mapping phrases to clips:

    pause_ms = 200                     # optional: the silence at a comma or period
    [clips]
    "nomor antrian" = "nomor-antrian.wav"
    "lima belas" = "lima-belas.wav"

A text is covered when greedy longest-phrase matching finds a clip for every one of its
words; it is then joined from the clips back to back (each trimmed of its silence and
brought to one loudness), with a short pause at each comma or period. Texts a pack does
not cover are spoken by espeak-ng. Clips are 16-bit PCM WAV, never MP3: MP3 encoders pad
every clip with silence that decoders do not reliably remove, which is heard as gaps
between joined words. Everything is read and checked at start-up, so a broken pack stops
`loket serve` with a message naming the file instead of failing at a call.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loket.server.announce.pcm import AudioFormatError, Pcm, joined
from loket.server.domain.site import Site
from loket.server.reader import Reader

MANIFEST = "manifest.toml"
PAUSE_MS = 200  # at a comma or period: short enough to keep the call brisk
Phrase = tuple[str, ...]  # normalized words

# A word keeps inner hyphens and apostrophes ("twenty-one", "o'clock"). Punctuation that
# breaks speech is a pause; quotes are dropped; any other symbol stays a token of its own,
# which no phrase matches unless the manifest names it, so "A & B" falls back to speech.
_TOKEN = re.compile(r"(\w+(?:[-'’]\w+)*)|([,.;:!?…()\[\]–—-])|([^\s\w\"'«»“”„‘’])")


def written_runs(text: str) -> list[list[str]]:
    """The words of a text as written, in runs between pauses; no empty runs."""
    found: list[list[str]] = [[]]
    for word, pause, symbol in _TOKEN.findall(unicodedata.normalize("NFC", text)):
        if pause:
            found.append([])
        else:
            found[-1].append(word or symbol)
    return [run for run in found if run]


def normal(word: str) -> str:
    # Azerbaijani and Turkish "İ" lowercases to "i" plus a combining dot: keep plain "i"
    return word.lower().replace("\u0307", "")


def runs(text: str) -> list[Phrase]:
    """The normalized words of a text, in runs between pauses."""
    return [tuple(normal(word) for word in run) for run in written_runs(text)]


def split(run: Sequence[str], known: Container[Phrase], longest: int) -> list[Phrase]:
    """Greedy: at each word, the longest known phrase starting there; a word no phrase
    starts with stands alone (and is not in `known`)."""
    phrases: list[Phrase] = []
    at = 0
    while at < len(run):
        for size in range(min(longest, len(run) - at), 0, -1):
            phrase = tuple(run[at : at + size])
            if phrase in known:
                break
        phrases.append(phrase)  # a single unknown word when nothing matched
        at += len(phrase)
    return phrases


def _refusal(path: Path, head: bytes = b"") -> str | None:
    """Why a clip cannot be used, for the formats refused on sight (by name or content)."""
    mp3_frame = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    if path.suffix.lower() == ".mp3" or head.startswith(b"ID3") or mp3_frame:
        return (
            "MP3 is refused: its encoder pads each clip with silence that decoders do not "
            "reliably remove, heard as gaps between joined words. Save it as 16-bit PCM WAV."
        )
    if path.suffix.lower() in (".opus", ".ogg", ".oga") or head.startswith(b"OggS"):
        return "Opus/Ogg clips are not read (no decoder here): save it as 16-bit PCM WAV."
    return None


@dataclass(slots=True)  # not frozen: the Pack protocol declares a plain attribute
class VoicePack:
    lang: str
    folder: Path
    clips: dict[Phrase, Pcm]  # trimmed, leveled, at `rate`
    rate: int
    pause_ms: int
    fingerprint: str  # changes with the manifest and with any clip's content
    longest: int  # words in the longest phrase

    def _plan(self, text: str) -> list[list[Phrase]] | None:
        plan = [split(run, self.clips, self.longest) for run in runs(text)]
        if not plan or any(p not in self.clips for phrases in plan for p in phrases):
            return None
        return plan

    def covers(self, text: str) -> bool:
        return self._plan(text) is not None

    def render(self, text: str) -> Pcm:
        plan = self._plan(text)
        if plan is None:
            raise ValueError(f"the {self.lang} voice pack does not cover {text!r}")
        pause = Pcm.silence(self.pause_ms, self.rate)
        parts: list[Pcm] = []
        for i, phrases in enumerate(plan):
            if i:
                parts.append(pause)
            parts += [self.clips[phrase] for phrase in phrases]
        return joined(parts, self.rate)

    @classmethod
    def load(cls, folder: Path, lang: str) -> VoicePack:
        manifest = folder / MANIFEST
        r = Reader(str(manifest), folder)
        try:
            raw = manifest.read_bytes()
        except OSError as error:
            raise r.fail("", f"cannot read the voice pack's manifest: {error}") from None
        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise r.fail("", f"not valid TOML: {error}") from None
        for key in document:
            if key not in ("pause_ms", "clips"):
                raise r.fail(key, "unknown key (known: clips, pause_ms)")
        pause_ms = document.get("pause_ms", PAUSE_MS)
        if isinstance(pause_ms, bool) or not isinstance(pause_ms, int) or not 0 <= pause_ms <= 2000:
            raise r.fail("pause_ms", "must be a whole number from 0 to 2000")
        table = r.table(r.field(document, "clips", ""), "clips")
        if not table:
            raise r.fail("clips", 'is empty: add lines like "nomor antrian" = "nomor-antrian.wav"')
        digest = hashlib.sha256(raw)
        sounds: dict[Phrase, Pcm] = {}
        places: dict[Phrase, str] = {}
        for key, file in table.items():
            place = f'clips."{key}"'
            phrase = _phrase(r, key, place)
            if phrase in places:
                raise r.fail(place, f"the same words as {places[phrase]}")
            places[phrase] = place
            path, data = _clip_file(r, folder, file, place)
            digest.update(f"\n{path.name}\n".encode() + data)
            sounds[phrase] = _sound(r, path, data, place)
        rate = max(sound.rate for sound in sounds.values())
        return cls(
            lang=lang,
            folder=folder,
            clips={phrase: sound.resampled(rate) for phrase, sound in sounds.items()},
            rate=rate,
            pause_ms=pause_ms,
            fingerprint=digest.hexdigest()[:16],
            longest=max(len(phrase) for phrase in sounds),
        )


def _phrase(r: Reader, key: str, place: str) -> Phrase:
    found = runs(key)
    if len(found) != 1:
        raise r.fail(place, "a phrase is words without punctuation (pauses come from the text)")
    return found[0]


def _clip_file(r: Reader, folder: Path, value: Any, place: str) -> tuple[Path, bytes]:
    if not isinstance(value, str) or not value.strip():
        raise r.fail(place, "must be the name of a WAV file in the pack's folder")
    path = folder / value
    refused = _refusal(path)
    if refused is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            problem = "no such file" if not path.exists() else f"cannot read it ({error})"
            raise r.fail(place, f"{path}: {problem}") from None
        refused = _refusal(path, data[:4])
    if refused is not None:
        raise r.fail(place, f"{path}: {refused}")
    return path, data


def _sound(r: Reader, path: Path, data: bytes, place: str) -> Pcm:
    try:
        sound = Pcm.from_wav(data).trimmed()
    except AudioFormatError as error:
        raise r.fail(place, f"{path}: {error}") from None
    if not sound.data:
        raise r.fail(place, f"{path}: is silent (nothing above -45 dBFS)")
    return sound.leveled()


def load_packs(sites: Iterable[Site]) -> dict[tuple[str, str], VoicePack]:
    """The pack of every site language with a folder under the site's `voice_packs`.

    Raises ConfigError for a broken pack: start-up stops with a message naming the file."""
    loaded: dict[Path, VoicePack] = {}  # sites sharing a folder share its packs
    packs: dict[tuple[str, str], VoicePack] = {}
    for site in sites:
        root = site.announcements.voice_packs
        if root is None:
            continue
        for lang in site.languages:
            folder = root / lang
            if folder.is_dir():
                where = folder.resolve()
                if where not in loaded:
                    loaded[where] = VoicePack.load(folder, lang)
                packs[(site.id, lang)] = loaded[where]
    return packs
