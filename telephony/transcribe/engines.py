"""Offline Mandarin speech-to-text engines behind one small interface.

- :class:`WhisperEngine`: faster-whisper (CTranslate2) on the CPU, language "zh".
- :class:`VoskEngine`: vosk/Kaldi with a model directory (Chinese in production).

Both decode files through :mod:`telephony.transcribe.audio` (pydub), load their
model once per engine object (lazily, thread-safe) and return a
:class:`Transcript` in simplified Chinese with segment times in seconds from
the start of the file.

``cpu_s`` is the process's CPU time (user + system, including child processes
such as ffmpeg) spent in ``transcribe``; it is exact when one transcription
runs at a time in the process and overlaps when several threads transcribe at
once.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .audio import DEFAULT_MAX_AUDIO_S, Audio, load_audio
from .errors import ModelError
from .text import clean_transcript
from .vosk_model import find_vosk_model_dir, vosk_sample_rate

log = logging.getLogger(__name__)


@dataclass
class Segment:
    start: float
    end: float
    text: str


@dataclass
class Transcript:
    text: str
    segments: list[Segment]
    engine: str
    audio_s: float
    cpu_s: float
    warnings: list[str] = field(default_factory=list)  # e.g. "truncated: ..."

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "text": self.text,
            "segments": [
                {"start": round(s.start, 3), "end": round(s.end, 3), "text": s.text}
                for s in self.segments
            ],
            "engine": self.engine,
            "audio_s": round(self.audio_s, 3),
            "cpu_s": round(self.cpu_s, 3),
        }
        if self.warnings:
            d["warnings"] = list(self.warnings)
        return d


@runtime_checkable
class Engine(Protocol):
    name: str

    def transcribe(self, path: Path) -> Transcript: ...


def _cpu_now() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _join(texts: list[str]) -> str:
    return clean_transcript(" ".join(t for t in texts if t))


class _LazyModel:
    """The model is loaded on first use, once, and shared by every transcription."""

    _model = None
    _lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        raise NotImplementedError


class WhisperEngine(_LazyModel):
    """faster-whisper on the CPU (int8 by default), language forced to Chinese.

    ``vad_filter`` (Silero VAD, shipped inside faster-whisper) skips silence:
    a call leg is mostly silence while the other party talks, and Whisper left
    alone on silence makes things up (e.g. a phantom "请问您有其他需要吗?" at the
    end of a leg) and places later segments late. With VAD the segments are
    re-split at pauses of ``split_pause_s`` between words, using word times.
    """

    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        beam_size: int = 5,
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        *,
        language: str = "zh",
        vad_filter: bool = True,
        split_pause_s: float | None = 0.8,
        initial_prompt: str | None = None,
        max_audio_s: float | None = DEFAULT_MAX_AUDIO_S,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.beam_size = beam_size
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads if cpu_threads is not None else _default_threads()
        self.language = language
        self.vad_filter = vad_filter
        self.split_pause_s = split_pause_s
        self.initial_prompt = initial_prompt
        self.max_audio_s = max_audio_s

    def _load(self):
        if not (self.model_dir / "model.bin").is_file():
            raise ModelError(f"no Whisper model in {self.model_dir} (model.bin missing)")
        if not (self.model_dir / "tokenizer.json").is_file():
            # faster-whisper would fetch one from the Hugging Face hub otherwise
            raise ModelError(f"no tokenizer.json in {self.model_dir}")
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelError(f"faster-whisper is not installed ({exc})") from None
        try:
            return WhisperModel(
                str(self.model_dir),
                device="cpu",
                compute_type=self.compute_type,
                cpu_threads=self.cpu_threads,
                local_files_only=True,
            )
        except Exception as exc:  # noqa: BLE001 - ctranslate2: RuntimeError/ValueError
            raise ModelError(f"cannot load the Whisper model in {self.model_dir}: {exc}") from None

    def transcribe(self, path: Path) -> Transcript:
        model = self.model  # load outside the CPU measurement
        cpu0 = _cpu_now()
        audio = load_audio(path, max_audio_s=self.max_audio_s)
        pieces, _info = model.transcribe(
            audio.float32(),
            language=self.language,
            task="transcribe",
            beam_size=self.beam_size,
            vad_filter=self.vad_filter,
            word_timestamps=self.split_pause_s is not None,
            initial_prompt=self.initial_prompt,
        )
        duration = audio.duration_s
        segments: list[Segment] = []
        for p in pieces:  # a generator: decoding happens here
            for start, end, raw in self._utterances(p):
                text = clean_transcript(raw)
                if not text:
                    continue
                start = min(max(0.0, start), duration)
                end = min(max(start, end), duration)
                segments.append(Segment(start, end, text))
        return Transcript(
            text=_join([s.text for s in segments]),
            segments=segments,
            engine=self.name,
            audio_s=duration,
            cpu_s=_cpu_now() - cpu0,
            warnings=list(audio.warnings),
        )


    def _utterances(self, piece) -> list[tuple[float, float, str]]:
        """One Whisper segment, split into utterances at pauses between words.

        With VAD, Whisper decodes the speech of a long stretch as one segment
        (0:01 greeting ... 0:31 closing); word times put each utterance back
        where it was said.
        """
        words = getattr(piece, "words", None) or []
        if self.split_pause_s is None or not words:
            return [(float(piece.start), float(piece.end), piece.text)]
        out: list[tuple[float, float, str]] = []
        start, end, text = float(words[0].start), float(words[0].end), [words[0].word]
        for w in words[1:]:
            if float(w.start) - end >= self.split_pause_s:
                out.append((start, end, "".join(text)))
                start, text = float(w.start), []
            end = max(end, float(w.end))
            text.append(w.word)
        out.append((start, end, "".join(text)))
        return out


class VoskEngine(_LazyModel):
    """vosk (Kaldi) with a model directory, streamed in chunks at the model's rate."""

    name = "vosk"

    def __init__(
        self,
        model_dir: Path,
        *,
        chunk_s: float = 0.25,
        max_audio_s: float | None = DEFAULT_MAX_AUDIO_S,
    ) -> None:
        self.model_dir = find_vosk_model_dir(model_dir)
        self.sample_rate = vosk_sample_rate(self.model_dir)
        self.chunk_s = chunk_s
        self.max_audio_s = max_audio_s

    def _load(self):
        try:
            import vosk
        except ImportError as exc:
            raise ModelError(f"vosk is not installed ({exc})") from None
        vosk.SetLogLevel(-1)
        try:
            return vosk.Model(str(self.model_dir))
        except Exception as exc:  # noqa: BLE001 - vosk raises a bare Exception
            raise ModelError(f"cannot load the vosk model in {self.model_dir}: {exc}") from None

    def transcribe(self, path: Path) -> Transcript:
        import vosk

        model = self.model
        cpu0 = _cpu_now()
        audio = load_audio(path, sample_rate=self.sample_rate, max_audio_s=self.max_audio_s)
        rec = vosk.KaldiRecognizer(model, float(self.sample_rate))
        rec.SetWords(True)
        segments: list[Segment] = []
        step = max(2, int(self.sample_rate * self.chunk_s) * 2)
        pcm = audio.pcm
        for off in range(0, len(pcm), step):
            if rec.AcceptWaveform(pcm[off : off + step]):
                self._add(segments, rec.Result(), audio, (off + step) / 2 / self.sample_rate)
        self._add(segments, rec.FinalResult(), audio, audio.duration_s)
        return Transcript(
            text=_join([s.text for s in segments]),
            segments=segments,
            engine=self.name,
            audio_s=audio.duration_s,
            cpu_s=_cpu_now() - cpu0,
            warnings=list(audio.warnings),
        )

    @staticmethod
    def _add(segments: list[Segment], result_json: str, audio: Audio, now_s: float) -> None:
        """Parse one final Result/FinalResult JSON into a Segment."""
        try:
            result = json.loads(result_json)
        except ValueError:
            log.warning("vosk returned invalid JSON: %.80r", result_json)
            return
        words = [w for w in result.get("result") or [] if isinstance(w, dict) and w.get("word")]
        text = clean_transcript(result.get("text") or " ".join(str(w["word"]) for w in words))
        if not text:
            return
        duration = audio.duration_s
        prev_end = segments[-1].end if segments else 0.0
        if words:
            start, end = float(words[0].get("start", prev_end)), float(words[-1].get("end", now_s))
        else:  # no word timings: the span since the last result
            start, end = prev_end, now_s
        start = min(max(0.0, start), duration)
        end = min(max(start, end), duration)
        segments.append(Segment(start, end, text))


def transcript_from_dict(d: dict[str, Any]) -> Transcript:
    """Inverse of Transcript.to_dict (for stored results)."""
    return Transcript(
        text=d["text"],
        segments=[Segment(**s) for s in d.get("segments", [])],
        engine=d["engine"],
        audio_s=d["audio_s"],
        cpu_s=d["cpu_s"],
        warnings=list(d.get("warnings", [])),
    )


__all__ = ["Engine", "Segment", "Transcript", "VoskEngine", "WhisperEngine", "transcript_from_dict"]
