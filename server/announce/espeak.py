"""Speech from libespeak-ng, in process (the PyPI package espeakng-loader ships the library
and all its language data, so no system package is needed).

The library keeps one global state per process and is not thread-safe, so every Espeak
object of a process shares one lock and sets the voice and callback afresh on each call.
"""

from __future__ import annotations

import ctypes
import threading
from functools import cache
from pathlib import Path

import espeakng_loader

from loket.server.announce.pcm import Pcm
from loket.server.domain.announcements import Voice

_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: PCM handed to the synth callback, nothing played
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3  # espeak_PARAMETER
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class SpeechError(Exception):
    pass


def _data_root() -> Path:
    return Path(espeakng_loader.get_data_path())


@cache  # the data folder does not change while the process runs
def _voice_names() -> frozenset[str]:
    return frozenset(p.name.lower() for p in (_data_root() / "lang").rglob("*") if p.is_file())


@cache
def _variants() -> dict[str, str]:
    """Variant files by lower-case name → their spelling on disk, which espeak-ng needs."""
    return {p.name.lower(): p.name for p in (_data_root() / "voices" / "!v").iterdir()}


def canonical_voice(name: str) -> str | None:
    """'id', 'en-us', 'az+f3' (a language, optionally with a voice variant) as espeak-ng
    finds it ('en+alex' → 'en+Alex'); None when it has no such voice."""
    language, plus, variant = name.partition("+")
    if language.lower() not in _voice_names():
        return None
    if not plus:
        return language
    spelled = _variants().get(variant.lower())
    return f"{language}+{spelled}" if spelled else None


class Espeak:
    _process_lock = threading.Lock()  # the library's state is per process, not per object

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self._chunks: list[bytes] = []
        # kept on self: the library holds only a raw pointer to it
        self._callback = _CALLBACK(self._collect)
        root = str(_data_root().parent).encode()
        with self._process_lock:
            self.rate = self._lib.espeak_Initialize(_SYNCHRONOUS, 0, root, 0)
        if self.rate <= 0:
            raise SpeechError("libespeak-ng did not start (its data folder is missing?)")

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: int) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0: go on synthesizing

    def speak(self, text: str, voice: Voice) -> Pcm:
        with self._process_lock:
            self._lib.espeak_SetSynthCallback(self._callback)
            if self._lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise SpeechError(f"espeak-ng has no voice {voice.name!r}")
            self._lib.espeak_SetParameter(_RATE, voice.rate, 0)
            self._lib.espeak_SetParameter(_PITCH, voice.pitch, 0)
            self._chunks = []
            data = text.encode()
            status = self._lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if status != 0:
                raise SpeechError(f"espeak-ng could not speak (status {status})")
            self._lib.espeak_Synchronize()
            return Pcm(b"".join(self._chunks), self.rate)
