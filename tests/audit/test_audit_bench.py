"""bench/audit_accuracy.py: on the reference texts, and on ASR transcripts when given."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "audit_accuracy.py"

# What faster-whisper (base, int8) wrote for some hotline-dev clips at 8 kHz.
ASR = [
    {"file": "greet_ok_01.wav", "text": "你好,何美物業服務中心,請問有什麼可以幫您?",
     "segments": [{"start": 0.0, "end": 3.2, "text": "你好,何美物業服務中心,請問有什麼可以幫您?"}]},
    {"file": "/some/dir/greet_ok_04.wav", "text": "和美物業工程部,以後",
     "segments": [{"start": 0.0, "end": 2.0, "text": "和美物業工程部,以後"}]},
    {"file": "greet_bad_01.wav", "text": "喂,什么事", "segments": []},
    {"file": "close_ok_02.wav", "text": "好的,還有什麼可以幫您的嗎?謝謝您的來定", "segments": []},
    {"file": "callback_ok_01.wav", "text": "這個需要一點時間我稍後給您回店可以嗎?", "segments": []},
    {"file": "privacy_bad_01.wav", "error": "decode failed"},
]


def run(*args):
    return subprocess.run([sys.executable, str(BENCH), *args], check=False, capture_output=True, text=True, cwd=REPO,
                          timeout=120)


def test_reference_texts_are_all_right(tmp_path, shared_dir):
    out = tmp_path / "results.json"
    proc = run("--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("| source | rule | n | correct | accuracy | errors |")
    assert "| reference | greeting | 8 | 8 | 100.0 % | — |" in proc.stdout
    data = json.loads(out.read_text())
    ref = data["results"]["reference"]
    assert ref["overall"]["accuracy"] == 1.0 and ref["overall"]["n"] >= 13
    assert {i["rule"] for i in ref["items"]} >= {"greeting", "closing", "privacy", "callback_offered"}


def test_asr_transcripts(tmp_path, shared_dir):
    transcripts = tmp_path / "asr.jsonl"
    transcripts.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ASR) + "\nnot json\n")
    out = tmp_path / "results.json"
    proc = run("--transcripts", str(transcripts), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    asr = json.loads(out.read_text())["results"]["asr:asr"]
    got = {i["file"]: (i["expected"], i["got"]) for i in asr["items"]}
    assert got["greet_ok_01.wav"] == ("pass", "pass")  # 你好 + 何美
    assert got["greet_ok_04.wav"] == ("pass", "fail")  # 您好 lost by the ASR
    assert got["greet_bad_01.wav"] == ("fail", "fail")
    assert got["close_ok_02.wav"] == ("pass", "pass")
    assert got["callback_ok_01.wav"] == ("pass", "pass")  # 回店 ≈ 回电
    assert asr["rules"]["greeting"] == {"n": 3, "correct": 2, "accuracy": 2 / 3,
                                        "errors": ["greet_ok_04.wav (ok→fail)"]}
    assert "privacy_bad_01.wav" in asr["missing"]
    assert "| asr:asr | greeting | 3 | 2 | 66.7 % | greet_ok_04.wav (ok→fail) |" in proc.stdout
    assert "not transcribed" in proc.stdout


def test_missing_labels_is_an_error(tmp_path):
    proc = run("--labels", str(tmp_path / "nope.tsv"))
    assert proc.returncode == 2 and "labels not found" in proc.stderr
