"""Benchmark the supervisors' reports (/api/reports/...) on a busy year of calls.

    python -m bench.reports [--calls N] [--json PATH] [--runs R] [--only sqlite|postgresql]
                            [--keep DIR] [--reuse URL ...]

Seeds N calls (default 1,000,000) over the year 2026 (Asia/Shanghai), with
realistic distributions: a day/night and weekly rhythm, the menu's categories,
their departments and agents, some overflows to reception, ring times mostly
under 15 s, about 5 % abandoned, and the audit's seven verdicts for most
answered calls. Both databases are fresh and migrated to head: a SQLite file
and a PostgreSQL database (created and dropped like tests/pg_databases.py).
SQLite is filled with executemany, PostgreSQL with COPY; PostgreSQL gets a
VACUUM ANALYZE afterwards (what autovacuum does after a bulk load) and a
CHECKPOINT, SQLite nothing (the hotline never runs ANALYZE).

Then it measures each report through the real app (create_app + TestClient,
JSON responses) for several group_bys over the full year, one month (June)
and one day (June 15), and prints a Markdown table of p50/p95 latency.
--json writes the cases plus `report_p95_ms` = {database: {report: worst p95
over its cases}} and `report_p95_ms_by_range` = {database: {report: {range:
worst p95}}}, and `report_frame_load_s`, `report_frame_mb`,
`report_frame_rss_growth_mb` = {database: ...}: the reports' in-memory frame of
the call log (telephony/reports/frame.py) is loaded by the first report, timed
apart from the cases, and every case then only refreshes it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `python bench/reports.py` from anywhere
    sys.path.insert(0, str(REPO))

from telephony.core.config import load_settings  # noqa: E402
from telephony.db.scratch import create_scratch_database, drop_scratch_database  # noqa: E402
from telephony.db.session import migrate  # noqa: E402

PG_ADMIN_URL = os.environ.get("HOTLINE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")

YEAR_START = datetime(2025, 12, 31, 16, 0, tzinfo=timezone.utc)  # 2026-01-01 00:00 Shanghai
DAYS = 365
SHANGHAI_OFFSET_S = 8 * 3600

CATEGORIES = {  # category: (share, department, urgency)
    "repair": (0.34, "engineering", "normal"),
    "inquiry": (0.22, "service", "normal"),
    "complaint": (0.10, "service", "normal"),
    "billing": (0.14, "billing", "normal"),
    "suggestion": (0.03, "service", "normal"),
    "emergency": (0.02, "security", "urgent"),
    "reception": (0.15, "service", "normal"),
}
AGENTS = {  # department: agent numbers
    "service": [str(n) for n in range(1001, 1011)],
    "engineering": [str(n) for n in range(1011, 1019)],
    "security": [str(n) for n in range(1019, 1024)],
    "billing": [str(n) for n in range(1024, 1028)],
}
# Calls per local hour of day (a 24-hour line: quiet nights, busy mornings).
HOUR_WEIGHTS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 4, 8, 10, 10, 9, 6, 6, 9, 10, 9, 8, 7, 6, 5, 4, 3, 2]
RULES = ("greeting", "closing", "hangup_order", "rings", "hold", "privacy", "transfer")
# rule: (P(pass), P(fail)); the rest is n/a. "rings" follows the call's rings.
RULE_ODDS = {
    "greeting": (0.94, 0.06), "closing": (0.88, 0.12), "hangup_order": (0.97, 0.03),
    "hold": (0.12, 0.03), "privacy": (0.995, 0.005), "transfer": (0.06, 0.01),
}
FAIL_EVIDENCE = {
    "greeting": {"reason": "no 您好 and company name in the first 5 s", "words": "喂，哪位？", "start": 0.9},
    "closing": {"reason": "no offer of further help or thanks near the end", "words": "好的。"},
    "hangup_order": {"reason": "the agent hung up first", "hangup_by": "agent"},
    "hold": {"reason": "hold of 41 s without an offer to call back", "start": 30.2, "end": 71.2,
             "limit_s": 20},
    "privacy": {"reason": "asked for an ID number", "words": "请报一下您的身份证号", "start": 12.0},
    "transfer": {"reason": "transfer not announced", "t": 55.0},
}
PASS_EVIDENCE = json.dumps({"reason": "ok"})
NA_EVIDENCE = json.dumps({"reason": "not applicable"})

CALL_COLUMNS = (
    "id", "uniqueid", "started_at", "ended_at", "caller_number", "caller_name", "resident_id",
    "unit", "category", "urgency", "department", "agent", "ivr_answer_ms", "answered_at",
    "ring_ms", "rings", "queue_wait_ms", "talk_ms", "disposition", "hangup_by",
    "recording_caller", "recording_agent", "recording_mixed", "source", "holds", "transfers", "updated_at",
)
VERDICT_COLUMNS = ("id", "call_id", "rule", "verdict", "evidence")
CALLBACK_COLUMNS = ("id", "call_id", "phone", "department", "reason", "created_at", "due_at", "status",
                    "done_at", "done_how")
CALLBACK_LIMIT_MIN = {"emergency": 30, "complaint": 60, "repair": 240}  # the default settings
CALLBACK_DEFAULT_MIN = 24 * 60
CALLBACK_OPEN = 0.06  # share of missed calls whose callback is still open


# -- the data ---------------------------------------------------------------------------

def _timestamps(n: int, rng: np.random.Generator) -> np.ndarray:
    """n call start times (µs since the epoch, UTC), sorted, over the year in Shanghai."""
    day = np.arange(DAYS)
    weekday = (day + 3) % 7  # 2026-01-01 is a Thursday
    day_w = 1.0 + 0.25 * np.sin(2 * np.pi * (day - 15) / 182.5) ** 2 + np.where(weekday < 5, 0.1, -0.1)
    days = rng.choice(DAYS, size=n, p=day_w / day_w.sum())
    hw = np.array(HOUR_WEIGHTS, dtype=float)
    hours = rng.choice(24, size=n, p=hw / hw.sum())
    within = rng.integers(0, 3600 * 1_000_000, size=n)
    start = int(YEAR_START.timestamp()) * 1_000_000
    t = start + days.astype(np.int64) * 86_400_000_000 + hours.astype(np.int64) * 3_600_000_000 + within
    return np.sort(t)


def _iso(us: np.ndarray, pg: bool) -> list[str]:
    s = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
    s = np.char.replace(s, "T", " ")
    if pg:
        s = np.char.add(s, "+00")
    return s.tolist()


def generate(n: int, seed: int = 2026, chunk: int = 100_000, pg: bool = False, written_before_us: int | None = None):
    """Yields (calls, verdicts, callbacks) chunks of row tuples in CALL_COLUMNS / VERDICT_COLUMNS /
    CALLBACK_COLUMNS order: a callback for every abandoned call and every message left.

    A call's updated_at is its end, as if the year had been logged as it happened, but never
    after written_before_us (default: an hour before now): the seeded year reaches past today,
    and a load is not a live change for the reports' frame to read again and again."""
    if written_before_us is None:
        written_before_us = int((time.time() - 3600) * 1_000_000)
    rng = np.random.default_rng(seed)
    times = _timestamps(n, rng)
    cats = list(CATEGORIES)
    cat_p = np.array([CATEGORIES[c][0] for c in cats])
    verdict_id = 1
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        ids = np.arange(lo + 1, lo + m + 1)
        t = times[lo:lo + m]
        cat = rng.choice(len(cats), size=m, p=cat_p / cat_p.sum())
        u = rng.random(m)
        disp = np.where(u < 0.93, 0, np.where(u < 0.98, 1, np.where(u < 0.995, 2, 3)))
        emergency = cat == cats.index("emergency")
        disp = np.where(emergency & (disp != 0) & (rng.random(m) < 0.7), 0, disp)
        overflow = rng.random(m) < 0.06
        # Ring times: mostly a few seconds, a slow tail past the three rings.
        slow = rng.random(m) < 0.08
        ring = np.where(slow, rng.lognormal(math.log(13000), 0.35, m), rng.lognormal(math.log(4200), 0.55, m))
        ring = np.clip(ring, 300, 60000).astype(np.int64)
        wait = ring + rng.integers(200, 1500, m) + np.where(overflow, 30000, 0)
        talk = np.clip(rng.lognormal(math.log(110_000), 0.7, m), 5000, 3_600_000).astype(np.int64)
        abandon_wait = rng.exponential(18000, m).astype(np.int64) + 500
        ivr = rng.integers(20, 140, m)
        building = rng.zipf(1.6, m) % 24 + 1
        entrance = rng.integers(1, 5, m)
        floor = rng.integers(1, 26, m)
        room = rng.integers(1, 5, m)
        has_unit = np.where(emergency, rng.random(m) < 0.5, rng.random(m) < 0.85)
        agent_pick = rng.random(m)
        hang_agent = rng.random(m) < 0.03
        audited = rng.random(m) < 0.92
        verdict_u = rng.random((m, len(RULES)))
        started = _iso(t, pg)
        answered_at = _iso(t + (ivr + wait) * 1000, pg)
        ended_ans_us = t + (ivr + wait + talk) * 1000
        ended_ans = _iso(ended_ans_us, pg)
        ended_other_us = t + (ivr + abandon_wait) * 1000
        ended_other = _iso(ended_other_us, pg)
        updated_ans = _iso(np.minimum(ended_ans_us, written_before_us), pg)
        updated_other = _iso(np.minimum(ended_other_us, written_before_us), pg)
        limit_us = np.array([CALLBACK_LIMIT_MIN.get(cats[k], CALLBACK_DEFAULT_MIN) for k in cat],
                            dtype=np.int64) * 60_000_000
        due = _iso(ended_other_us + limit_us, pg)
        done = _iso(ended_other_us + (limit_us * rng.random(m)).astype(np.int64), pg)
        still_open = rng.random(m) < CALLBACK_OPEN
        calls, verdicts, callbacks = [], [], []
        for i in range(m):
            cid = int(ids[i])
            c = cats[cat[i]]
            _, dept, urgency = CATEGORIES[c]
            if overflow[i] and dept != "service":
                dept = "service"
            d = int(disp[i])
            unit = f"{building[i]}-{entrance[i]}-{floor[i]}{room[i]:02d}" if has_unit[i] else None
            uid = f"{t[i] // 1_000_000}.{cid}"
            if d == 0:  # answered
                agents = AGENTS[dept]
                agent = agents[min(int(agent_pick[i] ** 1.3 * len(agents)), len(agents) - 1)]
                r = int(ring[i])
                rings = r // 5000 + 1
                rec = f"/var/lib/hotline/recordings/2026/{uid}"
                calls.append((cid, uid, started[i], ended_ans[i], f"138{cid:08d}", None, None, unit, c,
                              urgency, dept, agent, int(ivr[i]), answered_at[i], r, rings, int(wait[i]),
                              int(talk[i]), "answered", "agent" if hang_agent[i] else "caller",
                              rec + "-caller.wav", rec + "-agent.wav", rec + ".wav", "agi", "[]", "[]",
                              updated_ans[i]))
                if audited[i]:
                    for k, rule in enumerate(RULES):
                        if rule == "rings":
                            ok = rings <= 3
                            v = "pass" if ok else "fail"
                            ev = {"rings": rings, "limit": 3}
                            if not ok:
                                ev["reason"] = f"answered after {rings} rings (limit 3)"
                            evidence = json.dumps(ev, ensure_ascii=False)
                        else:
                            p_pass, p_fail = RULE_ODDS[rule]
                            x = verdict_u[i, k]
                            v = "pass" if x < p_pass else "fail" if x < p_pass + p_fail else "n/a"
                            evidence = (PASS_EVIDENCE if v == "pass" else NA_EVIDENCE if v == "n/a"
                                        else json.dumps(FAIL_EVIDENCE[rule], ensure_ascii=False))
                        verdicts.append((verdict_id, cid, rule, v, evidence))
                        verdict_id += 1
            else:
                disposition = ("abandoned", "voicemail", "failed")[d - 1]
                w = int(abandon_wait[i]) if d == 1 else 90000 if d == 2 else None
                calls.append((cid, uid, started[i], ended_other[i], f"138{cid:08d}", None, None, unit, c,
                              urgency, dept, None, int(ivr[i]), None, None, None, w, None,
                              disposition, "caller" if d != 3 else "system", None, None, None,
                              "agi", None, None, updated_other[i]))
                if d in (1, 2):
                    callbacks.append((len(callbacks) + 1 + lo, cid, f"138{cid:08d}", dept, disposition,
                                      ended_other[i], due[i], "open" if still_open[i] else "done",
                                      None if still_open[i] else done[i],
                                      None if still_open[i] else "answered_later"))
        yield calls, verdicts, callbacks


# -- the databases ----------------------------------------------------------------------

def seed_sqlite(path: Path, n: int, seed: int) -> dict:
    url = f"sqlite:///{path}"
    migrate(url)
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-262144")
    ins_c = f"INSERT INTO calls ({', '.join(CALL_COLUMNS)}) VALUES ({', '.join('?' * len(CALL_COLUMNS))})"
    ins_v = f"INSERT INTO audit_verdicts ({', '.join(VERDICT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"
    ins_b = (f"INSERT INTO callbacks ({', '.join(CALLBACK_COLUMNS)}) "
             f"VALUES ({', '.join('?' * len(CALLBACK_COLUMNS))})")
    n_v = 0
    for calls, verdicts, callbacks in generate(n, seed):
        con.executemany(ins_c, calls)
        con.executemany(ins_v, verdicts)
        con.executemany(ins_b, callbacks)
        con.commit()
        n_v += len(verdicts)
    con.execute("PRAGMA journal_mode=WAL")  # as the hotline runs it
    con.close()
    return {"url": url, "calls": n, "verdicts": n_v, "seed_s": time.perf_counter() - t0}


def pg_create() -> tuple[str, str]:
    return create_scratch_database(PG_ADMIN_URL, "hotline_bench")


def pg_drop(name: str) -> None:
    drop_scratch_database(PG_ADMIN_URL, name)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def seed_pg(url: str, n: int, seed: int) -> dict:
    import psycopg

    migrate(url)
    t0 = time.perf_counter()
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    n_v = 0
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            for calls, verdicts, callbacks in generate(n, seed, pg=True):
                for table, cols, rows in (("calls", CALL_COLUMNS, calls),
                                          ("audit_verdicts", VERDICT_COLUMNS, verdicts),
                                          ("callbacks", CALLBACK_COLUMNS, callbacks)):
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                        cp.write("".join("\t".join(map(_copy_text, r)) + "\n" for r in rows))
                n_v += len(verdicts)
            cur.execute("SELECT setval('calls_id_seq', (SELECT max(id) FROM calls))")
            cur.execute("SELECT setval('audit_verdicts_id_seq', (SELECT coalesce(max(id), 1) FROM audit_verdicts))")
            cur.execute("SELECT setval('callbacks_id_seq', (SELECT coalesce(max(id), 1) FROM callbacks))")
        conn.commit()
        seeded = time.perf_counter() - t0
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")  # write the load out now, not during the measurements
    return {"url": url, "calls": n, "verdicts": n_v, "seed_s": seeded,
            "vacuum_s": time.perf_counter() - t0 - seeded}


# -- the measurements -------------------------------------------------------------------

RANGES = {
    "year": ("2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00"),
    "month": ("2026-06-01T00:00:00+08:00", "2026-07-01T00:00:00+08:00"),
    "day": ("2026-06-15T00:00:00+08:00", "2026-06-16T00:00:00+08:00"),
}
CASES = [  # (report, group_bys, ranges)
    ("answer-time", (None, "agent", "department", "hour", "day", "building"), ("year",)),
    ("answer-time", (None, "agent", "hour"), ("month", "day")),
    ("compliance", (None, "agent", "department", "day"), ("year",)),
    ("compliance", (None, "agent"), ("month", "day")),
    ("volume", (None, "category", "building", "day"), ("year",)),
    ("volume", (None, "hour"), ("month", "day")),
]
BENCH_USER, BENCH_PASSWORD = "bench-supervisor", "bench-password"
CASE_BUDGET_S = 30.0  # per case: stop repeating after this long (but run at least 3 times)


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(url: str, runs: int, tmp: Path) -> tuple[list[dict], dict]:
    """(the cases, the frame: its first load's time, its arrays' size and how much the
    process grew with it)."""
    from fastapi.testclient import TestClient

    from telephony.api.main import create_app
    from telephony.auth.users import create_user, find_user
    from telephony.db.session import Database
    from telephony.reports.frame import frame_for

    settings = load_settings(data_dir=tmp / "data", database_url=url)
    db = Database(url)
    with db.session() as s:  # the reports as a supervisor of every department sees them
        if find_user(s, BENCH_USER) is None:
            create_user(s, username=BENCH_USER, role="supervisor", password=BENCH_PASSWORD,
                        departments=settings.departments, password_min_length=settings.password_min_length,
                        user_departments=list(settings.departments))
    db.engine.dispose()
    app = create_app(settings, background=False)
    out, frame_info = [], {}
    with TestClient(app) as client:
        resp = client.post("/api/auth/login", json={"username": BENCH_USER, "password": BENCH_PASSWORD})
        assert resp.status_code == 200, resp.text  # the client keeps the session cookie
        # The first report loads the frame (the call log in memory): timed on its own.
        rss = _rss_bytes()
        t0 = time.perf_counter()
        resp = client.get("/api/reports/volume", params={"since": RANGES["day"][0], "until": RANGES["day"][1]})
        assert resp.status_code == 200, resp.text
        with app.state.db.session() as s:
            frame = frame_for(s)
        frame_info = {"report_frame_load_s": round(frame.load_s, 2),
                      "report_frame_first_request_s": round(time.perf_counter() - t0, 2),
                      "report_frame_mb": round(frame.memory_bytes() / 2**20, 1),
                      "report_frame_rss_growth_mb": round((_rss_bytes() - rss) / 2**20, 1)}
        print(f"  frame: loaded in {frame_info['report_frame_load_s']} s, {frame_info['report_frame_mb']} MB "
              f"of arrays, process +{frame_info['report_frame_rss_growth_mb']} MB", file=sys.stderr)
        for report, group_bys, spans in CASES:
            for span in spans:
                for group_by in group_bys:
                    since, until = RANGES[span]
                    params = {"since": since, "until": until}
                    if group_by:
                        params["group_by"] = group_by
                    resp = client.get(f"/api/reports/{report}", params=params)  # warm-up
                    assert resp.status_code == 200, resp.text
                    rows = len(resp.json()["rows"])
                    times: list[float] = []
                    started = time.perf_counter()
                    while len(times) < runs and (len(times) < 3 or time.perf_counter() - started < CASE_BUDGET_S):
                        t0 = time.perf_counter()
                        resp = client.get(f"/api/reports/{report}", params=params)
                        times.append((time.perf_counter() - t0) * 1000)
                        assert resp.status_code == 200
                    times.sort()
                    case = {"report": report, "group_by": group_by or "-", "range": span, "rows": rows,
                            "runs": len(times), "p50_ms": statistics.median(times),
                            "p95_ms": times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]}
                    print(f"  {report} {case['group_by']} {span}: p50 {case['p50_ms']:.1f} ms, "
                          f"p95 {case['p95_ms']:.1f} ms ({len(times)} runs)", file=sys.stderr)
                    out.append(case)
    app.state.db.engine.dispose()
    return out, frame_info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=20,
                    help="timed requests per case after one warm-up (fewer, but at least 3, past 30 s a case)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--only", choices=("sqlite", "postgresql"))
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep the SQLite file in DIR, and the PostgreSQL database (its URL is printed)")
    ap.add_argument("--reuse", action="append", default=[], metavar="URL",
                    help="measure this already seeded database instead of seeding one (repeatable)")
    args = ap.parse_args(argv)

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmpdir:
        tmp = Path(tmpdir)
        if args.reuse:
            targets = [("postgresql" if u.startswith("postgresql") else "sqlite", u) for u in args.reuse]
        else:
            targets = [(db, None) for db in (["sqlite", "postgresql"] if not args.only else [args.only])]
        for db, reuse in targets:
            pg_name = None
            if reuse:
                seeded = {"url": reuse, "calls": None, "verdicts": None, "seed_s": None}
            elif db == "sqlite":
                path = (args.keep or tmp) / f"bench-{args.calls}.db"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.unlink(missing_ok=True)
                print(f"seeding {args.calls} calls into SQLite {path} ...", file=sys.stderr)
                seeded = seed_sqlite(path, args.calls, args.seed)
            else:
                pg_name, url = pg_create()
                print(f"seeding {args.calls} calls into PostgreSQL {pg_name} ...", file=sys.stderr)
                seeded = seed_pg(url, args.calls, args.seed)
            if not reuse:
                print(f"  seeded in {seeded['seed_s']:.0f} s ({seeded['verdicts']} verdicts): {seeded['url']}",
                      file=sys.stderr)
            try:
                cases, frame_info = measure(seeded["url"], args.runs, tmp)
            finally:
                if pg_name and not args.keep:
                    pg_drop(pg_name)
            results[db] = {**{k: v for k, v in seeded.items() if k != "url"}, **frame_info, "cases": cases}

    lines = ["| database | report | group_by | range | rows | p50 ms | p95 ms |",
             "| --- | --- | --- | --- | ---: | ---: | ---: |"]
    for db, res in results.items():
        for c in res["cases"]:
            lines.append(f"| {db} | {c['report']} | {c['group_by']} | {c['range']} | {c['rows']} "
                         f"| {c['p50_ms']:.1f} | {c['p95_ms']:.1f} |")
    print("\n".join(lines))
    for db, res in results.items():
        print(f"{db}: the frame loaded in {res['report_frame_load_s']} s (first request "
              f"{res['report_frame_first_request_s']} s), {res['report_frame_mb']} MB of arrays, "
              f"process +{res['report_frame_rss_growth_mb']} MB")
    p95: dict[str, dict] = {db: {} for db in results}  # worst p95 over a report's cases
    by_range: dict[str, dict] = {db: {} for db in results}
    for db, res in results.items():
        for c in res["cases"]:
            p95[db][c["report"]] = max(p95[db].get(c["report"], 0.0), round(c["p95_ms"], 1))
            per = by_range[db].setdefault(c["report"], {})
            per[c["range"]] = max(per.get(c["range"], 0.0), round(c["p95_ms"], 1))
    if args.json:
        frame = {key: {db: res.get(key) for db, res in results.items()}
                 for key in ("report_frame_load_s", "report_frame_mb", "report_frame_rss_growth_mb")}
        args.json.write_text(json.dumps({"calls": args.calls, "report_p95_ms": p95,
                                         "report_p95_ms_by_range": by_range, **frame, "results": results},
                                        indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
