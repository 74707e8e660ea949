"""Resident memory and CPU of the instance's processes, sampled while the benches run."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

import psutil

SAMPLE_INTERVAL_S = 0.5
MB = 2**20


def rss_mb(pid: int) -> float:
    return round(psutil.Process(pid).memory_info().rss / MB, 1)


def cpu_s(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes still alive."""
    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        out[pid] = t.user + t.system
    return out


def cpu_used_s(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two cpu_s readings, by the processes alive at both
    (one that exited in between would otherwise count its whole life as negative)."""
    return sum(after[pid] - before[pid] for pid in after.keys() & before.keys())


def asterisk_pids(up_pid: int) -> list[int]:
    """The asterisk process under `hotline up` (the chroot's, behind unshare and sh)."""
    try:
        children = psutil.Process(up_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c.pid for c in children if c.name() == "asterisk"]


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (the bench hotline's backends among them)."""
    return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] in ("postgres", "postmaster")]


@dataclass
class Sampler:
    """Peak RSS and thread count of one process, sampled in a thread (`with Sampler(pid) as s:`)."""

    pid: int
    peak_rss_mb: float = 0.0
    peak_threads: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        proc = psutil.Process(self.pid)
        while True:
            try:
                with proc.oneshot():
                    rss, threads = proc.memory_info().rss / MB, proc.num_threads()
            except psutil.NoSuchProcess:
                return
            self.peak_rss_mb = max(self.peak_rss_mb, round(rss, 1))
            self.peak_threads = max(self.peak_threads, threads)
            self.samples += 1
            if self._stop.wait(SAMPLE_INTERVAL_S):
                return
