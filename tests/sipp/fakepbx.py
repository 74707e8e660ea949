"""A tiny SIP/RTP peer on 127.0.0.1 standing in for Asterisk in the SIPp tests.

It is just enough SIP (UDP, no retransmissions, no forking) to check what
the SIPp scenarios really put on the wire:

* registrar with MD5 digest auth (401 challenge, checks the response),
  remembering the Contact of each registered user;
* answering server for resident calls: ``hotline_numbers`` get 100 + 200 OK
  with SDP pointing at an RTP sink, other numbers get ``reject_code``;
* caller towards a registered agent: INVITE (new Call-ID, like Asterisk's
  queue), ACK, BYE / CANCEL, or waiting for the agent's BYE;
* RTP sink per dialog that records every packet and decodes RFC 4733 events.

Test-only code: it never binds anything but 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import queue
import re
import secrets
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"

_COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
}

RFC4733_EVENTS = "0123456789*#ABCD"


@dataclass
class SipMessage:
    start_line: str
    headers: list[tuple[str, str]]
    body: str = ""
    source: tuple[str, int] | None = None

    @property
    def is_request(self) -> bool:
        return not self.start_line.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        if self.is_request:
            return self.start_line.split(" ", 1)[0]
        return self.cseq_method

    @property
    def status(self) -> int:
        return int(self.start_line.split(" ")[1]) if not self.is_request else 0

    @property
    def request_uri(self) -> str:
        return self.start_line.split(" ")[1]

    def header(self, name: str, default: str = "") -> str:
        values = self.header_all(name)
        return values[0] if values else default

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if _COMPACT.get(k.lower(), k.lower()) == name]

    @property
    def call_id(self) -> str:
        return self.header("call-id")

    @property
    def cseq_number(self) -> int:
        return int(self.header("cseq").split()[0])

    @property
    def cseq_method(self) -> str:
        return self.header("cseq").split()[1]

    @property
    def branch(self) -> str:
        m = re.search(r";branch=([^;,\s]+)", self.header("via"))
        return m.group(1) if m else ""

    @staticmethod
    def parse(data: bytes, source: tuple[str, int] | None = None) -> SipMessage:
        text = data.decode("utf-8", "replace")
        head, _, body = text.partition("\r\n\r\n")
        if not _:
            head, _, body = text.partition("\n\n")
        lines = [line.rstrip("\r") for line in head.split("\n")]
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            if line[0] in " \t" and headers:  # folded header
                k, v = headers[-1]
                headers[-1] = (k, v + " " + line.strip())
                continue
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        return SipMessage(lines[0].strip(), headers, body, source)

    def render(self) -> bytes:
        body = self.body.encode()
        hdrs = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        hdrs.append(("Content-Length", str(len(body))))
        out = self.start_line + "\r\n"
        out += "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n"
        return out.encode() + body


def _tag(header_value: str) -> str:
    m = re.search(r";tag=([^;>\s]+)", header_value)
    return m.group(1) if m else ""


def _uri_host_port(uri: str) -> tuple[str, int]:
    m = re.search(r"sip:(?:[^@;>]*@)?([^:;>]+)(?::(\d+))?", uri)
    if not m:
        raise ValueError(f"no host in {uri!r}")
    return m.group(1), int(m.group(2) or 5060)


def _uri_user(uri: str) -> str:
    m = re.search(r"sip:([^@;>]+)@", uri)
    return m.group(1) if m else ""


def _contact_uri(value: str) -> str:
    m = re.search(r"<([^>]+)>", value)
    return m.group(1) if m else value.split(";")[0].strip()


def sdp_media(body: str) -> tuple[str, int, list[int]]:
    """(connection ip, audio port, payload types) of an SDP body."""
    ip = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    media = re.search(r"^m=audio (\d+) RTP/AVP ([\d ]+)", body, re.M)
    if not ip or not media:
        raise ValueError(f"no audio in SDP: {body!r}")
    return ip.group(1), int(media.group(1)), [int(p) for p in media.group(2).split()]


# --------------------------------------------------------------------- RTP


@dataclass
class RtpPacket:
    arrival: float
    source: tuple[str, int]
    payload_type: int
    marker: bool
    seq: int
    timestamp: int
    ssrc: int
    payload: bytes


class RtpSink:
    """Records RTP sent to it (one UDP port on 127.0.0.1)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.packets: list[RtpPacket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, src = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            if len(data) < 12 or data[0] >> 6 != 2:
                continue
            b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", data[:12])
            header_len = 12 + 4 * (b0 & 0x0F)
            self.packets.append(
                RtpPacket(time.monotonic(), src, b1 & 0x7F, bool(b1 & 0x80), seq, ts, ssrc, data[header_len:])
            )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()

    def audio_packets(self, payload_type: int = 0) -> list[RtpPacket]:
        return [p for p in self.packets if p.payload_type == payload_type]

    def dtmf_events(self, payload_type: int = 101) -> list[tuple[str, int, float]]:
        """RFC 4733 events as (digit, rtp timestamp, arrival of first packet),
        one per distinct (ssrc, timestamp) that got an end packet; the way a
        receiver that drops retransmitted/duplicated events sees them."""
        seen: dict[tuple[int, int], tuple[str, float, bool]] = {}
        for p in self.packets:
            if p.payload_type != payload_type or len(p.payload) < 4:
                continue
            event, flags = p.payload[0], p.payload[1]
            key = (p.ssrc, p.timestamp)
            digit = RFC4733_EVENTS[event] if event < len(RFC4733_EVENTS) else "?"
            first = seen.get(key, (digit, p.arrival, False))
            seen[key] = (digit, first[1], first[2] or bool(flags & 0x80))
        return [(d, ts, t) for (_, ts), (d, t, ended) in seen.items() if ended]

    def dtmf_digits(self, payload_type: int = 101) -> str:
        return "".join(d for d, _, _ in self.dtmf_events(payload_type))


# --------------------------------------------------------------------- SIP


@dataclass
class Registration:
    user: str
    contact: str
    expires: int
    source: tuple[str, int]


@dataclass
class Dialog:
    """One INVITE dialog seen or made by the fake PBX."""

    pbx: FakePbx
    call_id: str
    incoming: bool
    invite: SipMessage | None = None
    local_tag: str = ""
    remote_tag: str = ""
    remote_target: tuple[str, int] = (HOST, 0)
    remote_uri: str = ""
    local_uri: str = ""
    rtp: RtpSink = field(default_factory=RtpSink)
    messages: queue.Queue[SipMessage] = field(default_factory=queue.Queue)
    log: list[SipMessage] = field(default_factory=list)
    state: str = "new"
    final_status: int = 0
    ended_by: str = ""  # "local" | "remote"
    ended: threading.Event = field(default_factory=threading.Event)
    acked: threading.Event = field(default_factory=threading.Event)
    cseq: int = 1

    @property
    def caller(self) -> str:
        assert self.invite is not None
        return self.invite.header("from")

    def remote_media(self, msg: SipMessage) -> tuple[str, int, list[int]]:
        return sdp_media(msg.body)

    # -- waiting helpers (messages queue gets responses + in-dialog requests)
    def wait_for(self, predicate, timeout: float) -> SipMessage:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"dialog {self.call_id}: nothing matching within {timeout}s; log={self.summary()}")
            try:
                msg = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(msg):
                return msg

    def summary(self) -> list[str]:
        return [m.start_line for m in self.log]

    # -- outgoing dialog operations (PBX -> agent)
    def wait_final(self, timeout: float = 10.0) -> SipMessage:
        msg = self.wait_for(lambda m: not m.is_request and m.cseq_method == "INVITE" and m.status >= 200, timeout)
        self.final_status = msg.status
        if msg.status < 300:
            self.remote_tag = _tag(msg.header("to"))
            contact = msg.header("contact")
            if contact:
                self.remote_uri = _contact_uri(contact)
                self.remote_target = _uri_host_port(self.remote_uri)
            self._send_ack(msg)
            self.state = "confirmed"
        return msg

    def wait_status(self, status: int, timeout: float = 10.0) -> SipMessage:
        return self.wait_for(lambda m: not m.is_request and m.cseq_method == "INVITE" and m.status == status, timeout)

    def _send_ack(self, response: SipMessage) -> None:
        assert self.invite is not None
        ack = SipMessage(
            f"ACK {self.remote_uri} SIP/2.0",
            [
                ("Via", f"SIP/2.0/UDP {HOST}:{self.pbx.port};branch=z9hG4bK{secrets.token_hex(8)}"),
                ("From", self.invite.header("from")),
                ("To", response.header("to")),
                ("Call-ID", self.call_id),
                ("CSeq", f"{self.invite.cseq_number} ACK"),
                ("Max-Forwards", "70"),
            ],
        )
        self.pbx.send(ack, self.remote_target)

    def _in_dialog(self, method: str, body: str = "") -> SipMessage:
        assert self.invite is not None
        self.cseq += 1
        if self.incoming:
            from_h = f"{self.invite.header('to')};tag={self.local_tag}"
            to_h = self.invite.header("from")
        else:
            from_h = self.invite.header("from")
            to_h = f"{self.invite.header('to')};tag={self.remote_tag}"
        headers = [
            ("Via", f"SIP/2.0/UDP {HOST}:{self.pbx.port};branch=z9hG4bK{secrets.token_hex(8)}"),
            ("From", from_h),
            ("To", to_h),
            ("Call-ID", self.call_id),
            ("CSeq", f"{self.cseq + 1000} {method}"),
            ("Contact", f"<sip:pbx@{HOST}:{self.pbx.port}>"),
            ("Max-Forwards", "70"),
        ]
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return SipMessage(f"{method} {self.remote_uri} SIP/2.0", headers, body)

    def bye(self, timeout: float = 5.0) -> SipMessage:
        bye = self._in_dialog("BYE")
        self.ended_by = "local"
        self.pbx.send(bye, self.remote_target)
        resp = self.wait_for(lambda m: not m.is_request and m.cseq_method == "BYE", timeout)
        self.ended.set()
        return resp

    def reinvite(self, timeout: float = 5.0) -> SipMessage:
        """In-dialog INVITE (as Asterisk sends to move media or refresh a
        session timer); ACKs the 200 and returns it."""
        inv = self._in_dialog("INVITE", self.pbx._sdp(self.rtp.port))
        self.pbx.send(inv, self.remote_target)
        resp = self.wait_for(
            lambda m: not m.is_request and m.cseq_method == "INVITE" and m.cseq_number == inv.cseq_number
            and m.status >= 200, timeout)
        ack = SipMessage(
            f"ACK {self.remote_uri} SIP/2.0",
            [("Via", f"SIP/2.0/UDP {HOST}:{self.pbx.port};branch=z9hG4bK{secrets.token_hex(8)}"),
             ("From", inv.header("from")), ("To", inv.header("to")), ("Call-ID", self.call_id),
             ("CSeq", f"{inv.cseq_number} ACK"), ("Max-Forwards", "70")],
        )
        self.pbx.send(ack, self.remote_target)
        return resp

    def cancel(self, timeout: float = 5.0) -> tuple[SipMessage, SipMessage]:
        """CANCEL a ringing outgoing INVITE: returns (200 to CANCEL, final to INVITE)."""
        assert self.invite is not None and not self.incoming
        cancel = SipMessage(
            f"CANCEL {self.invite.request_uri} SIP/2.0",
            [
                ("Via", self.invite.header("via")),
                ("From", self.invite.header("from")),
                ("To", self.invite.header("to")),
                ("Call-ID", self.call_id),
                ("CSeq", f"{self.invite.cseq_number} CANCEL"),
                ("Max-Forwards", "70"),
            ],
        )
        self.pbx.send(cancel, self.remote_target)
        ok = self.wait_for(lambda m: not m.is_request and m.cseq_method == "CANCEL", timeout)
        final = self.wait_for(lambda m: not m.is_request and m.cseq_method == "INVITE" and m.status >= 300, timeout)
        self.final_status = final.status
        # ACK to a non-2xx final: same branch as the INVITE, To with the tag.
        ack = SipMessage(
            f"ACK {self.invite.request_uri} SIP/2.0",
            [
                ("Via", self.invite.header("via")),
                ("From", self.invite.header("from")),
                ("To", final.header("to")),
                ("Call-ID", self.call_id),
                ("CSeq", f"{self.invite.cseq_number} ACK"),
                ("Max-Forwards", "70"),
            ],
        )
        self.pbx.send(ack, self.remote_target)
        self.ended_by = "local"
        self.ended.set()
        return ok, final

    def wait_ended(self, timeout: float) -> None:
        if not self.ended.wait(timeout):
            raise TimeoutError(f"dialog {self.call_id} not ended within {timeout}s; log={self.summary()}")

    def close(self) -> None:
        self.rtp.close()


class FakePbx:
    """See module docstring. Use as a context manager."""

    def __init__(
        self,
        users: dict[str, str] | None = None,
        realm: str = "hotline",
        hotline_numbers: tuple[str, ...] = ("8000",),
        reject_code: int = 404,
        answer_delay_s: float = 0.0,
    ) -> None:
        self.users = dict(users or {})
        self.realm = realm
        self.hotline_numbers = set(hotline_numbers)
        self.reject_code = reject_code
        self.answer_delay_s = answer_delay_s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.registrations: dict[str, Registration] = {}
        self.register_log: list[tuple[str, int, int]] = []  # (user, expires, status)
        self.dialogs: dict[str, Dialog] = {}
        self.incoming_dialogs: queue.Queue[Dialog] = queue.Queue()
        self.options_answered = 0
        self.log: list[tuple[str, SipMessage]] = []  # ("in"/"out", msg)
        self.errors: list[str] = []
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self._reg_changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    def __enter__(self) -> FakePbx:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
        for d in self.dialogs.values():
            d.close()

    # ------------------------------------------------------------ transport
    def send(self, msg: SipMessage, dest: tuple[str, int]) -> None:
        self.log.append(("out", msg))
        self.sock.sendto(msg.render(), dest)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, src = self.sock.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            if not data.strip():
                continue  # keep-alive
            try:
                msg = SipMessage.parse(data, src)
                self.log.append(("in", msg))
                self._dispatch(msg, src)
            except Exception as exc:  # keep serving; the test reads .errors
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _respond(self, req: SipMessage, status: int, reason: str, *, to_tag: str = "",
                 extra: list[tuple[str, str]] | None = None, body: str = "") -> SipMessage:
        to_h = req.header("to")
        if to_tag and not _tag(to_h):
            to_h = f"{to_h};tag={to_tag}"
        headers = [("Via", v) for v in req.header_all("via")]
        headers += [("From", req.header("from")), ("To", to_h), ("Call-ID", req.call_id),
                    ("CSeq", req.header("cseq"))]
        headers += extra or []
        if body:
            headers.append(("Content-Type", "application/sdp"))
        resp = SipMessage(f"SIP/2.0 {status} {reason}", headers, body)
        assert req.source is not None
        self.send(resp, req.source)
        return resp

    def _dispatch(self, msg: SipMessage, src: tuple[str, int]) -> None:
        dialog = self.dialogs.get(msg.call_id)
        if not msg.is_request:
            if dialog is not None:
                dialog.log.append(msg)
                dialog.messages.put(msg)
            return
        method = msg.method
        if method == "REGISTER":
            self._on_register(msg, src)
        elif method == "OPTIONS":
            self.options_answered += 1
            self._respond(msg, 200, "OK")
        elif method == "INVITE" and dialog is None:
            self._on_invite(msg, src)
        elif dialog is not None:
            dialog.log.append(msg)
            if method == "ACK":
                dialog.acked.set()
            elif method == "BYE":
                # record first: the peer may act (and a test look) as soon as it has the 200
                dialog.ended_by = dialog.ended_by or "remote"
                dialog.state = "terminated"
                dialog.ended.set()
                self._respond(msg, 200, "OK")
            elif method == "CANCEL":
                early = dialog.state == "early" and dialog.invite is not None
                if early:
                    dialog.state = "cancelled"
                    dialog.ended_by = "remote"
                    dialog.ended.set()
                self._respond(msg, 200, "OK")
                if early and dialog.invite is not None:
                    self._respond(dialog.invite, 487, "Request Terminated", to_tag=dialog.local_tag)
            dialog.messages.put(msg)
        else:
            self._respond(msg, 481, "Call/Transaction Does Not Exist")

    # ------------------------------------------------------------ registrar
    def _challenge(self, req: SipMessage, stale: bool = False) -> None:
        nonce = secrets.token_hex(16)
        self._nonces.add(nonce)
        value = f'Digest realm="{self.realm}",nonce="{nonce}",algorithm=MD5'
        if stale:
            value += ",stale=true"
        self._respond(req, 401, "Unauthorized", to_tag=secrets.token_hex(4), extra=[("WWW-Authenticate", value)])

    def _check_digest(self, req: SipMessage, auth: str) -> str | None:
        params = {k: a or b for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', auth)}
        user = params.get("username", "")
        if user not in self.users or params.get("nonce") not in self._nonces:
            return None
        ha1 = hashlib.md5(f"{user}:{self.realm}:{self.users[user]}".encode()).hexdigest()
        ha2 = hashlib.md5(f"{req.method}:{params.get('uri', '')}".encode()).hexdigest()
        if params.get("qop"):
            expected = hashlib.md5(
                f"{ha1}:{params['nonce']}:{params.get('nc')}:{params.get('cnonce')}:{params['qop']}:{ha2}".encode()
            ).hexdigest()
        else:
            expected = hashlib.md5(f"{ha1}:{params['nonce']}:{ha2}".encode()).hexdigest()
        return user if expected == params.get("response") else None

    def _on_register(self, req: SipMessage, src: tuple[str, int]) -> None:
        auth = req.header("authorization")
        user = self._check_digest(req, auth) if auth else None
        if user is None:
            self._challenge(req)
            return
        aor_user = _uri_user(req.header("to"))
        if aor_user != user:
            self._respond(req, 403, "Forbidden")
            self.register_log.append((aor_user, -1, 403))
            return
        contact = req.header("contact")
        m = re.search(r";expires=(\d+)", contact)
        expires = int(m.group(1)) if m else int(req.header("expires", "3600") or 3600)
        with self._reg_changed:
            if expires == 0:
                self.registrations.pop(user, None)
            else:
                self.registrations[user] = Registration(user, _contact_uri(contact), expires, src)
            self.register_log.append((user, expires, 200))
            self._reg_changed.notify_all()
        extra = [("Expires", str(expires))]
        if expires:
            extra.append(("Contact", f"<{_contact_uri(contact)}>;expires={expires}"))
        self._respond(req, 200, "OK", to_tag=secrets.token_hex(4), extra=extra)

    def wait_registered(self, user: str, timeout: float = 10.0) -> Registration:
        with self._reg_changed:
            if not self._reg_changed.wait_for(lambda: user in self.registrations, timeout):
                raise TimeoutError(f"{user} did not register within {timeout}s: {self.register_log}")
            return self.registrations[user]

    def wait_unregistered(self, user: str, timeout: float = 10.0) -> None:
        with self._reg_changed:
            ok = self._reg_changed.wait_for(
                lambda: user not in self.registrations and any(u == user and e == 0 for u, e, _ in self.register_log),
                timeout,
            )
            if not ok:
                raise TimeoutError(f"{user} did not un-register within {timeout}s: {self.register_log}")

    # ------------------------------------------------------- resident calls
    def _sdp(self, rtp_port: int) -> str:
        return (
            "v=0\r\n"
            f"o=fakepbx 1 1 IN IP4 {HOST}\r\n"
            "s=fakepbx\r\n"
            f"c=IN IP4 {HOST}\r\n"
            "t=0 0\r\n"
            f"m=audio {rtp_port} RTP/AVP 0 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-16\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n"
        )

    def _on_invite(self, req: SipMessage, src: tuple[str, int]) -> None:
        number = _uri_user(req.request_uri)
        dialog = Dialog(self, req.call_id, incoming=True, invite=req, local_tag=secrets.token_hex(4))
        dialog.log.append(req)
        dialog.remote_tag = _tag(req.header("from"))
        dialog.remote_uri = _contact_uri(req.header("contact"))
        dialog.remote_target = src
        self.dialogs[req.call_id] = dialog
        self._respond(req, 100, "Trying")
        if number not in self.hotline_numbers:
            dialog.final_status = self.reject_code
            dialog.state = "rejected"
            self._respond(req, self.reject_code, "Not Found" if self.reject_code == 404 else "Rejected",
                          to_tag=dialog.local_tag)
            dialog.ended.set()
            self.incoming_dialogs.put(dialog)
            return
        dialog.state = "early"

        def answer() -> None:
            time.sleep(self.answer_delay_s)
            if dialog.state != "early":
                return
            dialog.state = "confirmed"
            dialog.final_status = 200
            self._respond(req, 200, "OK", to_tag=dialog.local_tag,
                          extra=[("Contact", f"<sip:{number}@{HOST}:{self.port}>")],
                          body=self._sdp(dialog.rtp.port))

        if self.answer_delay_s:
            threading.Thread(target=answer, daemon=True).start()
        else:
            answer()
        self.incoming_dialogs.put(dialog)

    def next_incoming(self, timeout: float = 10.0) -> Dialog:
        try:
            return self.incoming_dialogs.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no INVITE within {timeout}s") from None

    # -------------------------------------------------- calls to an agent
    def invite(self, user: str, caller: str = "8000") -> Dialog:
        reg = self.registrations.get(user)
        if reg is None:
            raise LookupError(f"{user} is not registered")
        call_id = f"{secrets.token_hex(12)}@fakepbx"
        dialog = Dialog(self, call_id, incoming=False, local_tag=secrets.token_hex(4))
        dialog.remote_uri = reg.contact
        dialog.remote_target = _uri_host_port(reg.contact)
        inv = SipMessage(
            f"INVITE {reg.contact} SIP/2.0",
            [
                ("Via", f"SIP/2.0/UDP {HOST}:{self.port};rport;branch=z9hG4bK{secrets.token_hex(8)}"),
                ("From", f'"Hotline" <sip:{caller}@{HOST}>;tag={dialog.local_tag}'),
                ("To", f"<sip:{user}@{HOST}>"),
                ("Contact", f"<sip:{caller}@{HOST}:{self.port}>"),
                ("Call-ID", call_id),
                ("CSeq", "102 INVITE"),
                ("Max-Forwards", "70"),
                ("Content-Type", "application/sdp"),
            ],
            self._sdp(dialog.rtp.port),
        )
        dialog.invite = inv
        dialog.state = "early"
        self.dialogs[call_id] = dialog
        dialog.log.append(inv)
        self.send(inv, dialog.remote_target)
        return dialog

    def wait_remote_bye(self, dialog: Dialog, timeout: float) -> SipMessage:
        return dialog.wait_for(lambda m: m.is_request and m.method == "BYE", timeout)
