"""`hotline up`: everything one instance needs, in the foreground.

Order: database, demo data, prompts, Asterisk's config, then the processes:
Asterisk, the FastAGI server, the API (which also rebuilds calls Python
missed). Ctrl-C or SIGTERM stops them all, Asterisk last.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from telephony.core.config import Settings
from telephony.db.models import Agent, User
from telephony.db.session import Database, migrate
from telephony.demo import DEMO_AGENT_PASSWORD, DEMO_USER_PASSWORD, load_demo, load_demo_users
from telephony.ivr.prompts import build_prompts
from telephony.pbx.asterisk import AsteriskProcess
from telephony.pbx.render import render

CHILD_ENV_KEYS = ("data_dir", "database_url", "bind_host", "sip_port", "agi_port", "ami_port", "api_port")


def child_env(settings: Settings) -> dict[str, str]:
    """The children see the same instance: its ports and data dir travel as HOTLINE_* variables."""
    env = dict(os.environ)
    for key in CHILD_ENV_KEYS:
        value = getattr(settings, key)
        if value is not None:
            env[f"HOTLINE_{key.upper()}"] = str(value)
    return env


def instance_file(settings: Settings) -> Path:
    return settings.run_dir / "instance.json"


def up(settings: Settings, demo: bool = True, out=sys.stdout) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.db_url)
    db = Database(settings.db_url)
    with db.session() as s:
        empty = s.scalar(select(func.count(Agent.id))) == 0
    if demo and empty:
        load_demo(db, settings)
        load_demo_users(db, settings)
    build_prompts(settings)
    render(settings, db)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    asterisk = AsteriskProcess(settings)
    children: list[subprocess.Popen] = []
    try:
        asterisk.start()
        env = child_env(settings)
        logs = settings.data_dir / "log"
        logs.mkdir(exist_ok=True)
        for name in ("agi", "api"):
            log = (logs / f"{name}.log").open("ab")
            # --data-dir on the command line too: `pgrep -f DATA_DIR` finds every process of an instance.
            cmd = [sys.executable, "-m", "telephony.cli", "serve", name, "--data-dir", str(settings.data_dir)]
            children.append(subprocess.Popen(cmd,
                                             env=env, stdout=log, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL))
        _wait_port(settings.bind_host, settings.agi_port, children[0])
        _wait_port(settings.bind_host, settings.api_port, children[1])
        settings.run_dir.mkdir(exist_ok=True)
        info = {
            "pid": os.getpid(),
            "sip": f"sip:{settings.hotline_number}@{settings.bind_host}:{settings.sip_port}",
            "api": f"http://{settings.bind_host}:{settings.api_port}",
            "ami_port": settings.ami_port,
            "agi_pid": children[0].pid,
            "api_pid": children[1].pid,
        }
        instance_file(settings).write_text(json.dumps(info))
        _print_banner(settings, db, info, demo and empty, out)
        while not stop.is_set():
            if asterisk.proc.poll() is not None:
                print(f"asterisk exited ({asterisk.proc.returncode}); stopping", file=out, flush=True)
                return 1
            stop.wait(0.5)
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
        asterisk.stop()
        instance_file(settings).unlink(missing_ok=True)
        print("hotline stopped", file=out, flush=True)


def _wait_port(host: str, port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def _print_banner(settings: Settings, db: Database, info: dict, demo_loaded: bool, out) -> None:
    with db.session() as s:
        agents = list(s.scalars(select(Agent).order_by(Agent.number)))
        users = list(s.scalars(select(User).where(User.active.is_(True)).order_by(User.username)))
    lines = [
        f"hotline ready  (data dir {settings.data_dir})",
        f"  hotline SIP address: {info['sip']}   (residents: any SIP phone, no account)",
        f"  API:                 {info['api']}/api/calls",
        f"  agents (register to {settings.bind_host}:{settings.sip_port}, realm {settings.sip_realm}):",
    ]
    for a in agents:
        pw = f"password {DEMO_AGENT_PASSWORD}" if demo_loaded else "password as set"
        lines.append(f"    {a.number}  {a.name}  ({a.department})  {pw}")
    if users:
        lines.append(f"  users (sign in at {info['api']}/):")
    else:
        lines.append("  no users yet: hotline users add admin --role admin")
    for u in users:
        if u.role == "supervisor":
            what = "all departments" if set(u.departments) >= set(settings.departments) else ", ".join(u.departments)
        else:
            what = u.agent or ""
        pw = f"password {DEMO_USER_PASSWORD}" if demo_loaded else "password as set"
        lines.append(f"    {u.username}  {u.name}  ({u.role}{': ' + what if what else ''})  {pw}")
    lines.append("Ctrl-C stops everything.")
    print("\n".join(lines), file=out, flush=True)
