"""VoskEngine, proven with the only vosk model on PyPI (Korean): the language
doesn't matter here, the loading, streaming and Result parsing do."""
from __future__ import annotations

import json
import shutil

import pytest
from pydub import AudioSegment

from telephony.transcribe import ModelError, Segment, VoskEngine, find_vosk_model_dir
from telephony.transcribe.audio import Audio
from telephony.transcribe.vosk_model import vosk_sample_rate


def sane(tr):
    last_end = 0.0
    for s in tr.segments:
        assert isinstance(s, Segment)
        assert 0.0 <= s.start <= s.end <= tr.audio_s + 1e-6
        assert s.start >= last_end - 1e-6  # in order, not overlapping
        last_end = s.end
        assert s.text


def test_packaged_korean_model_is_found(vosk_ko_dir):
    assert vosk_ko_dir.name == "model"
    assert (vosk_ko_dir / "am" / "final.mdl").is_file()
    assert vosk_sample_rate(vosk_ko_dir) == 16000
    assert find_vosk_model_dir(vosk_ko_dir.parent) == vosk_ko_dir


def test_streams_a_phone_recording(vosk_ko_engine, hotline_dir):
    tr = vosk_ko_engine.transcribe(hotline_dir / "pcm8k" / "greet_ok_01.wav")
    assert tr.engine == "vosk"
    assert tr.audio_s == pytest.approx(4.99, abs=0.02)
    assert tr.cpu_s > 0
    assert isinstance(tr.text, str)
    assert len(tr.segments) >= 1
    sane(tr)
    assert tr.text == " ".join(s.text for s in tr.segments)
    json.dumps(tr.to_dict(), ensure_ascii=False)


def test_pauses_give_several_results_with_times(vosk_ko_engine, hotline_dir, tmp_path):
    """Speech, 3 s of silence, speech: vosk's endpointing closes a Result in the
    pause; the second segment starts after it, in file time."""
    a = AudioSegment.from_file(hotline_dir / "pcm8k" / "greet_ok_01.wav")
    b = AudioSegment.from_file(hotline_dir / "pcm8k" / "close_ok_01.wav")
    gap = AudioSegment.silent(duration=3000, frame_rate=a.frame_rate)
    (a + gap + b).export(tmp_path / "two.wav", format="wav")
    tr = vosk_ko_engine.transcribe(tmp_path / "two.wav")
    assert tr.audio_s == pytest.approx(len(a) / 1000 + 3 + len(b) / 1000, abs=0.05)
    assert len(tr.segments) >= 2, tr.segments
    sane(tr)
    assert tr.segments[0].end <= len(a) / 1000 + 0.5
    assert tr.segments[-1].start >= len(a) / 1000 + 3 - 0.5


def test_result_parsing():
    audio = Audio(pcm=b"\0\0" * 16000 * 4, sample_rate=16000, info=None)
    segs: list[Segment] = []
    add = VoskEngine._add
    add(segs, json.dumps({"result": [
        {"conf": 1.0, "start": 0.5, "end": 0.9, "word": "您好"},
        {"conf": 0.8, "start": 0.9, "end": 1.4, "word": "和美"},
        {"conf": 0.9, "start": 1.4, "end": 1.9, "word": "物業"},
    ], "text": "您好 和美 物業"}), audio, 2.0)
    add(segs, json.dumps({"text": ""}), audio, 2.5)  # silence: nothing
    add(segs, json.dumps({"text": "请问"}), audio, 3.0)  # no word times: since the last one
    add(segs, json.dumps({"result": [{"start": 3.5, "end": 9.0, "word": "再见"}], "text": "再见"}), audio, 4.0)
    add(segs, "not json", audio, 4.0)
    assert segs == [
        Segment(0.5, 1.9, "您好和美物业"),
        Segment(1.9, 3.0, "请问"),
        Segment(3.5, 4.0, "再见"),  # clamped to the audio
    ]


def test_bad_model_dirs(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        VoskEngine(tmp_path / "nope")
    with pytest.raises(ModelError, match="not a vosk model"):
        VoskEngine(tmp_path)


def test_broken_model_fails_on_load_with_a_model_error(tmp_path, vosk_ko_dir, hotline_dir):
    broken = tmp_path / "vosk-model-broken"
    (broken / "am").mkdir(parents=True)
    (broken / "am" / "final.mdl").write_bytes(b"garbage")
    shutil.copytree(vosk_ko_dir / "conf", broken / "conf")
    engine = VoskEngine(tmp_path)  # the parent holding one model is accepted
    assert engine.model_dir == broken
    with pytest.raises(ModelError, match="cannot load the vosk model"):
        engine.transcribe(hotline_dir / "pcm8k" / "greet_ok_01.wav")
