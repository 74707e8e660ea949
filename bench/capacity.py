"""Capacity: the highest call rate with 0 failed calls, ours against the bare dialplan.

Every call is a whole hotline call of realistic length: the greeting, the
caller presses the bench department's digit during it, the "connecting you"
prompt, the queue, an agent of the pool (bench/agents.py) rings for
`ring_ms`, answers and greets, the caller states the request, and hangs up.
Both targets run on the same Asterisk with the same prompts, queue, agents
and recordings; the bare one has no Python (asterisk/bench/extensions_bench.conf).

A trial places `rate × step_s` calls at `rate` calls per second (SIPp -r).
It passes when SIPp counts 0 failed calls *and* an agent answered every one
of them (queue_log CONNECT): a call that missed the menu or the queue would
otherwise look like a success to the caller's SIPp. The bare dialplan is
searched first (bench/search.py); ours starts from the bare capacity.

Per trial: the CPU time of Asterisk, the FastAGI server and the API process
per call; while ours runs, the FastAGI server's resident memory (peak).

Then "the run": one more trial of ours at its limit, on an empty analysis
queue (the search trials' jobs are dropped: on 2 cores their transcription
would take hours). After it: how long until Asterisk has no channel left and
every answered call's recordings exist, and how long `hotline transcribe
--pending` takes to work through its calls. Over every call placed to ours:
call-log rows missing (calls placed − rows written) and rows the reconciler
had to rebuild.
"""
from __future__ import annotations

import csv
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select

from bench import metrics
from bench.agents import agent_pool, start_pool
from bench.instance import AGENT_PASSWORD, BenchHotline
from bench.search import RateSearch
from telephony.db.models import AnalysisJob, Call
from telephony.db.session import Database
from telephony.logging.reconcile import CDR_FILE, QUEUE_LOG_FILE, FileTail, parse_cdr_lines
from telephony.pbx.ami import AmiClient
from telephony.sipp.media import Digits, Silence, Speech, build_media_pcap
from telephony.sipp.phones import SPEECH_PCAP_DIR, resident_call
from telephony.sipp.runner import SippError, free_media_port, free_udp_port

QUIET_TIMEOUT_S = 120.0  # for Asterisk's channels to be gone between trials
TRIAL_TIMEOUT_MARGIN_S = 90.0
SETTLE_S = 3.0  # after the last call: hang-up handlers, the reconciler's round
DRAIN_POLL_S = 1.0


@dataclass(frozen=True)
class CapacityPlan:
    start_cps: float = 1.0
    growth: float = 1.5  # bare search: ×1.5 until a failure, then bisect
    bisect_steps: int = 3
    ours_growth: float = 1.15  # ours starts at the bare capacity, in finer steps
    ours_bisect_steps: int = 2
    max_cps: float = 30.0
    step_s: float = 30.0  # seconds of arrivals per trial (about 1.5 calls' length)
    min_calls: int = 10
    ring_ms: int = 2000  # the agent answers on the first ring
    greet_delay_ms: int = 500
    digit_at_ms: int = 1500  # into the greeting
    speak_at_ms: int = 15000  # after the agent's greeting
    tail_ms: int = 1000
    drain: bool = True  # a last trial at ours' limit, then its recordings and transcription drained
    soak_s: float = 10.0  # that trial's seconds of arrivals (its transcription takes ~30 times as long)
    drain_timeout_s: float = 3 * 3600.0

    @property
    def call_ms(self) -> int:
        return self.speak_at_ms + 6000 + self.tail_ms  # the request clip is about 5 s


@dataclass
class Trial:
    target: str
    rate: float
    calls: int
    ok: bool
    successful: int
    failed: int
    answered: int
    max_concurrent: int | None
    seconds: float
    cpu_ms_per_call: dict = field(default_factory=dict)
    agi_peak_rss_mb: float | None = None
    agi_peak_threads: int | None = None


def caller_media(work: Path, plan: CapacityPlan, digit: str) -> tuple[Path, int]:
    """The resident's side of one call as a pcap, and the time from ACK to BYE."""
    timeline = build_media_pcap([
        Silence(plan.digit_at_ms), Digits(digit), Silence(plan.speak_at_ms - plan.digit_at_ms),
        Speech(SPEECH_PCAP_DIR / "req_repair_01.pcap"),
    ], work / "capacity-caller.pcap")
    return timeline.path, timeline.duration_ms + plan.tail_ms


def max_concurrent(stats_csv: Path) -> int | None:
    """The largest CurrentCall in a SIPp statistics file (-trace_stat, one row per -fd period)."""
    try:
        with stats_csv.open(newline="", errors="replace") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
    except FileNotFoundError:
        return None
    values = [int(r["CurrentCall"]) for r in rows if (r.get("CurrentCall") or "").isdigit()]
    return max(values) if values else None


def _created_from_stats(stats_csv: Path) -> int | None:
    """Calls SIPp had placed, from its last statistics row (when it did not finish by itself)."""
    try:
        with stats_csv.open(newline="", errors="replace") as f:
            rows = list(csv.DictReader(f, delimiter=";"))
    except FileNotFoundError:
        return None
    last = (rows[-1].get("TotalCallCreated") or "") if rows else ""
    return int(last) if last.isdigit() else None


def count_events(queue_log_text: str, event: str) -> int:
    """queue_log lines (time|callid|queue|agent|EVENT|...) of one event."""
    return sum(1 for line in queue_log_text.splitlines() if line.split("|")[4:5] == [event])


def calls_reaching_asterisk(cdr_text: str) -> int:
    """Resident calls in CDR lines: those Asterisk made a channel for, which the hotline must log.
    An INVITE Asterisk never answered (its SIP stack overloaded) made none: no call to log."""
    calls: dict = {}
    parse_cdr_lines(cdr_text, calls)
    return len(calls)


def trial_passed(calls: int, successful: int | None, failed: int | None, answered: int) -> bool:
    return (failed or 0) == 0 and (successful or 0) == calls and answered >= calls


class Capacity:
    def __init__(self, hotline: BenchHotline, work: Path, plan: CapacityPlan):
        self.hotline, self.work, self.plan = hotline, work, plan
        self.settings = hotline.settings()
        self.db = Database(self.settings.db_url)
        log_dir = self.settings.asterisk_dir / "log"
        self.queue_log, self.cdrs = FileTail(log_dir / QUEUE_LOG_FILE), FileTail(log_dir / CDR_FILE)
        self.sip_port, self.media_port = free_udp_port(), free_media_port()
        digit = next(d for d, c in self.settings.menu.items()
                     if self.settings.categories[c].department == self.settings.bench_department)
        self.media, self.hold_ms = caller_media(work, plan, digit)
        self.numbers = {"bare": self.settings.bench_bare_number, "ours": self.settings.hotline_number}
        self.trials: list[Trial] = []
        self.placed_to_ours = 0
        self.seq = 0

    # -- one trial --------------------------------------------------------------------
    def channels(self) -> int:
        with AmiClient.for_settings(self.settings, timeout=10) as ami:
            out = ami.command("core show channels count")
        for line in out.splitlines():
            if "active channel" in line:
                return int(line.split()[0])
        return 0

    def wait_quiet(self, timeout: float = QUIET_TIMEOUT_S) -> float:
        started = time.monotonic()
        while self.channels() and time.monotonic() - started < timeout:
            time.sleep(0.5)
        return time.monotonic() - started

    def trial(self, target: str, rate: float, seconds: float | None = None) -> Trial:
        self.wait_quiet()
        self.seq += 1
        calls = max(self.plan.min_calls, round(rate * (seconds or self.plan.step_s)))
        self.queue_log.new_text()  # what came before this trial
        sipp = resident_call(
            self.hotline.remote, self.work, number=self.numbers[target], media=self.media,
            hold_ms=self.hold_ms, local_port=self.sip_port, media_port=self.media_port,
            calls=calls, rate=rate, limit=int(rate * self.hold_ms / 1000 * 2) + self.plan.min_calls,
            timeout_s=calls / rate + self.hold_ms / 1000 + TRIAL_TIMEOUT_MARGIN_S,
            name=f"capacity-{self.seq:02d}-{target}-{rate:g}", extra_args=["-fd", "1"],
        )
        watched = {"asterisk": metrics.asterisk_pids(self.hotline.proc.pid),
                   "fastagi": [self.hotline.agi_pid], "api": [int(self.hotline.info["api_pid"])]}
        if self.settings.db_url.startswith("postgresql"):  # the server's CPU for our statements
            watched["postgres"] = metrics.postgres_pids()
        cpu_before = {k: metrics.cpu_s(p) for k, p in watched.items()}
        print(f"  capacity: {target} at {rate:g} calls/s ({calls} calls) ...", file=sys.stderr)
        started = time.monotonic()
        with metrics.Sampler(self.hotline.agi_pid) as agi:
            try:
                result = sipp.run()
            except SippError as e:  # an overloaded run that SIPp itself could not finish: a failure
                print(f"    SIPp: {e.message}", file=sys.stderr)
                result = None
        seconds = time.monotonic() - started
        cpu = {k: round(metrics.cpu_used_s(cpu_before[k], metrics.cpu_s(p)) * 1000 / calls, 1)
               for k, p in watched.items()}
        answered = count_events(self.queue_log.new_text(), "CONNECT")
        created = result.created_calls if result else _created_from_stats(sipp.path("stats.csv"))
        if target == "ours":
            self.placed_to_ours += created or 0
        ok_calls = result.successful_calls if result else None
        failed = result.failed_calls if result else calls
        t = Trial(target, rate, calls, trial_passed(calls, ok_calls, failed, answered),
                  ok_calls or 0, failed or 0, answered,
                  max_concurrent(sipp.path("stats.csv")), round(seconds, 1), cpu,
                  agi.peak_rss_mb if target == "ours" else None,
                  agi.peak_threads if target == "ours" else None)
        print(f"    {'pass' if t.ok else 'FAIL'}: {t.successful} ok, {t.failed} failed, {t.answered} answered, "
              f"max {t.max_concurrent} concurrent, CPU ms/call {cpu}", file=sys.stderr)
        self.trials.append(t)
        return t

    def search(self, target: str, search: RateSearch) -> float | None:
        while (rate := search.next_rate()) is not None:
            search.record(rate, self.trial(target, rate).ok)
        return search.best

    # -- the whole step ------------------------------------------------------------------
    def run(self) -> dict:
        plan = self.plan
        pool = agent_pool(self.hotline.remote, self.work / "agents", self.hotline.agents, AGENT_PASSWORD,
                          ring_ms=plan.ring_ms, greeting_pcap=SPEECH_PCAP_DIR / "greet_ok_01.pcap",
                          greet_delay_ms=plan.greet_delay_ms)
        proc = start_pool(pool, self.settings, len(self.hotline.agents))
        try:
            rows_before = self.count(Call.id)
            self.cdrs.new_text()  # the latency step's calls came before
            idle_rss = metrics.rss_mb(self.hotline.agi_pid)
            bare = self.search("bare", RateSearch(plan.start_cps, plan.growth, plan.bisect_steps,
                                                  max_rate=plan.max_cps))
            ours = self.search("ours", RateSearch(bare or plan.start_cps, plan.ours_growth,
                                                  plan.ours_bisect_steps, max_rate=plan.max_cps))
            # The run whose backlog is timed: one more trial at ours' limit, on an empty queue
            # (once the last search trial's hang-up handlers have queued their calls).
            self.wait_quiet()
            time.sleep(SETTLE_S)
            dropped = self.drop_pending_jobs()
            soak = self.trial("ours", ours or plan.start_cps, plan.soak_s) if plan.drain else None
            recordings_s = self.drain_recordings(time.monotonic()) if soak else None
        finally:
            proc.stop()
        time.sleep(SETTLE_S)
        rows = self.count(Call.id) - rows_before
        reached = calls_reaching_asterisk(self.cdrs.new_text())
        result = {
            "plan": asdict(plan),
            "agents": len(self.hotline.agents),
            "call_s": round(self.hold_ms / 1000, 1),
            "capacity_cps_bare": bare,
            "capacity_cps_ours": ours,
            "capacity_ratio": round(ours / bare, 3) if ours and bare else None,
            "trials": [asdict(t) for t in self.trials],
            "calls_placed_ours": self.placed_to_ours,
            # Asterisk wrote a CDR for these: each must have its row, from Python or the reconciler.
            "calls_reaching_asterisk_ours": reached,
            # INVITEs its overloaded SIP stack never answered (SIPp: UDP retransmission timeout).
            "calls_dropped_by_asterisk_ours": self.placed_to_ours - reached,
            "log_rows_written": rows,
            "missing_rows": reached - rows,
            "rows_rebuilt": self.count(Call.id, Call.source == "rebuilt"),
            "rows_unfinished": self.count(Call.id, Call.ended_at.is_(None)),
            "agi_rss_mb_idle": idle_rss,
            "agi_rss_mb_peak": max((t.agi_peak_rss_mb or 0 for t in self.trials if t.target == "ours"),
                                   default=None),
            "search_jobs_dropped": dropped,
        }
        # At the limit: ours' highest passing search trial, its calls in full flow.
        limit = next((t for t in self.trials[::-1] if t.target == "ours" and t.ok and t.rate == ours
                      and t is not soak), None)
        if limit is not None:
            result.update({
                "agi_rss_mb_at_limit": limit.agi_peak_rss_mb,
                "agi_threads_at_limit": limit.agi_peak_threads,
                "max_concurrent_at_limit": limit.max_concurrent,
                "agi_rss_kb_per_call": per_call_kb(idle_rss, limit.agi_peak_rss_mb, limit.max_concurrent),
            })
        if soak is not None:
            result.update({
                "soak": asdict(soak),
                "recordings_drained_s": recordings_s,
                "transcription_backlog": self.drain_transcription(),
            })
        result["agi_rss_mb_after"] = metrics.rss_mb(self.hotline.agi_pid)
        return result

    def drop_pending_jobs(self) -> int:
        """The search trials' analysis jobs: not the run to time (they would take hours on 2 cores)."""
        with self.db.session() as s:
            return s.execute(delete(AnalysisJob).where(AnalysisJob.status == "pending")).rowcount

    def count(self, column, *where) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count(column)).where(*where))

    def drain_recordings(self, since: float) -> float:
        """Seconds until Asterisk has no channel left and every answered call's recordings exist."""
        self.wait_quiet(self.plan.drain_timeout_s)
        while time.monotonic() - since < QUIET_TIMEOUT_S:
            with self.db.session() as s:
                paths = s.execute(select(Call.recording_caller, Call.recording_agent, Call.recording_mixed)
                                  .where(Call.agent.is_not(None))).all()
            if all(Path(p).exists() for row in paths for p in row if p):
                break
            time.sleep(DRAIN_POLL_S)
        return round(time.monotonic() - since, 1)

    def drain_transcription(self) -> dict:
        """Work through the analysis queue with `hotline transcribe --pending`; how long it takes."""
        open_jobs = (AnalysisJob.status.in_(("pending", "running")),)
        jobs = self.count(AnalysisJob.id, *open_jobs)
        started = time.monotonic()
        runs = 0
        print(f"  capacity: transcribing the backlog of {jobs} calls ...", file=sys.stderr)
        while self.count(AnalysisJob.id, *open_jobs) and time.monotonic() - started < self.plan.drain_timeout_s:
            done = self.hotline.hotline("transcribe", "--pending", timeout=self.plan.drain_timeout_s)
            runs += 1
            if done.returncode != 0:
                raise RuntimeError(f"hotline transcribe --pending failed: {done.stderr[-2000:]}")
            time.sleep(DRAIN_POLL_S)  # jobs wait analysis_delay_s after their call
        seconds = time.monotonic() - started
        left = self.count(AnalysisJob.id, *open_jobs)
        return {"jobs": jobs, "seconds": round(seconds, 1), "left": left,
                "errors": self.count(AnalysisJob.id, AnalysisJob.status == "error"),
                "s_per_call": round(seconds / jobs, 2) if jobs else None}


def per_call_kb(idle_mb: float | None, peak_mb: float | None, concurrent: int | None) -> float | None:
    if idle_mb is None or peak_mb is None or not concurrent:
        return None
    return round(max(0.0, peak_mb - idle_mb) * 1024 / concurrent, 1)


def run(hotline: BenchHotline, work: Path, plan: CapacityPlan) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    return Capacity(hotline, work, plan).run()
