"""The key of a spoken segment: its language and a digest of its text and of what speaks it,
so that one URL never changes meaning and may be cached forever."""

from __future__ import annotations

import hashlib


def segment_key(lang: str, text: str, speaker: str) -> str:
    digest = hashlib.sha256(f"{speaker}\n{lang}\n{text}".encode()).hexdigest()[:32]
    return f"{lang}/{digest}"
