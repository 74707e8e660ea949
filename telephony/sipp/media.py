"""RTP media for SIPp's ``play_pcap_audio``: read pcaps, write one per call.

Why one generated pcap per call instead of playing the stock
``dtmf_2833_<d>.pcap`` files one by one: every stock file has its own fixed
SSRC, sequence numbers and RTP timestamp (``1`` is always seq 7984..7991,
ts 13280). Played as they are, a digit pressed twice ("11#") is the very same
event twice, and a receiver that drops duplicate RFC 4733 events (Asterisk
does, by timestamp/seq) hears one "1". SIPp sends pcap payloads unchanged, so
the fix has to be in the pcap: :func:`build_media_pcap` lays the whole caller
side of a call on one timeline, with one SSRC, continuous sequence numbers and
timestamps that follow the clock:

* :class:`Silence` - PCMU silence (0xFF) packets every 20 ms, like a phone
  that keeps sending while the caller listens;
* :class:`Digits` - RFC 2833/4733 events (PT 101) taken from the stock pcaps
  (event code, volume, duration, the three end packets), re-stamped;
* :class:`Speech` - the PCMU payloads of a speech pcap, re-stamped.

Packets are written as Ethernet/IPv4/UDP frames (the only link types SIPp's
pcap loader takes are Ethernet and Linux cooked); SIPp rewrites addresses,
ports and the UDP checksum when it sends them.
"""

from __future__ import annotations

import os
import secrets
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DTMF_PCAP_DIR",
    "Digits",
    "MediaTimeline",
    "RtpFrame",
    "Silence",
    "Speech",
    "Step",
    "build_media_pcap",
    "dtmf_pcap",
    "dtmf_plan_steps",
    "read_rtp_pcap",
    "silence_pcap",
    "write_rtp_pcap",
]

DTMF_PCAP_DIR = Path(os.environ.get("HOTLINE_SIPP_DTMF_DIR", "/usr/share/sip-tester"))
PTIME_MS = 20
SAMPLES_PER_MS = 8  # 8 kHz
PCMU_PT = 0
PCMU_SILENCE = b"\xff" * (PTIME_MS * SAMPLES_PER_MS)
DTMF_PT = 101

_DTMF_FILE_NAMES = {**{d: d for d in "0123456789"}, "*": "star", "#": "pound"}

_PCAP_MAGIC_US = 0xA1B2C3D4
_PCAP_MAGIC_NS = 0xA1B23C4D
_LINKTYPE_ETHERNET = 1
_LINKTYPE_LINUX_SLL = 113
_BASE_EPOCH = 1_700_000_000


@dataclass(frozen=True)
class RtpFrame:
    """One RTP packet of a pcap: send time (s, from the first packet) and fields."""

    time_s: float
    payload_type: int
    marker: bool
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes
    udp_src_port: int = 6000
    udp_dst_port: int = 6000

    def rtp_bytes(self) -> bytes:
        b1 = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        return struct.pack("!BBHII", 0x80, b1, self.seq & 0xFFFF, self.timestamp & 0xFFFFFFFF, self.ssrc) + self.payload


# ----------------------------------------------------------------- pcap io


def read_rtp_pcap(path: os.PathLike[str] | str) -> list[RtpFrame]:
    """RTP packets of a classic (libpcap) capture, Ethernet or Linux cooked, IPv4/UDP."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        raise ValueError(f"{path}: not a pcap file")
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le in (_PCAP_MAGIC_US, _PCAP_MAGIC_NS):
        endian = "<"
    elif struct.unpack(">I", data[:4])[0] in (_PCAP_MAGIC_US, _PCAP_MAGIC_NS):
        endian = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file (pcapng is not supported)")
    magic = struct.unpack(endian + "I", data[:4])[0]
    per_second = 1_000_000_000 if magic == _PCAP_MAGIC_NS else 1_000_000
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype == _LINKTYPE_ETHERNET:
        l2, ethertype_at = 14, 12
    elif linktype == _LINKTYPE_LINUX_SLL:
        l2, ethertype_at = 16, 14
    else:
        raise ValueError(f"{path}: unsupported link type {linktype}")
    frames: list[RtpFrame] = []
    offset, t0 = 24, None  # times in sub-second units, as integers (no float drift)
    while offset + 16 <= len(data):
        sec, sub, incl, _orig = struct.unpack(endian + "IIII", data[offset : offset + 16])
        pkt = data[offset + 16 : offset + 16 + incl]
        offset += 16 + incl
        if len(pkt) < l2 + 20 or struct.unpack("!H", pkt[ethertype_at : ethertype_at + 2])[0] != 0x0800:
            continue
        ip = pkt[l2:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:  # UDP
            continue
        udp = ip[ihl:]
        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
        rtp = udp[8:ulen]
        if len(rtp) < 12 or rtp[0] >> 6 != 2:
            continue
        cc = rtp[0] & 0x0F
        _, b1, seq, ts, ssrc = struct.unpack("!BBHII", rtp[:12])
        t = sec * per_second + sub
        t0 = t if t0 is None else t0
        frames.append(
            RtpFrame(
                (t - t0) / per_second, b1 & 0x7F, bool(b1 & 0x80), seq, ts, ssrc, bytes(rtp[12 + 4 * cc :]),
                sport, dport,
            )
        )
    if not frames:
        raise ValueError(f"{path}: no RTP packets")
    return frames


def _ip_checksum(header: bytes) -> int:
    total: int = sum(struct.unpack("!10H", header))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def write_rtp_pcap(path: os.PathLike[str] | str, frames: Iterable[RtpFrame]) -> Path:
    """Write RTP frames as Ethernet/IPv4/UDP 127.0.0.1 -> 127.0.0.1 packets."""
    out = bytearray(struct.pack("<IHHiIII", _PCAP_MAGIC_US, 2, 4, 0, 0, 65535, _LINKTYPE_ETHERNET))
    addr = bytes([127, 0, 0, 1])
    for ident, frame in enumerate(frames):
        rtp = frame.rtp_bytes()
        udp = struct.pack("!HHHH", frame.udp_src_port, frame.udp_dst_port, 8 + len(rtp), 0) + rtp
        ip_wo_sum = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident & 0xFFFF, 0, 64, 17, 0, addr, addr)
        ip = ip_wo_sum[:10] + struct.pack("!H", _ip_checksum(ip_wo_sum)) + ip_wo_sum[12:]
        eth = b"\x00" * 12 + b"\x08\x00"
        pkt = eth + ip + udp
        usec_total = round(frame.time_s * 1_000_000)
        out += struct.pack("<IIII", _BASE_EPOCH + usec_total // 1_000_000, usec_total % 1_000_000, len(pkt), len(pkt))
        out += pkt
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(out))
    return target


# ----------------------------------------------------------------- timeline


@dataclass(frozen=True)
class Silence:
    """``ms`` of PCMU silence (rounded up to whole 20 ms packets)."""

    ms: int


@dataclass(frozen=True)
class Digits:
    """Key presses: one RFC 2833 event per character of ``digits`` (0-9 * #),
    each followed by ``gap_ms`` of silence."""

    digits: str
    gap_ms: int = 400


@dataclass(frozen=True)
class Speech:
    """The PCMU packets of a speech pcap (e.g. ``req_repair_01.pcap``)."""

    pcap: os.PathLike[str] | str


Step = Silence | Digits | Speech


@dataclass(frozen=True)
class MediaTimeline:
    """A generated pcap and what is in it, times in ms from its first packet."""

    path: Path
    duration_ms: int
    marks: list[tuple[int, str]] = field(default_factory=list)  # (start_ms, "digit 1" / "speech x.pcap")
    packets: int = 0

    def digit_times_ms(self) -> list[tuple[int, str]]:
        return [(t, m.split(" ", 1)[1]) for t, m in self.marks if m.startswith("digit ")]


def dtmf_pcap(digit: str, directory: os.PathLike[str] | str | None = None) -> Path:
    """The stock SIPp pcap for one key (``/usr/share/sip-tester/dtmf_2833_<key>.pcap``)."""
    if digit not in _DTMF_FILE_NAMES:
        raise ValueError(f"no RFC 2833 pcap for key {digit!r} (have 0-9, * and #)")
    path = Path(directory or DTMF_PCAP_DIR) / f"dtmf_2833_{_DTMF_FILE_NAMES[digit]}.pcap"
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing (Debian package sip-tester, or set HOTLINE_SIPP_DTMF_DIR)")
    return path


def dtmf_plan_steps(plan: Iterable[tuple[int, str]], gap_ms: int = 0) -> list[Step]:
    """``[(delay_ms, digit), ...]`` (delay before each key, from the end of the
    previous one) as timeline steps."""
    steps: list[Step] = []
    for delay_ms, digits in plan:
        if delay_ms:
            steps.append(Silence(delay_ms))
        steps.append(Digits(digits, gap_ms=gap_ms))
    return steps


class _Timeline:
    def __init__(self, ssrc: int, first_seq: int, dtmf_dir: os.PathLike[str] | str | None) -> None:
        self.frames: list[RtpFrame] = []
        self.ssrc = ssrc
        self.seq = first_seq
        self.t_ms = 0  # time of the next 20 ms slot
        self.dtmf_dir = dtmf_dir
        self.marks: list[tuple[int, str]] = []
        self.talkspurt = True  # marker bit on the first audio packet

    def audio(self, payload: bytes) -> None:
        self.frames.append(
            RtpFrame(self.t_ms / 1000, PCMU_PT, self.talkspurt, self.seq, self.t_ms * SAMPLES_PER_MS, self.ssrc,
                     payload)
        )
        self.talkspurt = False
        self.seq += 1
        self.t_ms += PTIME_MS

    def silence(self, ms: int) -> None:
        for _ in range(-(-ms // PTIME_MS)):
            self.audio(PCMU_SILENCE)

    def speech(self, pcap: os.PathLike[str] | str) -> None:
        frames = [f for f in read_rtp_pcap(pcap) if f.payload_type == PCMU_PT]
        if not frames:
            raise ValueError(f"{pcap}: no PCMU (PT 0) packets")
        self.marks.append((self.t_ms, f"speech {Path(pcap).name}"))
        for f in frames:
            if len(f.payload) != len(PCMU_SILENCE):
                raise ValueError(f"{pcap}: expected {PTIME_MS} ms PCMU packets, got {len(f.payload)} bytes")
            self.audio(f.payload)

    def digit(self, key: str) -> None:
        stock = [f for f in read_rtp_pcap(dtmf_pcap(key, self.dtmf_dir)) if f.payload_type == DTMF_PT]
        start_ms = self.t_ms
        event_ts = start_ms * SAMPLES_PER_MS
        self.marks.append((start_ms, f"digit {key}"))
        last_seq_in, last_time = None, 0.0
        for i, f in enumerate(stock):
            # the stock end packets repeat one seq; keep that, renumber the rest
            if last_seq_in is not None and f.seq != last_seq_in:
                self.seq += 1
            last_seq_in = f.seq
            last_time = f.time_s
            self.frames.append(
                RtpFrame(start_ms / 1000 + f.time_s, DTMF_PT, i == 0, self.seq, event_ts, self.ssrc, f.payload)
            )
        self.seq += 1
        # audio resumes on the next 20 ms slot after the last event packet
        self.t_ms = start_ms + (round(last_time * 1000) // PTIME_MS + 1) * PTIME_MS
        self.talkspurt = True


def build_media_pcap(
    steps: Sequence[Step],
    out: os.PathLike[str] | str,
    *,
    dtmf_dir: os.PathLike[str] | str | None = None,
    ssrc: int | None = None,
) -> MediaTimeline:
    """Write the caller side of a call as one pcap; see the module docstring.

    Example: greeting plays while the caller presses 1, then keys unit
    12-3-0402, then asks for a repair::

        build_media_pcap([Silence(1500), Digits("1"), Silence(5000),
                          Digits("12#3#0402#"), Speech(".../req_repair_01.pcap")], work / "caller.pcap")
    """
    tl = _Timeline(ssrc if ssrc is not None else secrets.randbits(32), secrets.randbelow(20000) + 1000, dtmf_dir)
    for step in steps:
        if isinstance(step, Silence):
            tl.silence(step.ms)
        elif isinstance(step, Digits):
            for key in step.digits:
                tl.digit(key)
                if step.gap_ms:
                    tl.silence(step.gap_ms)
        elif isinstance(step, Speech):
            tl.speech(step.pcap)
        else:  # pragma: no cover - typing guards this
            raise TypeError(f"unknown media step {step!r}")
    if not tl.frames:
        tl.silence(PTIME_MS)
    path = write_rtp_pcap(out, tl.frames)
    return MediaTimeline(path, tl.t_ms, tl.marks, len(tl.frames))


def silence_pcap(out: os.PathLike[str] | str, ms: int = 1000) -> MediaTimeline:
    """A pcap of ``ms`` PCMU silence (for a phone that should say nothing)."""
    return build_media_pcap([Silence(ms)], out)
