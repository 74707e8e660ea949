"""audio.py: decoding real files, and a clear AudioError for every bad one."""
from __future__ import annotations

import shutil
import struct
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from pydub import AudioSegment

from telephony.transcribe.audio import (
    DEFAULT_MAX_AUDIO_S,
    AudioError,
    load_audio,
    probe,
)

GREET = "greet_ok_01.wav"  # 4.99 s


def wav_header(*, rate=8000, bits=16, channels=1, tag=1, data_size: int) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    return (
        b"RIFF" + struct.pack("<I", min(4 + 8 + len(fmt) + 8 + data_size, 0xFFFFFFFF)) + b"WAVE"
        + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        + b"data" + struct.pack("<I", data_size & 0xFFFFFFFF)
    )


@pytest.fixture
def pcm_wav(hotline_dir) -> Path:
    return hotline_dir / "pcm8k" / GREET


@pytest.fixture
def ulaw_wav(hotline_dir) -> Path:
    return hotline_dir / "ulaw8k" / GREET


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Peak normalised cross-correlation (codecs delay the signal a little)."""
    n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    xc = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    return float(np.abs(xc).max() / (np.linalg.norm(a) * np.linalg.norm(b)))


# ------------------------------------------------------------------ good files


def test_pcm_and_ulaw_decode_to_16k_mono(pcm_wav, ulaw_wav):
    a, b = load_audio(pcm_wav), load_audio(ulaw_wav)
    assert a.info.codec == "pcm_s16le" and b.info.codec == "pcm_mulaw"
    assert a.info.sample_rate == b.info.sample_rate == 8000
    for x in (a, b):
        assert x.sample_rate == 16000
        assert x.duration_s == pytest.approx(4.99, abs=0.02)
        assert not x.warnings
        f = x.float32()
        assert f.dtype == np.float32 and 0.1 < np.abs(f).max() <= 1.0
    # the same speech: µ-law only adds quantisation noise
    n = min(len(a.pcm), len(b.pcm)) // 2
    corr = np.corrcoef(samples(a.pcm)[:n], samples(b.pcm)[:n])[0, 1]
    assert corr > 0.99


def test_other_rates_channels_and_formats(tmp_path, pcm_wav):
    seg = AudioSegment.from_file(pcm_wav)
    stereo = seg.set_frame_rate(44100).set_channels(2)
    stereo.export(tmp_path / "stereo44k.wav", format="wav")
    a = load_audio(tmp_path / "stereo44k.wav")
    assert a.info.channels == 2 and a.info.sample_rate == 44100
    assert a.sample_rate == 16000 and a.duration_s == pytest.approx(4.99, abs=0.02)

    flac = tmp_path / "call.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(pcm_wav), str(flac)], check=True)
    b = load_audio(flac)
    assert b.info.container == "flac"
    assert b.duration_s == pytest.approx(4.99, abs=0.02)
    assert load_audio(pcm_wav, sample_rate=8000).duration_s == pytest.approx(4.99, abs=0.02)


@pytest.mark.parametrize(
    "name, args",
    [
        ("wav49.wav", ["-c:a", "gsm_ms"]),  # Asterisk's WAV49 (GSM in WAV)
        ("alaw.wav", ["-c:a", "pcm_alaw"]),
        ("s24.wav", ["-c:a", "pcm_s24le"]),
        ("f32.wav", ["-c:a", "pcm_f32le", "-ac", "2"]),  # WAVE_FORMAT_EXTENSIBLE float
        ("adpcm.wav", ["-c:a", "adpcm_ima_wav"]),
        ("call.opus", ["-c:a", "libopus"]),
        ("call.mp3", ["-c:a", "libmp3lame"]),
        ("call.m4a", ["-c:a", "aac"]),
    ],
)
def test_formats_ffmpeg_can_read(tmp_path, pcm_wav, name, args):
    p = tmp_path / name
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(pcm_wav), *args, str(p)], check=True)
    a = load_audio(p)
    assert a.sample_rate == 16000
    assert a.duration_s == pytest.approx(4.99, abs=0.15)
    assert similarity(samples(load_audio(pcm_wav).pcm), samples(a.pcm)) > 0.95, name


def test_unfinished_recording_with_unknown_size_is_read_to_the_end(tmp_path, pcm_wav):
    """A writer that never patched the header (size 0 / 0xFFFFFFFF): the file's size counts."""
    data = load_audio(pcm_wav, sample_rate=8000).pcm
    for size in (0, 0xFFFFFFFF):
        p = tmp_path / f"live{size}.wav"
        p.write_bytes(wav_header(data_size=size) + data)
        a = load_audio(p, sample_rate=8000)
        assert a.pcm == data and not a.warnings


# ------------------------------------------------------------------ bad files


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="not found") as e:
        load_audio(tmp_path / "nope.wav")
    assert e.value.reason == "missing"
    assert str(e.value) == "nope.wav: file not found"


def test_directory(tmp_path):
    with pytest.raises(AudioError) as e:
        load_audio(tmp_path)
    assert e.value.reason == "not_a_file"


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.touch()
    with pytest.raises(AudioError, match="empty") as e:
        load_audio(p)
    assert e.value.reason == "empty"


def test_wav_with_zero_samples(tmp_path):
    p = tmp_path / "header_only.wav"
    p.write_bytes(wav_header(data_size=0))
    with pytest.raises(AudioError, match="no audio samples") as e:
        load_audio(p)
    assert e.value.reason == "empty"


@pytest.mark.parametrize("name", ["notes.wav", "notes.mp3", "notes"])
def test_text_file_is_not_audio(tmp_path, name):
    p = tmp_path / name
    p.write_text("来电记录：3-2-502 报修，厨房水管爆裂。\n" * 50, encoding="utf-8")
    with pytest.raises(AudioError, match="not an audio file") as e:
        load_audio(p)
    assert e.value.reason == "not_audio"


def test_random_bytes_are_not_audio(tmp_path):
    p = tmp_path / "noise.wav"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    with pytest.raises(AudioError) as e:
        load_audio(p)
    assert e.value.reason in ("not_audio", "decode_failed")


@pytest.mark.parametrize("kind", ["pcm8k", "ulaw8k"])
def test_truncated_wav_is_transcribed_as_far_as_it_goes(tmp_path, hotline_dir, kind):
    src = (hotline_dir / kind / GREET).read_bytes()
    p = tmp_path / "half.wav"
    p.write_bytes(src[: len(src) // 2 + 1])  # odd length on purpose
    a = load_audio(p)
    assert a.info.truncated
    assert a.info.declared_s == pytest.approx(4.99, abs=0.02)
    assert a.duration_s == pytest.approx(4.99 / 2, abs=0.05)
    assert len(a.warnings) == 1 and a.warnings[0].startswith("truncated: header says 4.99 s")


def test_truncated_to_nothing(tmp_path, pcm_wav):
    src = pcm_wav.read_bytes()
    for n, expect in ((44, "no samples present"), (30, "truncated"), (6, "truncated WAV header")):
        p = tmp_path / f"cut{n}.wav"
        p.write_bytes(src[:n])
        with pytest.raises(AudioError, match=expect) as e:
            load_audio(p)
        assert e.value.reason == "truncated", n


def test_header_claiming_four_hours_is_refused_without_decoding(tmp_path):
    p = tmp_path / "claims_4h.wav"
    p.write_bytes(wav_header(data_size=4 * 3600 * 16000) + b"\0" * 16000)
    t0 = time.perf_counter()
    with pytest.raises(AudioError, match=r"too long: header says 4:00:00, limit 3:00:00") as e:
        load_audio(p)
    assert e.value.reason == "too_long"
    assert time.perf_counter() - t0 < 1.0
    assert DEFAULT_MAX_AUDIO_S == 3 * 3600


def test_real_four_hour_file_is_refused_quickly(tmp_path):
    """460 MB of (sparse) samples: refused from the header, never read."""
    size = 4 * 3600 * 16000
    p = tmp_path / "four_hours.wav"
    with p.open("wb") as f:
        f.write(wav_header(data_size=size))
        f.truncate(f.tell() + size)
    t0 = time.perf_counter()
    with pytest.raises(AudioError, match="too long") as e:
        load_audio(p)
    assert e.value.reason == "too_long"
    assert time.perf_counter() - t0 < 1.0
    # the limit is a setting
    assert probe(p, max_audio_s=5 * 3600).duration_s == pytest.approx(4 * 3600)


def test_limit_applies_to_other_formats(tmp_path, pcm_wav):
    flac = tmp_path / "call.flac"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(pcm_wav), str(flac)], check=True)
    with pytest.raises(AudioError, match="too long: duration 4.99 s, limit 2.00 s"):
        load_audio(flac, max_audio_s=2)
    with pytest.raises(AudioError, match="too long"):
        load_audio(pcm_wav, max_audio_s=2)


def test_corrupt_fmt_chunk(tmp_path, pcm_wav):
    src = bytearray(pcm_wav.read_bytes())
    src[22:24] = b"\0\0"  # zero channels
    p = tmp_path / "corrupt.wav"
    p.write_bytes(bytes(src))
    with pytest.raises(AudioError, match="corrupt WAV header"):
        load_audio(p)


def test_only_audio_errors_escape(tmp_path, pcm_wav, ulaw_wav):
    """Damaged headers, cut files: the caller sees AudioError or audio, nothing else."""
    srcs = [pcm_wav.read_bytes(), ulaw_wav.read_bytes()]
    rng = np.random.default_rng(7)
    outcomes = set()
    for i in range(60):
        src = srcs[i % 2]
        b = bytearray(src[: int(rng.integers(0, len(src)))] if rng.random() < 0.5 else src)
        for _ in range(int(rng.integers(1, 5))):
            if b:
                b[int(rng.integers(0, min(len(b), 64)))] = int(rng.integers(0, 256))
        p = tmp_path / f"fuzz{i}.wav"
        p.write_bytes(bytes(b))
        try:
            load_audio(p)
            outcomes.add("ok")
        except AudioError as e:
            assert str(e).startswith(p.name + ": ")
            outcomes.add(e.reason)
    assert {"ok", "truncated", "corrupt"} <= outcomes


def test_unreadable_copy_via_symlink_loop(tmp_path):
    p = tmp_path / "loop.wav"
    p.symlink_to(p)
    with pytest.raises(AudioError):
        load_audio(p)


def test_ffmpeg_missing_is_not_needed_for_wav(tmp_path, pcm_wav, monkeypatch):
    """Asterisk's own formats (PCM and µ-law WAV) decode in-process."""
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg/ffprobe on PATH
    assert shutil.which("ffmpeg") is None
    assert load_audio(pcm_wav).duration_s > 4
