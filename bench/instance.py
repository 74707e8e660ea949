"""One hotline for the benchmarks: `hotline up` with the bench numbers on, in a throwaway data dir.

The instance is the product as it ships (Asterisk 22, our FastAGI server, the
API with its reconciler), plus what the benches need:

- `bench_contexts`: the bare dialplan (8100) and the per-process AGI (8200)
  beside the hotline number (8000), in the same Asterisk, with the same
  prompts, queue and agents (asterisk/bench/extensions_bench.conf);
- a pool of agents in the bench department, all registered by one SIPp
  process (bench/agents.py), and the queue strategy `rrmemory`, so that a
  call rings one phone rather than the whole pool;
- no analysis workers in the API process while calls are measured:
  transcription runs afterwards, timed as the backlog drain;
- the per-process AGI script. Asterisk runs in the Debian sid chroot, which
  has no Python of ours: with `bench_contexts` the chroot gets the host's
  root bound at /run/hotline-host (telephony/pbx/asterisk.py), and the script
  chroots back into it to run the virtualenv's Python.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOTLINE_BIN = Path(sys.executable).parent / "hotline"
AGENT_PASSWORD = "bench-agent-pw"
FIRST_AGENT = 2001
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0
# Asterisk's RTP ports for the bench: below Linux's ephemeral range, where SIPp's media
# ports come from, and apart from the end-to-end tests' 30000-39999.
RTP_PORTS = (24000, 29999)


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class BenchHotline:
    data_dir: Path
    database_url: str
    sip_port: int
    agi_port: int
    ami_port: int
    api_port: int
    agents: list[str]
    proc: subprocess.Popen | None = None
    info: dict = field(default_factory=dict)

    @property
    def remote(self) -> str:
        return f"127.0.0.1:{self.sip_port}"

    @property
    def agi_pid(self) -> int:
        return int(self.info["agi_pid"])

    def settings(self):
        from telephony.core.config import load_settings

        return load_settings(data_dir=self.data_dir, sip_port=self.sip_port, agi_port=self.agi_port,
                             ami_port=self.ami_port, api_port=self.api_port)

    def hotline(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
        """A `hotline` command on this instance (e.g. `transcribe --pending`)."""
        return subprocess.run([str(HOTLINE_BIN), *args, "--data-dir", str(self.data_dir)],
                              capture_output=True, text=True, timeout=timeout)


def _toml(values: dict) -> str:
    return "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())


def prepare(data_dir: Path, database_url: str, agents: int) -> BenchHotline:
    """Data dir, config file, schema, demo residents, the agent pool, the per-process AGI script."""
    from telephony.core.config import load_settings
    from telephony.db.session import Database, migrate
    from telephony.demo import load_demo
    from telephony.directory import add_agent
    from telephony.pbx.render import perprocess_agi_path

    data_dir.mkdir(parents=True, exist_ok=True)
    # A config file, not the environment: Asterisk's AGI children and `hotline transcribe`
    # then read the same settings as `hotline up`.
    (data_dir / "hotline.toml").write_text(_toml({
        "database_url": database_url,
        "bench_contexts": True,
        "queue_strategy": "rrmemory",
        "analysis_workers": 0,
        "rtp_port_start": RTP_PORTS[0],
        "rtp_port_end": RTP_PORTS[1],
        "model_cache_dir": str(REPO / "var" / "models"),  # shared with bench.transcription
    }), encoding="utf-8")
    settings = load_settings(data_dir=data_dir)
    migrate(settings.db_url)
    db = Database(settings.db_url)
    load_demo(db, settings)
    numbers = [str(FIRST_AGENT + i) for i in range(agents)]
    with db.session() as s:
        for number in numbers:
            add_agent(s, number=number, name=f"压测{number}", department=settings.bench_department,
                      password=AGENT_PASSWORD, realm=settings.sip_realm, departments=settings.departments)
    db.engine.dispose()
    write_perprocess_script(perprocess_agi_path(settings), data_dir)
    return BenchHotline(data_dir, database_url, free_udp_port(), free_tcp_port(), free_tcp_port(),
                        free_tcp_port(), numbers)


def write_perprocess_script(path: Path, data_dir: Path) -> None:
    from telephony.pbx.asterisk import HOST_ROOT_IN_CHROOT

    python = shlex.quote(sys.executable)
    program = shlex.quote(str(REPO / "bench" / "perprocess_agi.py"))
    if shutil.which("asterisk"):  # the system's Asterisk sees our Python directly
        run = f"exec {python} {program}"
    else:  # chrooted: step back into the host's root to find the virtualenv
        run = f"exec chroot {HOST_ROOT_IN_CHROOT} {python} {program}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n# Written by bench/instance.py: one process per call (classic AGI).\n"
                    f"{run} --data-dir {shlex.quote(str(data_dir))} \"$@\"\n")
    path.chmod(0o755)


def start(hotline: BenchHotline, log: Path) -> BenchHotline:
    cmd = [str(HOTLINE_BIN), "up", "--data-dir", str(hotline.data_dir), "--sip-port", str(hotline.sip_port),
           "--agi-port", str(hotline.agi_port), "--ami-port", str(hotline.ami_port),
           "--api-port", str(hotline.api_port), "--no-demo"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    with log.open("wb") as out:
        hotline.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while "hotline ready" not in log.read_text(errors="replace"):
        if hotline.proc.poll() is not None or time.monotonic() > deadline:
            hotline.proc.kill()
            raise RuntimeError(f"hotline up failed:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    hotline.info = json.loads((hotline.data_dir / "run" / "instance.json").read_text())
    return hotline


def stop(hotline: BenchHotline) -> None:
    if hotline.proc is None or hotline.proc.poll() is not None:
        return
    hotline.proc.send_signal(signal.SIGINT)
    try:
        hotline.proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        hotline.proc.kill()
        hotline.proc.wait()
