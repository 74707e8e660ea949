"""The `hotline` command against a real database (SQLite and PostgreSQL)."""
import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from telephony.cli import main
from telephony.logging.calllog import open_call


@pytest.fixture
def run(settings, db):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [*args, "--data-dir", str(settings.data_dir)],
                             env={"HOTLINE_DATABASE_URL": settings.db_url}, catch_exceptions=False)
    return invoke


def test_agents_add_and_list(run):
    assert run("agents", "add", "1001", "--name", "王建国", "--department", "engineering",
               "--password", "secret-1").exit_code == 0
    listed = run("agents", "list")
    assert listed.output.strip() == "1001\t王建国\tengineering"


@pytest.mark.parametrize("args,message", [
    (["1001", "--department", "plumbing"], "unknown department"),
    (["10", "--department", "engineering"], "3 to 8 digits"),
])
def test_agents_add_refuses_bad_input(run, args, message):
    number, *rest = args
    result = run("agents", "add", number, "--name", "x", "--password", "secret-1", *rest)
    assert result.exit_code != 0 and message in result.output


def test_residents_import_then_list(run, tmp_path):
    csv = tmp_path / "residents.csv"
    csv.write_text("name,phone,unit\n陈明,+86 138 0000 0001,3-2-502\n赵丽,13800000002,5-1-101\n", encoding="utf-8")
    result = run("residents", "import", str(csv))
    assert result.exit_code == 0 and "2 residents imported" in result.output
    lines = run("residents", "list").output.strip().splitlines()
    assert [line.split("\t")[1:] for line in lines] == [["3-2-502", "陈明", "13800000001"],
                                                        ["5-1-101", "赵丽", "13800000002"]]


def test_a_bad_residents_file_imports_nothing(run, tmp_path):
    csv = tmp_path / "residents.csv"
    csv.write_text("name,phone,unit\n陈明,13800000001,3-2-502\n坏行,13800000003,building three\n", encoding="utf-8")
    result = run("residents", "import", str(csv))
    assert result.exit_code != 0 and "nothing imported" in result.output and ":3:" in result.output
    assert run("residents", "list").output.strip() == ""


def test_calls_json_newest_first(run, db):
    with db.session() as s:
        for i, hour in enumerate((1, 3, 2)):
            open_call(s, uniqueid=f"17000000{i}.1", caller_number=f"1380000000{i}",
                      started_at=datetime(2026, 11, 23, hour, tzinfo=timezone.utc))
    rows = [json.loads(line) for line in run("calls", "--json", "--limit", "2").output.splitlines()]
    assert [r["caller_number"] for r in rows] == ["13800000001", "13800000002"]
    assert rows[0]["started_at"] == "2026-11-23T11:00:00.000+08:00"
    assert set(rows[0]) >= {"id", "uniqueid", "ring_ms", "rings", "queue_wait_ms", "recording", "hangup_by"}


def test_a_database_that_is_down_gives_one_clear_line(tmp_path):
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/hotline"
    result = CliRunner().invoke(main, ["agents", "list", "--data-dir", str(tmp_path)],
                                env={"HOTLINE_DATABASE_URL": url})
    assert result.exit_code == 1
    assert "database unavailable at postgresql+psycopg://postgres:***@127.0.0.1:1/hotline" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output
