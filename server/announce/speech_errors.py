"""Why a segment's speech cannot be had now; each carries the error code the audio route
answers with (a 503: the display plays the chime and the board without that segment)."""

from __future__ import annotations

from loket.server.domain.error_codes import ErrorCode


class SpeechUnavailable(Exception):
    code = ErrorCode.SPEECH_FAILED


class SpeechLate(SpeechUnavailable):
    """Shed: its call is older than a display would still play."""

    code = ErrorCode.SPEECH_LATE


class SpeechBusy(SpeechUnavailable):
    """Shed: the backlog was full and newer calls went first."""

    code = ErrorCode.SPEECH_BUSY
