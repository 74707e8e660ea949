"""Reading a loopback capture: UDP datagrams, SIP messages, and answer → first prompt RTP per call."""
from __future__ import annotations

import struct

import pytest

from bench.capture import (
    Datagram,
    answer_to_audio,
    audible,
    read_udp,
    rtp_payload,
    sip_message,
)

CALLER_SIP, ASTERISK_SIP, CALLER_MEDIA = 47115, 5060, 40010
SILENT, LOUD = b"\xff" * 160, bytes([0x00, 0x80] * 80)  # µ-law: 0xFF is 0, 0x00/0x80 the loudest


def rtp(seq: int, payload: bytes, pt: int = 0) -> bytes:
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, 0x1234) + payload


def invite(call_id: str, number: str = "8000") -> bytes:
    return (f"INVITE sip:{number}@127.0.0.1:5060 SIP/2.0\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n").encode()


def ok(call_id: str, method: str = "INVITE", media_port: int | None = 24010) -> bytes:
    sdp = f"v=0\r\nm=audio {media_port} RTP/AVP 0 101\r\n" if media_port else ""
    return (f"SIP/2.0 200 OK\r\ni: {call_id}\r\nCSeq: 1 {method}\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}").encode()


def bye(call_id: str) -> bytes:
    return f"BYE sip:13800000001@127.0.0.1 SIP/2.0\r\nCall-ID: {call_id}\r\nCSeq: 2 BYE\r\n\r\n".encode()


def call(call_id: str, t0: float, media_port: int, first_rtp_after: float, silent_packets: int = 0,
         number: str = "8000") -> list[Datagram]:
    """One call as the capture sees it: INVITE, 200 OK (with SDP), RTP to the caller, BYE."""
    out = [Datagram(t0 - 0.01, CALLER_SIP, ASTERISK_SIP, invite(call_id, number)),
           Datagram(t0, ASTERISK_SIP, CALLER_SIP, ok(call_id, media_port=media_port))]
    t = t0 + first_rtp_after
    for i in range(silent_packets):
        out.append(Datagram(t + 0.02 * i, media_port, CALLER_MEDIA, rtp(i, SILENT)))
    out.append(Datagram(t + 0.02 * silent_packets, media_port, CALLER_MEDIA, rtp(silent_packets, LOUD)))
    out.append(Datagram(t0 + 1.0, CALLER_SIP, ASTERISK_SIP, bye(call_id)))
    return out


def test_first_rtp_and_first_sound_are_timed_from_the_200_ok():
    [timing] = answer_to_audio(call("a", 100.0, 24010, 0.004, silent_packets=3), CALLER_SIP, CALLER_MEDIA)
    assert timing.call_id == "a" and timing.number == "8000"
    assert timing.first_rtp_ms == pytest.approx(4.0)
    assert timing.first_audio_ms == pytest.approx(64.0)  # three 20 ms packets of silence first
    assert timing.invite_rtp_ms == pytest.approx(14.0)  # the INVITE came 10 ms before the 200 OK


def test_a_port_a_later_call_reuses_is_not_taken_for_an_earlier_call():
    first = call("a", 100.0, 24010, 0.5)[:2] + [Datagram(101.0, CALLER_SIP, ASTERISK_SIP, bye("a"))]
    second = call("b", 102.0, 24010, 0.003, number="8100")
    timings = answer_to_audio(first + second, CALLER_SIP, CALLER_MEDIA)
    assert [(t.call_id, t.number) for t in timings] == [("a", "8000"), ("b", "8100")]
    assert timings[0].first_rtp_ms is None  # its BYE came before any RTP from that port
    assert timings[1].first_rtp_ms == pytest.approx(3.0)


def test_retransmitted_200_ok_and_other_200s_do_not_move_the_answer():
    packets = call("a", 100.0, 24010, 0.010)
    packets += [Datagram(100.5, ASTERISK_SIP, CALLER_SIP, ok("a")),  # retransmission
                Datagram(101.01, ASTERISK_SIP, CALLER_SIP, ok("a", method="BYE", media_port=None))]
    [timing] = answer_to_audio(packets, CALLER_SIP, CALLER_MEDIA)
    assert timing.answered_at == 100.0 and timing.first_rtp_ms == pytest.approx(10.0)


def test_rtp_from_another_port_or_to_another_phone_is_ignored():
    packets = call("a", 100.0, 24010, 0.020)
    packets += [Datagram(100.001, 24012, CALLER_MEDIA, rtp(1, LOUD)),  # another call's stream
                Datagram(100.002, 24010, 40020, rtp(1, LOUD))]  # to another media port
    [timing] = answer_to_audio(packets, CALLER_SIP, CALLER_MEDIA)
    assert timing.first_rtp_ms == pytest.approx(20.0)


def test_sip_message_parses_requests_responses_and_compact_headers():
    req = sip_message(invite("x@h", "8200"))
    assert (req.method, req.status, req.call_id, req.cseq_method, req.media_port) == ("INVITE", None, "x@h", "INVITE", None)
    resp = sip_message(ok("y@h", media_port=24444))
    assert (resp.method, resp.status, resp.call_id, resp.media_port) == (None, 200, "y@h", 24444)
    assert sip_message(rtp(1, SILENT)) is None
    assert sip_message(b"\x00garbage") is None


def test_rtp_payload_and_silence():
    assert rtp_payload(rtp(7, SILENT)) == (0, SILENT)
    assert rtp_payload(b"\x00" * 20) is None  # not version 2
    assert not audible(0, SILENT)
    assert not audible(0, bytes([0xFE, 0x7E] * 80))  # ±8 of 32 124: line noise
    assert audible(0, LOUD)
    assert audible(101, b"\x01\x0a\x00\xa0")  # not PCMU: counted as sound


def _pcap(frames: list[tuple[float, bytes]], linktype: int = 1) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for t, frame in frames:
        sec, usec = int(t), round((t - int(t)) * 1e6)
        out += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
    return out


def _udp_frame(sport: int, dport: int, payload: bytes, ethernet: bool = True) -> bytes:
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, b"\x7f\0\0\1", b"\x7f\0\0\1")
    return (b"\0" * 12 + b"\x08\x00" if ethernet else b"\x02\0\0\0") + ip + udp


def test_read_udp_from_ethernet_and_bsd_loopback_captures(tmp_path):
    eth = tmp_path / "eth.pcap"
    eth.write_bytes(_pcap([(1.5, _udp_frame(1, 2, b"hello")), (2.25, _udp_frame(3, 4, b"rtp!"))]))
    assert read_udp(eth) == [Datagram(1.5, 1, 2, b"hello"), Datagram(2.25, 3, 4, b"rtp!")]
    null = tmp_path / "null.pcap"
    null.write_bytes(_pcap([(3.0, _udp_frame(5, 6, b"x", ethernet=False))], linktype=0))
    assert read_udp(null) == [Datagram(3.0, 5, 6, b"x")]


def test_read_udp_refuses_pcapng(tmp_path):
    ng = tmp_path / "x.pcapng"
    ng.write_bytes(b"\x0a\x0d\x0d\x0a" + b"\0" * 40)
    with pytest.raises(ValueError, match="classic pcap"):
        read_udp(ng)
