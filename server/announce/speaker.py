"""The speech process: `python -m loket.server.announce.speaker FOLDER MAX_BYTES`.

Each serving process runs one (server/announce/speaker_link.py), so that speech never takes
the serving process's GIL or event loop. It reads one JSON job a line on stdin, renders it
(espeak-ng, or the clips of a voice pack loaded from its folder), writes the WAV into the
shared disk cache and answers one JSON line on stdout: `{"id": N}` or `{"id": N, "error":
"..."}`. The parent decides the order; this process only speaks. It ends when stdin closes,
which is also what happens when its parent dies.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from loket.server.announce.cache import DiskCache
from loket.server.announce.espeak import Espeak, SpeechError
from loket.server.announce.pcm import AudioFormatError, Pcm
from loket.server.announce.voicepack import VoicePack
from loket.server.domain.announcements import Voice
from loket.server.reader import ConfigError


class Speaker:
    def __init__(self, cache: DiskCache) -> None:
        self.cache = cache
        self._engine: Espeak | None = None
        self._packs: dict[tuple[str, str], VoicePack] = {}  # a site's few languages

    def render(self, job: dict[str, Any]) -> None:
        key = job["key"]
        if self.cache.has(key):  # made before a restart, or by another process
            return
        self.cache.put(key, self._speech(job).leveled().wav())

    def _speech(self, job: dict[str, Any]) -> Pcm:
        pack = job.get("pack")
        if pack is not None:
            return self._pack(pack["folder"], job["lang"], pack["fingerprint"]).render(job["text"])
        if self._engine is None:
            self._engine = Espeak()
        name, rate, pitch = job["voice"]
        return self._engine.speak(job["text"], Voice(name, rate, pitch))

    def _pack(self, folder: str, lang: str, fingerprint: str) -> VoicePack:
        pack = self._packs.get((folder, lang))
        if pack is None:
            pack = self._packs[(folder, lang)] = VoicePack.load(Path(folder), lang)
        if pack.fingerprint != fingerprint:  # its URL would name other clips than these
            raise SpeechError(f"the voice pack in {folder} changed since the server started")
        return pack


def serve(speaker: Speaker, jobs: TextIO, answers: TextIO) -> None:
    for line in jobs:
        job = json.loads(line)
        answer: dict[str, Any] = {"id": job["id"]}
        try:
            speaker.render(job)
        except (SpeechError, ConfigError, AudioFormatError, OSError, ValueError) as error:
            answer["error"] = str(error) or type(error).__name__
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main(argv: list[str]) -> int:
    folder, max_bytes = Path(argv[0]), int(argv[1])
    # Ctrl-C in a terminal reaches the whole group: the parent decides when this one ends
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # stdout carries answers only: anything else a library prints goes to stderr
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    try:
        serve(Speaker(DiskCache(folder, max_bytes)), sys.stdin, answers)
    except BrokenPipeError:  # the parent is gone: nobody to answer, nothing to report
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
