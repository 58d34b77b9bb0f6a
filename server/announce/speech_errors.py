"""Why a segment's speech cannot be had now; each carries the error code the audio route
answers with (a 503: the display plays the chime and the board without that segment)."""

from __future__ import annotations


class SpeechUnavailable(Exception):
    code = "speech_failed"


class SpeechLate(SpeechUnavailable):
    """Shed: its call is older than a display would still play."""

    code = "speech_late"


class SpeechBusy(SpeechUnavailable):
    """Shed: the backlog was full and newer calls went first."""

    code = "speech_busy"
