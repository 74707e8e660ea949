"""The bench's numbers in the dialplan: only with the setting bench_contexts (bench/, `make bench`)."""
from __future__ import annotations

import re

import pytest

from telephony.core.config import load_settings
from telephony.pbx import asterisk as asterisk_module
from telephony.pbx.asterisk import HOST_ROOT_IN_CHROOT, asterisk_command
from telephony.pbx.render import bench_dialplan, perprocess_agi_path, render


def extensions(text: str) -> list[str]:
    return re.findall(r"^exten => ([^,]+),1,", text, re.M)


def test_off_by_default_residents_reach_the_hotline_number_only(settings, db):
    etc = render(settings, db)
    bench = (etc / "extensions_bench.conf").read_text()
    assert extensions(bench) == [] and "[" not in bench
    assert "#include extensions_bench.conf" in (etc / "extensions.conf").read_text()
    assert extensions((etc / "extensions.conf").read_text()).count(settings.hotline_number) == 1


def test_on_the_bare_and_per_process_numbers_join_the_residents_context(tmp_path):
    settings = load_settings(data_dir=tmp_path, bench_contexts=True)
    text = bench_dialplan(settings)
    assert "@@" not in text
    resident = text[text.index("[hotline-resident]"):text.index("[hotline-bench-bare]")]
    assert extensions(resident) == [settings.bench_bare_number, settings.bench_perprocess_number]
    # bare: no Python anywhere on its path, and the same queue as the hotline's department
    bare = resident[:resident.index(f"exten => {settings.bench_perprocess_number},")]
    assert "AGI(" not in bare and "CDR_PROP(disable)=1" in bare
    assert "Set(HOTLINE_QUEUE=dept-engineering)" in text
    assert f"Playback(${{HOTLINE_PROMPTS}}/connect_{settings.bench_department})" in text
    # per-process: the script Asterisk starts once per call
    assert f"AGI({perprocess_agi_path(settings)},${{HOTLINE_INVITE_TS}})" in resident


@pytest.mark.parametrize("bench", [False, True])
def test_the_chroot_sees_the_host_root_only_for_the_bench(tmp_path, monkeypatch, bench):
    root = tmp_path / "root"
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/sbin/asterisk").touch()
    monkeypatch.setattr(asterisk_module.shutil, "which", lambda _name: None)
    settings = load_settings(data_dir=tmp_path / "data", asterisk_root=root, bench_contexts=bench)
    script = asterisk_command(settings)[-1]
    assert (f"mount --rbind / {root}{HOST_ROOT_IN_CHROOT}" in script) is bench
    assert script.endswith(f"exec chroot {root} asterisk -C {settings.asterisk_dir / 'etc' / 'asterisk.conf'} -f")
