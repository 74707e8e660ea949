"""Shared constants of the SIPp tests (a plain module: `conftest` is ambiguous
when several test directories have one).

No skips: like the rest of the suite, a missing prerequisite is a failure
(sipp comes from scripts/install-system.sh; SippNotFoundError says so).
play_pcap_audio needs a raw socket, i.e. root or CAP_NET_RAW.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HOTLINE_SHARED_DIR", REPO.parent / "shared"))
SPEECH_PCAPS = SHARED / "audio" / "hotline-dev" / "pcap"
DTMF_PCAPS = Path(os.environ.get("HOTLINE_SIPP_DTMF_DIR", "/usr/share/sip-tester"))

AGENTS = {"1001": "pw-1001", "1002": "pw-1002"}
