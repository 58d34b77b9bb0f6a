"""Announcement audio: `/audio/{lang}/{digest}.wav` (CONTRACT section 4) and each site's
chime at `/audio/chime/{site}.wav`."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loket.server.announce.cache import KEY
from loket.server.announce.library import AudioLibrary
from loket.server.announce.pcm import AudioFormatError
from loket.server.announce.speech_errors import SpeechUnavailable
from loket.server.domain.error_codes import ErrorCode
from loket.server.domain.errors import NotFound
from loket.server.errors import Unavailable
from loket.server.web.state import service_of

log = logging.getLogger("loket")
FOREVER = "public, max-age=31536000, immutable"  # a segment URL never changes meaning
CHIME_CACHE = "public, max-age=300"  # an office may replace its chime file


def _library(request: Request) -> AudioLibrary:
    audio: AudioLibrary | None = service_of(request).audio
    if audio is None:
        raise Unavailable("This server has no announcement audio.", ErrorCode.AUDIO_OFF)
    return audio


def _wav(data: bytes, cache: str) -> Response:
    return Response(data, media_type="audio/wav", headers={"Cache-Control": cache})


async def segment(request: Request) -> Response:
    lang, name = request.path_params["lang"], request.path_params["name"]
    key = f"{lang}/{name.removesuffix('.wav')}"
    if not name.endswith(".wav") or not KEY.fullmatch(key):
        raise NotFound("audio", f"{lang}/{name}")
    try:
        data = await _library(request).wav(key)
    except SpeechUnavailable as error:
        # the renderer logged real failures; shed ones are routine under load
        raise Unavailable(f"No speech for this segment now: {error}", error.code) from None
    if data is None:
        raise NotFound("audio", key)
    return _wav(data, FOREVER)


async def chime(request: Request) -> Response:
    site = request.path_params["site"]
    try:
        data = _library(request).chime_wav(site)
    except (OSError, AudioFormatError) as error:
        log.error("chime of %s unreadable: %s", site, error)
        raise Unavailable("The chime file cannot be read.", ErrorCode.CHIME_UNREADABLE) from None
    if data is None:
        raise NotFound("chime", site)
    return _wav(data, CHIME_CACHE)


ROUTES = [
    Route("/audio/chime/{site}.wav", chime),
    Route("/audio/{lang}/{name}", segment),
]
