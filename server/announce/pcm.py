"""Mono 16-bit PCM: WAV in and out, joining, resampling, trimming and evening out loudness."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TARGET_RMS_DBFS = -20.0  # speech, clips and chime all at one level
PEAK_LIMIT = 0.89  # -1 dBFS: keeps headroom for cheap TV speakers


class AudioFormatError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Pcm:
    data: bytes  # little-endian int16 samples, one channel
    rate: int

    @classmethod
    def of(cls, samples: np.ndarray, rate: int) -> Pcm:
        """From float samples in [-1, 1]."""
        clipped = np.clip(samples, -1.0, 1.0)
        return cls((clipped * 32767.0).round().astype("<i2").tobytes(), rate)

    @classmethod
    def silence(cls, ms: int, rate: int) -> Pcm:
        return cls(bytes(2 * (rate * ms // 1000)), rate)

    @classmethod
    def from_wav(cls, source: bytes | Path) -> Pcm:
        """16-bit PCM WAV, mono or stereo (mixed down)."""
        try:
            with wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as w:
                if w.getsampwidth() != 2:
                    raise AudioFormatError("must be 16-bit PCM WAV")
                frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
                channels, rate = w.getnchannels(), w.getframerate()
        except (wave.Error, EOFError) as error:
            raise AudioFormatError(f"not a readable WAV file: {error}") from None
        if channels > 1:
            frames = frames.reshape(-1, channels).mean(axis=1).round().astype("<i2")
        return cls(frames.tobytes(), rate)

    def samples(self) -> np.ndarray:
        """Float samples in [-1, 1]."""
        return np.frombuffer(self.data, dtype="<i2").astype(np.float64) / 32768.0

    @property
    def seconds(self) -> float:
        return len(self.data) / 2 / self.rate

    def wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(self.data)
        return out.getvalue()

    def rms_dbfs(self) -> float:
        samples = self.samples()
        rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
        return 20 * np.log10(rms) if rms > 0 else -120.0

    def resampled(self, rate: int) -> Pcm:
        """Linear interpolation: enough for speech between common rates."""
        if rate == self.rate or not self.data:
            return Pcm(self.data, rate)
        samples = self.samples()
        count = max(1, round(samples.size * rate / self.rate))
        positions = np.linspace(0, samples.size - 1, count)
        return Pcm.of(np.interp(positions, np.arange(samples.size), samples), rate)

    def trimmed(self, threshold_dbfs: float = -45.0, keep_ms: int = 20) -> Pcm:
        """Without the silence before and after: clips then join without pauses."""
        samples = self.samples()
        loud = np.flatnonzero(np.abs(samples) > 10 ** (threshold_dbfs / 20))
        if loud.size == 0:
            return Pcm(b"", self.rate)
        keep = self.rate * keep_ms // 1000
        start, end = max(0, loud[0] - keep), min(samples.size, loud[-1] + 1 + keep)
        return Pcm(self.data[2 * start : 2 * end], self.rate)

    def leveled(self, target_dbfs: float = TARGET_RMS_DBFS) -> Pcm:
        """Brought to one loudness, peaks held under the limit."""
        samples = self.samples()
        if not samples.size or self.rms_dbfs() <= -90:
            return self
        gain = 10 ** ((target_dbfs - self.rms_dbfs()) / 20)
        peak = float(np.max(np.abs(samples))) * gain
        if peak > PEAK_LIMIT:
            gain *= PEAK_LIMIT / peak
        return Pcm.of(samples * gain, self.rate)


def joined(parts: list[Pcm], rate: int) -> Pcm:
    """Back to back, sample-accurate (WAV has no encoder padding), at one rate."""
    return Pcm(b"".join(part.resampled(rate).data for part in parts), rate)
