"""Added latency: from the caller's INVITE to the first prompt's first RTP packet.

Also from the answer (200 OK) to that packet, the issue's first wording. The two
differ since our IVR answers only once Python is ready to speak (the dialplan
leaves the call ringing until then), while the bare dialplan answers at once:
from the answer alone, Python's time before it would not count. So what is
added is taken from the INVITE: all the caller waits for.

Three numbers on one Asterisk, dialled in turn by the same SIPp resident:

- bare:       `bench_bare_number`, the dialplan alone plays the greeting;
- fastagi:    the hotline number, our FastAGI server plays it (the product);
- perprocess: `bench_perprocess_number`, the same route as a classic AGI,
              one Python process per call (pyst2 on stdin/stdout).

Calls are placed one at a time (SIPp -l 1), in small batches that take turns
(bare, fastagi, perprocess, bare, ...), so that whatever else the machine does
falls on every path alike. dumpcap records the resident's SIP port and its
media port; per call, the INVITE and the 200 OK to the first RTP packet from
Asterisk (`bench/capture.py`). The first calls of each path (warm-up: the server's
first database connection, the page cache) are placed before the capture.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.capture import Capture, answer_to_audio
from bench.instance import BenchHotline
from bench.stats import difference, summary
from telephony.sipp.media import Silence
from telephony.sipp.phones import resident_call
from telephony.sipp.runner import free_media_port, free_udp_port

PATHS = ("bare", "fastagi", "perprocess")
CALL_TIMEOUT_MARGIN_S = 1.0  # per call, on top of its hold time, for SIPp's own -timeout
RUN_TIMEOUT_MARGIN_S = 30.0


@dataclass(frozen=True)
class LatencyPlan:
    calls: int = 200  # per path (bare and fastagi)
    perprocess_calls: int = 50  # each costs seconds; its p99 is then the slowest call
    batch: int = 20  # calls per SIPp run before the next path takes its turn
    warmup: int = 3
    hold_ms: int = 800  # time from ACK to BYE: the first RTP comes long before
    perprocess_hold_ms: int = 6000  # a cold interpreter per call needs seconds

    def total(self, path: str) -> int:
        return self.perprocess_calls if path == "perprocess" else self.calls

    def hold(self, path: str) -> int:
        return self.perprocess_hold_ms if path == "perprocess" else self.hold_ms


def schedule(plan: LatencyPlan) -> list[tuple[str, int]]:
    """(path, calls) SIPp runs in order: the paths take turns, each spread over the same rounds."""
    rounds = max(1, math.ceil(max(plan.total(p) for p in PATHS) / plan.batch))
    left = {p: plan.total(p) for p in PATHS}
    runs = []
    for r in range(rounds):
        for path in PATHS:
            n = min(left[path], math.ceil(plan.total(path) / rounds))
            if n:
                runs.append((path, n))
                left[path] -= n
    return runs


def numbers(settings) -> dict[str, str]:
    return {"bare": settings.bench_bare_number, "fastagi": settings.hotline_number,
            "perprocess": settings.bench_perprocess_number}


def run(hotline: BenchHotline, work: Path, plan: LatencyPlan) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    dialled = numbers(hotline.settings())
    sip_port, media_port = free_udp_port(), free_media_port()
    failed = {p: 0 for p in PATHS}
    seq = 0

    def place(path: str, calls: int) -> None:
        nonlocal seq
        seq += 1
        hold = plan.hold(path)
        result = resident_call(
            hotline.remote, work, number=dialled[path], media=[Silence(hold)], hold_ms=hold,
            local_port=sip_port, media_port=media_port, calls=calls, limit=1, name=f"latency-{seq:03d}-{path}",
            timeout_s=calls * (hold / 1000 + CALL_TIMEOUT_MARGIN_S) + RUN_TIMEOUT_MARGIN_S,
        ).run()
        failed[path] += result.failed_calls or 0

    for path in PATHS:
        place(path, plan.warmup)
    failed = {p: 0 for p in PATHS}
    bpf = f"udp and (port {sip_port} or dst port {media_port})"
    with Capture(work / "latency.pcap", bpf) as capture:
        runs = schedule(plan)
        for i, (path, calls) in enumerate(runs, 1):
            print(f"  latency: run {i}/{len(runs)}: {calls} call(s) to {path}", file=sys.stderr)
            place(path, calls)
    timings = answer_to_audio(capture.datagrams(), sip_port, media_port)
    return summarise(timings, dialled, failed, capture.dropped())


def summarise(timings, dialled: dict[str, str], failed: dict[str, int], dropped: int | None) -> dict:
    path_of = {number: path for path, number in dialled.items()}
    per_path: dict[str, dict] = {}
    for path in PATHS:
        mine = [t for t in timings if path_of.get(t.number) == path]
        first_rtp = [t.first_rtp_ms for t in mine if t.first_rtp_ms is not None]
        first_audio = [t.first_audio_ms for t in mine if t.first_audio_ms is not None]
        invite_rtp = [t.invite_rtp_ms for t in mine if t.invite_rtp_ms is not None]
        per_path[path] = {
            "calls": len(mine),
            "failed_calls": failed.get(path, 0),
            "no_rtp": len(mine) - len(first_rtp),
            "first_rtp_ms": summary(first_rtp),
            "first_audio_ms": summary(first_audio),
            "invite_rtp_ms": summary(invite_rtp),
        }
    bare = per_path["bare"]["invite_rtp_ms"]
    for path in ("fastagi", "perprocess"):
        mine = per_path[path]["invite_rtp_ms"]
        per_path[path]["added_ms"] = {"p50": difference(mine["p50"], bare["p50"]),
                                      "p99": difference(mine["p99"], bare["p99"])}
    return {"paths": per_path, "capture_dropped": dropped,
            "agi_added_latency_p99_ms": per_path["fastagi"]["added_ms"]["p99"],
            "perprocess_agi_latency_p99_ms": per_path["perprocess"]["added_ms"]["p99"]}
