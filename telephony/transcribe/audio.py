"""Decode audio files for the engines: mono, 16-bit, 16 kHz (or what a model wants).

Decoding goes through pydub (which uses ffmpeg for anything but plain PCM and
G.711 WAV); resampling through libswresample (see :func:`_resample`).
Before anything is decoded the file is *probed* from its header only, so that a
missing, empty, non-audio or hours-long file is refused at once, without reading
it into memory:

- WAV (what Asterisk's MixMonitor writes, PCM or µ-law): the RIFF chunks are read
  directly; the duration is the data chunk's size / the byte rate.
- Anything else: ``ffprobe`` reads the container header.

Policy for a *truncated* file (its header announces more data than the file
holds, e.g. a recording copied while still being written, or a cut download):
what is present is decoded and transcribed, and the result carries a warning.
It is refused only when nothing is left ("truncated") or when the header's
claim is itself over the length limit ("too_long": such a header is corrupt or
hostile, and honouring it would mean decoding hours of audio).
A header size of 0 or 0xFFFFFFFF (streaming writers that never patched it) is
"unknown": the file's real size counts.

Every refusal is an :class:`AudioError` with a short message and a ``reason``
code; no other exception type escapes :func:`probe` or :func:`load_audio`.
"""
from __future__ import annotations

import json
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AudioError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from pydub import AudioSegment

DEFAULT_MAX_AUDIO_S = 3 * 3600.0  # refuse anything longer than three hours
ENGINE_SAMPLE_RATE = 16000
FFPROBE_TIMEOUT_S = 30.0
MIN_RATE, MAX_RATE = 1000, 768000  # a WAV header outside this is corrupt

# WAV format tags -> ffmpeg decoder names
_WAV_TAG_CODECS = {
    0x0001: "pcm",  # completed with the bit depth below
    0x0003: "pcm_f",
    0x0006: "pcm_alaw",
    0x0007: "pcm_mulaw",
}
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)


@dataclass(frozen=True)
class AudioInfo:
    """What the header says (nothing decoded yet)."""

    path: Path
    container: str  # "wav", or ffprobe's format name
    codec: str  # ffmpeg codec name, e.g. "pcm_s16le", "pcm_mulaw", "mp3"
    sample_rate: int
    channels: int
    duration_s: float | None  # of the data actually present (None: unknown)
    declared_s: float | None = None  # what the header claims, when it claims something
    truncated: bool = False
    # WAV only: where the samples are
    data_offset: int | None = None
    data_bytes: int | None = None
    block_align: int | None = None
    bits: int | None = None


@dataclass(frozen=True)
class Audio:
    """Decoded audio: mono signed 16-bit little-endian PCM."""

    pcm: bytes
    sample_rate: int
    info: AudioInfo
    warnings: tuple[str, ...] = field(default=())

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate

    def float32(self) -> np.ndarray:
        """Samples as float32 in [-1, 1) (what faster-whisper takes)."""
        import numpy as np

        return np.frombuffer(self.pcm, dtype="<i2").astype(np.float32) / 32768.0


def _fmt_s(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2f} s"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


# ---------------------------------------------------------------- probing


def probe(path: Path | str, *, max_audio_s: float | None = DEFAULT_MAX_AUDIO_S) -> AudioInfo:
    """Check a file from its header only; raise AudioError if it can't be used."""
    path = Path(path)
    try:
        info = _probe(path)
    except AudioError:
        raise
    except OSError as exc:
        raise AudioError(path, "missing", f"cannot read file ({exc.strerror or exc})") from None
    except Exception as exc:  # noqa: BLE001 - a header odd enough to trip the parser
        raise AudioError(path, "corrupt", f"corrupt header ({type(exc).__name__}: {exc})") from None
    _check_length(info, max_audio_s)
    return info


def _probe(path: Path) -> AudioInfo:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise AudioError(path, "missing", "file not found") from None
    except OSError as exc:
        raise AudioError(path, "missing", f"cannot read file ({exc.strerror or exc})") from None
    if not path.is_file():
        raise AudioError(path, "not_a_file", "not a regular file")
    if st.st_size == 0:
        raise AudioError(path, "empty", "empty file (0 bytes)")
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as exc:
        raise AudioError(path, "missing", f"cannot read file ({exc.strerror or exc})") from None

    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _probe_wav(path, st.st_size)
    if len(head) < 12 and head[:4] == b"RIFF"[: len(head[:4])]:
        raise AudioError(path, "truncated", "truncated WAV header")
    return _probe_ffprobe(path)


def _check_length(info: AudioInfo, max_audio_s: float | None) -> None:
    if max_audio_s is None:
        return
    claimed = max(info.declared_s or 0.0, info.duration_s or 0.0)
    if claimed > max_audio_s:
        what = "header says" if info.declared_s and info.declared_s >= claimed else "duration"
        raise AudioError(
            info.path,
            "too_long",
            f"too long: {what} {_fmt_s(claimed)}, limit {_fmt_s(max_audio_s)}",
        )


def _probe_wav(path: Path, size: int) -> AudioInfo:
    fmt: bytes | None = None
    data_offset = data_size = None
    with path.open("rb") as f:
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            hdr = f.read(8)
            if len(hdr) < 8:
                break
            cid, csize = hdr[:4], struct.unpack("<I", hdr[4:])[0]
            if cid == b"fmt ":
                if pos + 8 + csize > size:
                    raise AudioError(path, "truncated", "truncated WAV header (fmt chunk cut)")
                fmt = f.read(min(csize, 64))
            elif cid == b"data":
                data_offset, data_size = pos + 8, csize
                break
            pos += 8 + csize + (csize & 1)
    if fmt is None and data_offset is None:  # ran out of file looking for it
        raise AudioError(path, "truncated", "truncated WAV header (no fmt chunk)")
    if fmt is None or len(fmt) < 16:
        raise AudioError(path, "corrupt", "corrupt WAV header (no valid fmt chunk)")
    if data_offset is None:
        raise AudioError(path, "truncated", "truncated WAV (no data chunk)")

    tag, channels, rate, byte_rate, block_align, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: real tag in the GUID
        tag = struct.unpack("<H", fmt[24:26])[0]
    if not channels or not rate or not block_align:
        raise AudioError(path, "corrupt", "corrupt WAV header (zero channels, rate or block size)")
    if not byte_rate:
        byte_rate = rate * block_align
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(path, "corrupt", f"corrupt WAV header (sample rate {rate} Hz)")
    if tag in (1, 3, 6, 7) and (
        bits == 0 or block_align != channels * ((bits + 7) // 8) or byte_rate != rate * block_align
    ):
        raise AudioError(path, "corrupt", "corrupt WAV header (sizes do not match the format)")
    codec = _WAV_TAG_CODECS.get(tag, f"wav_0x{tag:04x}")
    if codec == "pcm":
        codec = "pcm_u8" if bits == 8 else f"pcm_s{bits}le"
    elif codec == "pcm_f":
        codec = f"pcm_f{bits}le"

    present = max(0, size - data_offset)
    if data_size in _UNKNOWN_SIZES:
        declared_s = None
        usable = present
        truncated = False
    else:
        declared_s = data_size / byte_rate
        usable = min(data_size, present)
        truncated = data_size > present
    usable -= usable % block_align
    if usable == 0:
        if truncated:
            raise AudioError(
                path, "truncated",
                f"truncated: header says {_fmt_s(declared_s or 0)}, no samples present",
            )
        raise AudioError(path, "empty", "no audio samples (empty data chunk)")
    return AudioInfo(
        path=path,
        container="wav",
        codec=codec,
        sample_rate=rate,
        channels=channels,
        duration_s=usable / byte_rate,
        declared_s=declared_s,
        truncated=truncated,
        data_offset=data_offset,
        data_bytes=usable,
        block_align=block_align,
        bits=bits,
    )


def _ffprobe_bin() -> str:
    from pydub.utils import get_prober_name

    return get_prober_name()


def _probe_ffprobe(path: Path) -> AudioInfo:
    cmd = [_ffprobe_bin(), "-v", "error", "-of", "json", "-show_format", "-show_streams", str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=FFPROBE_TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise AudioError(path, "decode_failed", "ffprobe not installed (needed for non-WAV files)") from None
    except subprocess.TimeoutExpired:
        raise AudioError(path, "not_audio", "not audio (ffprobe timed out)") from None
    try:
        data = json.loads(proc.stdout or b"{}")
    except ValueError:
        data = {}
    streams = [s for s in data.get("streams", []) if s.get("codec_type") == "audio"]
    if proc.returncode != 0 or not streams:
        raise AudioError(path, "not_audio", "not an audio file")
    st, fmt = streams[0], data.get("format", {})

    def num(x) -> float | None:
        try:
            v = float(x)
        except (TypeError, ValueError):
            return None
        return v if v > 0 else None

    duration = num(st.get("duration")) or num(fmt.get("duration"))
    if duration is None:
        size, bit_rate = num(fmt.get("size")), num(fmt.get("bit_rate")) or num(st.get("bit_rate"))
        if size and bit_rate:
            duration = size * 8 / bit_rate
    return AudioInfo(
        path=path,
        container=str(fmt.get("format_name", "?")),
        codec=str(st.get("codec_name", "?")),
        sample_rate=int(num(st.get("sample_rate")) or 0),
        channels=int(st.get("channels") or 0),
        duration_s=duration,
    )


# ---------------------------------------------------------------- decoding


def load_audio(
    path: Path | str,
    *,
    sample_rate: int = ENGINE_SAMPLE_RATE,
    max_audio_s: float | None = DEFAULT_MAX_AUDIO_S,
) -> Audio:
    """Probe, decode with pydub, convert to mono 16-bit ``sample_rate`` Hz."""
    info = probe(path, max_audio_s=max_audio_s)
    try:
        seg = _decode(info, max_audio_s)
        seg = seg.set_channels(1).set_sample_width(2)
        pcm = _resample(seg.raw_data, seg.frame_rate, sample_rate)
    except AudioError:
        raise
    except MemoryError:
        raise AudioError(info.path, "too_long", "too long: out of memory decoding it") from None
    except Exception as exc:  # noqa: BLE001 - pydub/audioop/av on damaged data
        raise AudioError(
            info.path, "decode_failed", f"cannot decode ({type(exc).__name__}: {exc})"
        ) from None
    if len(pcm) < 2:
        raise AudioError(info.path, "empty", "no audio samples")
    decoded_s = len(pcm) / 2 / sample_rate
    if max_audio_s is not None and decoded_s > max_audio_s + 1.0:
        raise AudioError(
            info.path, "too_long", f"too long: {_fmt_s(decoded_s)}, limit {_fmt_s(max_audio_s)}"
        )
    warnings: list[str] = []
    if info.truncated:
        warnings.append(
            f"truncated: header says {_fmt_s(info.declared_s or 0)}, "
            f"{_fmt_s(decoded_s)} present; transcribed what is there"
        )
    return Audio(pcm=pcm, sample_rate=sample_rate, info=info, warnings=tuple(warnings))


_RESAMPLE_CHUNK = 1 << 18  # samples per frame fed to the resampler


def _resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Mono s16le PCM from one rate to another.

    Uses libswresample (through PyAV, installed with faster-whisper): a proper
    band-limited resampler. pydub's own ``set_frame_rate`` (audioop.ratecv)
    interpolates without filtering; on the 8 kHz phone clips it cost Whisper
    about 13 points of CER. Falls back to it only when PyAV is missing.
    """
    if from_rate == to_rate or not pcm:
        return pcm
    try:
        import av
        import numpy as np
    except ImportError:  # pragma: no cover - av comes with faster-whisper
        from pydub import AudioSegment

        seg = AudioSegment(data=pcm, sample_width=2, frame_rate=from_rate, channels=1)
        return seg.set_frame_rate(to_rate).raw_data
    x = np.frombuffer(pcm, dtype="<i2")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=to_rate)
    out: list[bytes] = []
    for i in range(0, len(x), _RESAMPLE_CHUNK):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(x[i : i + _RESAMPLE_CHUNK])[None, :], format="s16", layout="mono"
        )
        frame.sample_rate = from_rate
        out.extend(f.to_ndarray().tobytes() for f in resampler.resample(frame))
    out.extend(f.to_ndarray().tobytes() for f in resampler.resample(None))
    return b"".join(out)


def _read_wav_data(info: AudioInfo) -> bytes:
    try:
        with info.path.open("rb") as f:
            f.seek(info.data_offset or 0)
            raw = f.read(info.data_bytes or 0)
    except OSError as exc:
        raise AudioError(info.path, "missing", f"cannot read file ({exc.strerror or exc})") from None
    return raw[: len(raw) - len(raw) % (info.block_align or 1)]


def _decode(info: AudioInfo, max_audio_s: float | None) -> AudioSegment:
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    path = info.path
    # Plain integer PCM WAV: read exactly the samples present (pydub would trust
    # the header's size, which is 0 in an unfinished recording).
    if info.container == "wav" and info.codec in ("pcm_s16le", "pcm_s32le"):
        raw = _read_wav_data(info)
        return AudioSegment(
            data=raw, sample_width=(info.bits or 16) // 8, frame_rate=info.sample_rate,
            channels=info.channels,
        )

    # G.711 WAV (Asterisk's µ-law/A-law recordings): expand in-process with the
    # audioop module pydub itself uses; no ffmpeg process per file.
    if info.container == "wav" and info.codec in ("pcm_mulaw", "pcm_alaw") and info.bits == 8:
        from pydub.utils import audioop

        raw = _read_wav_data(info)
        expand = audioop.ulaw2lin if info.codec == "pcm_mulaw" else audioop.alaw2lin
        return AudioSegment(
            data=expand(raw, 2), sample_width=2, frame_rate=info.sample_rate, channels=info.channels
        )

    # Float WAV: pydub's WAV reader would take WAVE_FORMAT_EXTENSIBLE floats
    # for integers, so convert here.
    if info.container == "wav" and info.codec in ("pcm_f32le", "pcm_f64le"):
        import numpy as np

        x = np.frombuffer(_read_wav_data(info), dtype="<f4" if info.codec == "pcm_f32le" else "<f8")
        pcm = (np.clip(np.nan_to_num(x), -1.0, 1.0 - 1 / 32768) * 32768).astype("<i2").tobytes()
        return AudioSegment(
            data=pcm, sample_width=2, frame_rate=info.sample_rate, channels=info.channels
        )

    # Everything else: pydub -> ffmpeg, naming the codec. Without it pydub picks
    # the *output* format from ffprobe's bits_per_sample: 8-bit linear for
    # G.711 (ruinous for phone audio) and an invalid "pcm_s0le" for GSM (WAV49),
    # Opus and others. With it, ffmpeg writes its default, 16-bit PCM.
    codec = info.codec
    if codec.startswith("wav_0x"):  # a WAV codec we don't know by tag: ask ffprobe
        codec = _probe_ffprobe(path).codec
    kwargs = {}
    if info.duration_s is None and max_audio_s is not None:
        kwargs["duration"] = max_audio_s + 2  # unknown length: never decode more than the limit
    try:
        return AudioSegment.from_file(str(path), codec=codec, **kwargs)
    except CouldntDecodeError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        last = lines[-1] if lines else "ffmpeg failed"
        raise AudioError(path, "decode_failed", f"cannot decode ({last[:200]})") from None


__all__ = [
    "DEFAULT_MAX_AUDIO_S",
    "ENGINE_SAMPLE_RATE",
    "Audio",
    "AudioError",
    "AudioInfo",
    "load_audio",
    "probe",
]
