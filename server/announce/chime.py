"""The chime before each call: two bell-like tones, falling ("ding-dong")."""

from __future__ import annotations

import numpy as np

from loket.server.announce.pcm import Pcm

TONES_HZ = (783.99, 622.25)  # G5 then D#5: a major third down, the classic hall chime
TONE_SECONDS = 0.65
OVERLAP_SECONDS = 0.25  # the second tone starts while the first still rings


def chime(rate: int = 22050) -> Pcm:
    length = int(rate * TONE_SECONDS)
    t = np.arange(length) / rate
    # a soft attack (no click), an exponential ring-out, two overtones for a bell colour
    envelope = np.minimum(1.0, t / 0.008) * np.exp(-t * 5.0)
    step = int(rate * (TONE_SECONDS - OVERLAP_SECONDS))
    out = np.zeros(step * (len(TONES_HZ) - 1) + length)
    for i, hz in enumerate(TONES_HZ):
        tone = (
            np.sin(2 * np.pi * hz * t)
            + 0.35 * np.sin(2 * np.pi * 2 * hz * t) * np.exp(-t * 4.0)
            + 0.12 * np.sin(2 * np.pi * 3 * hz * t) * np.exp(-t * 8.0)
        )
        out[i * step : i * step + length] += tone * envelope
    return Pcm.of(out / np.max(np.abs(out)), rate).leveled(-18.0)
