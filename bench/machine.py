"""What the numbers were measured on: CPU, cores, load, and the versions that matter."""
from __future__ import annotations

import os
import platform
import re
import shutil
import sqlite3
import subprocess
from importlib import metadata

VERSION_TIMEOUT_S = 20


def _run(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=VERSION_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout + done.stderr).strip()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def asterisk_version(asterisk_root: str | None) -> str:
    if shutil.which("asterisk"):
        out = _run(["asterisk", "-V"])
    elif asterisk_root:
        out = _run(["chroot", asterisk_root, "asterisk", "-V"])
    else:
        out = ""
    return out.removeprefix("Asterisk ").strip() or "unknown"


def sipp_version() -> str:
    m = re.search(r"SIPp v?(\S+)", _run(["sipp", "-v"]))
    return m.group(1).rstrip(".") if m else "unknown"


def postgres_version(dsn: str) -> str:
    try:
        import psycopg

        with psycopg.connect(dsn.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception as e:  # noqa: BLE001 - the table says so instead
        return f"unavailable ({type(e).__name__})"


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(pg_dsn: str, asterisk_root: str | None) -> dict:
    load1, load5, _ = os.getloadavg()
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "load_average_at_start": [round(load1, 2), round(load5, 2)],
        "python": platform.python_version(),
        "asterisk": asterisk_version(asterisk_root),
        "sipp": sipp_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(pg_dsn),
        "pyst2": _package("pyst2"),
        "sqlalchemy": _package("SQLAlchemy"),
        "faster_whisper": _package("faster-whisper"),
    }
