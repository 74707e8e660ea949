"""A pool of SIPp agent phones in one process, for the capacity bench.

Hundreds of SIPp processes (one per agent, as the end-to-end tests do) would
cost more CPU than the calls themselves; one process registers them all
(`scenarios/agent_pool_register.xml`, one injection-file line per agent) and
answers every INVITE with the hotline's own `agent_answer.xml`.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from telephony.core.config import Settings
from telephony.pbx.ami import AmiClient
from telephony.sipp.runner import Sipp, SippProcess

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "agent_pool_register.xml"
REGISTER_RATE = 50  # registrations per second while the pool comes up
REG_EXPIRES_S = 3600
STAY_MS = 24 * 3600 * 1000  # registered until the bench stops the pool
REGISTER_TIMEOUT_S = 60.0


def injection_file(path: Path, numbers: Sequence[str], password: str) -> Path:
    """SIPp's -inf: one agent per line, taken in order: number; its [authentication] keyword."""
    path.write_text("SEQUENTIAL\n" + "".join(f"{n};[authentication username={n} password={password}];\n"
                                             for n in numbers), encoding="utf-8")
    return path


def agent_pool(remote: str, work: Path, numbers: Sequence[str], password: str, *, ring_ms: int,
               greeting_pcap: Path, greet_delay_ms: int) -> Sipp:
    work.mkdir(parents=True, exist_ok=True)
    inf = injection_file(work / "agents.csv", numbers, password)
    return Sipp(
        scenario=SCENARIO, ooc_scenario="agent_answer", work_dir=work, remote=remote, service="agents",
        variables={"reg_expires": REG_EXPIRES_S, "stay_ms": STAY_MS, "ring_ms": ring_ms,
                   "greet_delay_ms": greet_delay_ms, "talk_ms": 0, "agent_hangs_up": 0},
        keywords={"agent_pcap": greeting_pcap},
        calls=len(numbers), rate=REGISTER_RATE, limit=len(numbers), timeout_s=None,
        extra_args=["-inf", str(inf)], name="agent-pool",
    )


def registered_contacts(settings: Settings) -> int:
    """Agents Asterisk has a contact for now."""
    with AmiClient.for_settings(settings, timeout=10) as ami:
        out = ami.command("pjsip show contacts")
    return sum(1 for line in out.splitlines() if line.strip().startswith("Contact:") and "/sip:" in line)


def start_pool(pool: Sipp, settings: Settings, expected: int) -> SippProcess:
    proc = pool.start()
    deadline = time.monotonic() + REGISTER_TIMEOUT_S
    while (have := registered_contacts(settings)) < expected:
        if not proc.running() or time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"only {have} of {expected} agents registered; see {pool.work_dir}")
        time.sleep(0.5)
    return proc
