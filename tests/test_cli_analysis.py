"""`hotline transcribe` and `hotline audit` with the real Whisper engine."""
import json

import pytest
from click.testing import CliRunner

from telephony.cli import main


@pytest.fixture
def run(tmp_path, whisper_model_dir):
    def invoke(*args: str):
        env = {"HOTLINE_MODEL_CACHE_DIR": str(whisper_model_dir.parent),
               "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}"}
        return CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path)], env=env)
    return invoke


@pytest.fixture
def clips(shared_dir):
    return shared_dir / "audio" / "hotline-dev" / "ulaw8k"


def test_transcribe_json_one_object_per_file_and_bad_files_reported(run, clips, tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = run("transcribe", "--json", str(clips / "greet_ok_02.wav"), str(empty))
    assert result.exit_code == 1  # one file failed; the other was still transcribed
    good, bad = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert set(good) >= {"file", "text", "segments", "engine", "audio_s", "cpu_s"}
    assert good["engine"] == "whisper" and "物业" in good["text"] and good["segments"]
    assert bad["file"] == str(empty) and "empty" in bad["error"]


def test_audit_a_single_recording(run, clips):
    result = run("audit", str(clips / "greet_bad_01.wav"), "--leg", "agent", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"file", "text", "greeting", "closing", "privacy"}
    assert body["greeting"]["verdict"] == "fail" and body["greeting"]["evidence"]
    assert body["privacy"]["verdict"] == "pass"


def test_audit_with_another_company_name(run, clips):
    ours = json.loads(run("audit", str(clips / "greet_ok_01.wav"), "--json").stdout)
    theirs = json.loads(run("audit", str(clips / "greet_ok_01.wav"), "--company", "锦绣", "--json").stdout)
    assert ours["greeting"]["verdict"] == "pass"
    assert theirs["greeting"]["verdict"] == "fail"  # 和美 is not 锦绣


def test_audit_of_a_missing_file_is_one_clear_line(run, tmp_path):
    result = run("audit", str(tmp_path / "nope.wav"))
    assert result.exit_code == 1 and "nope.wav" in result.output and "Traceback" not in result.output


def test_transcribe_needs_files_or_pending(run):
    assert run("transcribe").exit_code == 2
