"""Run SIPp (3.6.x) scenarios as child processes, for end-to-end tests and benchmarks.

Everything is bound to 127.0.0.1. SIPp is never started with ``-bg``: we own the
process. Each run writes its traces into a caller-given work dir, named
``<prefix>.<kind>`` (``messages.log``, ``errors.log``, ``stats.csv``,
``screen.log``, ``calldebug.log``, ``logs.log``, ``stdout``, ``stderr``), so a
failure can be diagnosed from the files alone.

Facts about SIPp 3.6.1 this module relies on (checked on this machine):

* exit codes: 0 all calls succeeded, 1 at least one failed, 97 exit on internal
  command, 99 normal exit without calls, 254 (-2) bind error, 255 (-1) fatal
  error, e.g. ``-timeout`` with ``-timeout_error``;
* a scenario that fails to load (bad XML, unknown element, missing ``-key``)
  also exits with **1**, but before the statistics file is created; that is how
  :meth:`Sipp.run` tells "scenario did not load" from "a call failed";
* ``-set NAME VALUE`` only works for variables the scenario declares in
  ``<Global variables="..."/>`` (otherwise a warning and an empty value); the
  runner checks this up front;
* SIGTERM/SIGINT make SIPp exit at once with code 0 even with calls still up
  (the stats then show ``CurrentCall`` > 0); SIGUSR1 lets running calls end;
* without ``-p`` SIPp binds 5060, so a local port is always chosen here.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import IO

__all__ = [
    "LOCAL_IP",
    "SCENARIO_DIR",
    "LoggedSipMessage",
    "ScenarioError",
    "Sipp",
    "SippCallsFailed",
    "SippError",
    "SippExit",
    "SippNotFoundError",
    "SippProcess",
    "SippResult",
    "SippTimeoutError",
    "free_media_port",
    "free_udp_port",
    "scenario_path",
]

LOCAL_IP = "127.0.0.1"
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
SIPP_BIN_ENV = "HOTLINE_SIPP_BIN"

ScalarValue = str | int | float | os.PathLike[str]


class SippExit(IntEnum):
    """SIPp's documented exit codes (negative ones as the shell sees them)."""

    ALL_CALLS_OK = 0
    SOME_CALLS_FAILED = 1
    INTERNAL_COMMAND = 97
    NO_CALLS = 99
    BIND_ERROR = 254  # -2
    FATAL = 255  # -1


# ----------------------------------------------------------------- errors


class SippError(RuntimeError):
    """SIPp could not do its job; the message carries stderr and log paths."""

    def __init__(
        self,
        message: str,
        *,
        command: Sequence[str] = (),
        returncode: int | None = None,
        stderr: str = "",
        logs: Sequence[Path] = (),
    ) -> None:
        self.message = message
        self.command = list(command)
        self.returncode = returncode
        self.stderr = stderr
        self.logs = list(logs)
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.returncode is not None:
            parts.append(f"exit code: {self.returncode}")
        if self.command:
            parts.append("command: " + " ".join(self.command))
        if self.stderr.strip():
            parts.append("stderr (tail):\n" + _tail(self.stderr, 30))
        for log in self.logs:
            if log.is_file() and log.stat().st_size:
                parts.append(f"{log} (tail):\n" + _tail(log.read_text(errors="replace"), 40))
        return "\n".join(parts)


class SippNotFoundError(SippError):
    """The sipp binary is not installed / not on PATH."""


class ScenarioError(SippError):
    """The scenario file is missing or SIPp refused to load it."""


class SippTimeoutError(SippError):
    """SIPp did not exit within the Python-side timeout and was killed."""


class SippCallsFailed(SippError):
    """Raised by :meth:`SippResult.check` when the run was not a success."""


_LOAD_ERROR_HINTS = (
    "xml scenario file",
    "keyword not supplied",
    "is missing the required",
    "Unknown element",
    "Invalid XML",
    "was not defined",
    "is referenced",
    "not a valid",
    "Unable to load or parse",
    "No CDATA",
    "Can't open PCAP file",
    "Unable to determine creation mode",
)


# ----------------------------------------------------------------- ports


def free_udp_port(host: str = LOCAL_IP) -> int:
    """A UDP port on ``host`` that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _udp_ports_free(ports: Sequence[int], host: str = LOCAL_IP) -> bool:
    socks: list[socket.socket] = []
    try:
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_media_port(host: str = LOCAL_IP, attempts: int = 200) -> int:
    """An even port N with N..N+3 free on ``host``: SIPp's ``-mp N`` binds N
    (audio) and N+2 (video), RTCP would be N+1/N+3."""
    for _ in range(attempts):
        base = free_udp_port(host) & ~1
        if 1024 < base < 65530 and _udp_ports_free(range(base, base + 4), host):
            return base
    raise OSError(f"no free media port block on {host}")


# ----------------------------------------------------------------- helpers


def scenario_path(scenario: str | os.PathLike[str]) -> Path:
    """Resolve a scenario: an existing path, or a name in :data:`SCENARIO_DIR`
    (with or without ``.xml``)."""
    path = Path(scenario)
    if path.is_file():
        return path.resolve()
    for candidate in (SCENARIO_DIR / path, SCENARIO_DIR / f"{path}.xml"):
        if candidate.is_file():
            return candidate
    raise ScenarioError(f"scenario not found: {scenario} (looked in {SCENARIO_DIR})")


def scenario_globals(path: Path) -> set[str]:
    """Names declared with ``<Global variables="a,b"/>`` in a scenario file."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ScenarioError(f"{path} is not well-formed XML: {exc}") from exc
    names: set[str] = set()
    for elem in root.iter("Global"):
        names.update(n.strip() for n in elem.get("variables", "").split(",") if n.strip())
    return names


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _fmt(value: ScalarValue) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


# ----------------------------------------------------------------- results


@dataclass(frozen=True)
class LoggedSipMessage:
    """One SIP message from SIPp's ``-trace_msg`` log."""

    direction: str  # "sent" | "received"
    first_line: str
    text: str

    @property
    def is_response(self) -> bool:
        return self.first_line.startswith("SIP/2.0 ")

    @property
    def status(self) -> int | None:
        return int(self.first_line.split()[1]) if self.is_response else None

    @property
    def method(self) -> str:
        """Request method, or the CSeq method of a response."""
        if not self.is_response:
            return self.first_line.split(" ", 1)[0]
        m = re.search(r"^CSeq:\s*\d+\s+(\S+)", self.text, re.M | re.I)
        return m.group(1) if m else ""

    def header(self, name: str) -> str | None:
        m = re.search(rf"^{re.escape(name)}:\s*(.*)$", self.text, re.M | re.I)
        return m.group(1).strip() if m else None


_MSG_SEPARATOR = re.compile(r"^-{20,} .*$", re.M)


def parse_message_log(text: str) -> list[LoggedSipMessage]:
    """Split a SIPp ``-trace_msg`` log into messages (sent and received)."""
    out: list[LoggedSipMessage] = []
    for block in _MSG_SEPARATOR.split(text):
        block = block.strip("\r\n")
        if not block:
            continue
        header, _, body = block.partition("\n")
        if "message sent" in header:
            direction = "sent"
        elif "message received" in header:
            direction = "received"
        else:
            continue
        body = body.strip("\r\n")
        if not body:
            continue
        first = body.splitlines()[0].strip()
        out.append(LoggedSipMessage(direction, first, body))
    return out


@dataclass(frozen=True)
class SippResult:
    """Outcome of one SIPp process."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    work_dir: Path
    prefix: str
    duration_s: float
    successful_calls: int | None = None
    failed_calls: int | None = None
    created_calls: int | None = None
    current_calls: int | None = None
    stopped: str | None = None  # None | "soft" | "terminate" | "kill"
    stats: Mapping[str, str] = field(default_factory=dict)

    # ---- paths
    def _path(self, kind: str) -> Path:
        return self.work_dir / f"{self.prefix}.{kind}"

    @property
    def message_log(self) -> Path:
        return self._path("messages.log")

    @property
    def error_log(self) -> Path:
        return self._path("errors.log")

    @property
    def stats_file(self) -> Path:
        return self._path("stats.csv")

    @property
    def screen_file(self) -> Path:
        return self._path("screen.log")

    @property
    def log_file(self) -> Path:
        """Output of the scenarios' ``<log message=...>`` actions."""
        return self._path("logs.log")

    @property
    def calldebug_file(self) -> Path:
        return self._path("calldebug.log")

    # ---- interpretation
    @property
    def exit(self) -> SippExit | None:
        try:
            return SippExit(self.returncode)
        except ValueError:
            return None

    @property
    def timed_out(self) -> bool:
        """SIPp's own ``-timeout`` (with ``-timeout_error``) fired."""
        return self.returncode == SippExit.FATAL and "timed out after" in self.stderr

    @property
    def ok(self) -> bool:
        """All calls done and successful, none left running, not killed."""
        if self.returncode != SippExit.ALL_CALLS_OK or self.stopped in ("terminate", "kill"):
            return False
        if self.failed_calls:
            return False
        if self.current_calls:
            return False
        return self.successful_calls is None or self.successful_calls > 0

    def messages(self) -> list[LoggedSipMessage]:
        return parse_message_log(_read_text(self.message_log))

    def log_lines(self) -> list[str]:
        """Lines written by ``<log>`` actions (timestamps stripped)."""
        lines = []
        for line in _read_text(self.log_file).splitlines():
            lines.append(line.split(": ", 1)[1] if re.match(r"^\d{4}-\d\d-\d\d", line) and ": " in line else line)
        return [ln for ln in lines if ln.strip()]

    def received_statuses(self, method: str | None = None) -> list[int]:
        return [
            m.status
            for m in self.messages()
            if m.direction == "received" and m.status is not None and (method is None or m.method == method)
        ]

    def describe(self) -> str:
        calls = f"ok={self.successful_calls} failed={self.failed_calls} running={self.current_calls}"
        return (
            f"sipp {self.prefix}: exit {self.returncode} ({'?' if self.exit is None else self.exit.name}), "
            f"{calls}, "
            f"{self.duration_s:.1f}s{', stopped: ' + self.stopped if self.stopped else ''}; "
            f"logs in {self.work_dir}"
        )

    def check(self) -> SippResult:
        """Return self if :attr:`ok`, else raise :class:`SippCallsFailed` with the logs."""
        if not self.ok:
            raise SippCallsFailed(
                self.describe(),
                command=self.command,
                returncode=self.returncode,
                stderr=self.stderr,
                logs=[self.error_log, self.log_file, self.screen_file],
            )
        return self


def _read_stats(path: Path) -> dict[str, str]:
    try:
        with path.open(newline="", errors="replace") as fh:
            rows = [r for r in csv.reader(fh, delimiter=";") if r]
    except FileNotFoundError:
        return {}
    if len(rows) < 2:
        return {}
    header, last = rows[0], rows[-1]
    return {k: v for k, v in zip(header, last, strict=False) if k}


def _int(stats: Mapping[str, str], key: str) -> int | None:
    try:
        return int(stats[key])
    except (KeyError, ValueError):
        return None


# ----------------------------------------------------------------- runner


@dataclass
class Sipp:
    """One SIPp invocation. ``command()`` shows the exact argv.

    ``scenario`` is a file name in :data:`SCENARIO_DIR` (``"resident_call"``) or
    a path. ``remote`` is ``host:port`` of the SIP server (Asterisk); it may be
    None for a pure server scenario. ``variables`` become ``-set NAME VALUE``
    (the scenario must declare them as ``<Global>``), ``keywords`` become
    ``-key NAME VALUE`` (used for pcap paths: ``play_pcap_audio="[name]"``).
    ``timeout_s`` is SIPp's own global ``-timeout`` (with ``-timeout_error``,
    so it fails with exit 255 instead of waiting for calls to end).
    """

    scenario: str | os.PathLike[str]
    work_dir: os.PathLike[str] | str
    remote: str | None = None
    local_port: int | None = None
    media_port: int | None = None
    service: str | None = None
    auth_user: str | None = None
    auth_password: str | None = None
    variables: Mapping[str, ScalarValue] = field(default_factory=dict)
    keywords: Mapping[str, ScalarValue] = field(default_factory=dict)
    ooc_scenario: str | os.PathLike[str] | None = None
    calls: int | None = 1
    rate: float | None = None
    rate_period_ms: int | None = None
    limit: int | None = None
    timeout_s: float | None = 120.0
    recv_timeout_ms: int | None = None
    extra_args: Sequence[str] = ()
    name: str | None = None
    binary: str | None = None

    def __post_init__(self) -> None:
        self.work_dir = Path(self.work_dir)
        self.scenario_file = scenario_path(self.scenario)
        self.ooc_file = scenario_path(self.ooc_scenario) if self.ooc_scenario is not None else None
        if self.local_port is None:
            self.local_port = free_udp_port()
        if self.media_port is None:
            self.media_port = free_media_port()
        self.binary = self.binary or os.environ.get(SIPP_BIN_ENV, "sipp")
        self._check_variables()
        self.prefix = self.name or f"{self.scenario_file.stem}-{self.local_port}"

    def _check_variables(self) -> None:
        declared = scenario_globals(self.scenario_file)
        if self.ooc_file is not None:
            declared |= scenario_globals(self.ooc_file)
        missing = sorted(set(self.variables) - declared)
        if missing:
            raise ScenarioError(
                f"-set {', '.join(missing)}: not declared in <Global variables=...> of "
                f"{self.scenario_file.name}{' / ' + self.ooc_file.name if self.ooc_file else ''} "
                f"(declared: {', '.join(sorted(declared)) or 'none'})"
            )

    # ---- files
    def path(self, kind: str) -> Path:
        return Path(self.work_dir) / f"{self.prefix}.{kind}"

    @property
    def message_log(self) -> Path:
        return self.path("messages.log")

    @property
    def error_log(self) -> Path:
        return self.path("errors.log")

    @property
    def local_address(self) -> str:
        return f"{LOCAL_IP}:{self.local_port}"

    # ---- command line
    def command(self) -> list[str]:
        assert self.binary is not None
        cmd: list[str] = [self.binary]
        if self.remote:
            cmd.append(self.remote)
        cmd += ["-sf", str(self.scenario_file)]
        if self.ooc_file is not None:
            cmd += ["-oocsf", str(self.ooc_file)]
        cmd += ["-i", LOCAL_IP, "-p", str(self.local_port)]
        cmd += ["-mi", LOCAL_IP, "-mp", str(self.media_port)]
        if self.service is not None:
            cmd += ["-s", self.service]
        if self.auth_user is not None:
            cmd += ["-au", self.auth_user]
        if self.auth_password is not None:
            cmd += ["-ap", self.auth_password]
        for key, value in self.variables.items():
            cmd += ["-set", key, _fmt(value)]
        for key, value in self.keywords.items():
            cmd += ["-key", key, _fmt(value)]
        if self.calls is not None:
            cmd += ["-m", str(self.calls)]
        if self.rate is not None:
            cmd += ["-r", _fmt(self.rate)]
        if self.rate_period_ms is not None:
            cmd += ["-rp", f"{self.rate_period_ms}ms"]
        if self.limit is not None:
            cmd += ["-l", str(self.limit)]
        if self.timeout_s is not None:
            cmd += ["-timeout", f"{_fmt(self.timeout_s)}s", "-timeout_error"]
        if self.recv_timeout_ms is not None:
            cmd += ["-recv_timeout", f"{self.recv_timeout_ms}ms"]
        cmd += [
            "-nostdin",
            "-trace_msg", "-message_file", str(self.message_log),
            "-trace_err", "-error_file", str(self.error_log),
            "-trace_stat", "-stf", str(self.path("stats.csv")),
            "-trace_screen", "-screen_file", str(self.path("screen.log")),
            "-trace_calldebug", "-calldebug_file", str(self.path("calldebug.log")),
            "-trace_logs", "-log_file", str(self.path("logs.log")),
        ]
        cmd += list(self.extra_args)
        return cmd

    def _prepare(self) -> list[str]:
        Path(self.work_dir).mkdir(parents=True, exist_ok=True)
        for kind in ("messages.log", "errors.log", "stats.csv", "screen.log", "calldebug.log", "logs.log"):
            self.path(kind).unlink(missing_ok=True)
        return self.command()

    def _not_found(self, cmd: list[str], exc: OSError) -> SippNotFoundError:
        return SippNotFoundError(
            f"cannot run {self.binary!r} ({exc}); install SIPp (Debian: apt-get install sip-tester) "
            f"or set {SIPP_BIN_ENV}",
            command=cmd,
        )

    def _result(
        self,
        cmd: list[str],
        returncode: int,
        stdout: str,
        stderr: str,
        duration_s: float,
        stopped: str | None = None,
    ) -> SippResult:
        stats = _read_stats(self.path("stats.csv"))
        logs = [self.error_log]
        if returncode == SippExit.BIND_ERROR:
            raise SippError(
                f"SIPp could not bind its sockets (SIP {self.local_address}, media port {self.media_port})",
                command=cmd, returncode=returncode, stderr=stderr, logs=logs,
            )
        if returncode != 0 and not self.path("stats.csv").exists() and stopped is None:
            kind = ScenarioError if any(h in stderr for h in _LOAD_ERROR_HINTS) else SippError
            raise kind(
                f"SIPp stopped before running {self.scenario_file.name}",
                command=cmd, returncode=returncode, stderr=stderr, logs=logs,
            )
        return SippResult(
            command=cmd,
            returncode=returncode,
            stdout=stdout,
            stderr=stderr,
            work_dir=Path(self.work_dir),
            prefix=self.prefix,
            duration_s=duration_s,
            successful_calls=_int(stats, "SuccessfulCall(C)"),
            failed_calls=_int(stats, "FailedCall(C)"),
            created_calls=_int(stats, "TotalCallCreated"),
            current_calls=_int(stats, "CurrentCall"),
            stopped=stopped,
            stats=stats,
        )

    def default_timeout(self) -> float | None:
        return None if self.timeout_s is None else self.timeout_s + 15.0

    def run(self, timeout: float | None = None) -> SippResult:
        """Run to completion. ``timeout`` (seconds) is a hard Python-side limit,
        by default SIPp's own ``timeout_s`` + 15 s; past it the process is killed
        and :class:`SippTimeoutError` raised."""
        cmd = self._prepare()
        timeout = self.default_timeout() if timeout is None else timeout
        start = time.monotonic()
        try:
            proc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace", timeout=timeout
            )
        except (FileNotFoundError, PermissionError) as exc:
            raise self._not_found(cmd, exc) from exc
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            raise SippTimeoutError(
                f"SIPp still running after {timeout}s, killed", command=cmd, stderr=stderr, logs=[self.error_log]
            ) from exc
        duration = time.monotonic() - start
        self.path("stdout").write_text(proc.stdout or "")
        self.path("stderr").write_text(proc.stderr or "")
        return self._result(cmd, proc.returncode, proc.stdout or "", proc.stderr or "", duration)

    def start(self) -> SippProcess:
        """Start in the background (e.g. an agent phone waiting for a call)."""
        cmd = self._prepare()
        stdout = self.path("stdout").open("w")
        stderr = self.path("stderr").open("w")
        try:
            popen = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        except (FileNotFoundError, PermissionError) as exc:
            stdout.close()
            stderr.close()
            raise self._not_found(cmd, exc) from exc
        return SippProcess(self, cmd, popen, stdout, stderr)


class SippProcess:
    """Handle on a background SIPp. Use ``wait()`` or ``stop()``; as a context
    manager it stops the process on exit if it is still running."""

    def __init__(
        self, sipp: Sipp, command: list[str], popen: subprocess.Popen[bytes], stdout: IO[str], stderr: IO[str]
    ) -> None:
        self.sipp = sipp
        self.command = command
        self.popen = popen
        self._stdout = stdout
        self._stderr = stderr
        self._start = time.monotonic()
        self._result: SippResult | None = None
        self._stopped: str | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self._result is None and self.popen.poll() is None

    def _finish(self, returncode: int) -> SippResult:
        if self._result is None:
            duration = time.monotonic() - self._start
            self._stdout.close()
            self._stderr.close()
            self._result = self.sipp._result(
                self.command,
                returncode,
                _read_text(self.sipp.path("stdout")),
                _read_text(self.sipp.path("stderr")),
                duration,
                self._stopped,
            )
        return self._result

    def wait(self, timeout: float | None = None) -> SippResult:
        """Wait for SIPp to exit by itself. On ``timeout`` the process is
        stopped (SIGTERM, then SIGKILL) and :class:`SippTimeoutError` raised."""
        timeout = self.sipp.default_timeout() if timeout is None else timeout
        try:
            returncode = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise SippTimeoutError(
                f"SIPp (pid {self.pid}) still running after {timeout}s, stopped",
                command=self.command,
                stderr=_read_text(self.sipp.path("stderr")),
                logs=[self.sipp.error_log],
            ) from None
        return self._finish(returncode)

    def stop(self, soft: bool = False, grace_s: float = 5.0) -> SippResult:
        """Stop it. ``soft``: SIGUSR1, SIPp places no new calls and lets running
        ones end. Otherwise SIGTERM (SIPp exits at once, writing its logs).
        SIGKILL if it is still there after ``grace_s``."""
        if self._result is not None:
            return self._result
        if self.popen.poll() is None:
            self._stopped = "soft" if soft else "terminate"
            self.popen.send_signal(signal.SIGUSR1 if soft else signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self._stopped = "kill"
                self.popen.kill()
                self.popen.wait(timeout=grace_s)
        return self._finish(self.popen.returncode)

    def __enter__(self) -> SippProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
