"""The one table `make bench` prints, and the headline keys of bench/results.json."""
from __future__ import annotations

LATENCY_GOAL_MS = 10.0  # p99 added by FastAGI (issue 5)
CAPACITY_GOAL = 0.9  # ours / bare


def headline(results: dict) -> dict:
    """The keys the issue asks results.json for, at its top level (None where a step did not run)."""
    lat = results.get("latency", {})
    cap = results.get("capacity", {})
    engines = results.get("transcription", {})
    return {
        "agi_added_latency_p99_ms": lat.get("agi_added_latency_p99_ms"),
        "perprocess_agi_latency_p99_ms": lat.get("perprocess_agi_latency_p99_ms"),
        "capacity_cps_ours": cap.get("capacity_cps_ours"),
        "capacity_cps_bare": cap.get("capacity_cps_bare"),
        "capacity_ratio": cap.get("capacity_ratio"),
        "missing_rows": cap.get("missing_rows"),
        "transcription": {
            name: ({k: r.get(k) for k in ("cpu_per_audio_s", "cer_16k", "cer_phone")}
                   if r.get("available", True) else {"available": False, "reason": r.get("reason")})
            for name, r in engines.items()
        } or None,
        "report_p95_ms": results.get("reports", {}).get("report_p95_ms"),
        "agi_rss_mb_idle": cap.get("agi_rss_mb_idle"),
        "agi_rss_mb_peak": cap.get("agi_rss_mb_peak"),
    }


def _num(v, unit: str = "", digits: int = 1) -> str:
    if v is None:
        return "—"
    return f"{v:.{digits}f}{unit}" if isinstance(v, float) else f"{v}{unit}"


def _pct(v) -> str:
    return "—" if v is None else f"{100 * v:.1f} %"


def _goal(ok: bool | None, text: str) -> str:
    if ok is None:
        return text
    return f"{text} {'✓' if ok else '✗'}"


def machine_rows(m: dict) -> list[tuple[str, str, str, str]]:
    load = m.get("load_average_at_start") or ["?", "?"]
    return [
        ("machine", "CPU", f"{m.get('cpu_model')}, {m.get('cores')} cores, {m.get('memory_gb')} GB", ""),
        ("machine", "load average at start (1, 5 min)", f"{load[0]}, {load[1]}", ""),
        ("machine", "versions", f"Linux {m.get('kernel')} · Python {m.get('python')} · "
                                f"Asterisk {m.get('asterisk')} · SIPp {m.get('sipp')} · SQLite {m.get('sqlite')} · "
                                f"PostgreSQL {m.get('postgresql')} · pyst2 {m.get('pyst2')}", ""),
    ]


def latency_rows(lat: dict) -> list[tuple[str, str, str, str]]:
    if not lat:
        return []
    paths = lat["paths"]
    names = {"bare": "bare dialplan", "fastagi": "our FastAGI IVR", "perprocess": "per-process AGI (pyst2 stdio)"}
    rows = []
    for path in ("bare", "fastagi", "perprocess"):
        p = paths[path]
        rtp, invite = p["first_rtp_ms"], p["invite_rtp_ms"]
        note = f"{p['calls']} calls" + (f", {p['no_rtp']} without a prompt before hang-up" if p["no_rtp"] else "")
        rows.append(("latency", f"INVITE → first prompt RTP, {names[path]}: p50 / p99",
                     f"{_num(invite['p50'], ' ms')} / {_num(invite['p99'], ' ms')}", note))
        rows.append(("latency", f"answer → first prompt RTP, {names[path]}: p50 / p99",
                     f"{_num(rtp['p50'], ' ms')} / {_num(rtp['p99'], ' ms')}",
                     "" if path == "bare" else "the bare dialplan answers at once, Python once it is ready"))
    for path, goal in (("fastagi", True), ("perprocess", False)):
        added = paths[path]["added_ms"]
        ok = None if not goal or added["p99"] is None else added["p99"] <= LATENCY_GOAL_MS
        rows.append(("latency", f"added by {names[path]} (from the INVITE): p50 / p99",
                     f"{_num(added['p50'], ' ms')} / {_num(added['p99'], ' ms')}",
                     _goal(ok, f"≤ {LATENCY_GOAL_MS:g} ms p99") if goal else "the slow peer"))
    return rows


def capacity_rows(cap: dict) -> list[tuple[str, str, str, str]]:
    if not cap:
        return []
    ratio = cap.get("capacity_ratio")
    backlog = cap.get("transcription_backlog") or {}
    # the search's own trial at the limit (the first one: the drained run comes after it)
    cpu = next((t["cpu_ms_per_call"] for t in cap["trials"]
                if t["target"] == "ours" and t["ok"] and t["rate"] == cap.get("capacity_cps_ours")), {})
    bare_limit = next((t for t in cap["trials"]
                       if t["target"] == "bare" and t["ok"] and t["rate"] == cap.get("capacity_cps_bare")), {})
    cpu_bare = bare_limit.get("cpu_ms_per_call", {})
    return [
        ("capacity", f"highest rate with 0 failed calls ({cap['call_s']} s calls, {cap['agents']} agents): "
                     "bare / ours", f"{_num(cap.get('capacity_cps_bare'), ' calls/s', 2)} / "
                                    f"{_num(cap.get('capacity_cps_ours'), ' calls/s', 2)}",
         f"calls at once at the limit: bare {_num(bare_limit.get('max_concurrent'))}, "
         f"ours {_num(cap.get('max_concurrent_at_limit'))}"),
        ("capacity", "ours / bare", _num(ratio, "", 2),
         _goal(None if ratio is None else ratio >= CAPACITY_GOAL, f"≥ {CAPACITY_GOAL}")),
        ("capacity", "CPU per call at the limit: Asterisk bare / ours, FastAGI server, API, PostgreSQL bare / ours",
         f"{_num(cpu_bare.get('asterisk'), ' ms')} / {_num(cpu.get('asterisk'), ' ms')}, "
         f"{_num(cpu.get('fastagi'), ' ms')}, {_num(cpu.get('api'), ' ms')}, "
         f"{_num(cpu_bare.get('postgres'), ' ms')} / {_num(cpu.get('postgres'), ' ms')}", ""),
        ("capacity", "call-log rows missing / rebuilt by the reconciler",
         f"{_num(cap.get('missing_rows'))} / {_num(cap.get('rows_rebuilt'))}",
         _goal(cap.get("missing_rows") == 0, f"0 of {cap.get('calls_reaching_asterisk_ours')} calls "
                                             "that reached Asterisk")),
        ("capacity", "calls placed to ours / dropped by Asterisk's SIP stack, overloaded (no channel, "
                     "nothing to log)",
         f"{_num(cap.get('calls_placed_ours'))} / {_num(cap.get('calls_dropped_by_asterisk_ours'))}",
         "in trials above the limit"),
        ("capacity", f"backlog of {(cap.get('soak') or {}).get('calls')} calls at ours' limit, drained: "
                     "recordings / transcription",
         f"{_num(cap.get('recordings_drained_s'), ' s')} / {_num(backlog.get('seconds'), ' s')}",
         f"{backlog.get('jobs')} calls transcribed, {_num(backlog.get('s_per_call'), ' s')} each, "
         f"{backlog.get('left')} left, {backlog.get('errors')} errors" if backlog else ""),
        ("memory", "FastAGI server RSS: idle / peak / after the run",
         f"{_num(cap.get('agi_rss_mb_idle'), ' MB')} / {_num(cap.get('agi_rss_mb_peak'), ' MB')} / "
         f"{_num(cap.get('agi_rss_mb_after'), ' MB')}",
         f"{_num(cap.get('agi_rss_kb_per_call'), ' KB')} per concurrent call at the limit "
         f"({_num(cap.get('agi_threads_at_limit'))} threads)"),
    ]


def transcription_rows(engines: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for name, r in engines.items():
        if not r.get("available", True):
            rows.append(("transcription", f"{name}", r.get("reason", "not available"), ""))
            continue
        rows.append(("transcription", f"{name}: CPU s per audio s · CER 16 kHz / phone line / hotline clips",
                     f"{_num(r.get('cpu_per_audio_s'), '', 3)} · {_pct(r.get('cer_16k'))} / "
                     f"{_pct(r.get('cer_phone'))} / {_pct(r.get('cer_hotline'))}", f"{r.get('files')} files"))
    return rows


def report_rows(reports: dict) -> list[tuple[str, str, str, str]]:
    p95 = reports.get("report_p95_ms") or {}
    names = sorted({r for per_db in p95.values() for r in per_db})
    dbs = list(p95)
    return [("reports", f"{name}: p95, worst case, {' / '.join(dbs)}",
             " / ".join(_num(p95[db].get(name), " ms") for db in dbs), f"{reports.get('calls'):,} calls")
            for name in names]


def markdown(results: dict) -> str:
    rows = machine_rows(results.get("machine", {}))
    rows += latency_rows(results.get("latency", {}))
    rows += capacity_rows(results.get("capacity", {}))
    rows += transcription_rows(results.get("transcription", {}))
    rows += report_rows(results.get("reports", {}))
    title = "quick run: sizes for development, not numbers to quote" if results.get("quick") else "full run"
    lines = [f"hotline benchmarks, {results.get('started_at')} ({title}, {results.get('duration_s', 0) // 60} min)",
             "", "| step | measure | result | goal / note |", "| --- | --- | ---: | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)
