"""Where the FastAGI server's CPU goes: py-spy on it while the benches call, summarised.

`maybe_record(True, pid, path)` runs `py-spy record --format raw` (folded
stacks, one "frame;frame;... count" line each) for the duration of a `with`
block; `summarise` turns the stacks into shares: by area (the AGI protocol,
the database, logging, the AMI follower, ...) and the functions that hold the
most samples, inclusive.
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_RATE_HZ = 200
TOP_FUNCTIONS = 15
STOP_TIMEOUT_S = 30.0
# Areas, by the file a frame comes from; the first match from the leaf upwards wins.
AREAS = (
    ("database", ("sqlalchemy/", "psycopg/", "sqlite3/", "telephony/db/", "telephony/logging/calllog.py")),
    ("AGI protocol (pyst2)", ("asterisk/agi.py", "telephony/agi/session.py")),
    ("logging", ("logging/__init__.py",)),
    ("AMI follower", ("telephony/pbx/ringtimes.py", "telephony/pbx/holds.py", "telephony/pbx/ami.py")),
    ("threads and sockets", ("socketserver.py", "threading.py", "socket.py")),
)
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?):(?P<line>\d+)\)$")


@dataclass
class Recording:
    path: Path
    proc: subprocess.Popen | None = None
    summary: dict = field(default_factory=dict)


def parse_folded(text: str) -> list[tuple[list[str], int]]:
    """py-spy's raw output: [(frames root first, samples)]."""
    out = []
    for line in text.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


def frame_key(frame: str) -> tuple[str, str]:
    """('CallRoutes.incoming', 'telephony/agi/routes.py') from 'CallRoutes.incoming (telephony/agi/routes.py:42)'."""
    m = _FRAME.match(frame)
    return (m.group("func"), m.group("file")) if m else (frame, "")


def area_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        _, path = frame_key(frame)
        for area, markers in AREAS:
            if any(marker in path for marker in markers):
                return area
    return "other"


def summarise(stacks: list[tuple[list[str], int]], top: int = TOP_FUNCTIONS) -> dict:
    total = sum(n for _, n in stacks)
    if not total:
        return {"samples": 0}
    areas: Counter = Counter()
    inclusive: Counter = Counter()
    for frames, n in stacks:
        areas[area_of(frames)] += n
        for key in {frame_key(f) for f in frames}:
            inclusive[key] += n

    def pct(n: int) -> float:
        return round(100 * n / total, 1)

    return {
        "samples": total,
        "areas_pct": {a: pct(n) for a, n in areas.most_common()},
        "top_inclusive_pct": [{"function": f, "file": p, "pct": pct(n)} for (f, p), n in inclusive.most_common(top)],
    }


@contextmanager
def maybe_record(enabled: bool, pid: int, path: Path):
    rec = Recording(path)
    if not enabled:
        yield rec
        return
    # --gil: only the thread holding the interpreter, i.e. Python's own CPU; a thread blocked on a
    # socket (Asterisk, PostgreSQL) has let go of it and is not counted.
    cmd = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--format", "raw",
           "--rate", str(SAMPLE_RATE_HZ), "--output", str(path), "--nonblocking", "--gil"]
    log = path.with_suffix(".log").open("wb")
    rec.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield rec
    finally:
        rec.proc.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        try:
            rec.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rec.proc.kill()
        log.close()
        if path.exists():
            rec.summary = {"file": str(path), **summarise(parse_folded(path.read_text(errors="replace")))}
