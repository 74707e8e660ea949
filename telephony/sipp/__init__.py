"""SIPp driving for the hotline's end-to-end tests and benchmarks.

* :mod:`.runner` - :class:`Sipp` (command line, ``run``/``start``),
  :class:`SippResult`, :class:`SippProcess`, errors, free ports;
* :mod:`.media` - caller media as one RTP pcap (silence, RFC 2833 keys, speech);
* :mod:`.phones` - ``resident_call``, ``rejected_call``, ``agent_phone``;
* ``scenarios/`` - the SIPp XML files (usable by hand, see their headers).
"""

from .media import (
    Digits,
    MediaTimeline,
    Silence,
    Speech,
    build_media_pcap,
    dtmf_plan_steps,
    read_rtp_pcap,
    silence_pcap,
    write_rtp_pcap,
)
from .phones import HOTLINE_NUMBER, SPEECH_PCAP_DIR, agent_phone, rejected_call, resident_call
from .runner import (
    LOCAL_IP,
    SCENARIO_DIR,
    LoggedSipMessage,
    ScenarioError,
    Sipp,
    SippCallsFailed,
    SippError,
    SippExit,
    SippNotFoundError,
    SippProcess,
    SippResult,
    SippTimeoutError,
    free_media_port,
    free_udp_port,
    scenario_path,
)

__all__ = [
    "HOTLINE_NUMBER",
    "LOCAL_IP",
    "SCENARIO_DIR",
    "SPEECH_PCAP_DIR",
    "Digits",
    "LoggedSipMessage",
    "MediaTimeline",
    "ScenarioError",
    "Silence",
    "Sipp",
    "SippCallsFailed",
    "SippError",
    "SippExit",
    "SippNotFoundError",
    "SippProcess",
    "SippResult",
    "SippTimeoutError",
    "Speech",
    "agent_phone",
    "build_media_pcap",
    "dtmf_plan_steps",
    "free_media_port",
    "free_udp_port",
    "read_rtp_pcap",
    "rejected_call",
    "resident_call",
    "scenario_path",
    "silence_pcap",
    "write_rtp_pcap",
]
