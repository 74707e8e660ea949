"""Packet capture on loopback, and what the latency bench reads from it.

`Capture` runs dumpcap (Wireshark's capture engine) with a BPF filter and
writes a classic pcap. The rest is pure: `read_udp` reads its UDP datagrams,
`sip_message` parses a SIP datagram, and `answer_to_audio` pairs every call's
200 OK (to the INVITE) with the first RTP packet Asterisk sends to that
call's media port afterwards, and with the first one that carries sound.

Which RTP comes first: Asterisk sends nothing after answering until something
plays (checked on Asterisk 22 with both the FastAGI and the bare dialplan),
so the first RTP packet is the prompt's first 20 ms. The first *audible*
packet depends on the prompt file's own leading silence, which is the same on
every path; both are reported.
"""
from __future__ import annotations

import re
import signal
import struct
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_PCAP_MAGIC_US = 0xA1B2C3D4
_PCAP_MAGIC_NS = 0xA1B23C4D
_LINK_HEADER = {1: (14, 12), 113: (16, 14)}  # link type: (header length, ethertype offset)
_LINKTYPE_NULL = 0  # BSD loopback: 4-byte address family
_IPV4 = 0x0800
_UDP = 17
PCMU = 0
# A µ-law packet whose loudest sample is under this (of 32 124) is silence.
SILENCE_PEAK = 200
CAPTURE_START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Datagram:
    time: float  # epoch seconds, from the capture
    src_port: int
    dst_port: int
    payload: bytes


def read_udp(path: Path | str) -> list[Datagram]:
    """The IPv4 UDP datagrams of a classic pcap (Ethernet, Linux cooked or BSD loopback)."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (_PCAP_MAGIC_US, _PCAP_MAGIC_NS):
            break
    else:
        raise ValueError(f"{path}: not a classic pcap (capture with dumpcap -P)")
    per_second = 1e9 if magic == _PCAP_MAGIC_NS else 1e6
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    out: list[Datagram] = []
    offset = 24
    while offset + 16 <= len(data):
        sec, sub, incl, _orig = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + incl]
        offset += 16 + incl
        ip = _ip_packet(frame, linktype)
        if ip is None or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != _UDP:
            continue
        udp = ip[(ip[0] & 0x0F) * 4:]
        if len(udp) < 8:
            continue
        sport, dport, length = struct.unpack("!HHH", udp[:6])
        out.append(Datagram(sec + sub / per_second, sport, dport, bytes(udp[8:length])))
    return out


def _ip_packet(frame: bytes, linktype: int) -> bytes | None:
    if linktype == _LINKTYPE_NULL:
        return frame[4:]
    if linktype not in _LINK_HEADER:
        raise ValueError(f"unsupported pcap link type {linktype}")
    header, ethertype_at = _LINK_HEADER[linktype]
    if len(frame) < header or struct.unpack("!H", frame[ethertype_at:ethertype_at + 2])[0] != _IPV4:
        return None
    return frame[header:]


# -- SIP ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SipMessage:
    first_line: str
    call_id: str
    cseq_method: str
    media_port: int | None  # m=audio port of its SDP, if any

    @property
    def status(self) -> int | None:
        if self.first_line.startswith("SIP/2.0 "):
            return int(self.first_line.split()[1])
        return None

    @property
    def method(self) -> str | None:
        return None if self.status is not None else self.first_line.split(" ", 1)[0]


_HEADER = re.compile(r"^(Call-ID|i|CSeq)\s*:\s*(.*?)\s*$", re.I | re.M)
_AUDIO = re.compile(r"^m=audio (\d+) ", re.M)


def sip_message(payload: bytes) -> SipMessage | None:
    """A SIP request or response, or None for anything else (RTP, garbage)."""
    text = payload.decode("utf-8", "replace")
    first, _, rest = text.partition("\r\n")
    if not (first.startswith("SIP/2.0 ") or first.endswith(" SIP/2.0")):
        return None
    headers = {}
    for name, value in _HEADER.findall(rest):
        headers[{"i": "call-id"}.get(name.lower(), name.lower())] = value
    media = _AUDIO.search(rest)
    cseq = headers.get("cseq", "").split()
    return SipMessage(first, headers.get("call-id", ""), cseq[-1] if cseq else "",
                      int(media.group(1)) if media else None)


# -- RTP ----------------------------------------------------------------------------------

def _ulaw_to_linear(byte: int) -> int:
    u = ~byte & 0xFF
    magnitude = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return (0x84 - magnitude) if u & 0x80 else (magnitude - 0x84)


ULAW_PEAK = [abs(_ulaw_to_linear(b)) for b in range(256)]


def rtp_payload(payload: bytes) -> tuple[int, bytes] | None:
    """(payload type, media bytes) of an RTP packet, or None."""
    if len(payload) < 12 or payload[0] >> 6 != 2:
        return None
    csrc = payload[0] & 0x0F
    return payload[1] & 0x7F, payload[12 + 4 * csrc:]


def audible(payload_type: int, media: bytes, peak: int = SILENCE_PEAK) -> bool:
    """Whether a PCMU packet carries sound (other codecs: assume it does)."""
    if payload_type != PCMU:
        return True
    return any(ULAW_PEAK[b] >= peak for b in media)


# -- latency per call -----------------------------------------------------------------------

@dataclass(frozen=True)
class CallTiming:
    call_id: str
    number: str  # the number dialled (the INVITE's Request-URI user)
    answered_at: float  # the 200 OK to the INVITE (first one, not its retransmissions)
    first_rtp_ms: float | None  # from the 200 OK to Asterisk's first RTP packet to the caller
    first_audio_ms: float | None  # ... to the first packet that carries sound
    # From the caller's INVITE to that first RTP packet: all the caller waits for, also what
    # comes before the answer (our IVR answers only once Python is ready to speak).
    invite_rtp_ms: float | None = None


def answer_to_audio(datagrams: Sequence[Datagram], caller_sip_port: int,
                    caller_media_port: int) -> list[CallTiming]:
    """Per call placed from caller_sip_port: 200 OK → first RTP (and first sound) to caller_media_port,
    and INVITE → that first RTP.

    A call's RTP is recognised by its source: the port of the 200 OK's SDP,
    taken between the 200 OK and the call's BYE (so a port that a later call
    reuses is not mistaken for this one's).
    """
    datagrams = sorted(datagrams, key=lambda d: d.time)
    answers: dict[str, tuple[float, int | None]] = {}
    numbers: dict[str, str] = {}
    invites: dict[str, float] = {}
    ends: dict[str, float] = {}
    for d in datagrams:
        if caller_sip_port not in (d.src_port, d.dst_port):
            continue
        msg = sip_message(d.payload)
        if msg is None:
            continue
        if d.dst_port == caller_sip_port and msg.status == 200 and msg.cseq_method == "INVITE":
            answers.setdefault(msg.call_id, (d.time, msg.media_port))
        elif msg.method == "INVITE":
            numbers.setdefault(msg.call_id, _request_user(msg.first_line))
            invites.setdefault(msg.call_id, d.time)
        elif msg.method == "BYE":
            ends.setdefault(msg.call_id, d.time)
    rtp = [d for d in datagrams if d.dst_port == caller_media_port]
    out = []
    for call_id, (t0, port) in answers.items():
        end = ends.get(call_id, float("inf"))
        first_rtp = first_audio = None
        for d in _between(rtp, t0, end):
            if d.src_port != port:
                continue
            parsed = rtp_payload(d.payload)
            if parsed is None:
                continue
            if first_rtp is None:
                first_rtp = d.time
            if audible(*parsed):
                first_audio = d.time
                break
        out.append(CallTiming(call_id, numbers.get(call_id, ""), t0, _ms(t0, first_rtp), _ms(t0, first_audio),
                              _ms(invites[call_id], first_rtp) if call_id in invites else None))
    return sorted(out, key=lambda c: c.answered_at)


def _request_user(request_line: str) -> str:
    """'INVITE sip:8000@127.0.0.1:5060 SIP/2.0' -> '8000'."""
    uri = request_line.split(" ")[1] if " " in request_line else ""
    return uri.split(":", 1)[-1].split("@", 1)[0]


def _between(rows: Sequence[Datagram], start: float, end: float) -> Iterable[Datagram]:
    # rows are sorted by time: bisect to the start, stop at the end
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        if rows[mid].time < start:
            lo = mid + 1
        else:
            hi = mid
    for d in rows[lo:]:
        if d.time > end:
            return
        yield d


def _ms(start: float, end: float | None) -> float | None:
    return None if end is None else (end - start) * 1000


# -- the capture process --------------------------------------------------------------------

class Capture:
    """dumpcap on loopback into a classic pcap, for the duration of a `with` block."""

    def __init__(self, path: Path, bpf: str, interface: str = "lo"):
        self.path, self.bpf, self.interface = path, bpf, interface
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Capture":
        self.path.unlink(missing_ok=True)
        self.log = self.path.with_suffix(".dumpcap.log")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(["dumpcap", "-q", "-i", self.interface, "-P", "-w", str(self.path),
                                          "-f", self.bpf], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + CAPTURE_START_TIMEOUT_S
        # dumpcap writes the file header once it is capturing
        while not (self.path.exists() and self.path.stat().st_size >= 24):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dumpcap did not start: {self.log.read_text(errors='replace')}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # flushes the file
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def datagrams(self) -> list[Datagram]:
        return read_udp(self.path)

    def dropped(self) -> int | None:
        """Packets the kernel dropped, as dumpcap reports them on exit."""
        m = re.search(r"received/dropped on interface .*?: (\d+)/(\d+)", self.log.read_text(errors="replace"))
        return int(m.group(2)) if m else None
