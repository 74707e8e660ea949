"""Ready-made SIPp phones for the hotline tests: residents calling in, agents answering.

Each function returns a configured :class:`~telephony.sipp.runner.Sipp`; call
``.run()`` (blocking) or ``.start()`` (background, e.g. an agent that must be
registered before the resident dials). The generated caller pcap goes into the
work dir next to the SIPp logs.

    agent = agent_phone(asterisk, work, user="1001", password="pw",
                        greeting_pcap=PCAP_DIR / "greet_ok_01.pcap").start()
    resident = resident_call(asterisk, work, media=[
        Silence(1500), Digits("1"), Silence(5000), Digits("12#3#0402#"),
        Silence(2000), Speech(PCAP_DIR / "req_repair_01.pcap")], tail_ms=20000)
    resident.run().check()
    agent.wait().check()
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .media import MediaTimeline, Step, build_media_pcap, silence_pcap
from .runner import ScalarValue, Sipp, free_media_port, free_udp_port

__all__ = [
    "DEFAULT_CALLER_NAME",
    "DEFAULT_CALLER_NUMBER",
    "HOTLINE_NUMBER",
    "SPEECH_PCAP_DIR",
    "agent_phone",
    "rejected_call",
    "resident_call",
]

HOTLINE_NUMBER = "8000"
DEFAULT_CALLER_NUMBER = "13800000001"
DEFAULT_CALLER_NAME = "Resident"
# the project's shared/ (beside the repo, or HOTLINE_SHARED_DIR) holds the speech pcaps
SPEECH_PCAP_DIR = (
    Path(os.environ.get("HOTLINE_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
    / "audio" / "hotline-dev" / "pcap"
)

_NUMBER = re.compile(r"^\+?[0-9A-Za-z*#._-]{1,32}$")


def _check_caller(caller_number: str, caller_name: str) -> None:
    if not _NUMBER.match(caller_number):
        raise ValueError(f"caller_number {caller_number!r}: want digits (a SIP user part)")
    if any(c in caller_name for c in '"\\\r\n'):
        raise ValueError(f"caller_name {caller_name!r}: no quotes, backslashes or line breaks")


def _sipp_kwargs(extra: Mapping[str, object]) -> dict[str, object]:
    reserved = {"scenario", "ooc_scenario", "variables", "keywords", "service", "remote", "work_dir"}
    clash = reserved & set(extra)
    if clash:
        raise TypeError(f"set by the builder, not allowed here: {', '.join(sorted(clash))}")
    return dict(extra)


def resident_call(
    remote: str,
    work_dir: os.PathLike[str] | str,
    *,
    media: Sequence[Step] | MediaTimeline | os.PathLike[str] | str = (),
    number: str = HOTLINE_NUMBER,
    caller_number: str = DEFAULT_CALLER_NUMBER,
    caller_name: str = DEFAULT_CALLER_NAME,
    hold_ms: int | None = None,
    tail_ms: int = 1000,
    wait_for_bye: bool = False,
    timeout_s: float | None = None,
    **sipp: object,
) -> Sipp:
    """A resident calling ``number`` (no auth).

    ``media``: what the caller sends after the ACK, as timeline steps
    (:class:`Silence`, :class:`Digits`, :class:`Speech`, built into one pcap in
    ``work_dir``), a prebuilt :class:`MediaTimeline`, or a pcap path.

    Hang-up: by default the caller sends BYE ``hold_ms`` after the ACK, which
    defaults to the media length + ``tail_ms`` (so a short ``hold_ms`` is "the
    caller gives up while the agent rings"). With ``wait_for_bye`` the caller
    waits for the far end's BYE instead (scenario ``resident_call_wait_bye``).

    ``timeout_s`` (SIPp's -timeout) defaults to the hold time + 30 s.
    Other keyword arguments go to :class:`Sipp` (``calls``, ``rate``, ``name``...).
    """
    _check_caller(caller_number, caller_name)
    work = Path(work_dir)
    local_port = int(sipp.pop("local_port", None) or free_udp_port())  # type: ignore[call-overload]
    prefix = str(sipp.pop("name", None) or f"resident-{local_port}")
    if isinstance(media, MediaTimeline):
        timeline = media
    elif isinstance(media, (str, os.PathLike)):
        timeline = MediaTimeline(Path(media), 0)
    else:
        timeline = build_media_pcap(list(media), work / f"{prefix}.media.pcap")
    variables: dict[str, ScalarValue] = {"caller_number": caller_number, "caller_name": caller_name}
    if wait_for_bye:
        scenario = "resident_call_wait_bye"
        default_timeout = (hold_ms or timeline.duration_ms + tail_ms) / 1000 + 30
    else:
        scenario = "resident_call"
        hold = hold_ms if hold_ms is not None else timeline.duration_ms + tail_ms
        variables["hold_ms"] = hold
        default_timeout = hold / 1000 + 30
    return Sipp(
        scenario=scenario,
        work_dir=work,
        remote=remote,
        local_port=local_port,
        service=number,
        variables=variables,
        keywords={"media_pcap": timeline.path},
        timeout_s=timeout_s if timeout_s is not None else default_timeout,
        name=prefix,
        **_sipp_kwargs(sipp),  # type: ignore[arg-type]
    )


def rejected_call(
    remote: str,
    work_dir: os.PathLike[str] | str,
    *,
    number: str,
    caller_number: str = DEFAULT_CALLER_NUMBER,
    caller_name: str = DEFAULT_CALLER_NAME,
    timeout_s: float = 30.0,
    **sipp: object,
) -> Sipp:
    """An unauthenticated INVITE to ``number`` that must get a 4xx/6xx final
    (scenario ``resident_call_rejected``); ``result.received_statuses("INVITE")``
    tells which."""
    _check_caller(caller_number, caller_name)
    return Sipp(
        scenario="resident_call_rejected",
        work_dir=work_dir,
        remote=remote,
        service=number,
        variables={"caller_number": caller_number, "caller_name": caller_name},
        timeout_s=timeout_s,
        **_sipp_kwargs(sipp),  # type: ignore[arg-type]
    )


def agent_phone(
    remote: str,
    work_dir: os.PathLike[str] | str,
    *,
    user: str,
    password: str,
    answer: bool = True,
    ring_ms: int = 3000,
    greeting_pcap: os.PathLike[str] | str | None = None,
    greet_delay_ms: int = 1000,
    agent_hangs_up: bool = False,
    talk_ms: int = 5000,
    expected_calls: int = 1,
    wait_ms: int = 60_000,
    linger_ms: int = 0,
    reg_expires: int = 300,
    timeout_s: float | None = None,
    **sipp: object,
) -> Sipp:
    """An agent phone: REGISTER as ``user`` (digest ``user``/``password``),
    handle ``expected_calls`` incoming calls, un-REGISTER.

    ``answer=True`` (``agent_answer.xml``): rings ``ring_ms``, answers, waits
    ``greet_delay_ms``, plays ``greeting_pcap`` (1 s of silence if None), then
    waits for the caller's BYE, or with ``agent_hangs_up`` sends BYE after
    ``talk_ms``. ``answer=False`` (``agent_noanswer.xml``): rings until CANCEL.

    The run fails (exit 1) if the calls have not all been handled after
    ``wait_ms``; it un-registers either way (``linger_ms`` after its last
    call). ``timeout_s`` (SIPp's -timeout) defaults to ``wait_ms`` +
    ``linger_ms`` + 30 s. Start it with ``.start()`` before the resident calls;
    ``.wait()`` then returns when it has un-registered.
    """
    work = Path(work_dir)
    local_port = int(sipp.pop("local_port", None) or free_udp_port())  # type: ignore[call-overload]
    media_port = int(sipp.pop("media_port", None) or free_media_port())  # type: ignore[call-overload]
    prefix = str(sipp.get("name") or f"agent{user}-{local_port}")
    sipp.setdefault("name", prefix)
    variables: dict[str, ScalarValue] = {
        "reg_expires": reg_expires,
        "expected_calls": expected_calls,
        "wait_ms": wait_ms,
        "linger_ms": linger_ms,
    }
    keywords: dict[str, ScalarValue] = {}
    if answer:
        pcap = Path(greeting_pcap) if greeting_pcap is not None else silence_pcap(work / f"{prefix}.silence.pcap").path
        variables.update(
            ring_ms=ring_ms, greet_delay_ms=greet_delay_ms, talk_ms=talk_ms, agent_hangs_up=agent_hangs_up
        )
        keywords["agent_pcap"] = pcap
    return Sipp(
        scenario="agent_register",
        ooc_scenario="agent_answer" if answer else "agent_noanswer",
        work_dir=work,
        remote=remote,
        local_port=local_port,
        media_port=media_port,
        service=user,
        auth_user=user,
        auth_password=password,
        variables=variables,
        keywords=keywords,
        timeout_s=timeout_s if timeout_s is not None else (wait_ms + linger_ms) / 1000 + 30,
        **_sipp_kwargs(sipp),  # type: ignore[arg-type]
    )
