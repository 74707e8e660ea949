"""The generated caller pcaps: one SSRC, continuous seq, clock-true timestamps,
distinct RFC 2833 events even for repeated keys. (That SIPp loads and plays
them is checked against a real SIPp in test_scenarios.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from sipp_support import DTMF_PCAPS, SPEECH_PCAPS

from telephony.sipp import Digits, Silence, Speech, build_media_pcap, dtmf_plan_steps, read_rtp_pcap, silence_pcap
from telephony.sipp.media import PCMU_SILENCE, RtpFrame, dtmf_pcap, write_rtp_pcap

EVENTS = "0123456789*#"


def events(frames: list[RtpFrame]) -> list[tuple[str, int]]:
    """(key, timestamp) per distinct event, as a de-duplicating receiver sees it."""
    seen: dict[int, str] = {}
    for f in frames:
        if f.payload_type == 101:
            seen.setdefault(f.timestamp, EVENTS[f.payload[0]])
    return [(k, ts) for ts, k in seen.items()]


def test_pcap_roundtrip(tmp_path: Path) -> None:
    frames = [RtpFrame(i * 0.02, 0, i == 0, 100 + i, 160 * i, 0xABCDEF01, bytes([i]) * 160) for i in range(5)]
    back = read_rtp_pcap(write_rtp_pcap(tmp_path / "x.pcap", frames))
    assert back == frames


def test_stock_pcaps_repeat_the_same_event_which_is_why_we_restamp() -> None:
    one = read_rtp_pcap(dtmf_pcap("1"))
    again = read_rtp_pcap(dtmf_pcap("1"))
    assert {f.timestamp for f in one} == {f.timestamp for f in again}  # "11" would be one event


def test_repeated_digits_become_distinct_events(tmp_path: Path) -> None:
    tl = build_media_pcap([Silence(100), Digits("11#", gap_ms=300)], tmp_path / "c.pcap", ssrc=0x1234)
    frames = read_rtp_pcap(tl.path)
    got = events(frames)
    assert [k for k, _ in got] == ["1", "1", "#"]
    assert len({ts for _, ts in got}) == 3
    assert {f.ssrc for f in frames} == {0x1234}
    # the end packet of each event is sent three times with the E bit
    assert sum(1 for f in frames if f.payload_type == 101 and f.payload[1] & 0x80) == 9
    # marker on the first packet of each event and on the first audio packet after it
    assert [f.marker for f in frames if f.payload_type == 101].count(True) == 3
    assert tl.digit_times_ms() == [(100, "1"), (100 + 160 + 300, "1"), (100 + 2 * (160 + 300), "#")]


def test_seq_and_timestamps_follow_the_clock(tmp_path: Path) -> None:
    tl = build_media_pcap([Silence(200), Digits("5"), Silence(100)], tmp_path / "c.pcap")
    frames = read_rtp_pcap(tl.path)
    seqs = [f.seq for f in frames]
    # strictly increasing except the repeated end packets (same seq, RFC 2833 style)
    assert all(b - a in (0, 1) for a, b in zip(seqs, seqs[1:], strict=False))
    assert len(set(seqs)) == len(seqs) - 2
    for f in frames:
        if f.payload_type == 0:
            assert f.timestamp == round(f.time_s * 8000)
            assert f.payload == PCMU_SILENCE
        else:
            assert f.timestamp == 200 * 8  # event timestamp = its start
    assert tl.duration_ms == 200 + 160 + 400 + 100  # Digits' default gap is 400 ms
    assert frames[-1].time_s == pytest.approx((tl.duration_ms - 20) / 1000)


def test_speech_payload_is_copied(tmp_path: Path) -> None:
    speech = SPEECH_PCAPS / "req_repair_01.pcap"
    source = [f.payload for f in read_rtp_pcap(speech) if f.payload_type == 0]
    tl = build_media_pcap([Digits("1", gap_ms=0), Speech(speech)], tmp_path / "c.pcap")
    audio = [f.payload for f in read_rtp_pcap(tl.path) if f.payload_type == 0]
    assert audio == source
    assert tl.marks[1] == (160, "speech req_repair_01.pcap")
    assert tl.duration_ms == 160 + 20 * len(source)


def test_dtmf_plan_steps() -> None:
    assert dtmf_plan_steps([(1000, "1"), (0, "2"), (300, "#")]) == [
        Silence(1000), Digits("1", gap_ms=0), Digits("2", gap_ms=0), Silence(300), Digits("#", gap_ms=0)
    ]


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'A'"):
        build_media_pcap([Digits("1A")], tmp_path / "c.pcap", dtmf_dir=DTMF_PCAPS)


def test_missing_dtmf_dir_is_explained(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="HOTLINE_SIPP_DTMF_DIR"):
        build_media_pcap([Digits("1")], tmp_path / "c.pcap", dtmf_dir=tmp_path)


def test_silence_pcap(tmp_path: Path) -> None:
    tl = silence_pcap(tmp_path / "s.pcap", ms=1000)
    frames = read_rtp_pcap(tl.path)
    assert len(frames) == 50 and tl.duration_ms == 1000
    assert all(f.payload == PCMU_SILENCE for f in frames)
