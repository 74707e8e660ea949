"""Exceptions of the transcription package (one base class, short messages)."""
from __future__ import annotations

from pathlib import Path


class TranscribeError(Exception):
    """Base class: anything this package refuses, with a short human message."""


class ModelError(TranscribeError):
    """A speech model is missing, incomplete or corrupt."""


class AudioError(TranscribeError):
    """An input file cannot be transcribed (missing, empty, not audio, too long...).

    ``reason`` is a stable machine-readable code, ``str(err)`` a short message
    naming the file.
    """

    REASONS = ("missing", "not_a_file", "empty", "not_audio", "corrupt", "truncated", "too_long", "decode_failed")

    def __init__(self, path: Path | str, reason: str, detail: str) -> None:
        self.path = Path(path)
        self.reason = reason
        self.detail = detail
        super().__init__(f"{self.path.name}: {detail}")
