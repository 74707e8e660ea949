"""`make bench`: every benchmark in one run, one table, bench/results.json.

    python -m bench.run [--only latency,capacity,transcription,reports] [--quick]
                        [--db postgresql|sqlite] [--profile] [--keep] [--json PATH]

Steps, in this order (each can be picked with --only; `memory` is measured by `capacity`):

1. latency:       answer → first prompt RTP, bare dialplan vs our FastAGI vs a per-process AGI
2. capacity:      highest call rate with 0 failed calls, ours vs bare; log rows missing;
                  the recordings and transcription backlog drained; the FastAGI server's memory
3. transcription: bench/transcription.py (CPU per audio second, CER per engine)
4. reports:       bench/reports.py (p95 of each supervisor report over 1,000,000 calls)

Latency and capacity share one hotline (`hotline up` with the bench numbers, bench/instance.py)
in a throwaway data dir, on a fresh PostgreSQL database (--db sqlite: the embedded default).
--quick shrinks every size, for development; its numbers are not the ones to quote.
--profile records the FastAGI server with py-spy during latency and capacity.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/run.py` from anywhere
    sys.path.insert(0, str(REPO))

from bench import capacity, instance, latency, machine, profile, table  # noqa: E402
from bench.reports import PG_ADMIN_URL, pg_create, pg_drop  # noqa: E402

STEPS = ("latency", "capacity", "transcription", "reports")
ALIASES = {"memory": "capacity"}
DEFAULT_JSON = REPO / "bench" / "results.json"
FULL = {
    "latency": latency.LatencyPlan(),
    "capacity": capacity.CapacityPlan(),
    # More than the calls that talk at once at the bare limit: an agent is busy ~18.5 s a call,
    # and 400 capped the bare dialplan at 21.4 calls/s on this 2-core machine (agents, not CPU).
    "agents": 600,
    "report_calls": 1_000_000,
}
QUICK = {
    "latency": latency.LatencyPlan(calls=20, perprocess_calls=6, batch=10, warmup=2),
    "capacity": capacity.CapacityPlan(start_cps=1.0, growth=2.0, bisect_steps=0, ours_bisect_steps=0,
                                      step_s=12.0, max_cps=4.0, soak_s=5.0,
                                      drain_timeout_s=600.0),
    "agents": 60,
    "report_calls": 20_000,
}


def parse_steps(only: str | None) -> list[str]:
    if not only:
        return list(STEPS)
    wanted = {ALIASES.get(s.strip(), s.strip()) for s in only.split(",") if s.strip()}
    unknown = wanted - set(STEPS)
    if unknown:
        raise SystemExit(f"unknown step(s): {', '.join(sorted(unknown))}; known: {', '.join(STEPS)}, memory")
    return [s for s in STEPS if s in wanted]


@contextmanager
def bench_hotline(work: Path, db: str, agents: int, keep: bool):
    """A hotline with the bench numbers, on a fresh database; gone afterwards unless keep."""
    pg_name = None
    if db == "postgresql":
        pg_name, url = pg_create()
    else:
        url = f"sqlite:///{work / 'hotline' / 'hotline.db'}"
    hotline = instance.prepare(work / "hotline", url, agents)
    try:
        instance.start(hotline, work / "hotline-up.log")
        yield hotline
    finally:
        instance.stop(hotline)
        if pg_name and not keep:
            pg_drop(pg_name)


def run_module(module: str, args: list[str], out: Path) -> dict:
    """One of the existing benches, as it is run by hand, its JSON read back."""
    cmd = [sys.executable, "-m", module, *args, "--json", str(out)]
    print(f"== {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, cwd=REPO, stdout=sys.stderr)
    return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help=f"comma-separated steps: {', '.join(STEPS)} (memory = capacity)")
    ap.add_argument("--quick", action="store_true", help="small sizes, for development")
    ap.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql",
                    help="the bench hotline's database (latency, capacity)")
    ap.add_argument("--profile", action="store_true", help="py-spy on the FastAGI server (latency, capacity)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir and the bench database")
    ap.add_argument("--work", type=Path, help="work dir (default: a fresh temporary one)")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"results file (default {DEFAULT_JSON})")
    args = ap.parse_args(argv)
    steps = parse_steps(args.only)
    sizes = QUICK if args.quick else FULL
    work = args.work or Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    finished = False

    from telephony.core.config import Settings

    results: dict = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick, "steps": steps, "database": args.db,
        "machine": machine.describe(PG_ADMIN_URL, str(Settings().asterisk_root or "")),
    }
    print(f"bench: {', '.join(steps)}{' (quick)' if args.quick else ''}; work dir {work}", file=sys.stderr)
    try:
        if {"latency", "capacity"} & set(steps):
            with bench_hotline(work, args.db, sizes["agents"], args.keep) as hotline:
                with profile.maybe_record(args.profile, hotline.agi_pid, work / "fastagi.pyspy") as prof:
                    if "latency" in steps:
                        print("== latency", file=sys.stderr, flush=True)
                        results["latency"] = latency.run(hotline, work / "latency", sizes["latency"])
                    if "capacity" in steps:
                        print("== capacity", file=sys.stderr, flush=True)
                        results["capacity"] = capacity.run(hotline, work / "capacity", sizes["capacity"])
                if prof.summary:
                    results["profile"] = prof.summary
        if "transcription" in steps:
            results["transcription"] = run_module("bench.transcription", [], work / "transcription.json")
        if "reports" in steps:
            results["reports"] = run_module("bench.reports", ["--calls", str(sizes["report_calls"])],
                                            work / "reports.json")
        finished = True
    finally:
        results["duration_s"] = round(time.monotonic() - started)
        flat = table.headline(results)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**flat, **results}, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        if finished and not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        elif not finished:
            print(f"bench stopped early; its files are in {work}", file=sys.stderr)
    print(table.markdown(results))
    print(f"\nresults: {args.json} ({results['duration_s'] // 60} min {results['duration_s'] % 60} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
