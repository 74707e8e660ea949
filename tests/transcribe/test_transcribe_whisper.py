"""WhisperEngine with the real Whisper base model, make_engine, transcribe_files."""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from pydub import AudioSegment

from telephony.transcribe import (
    Engine,
    ModelError,
    VoskEngine,
    WhisperEngine,
    make_engine,
    transcribe_files,
)
from telephony.transcribe.metrics import cer
from telephony.transcribe.text import to_simplified

CJK_SPACE = r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]"


def check_segments(tr):
    last = 0.0
    for s in tr.segments:
        assert 0.0 <= s.start <= s.end <= tr.audio_s + 1e-6
        assert s.start >= last - 1e-6
        last = s.start
        assert s.text == s.text.strip() and s.text


def test_greeting_through_the_phone_line(whisper_engine, hotline_dir, hotline_labels):
    f = hotline_dir / "ulaw8k" / "greet_ok_01.wav"
    ref = hotline_labels["greet_ok_01.wav"]
    assert ref == "您好，和美物业服务中心，请问有什么可以帮您？"
    tr = whisper_engine.transcribe(f)
    assert tr.engine == "whisper"
    assert cer(ref, tr.text) < 0.35, tr.text
    assert tr.text == to_simplified(tr.text)
    assert not re.search(CJK_SPACE, tr.text)
    assert tr.audio_s == pytest.approx(4.99, abs=0.02)
    assert tr.cpu_s > 0
    assert tr.segments
    check_segments(tr)
    d = tr.to_dict()
    assert set(d) == {"text", "segments", "engine", "audio_s", "cpu_s"}
    json.dumps(d, ensure_ascii=False)


def test_truncated_recording_gets_a_warning(whisper_engine, hotline_dir, tmp_path):
    src = (hotline_dir / "pcm8k" / "greet_ok_01.wav").read_bytes()
    p = tmp_path / "cut.wav"
    p.write_bytes(src[: len(src) * 3 // 5])
    tr = whisper_engine.transcribe(p)
    assert tr.audio_s == pytest.approx(4.99 * 3 / 5, abs=0.05)
    assert tr.warnings and tr.warnings[0].startswith("truncated")
    assert "warnings" in tr.to_dict()
    check_segments(tr)


def test_model_loads_lazily_once_across_threads(whisper_model_dir):
    engine = WhisperEngine(whisper_model_dir, cpu_threads=1)
    assert engine._model is None  # nothing loaded by the constructor
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(engine.model)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4 and all(m is seen[0] for m in seen)


def test_missing_model_dir_is_a_model_error(tmp_path, hotline_dir):
    engine = WhisperEngine(tmp_path)
    with pytest.raises(ModelError, match="model.bin missing"):
        engine.transcribe(hotline_dir / "ulaw8k" / "greet_ok_01.wav")


def test_make_engine(models_dir, whisper_model_dir, vosk_ko_dir):
    assert whisper_model_dir == models_dir / "whisper-base"
    w = make_engine(None, vosk_model_dir=None, cache_dir=models_dir)
    assert isinstance(w, WhisperEngine) and isinstance(w, Engine)
    assert w.model_dir == whisper_model_dir
    v = make_engine(None, vosk_model_dir=vosk_ko_dir, cache_dir=models_dir)
    assert isinstance(v, VoskEngine) and v.name == "vosk"
    assert isinstance(make_engine("whisper", vosk_model_dir=vosk_ko_dir, cache_dir=models_dir), WhisperEngine)
    with pytest.raises(ModelError, match="no vosk model configured"):
        make_engine("vosk", vosk_model_dir=None, cache_dir=models_dir)
    with pytest.raises(ModelError, match="unknown transcription engine"):
        make_engine("kaldi", vosk_model_dir=None, cache_dir=models_dir)
    with pytest.raises(ModelError, match="does not exist"):
        make_engine("vosk", vosk_model_dir=models_dir / "nope", cache_dir=models_dir)


def test_transcribe_files_goes_on_after_bad_files(whisper_engine, hotline_dir, tmp_path, capsys):
    junk = tmp_path / "junk.wav"
    junk.write_text("not audio")
    paths = [
        hotline_dir / "ulaw8k" / "greet_bad_01.wav",
        tmp_path / "missing.wav",
        junk,
        str(hotline_dir / "pcm8k" / "greet_bad_02.wav"),
    ]
    rows = list(transcribe_files(paths, whisper_engine, progress=True))
    assert [Path(r["file"]).name for r in rows] == ["greet_bad_01.wav", "missing.wav", "junk.wav", "greet_bad_02.wav"]
    assert rows[1] == {"file": str(tmp_path / "missing.wav"), "error": "missing.wav: file not found"}
    assert rows[2]["error"] == "junk.wav: not an audio file"
    for r in (rows[0], rows[3]):
        assert set(r) == {"file", "text", "segments", "engine", "audio_s", "cpu_s"}
        assert r["engine"] == "whisper" and r["text"]
        assert all(set(s) == {"start", "end", "text"} for s in r["segments"])
    assert "喂" in rows[0]["text"]
    out = capsys.readouterr()
    assert out.out == ""  # the progress bar goes to stderr only
    assert "Transcribing" in out.err


def test_transcribe_files_single_file_no_bar(whisper_engine, hotline_dir, capsys):
    rows = list(transcribe_files([hotline_dir / "ulaw8k" / "greet_bad_02.wav"], whisper_engine, progress=True))
    assert len(rows) == 1 and "text" in rows[0]
    assert capsys.readouterr().err == ""


def test_call_leg_with_long_silences(whisper_engine, hotline_dir, tmp_path):
    """A MixMonitor leg is mostly silence while the other side talks: no phantom
    text in it, and each utterance at the time it was said."""
    greet = AudioSegment.from_file(hotline_dir / "pcm8k" / "greet_ok_01.wav")
    close = AudioSegment.from_file(hotline_dir / "pcm8k" / "close_ok_01.wav")
    gap = AudioSegment.silent(duration=25000, frame_rate=8000)
    leg = AudioSegment.silent(duration=1000, frame_rate=8000) + greet + gap + close + gap
    leg.export(tmp_path / "leg.wav", format="wav")
    close_at = 1 + len(greet) / 1000 + 25
    close_end = close_at + len(close) / 1000

    tr = whisper_engine.transcribe(tmp_path / "leg.wav")
    check_segments(tr)
    first, last = tr.segments[0], tr.segments[-1]
    assert 0.5 <= first.start <= 2.5 and "物业" in first.text
    assert close_at - 1 <= last.start <= close_at + 1.5 and "来电" in last.text
    assert last.end <= close_end + 1  # nothing made up in the trailing silence
    assert all(not (6.5 < s.start < close_at - 1) for s in tr.segments)
