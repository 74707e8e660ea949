"""Start and stop one Asterisk instance for one data dir.

The system's asterisk is used when present. Otherwise the Debian sid chroot
(scripts/install-asterisk.sh) runs in a private mount namespace, with the data
dir bound at the same path inside, so config and recording paths are the same
for Asterisk and for Python, and every mount vanishes with the process.
"""
from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import time

from telephony.core.config import Settings
from telephony.pbx.ami import AmiClient, AmiError


# Benchmarks only (setting bench_contexts): the host's root, seen from inside the chroot, so
# that a classic per-process AGI can run the virtualenv's Python (bench/perprocess_agi.py).
HOST_ROOT_IN_CHROOT = "/run/hotline-host"


class AsteriskNotInstalled(RuntimeError):
    pass


def asterisk_command(settings: Settings) -> list[str]:
    conf = settings.asterisk_dir / "etc" / "asterisk.conf"
    system = shutil.which("asterisk")
    if system:
        return [system, "-C", str(conf), "-f"]
    root = settings.asterisk_root
    if root is None or not (root / "usr/sbin/asterisk").exists():
        raise AsteriskNotInstalled(
            f"no asterisk on PATH and no chroot at {root}: run scripts/install-asterisk.sh (make up does)"
        )
    data = settings.data_dir
    q = shlex.quote
    host_root = [
        f"mkdir -p {q(str(root))}{HOST_ROOT_IN_CHROOT}",
        f"mount --rbind / {q(str(root))}{HOST_ROOT_IN_CHROOT}",
    ] if settings.bench_contexts else []
    script = " && ".join([
        *host_root,
        f"mkdir -p {q(str(root))}{q(str(data))}",
        f"mount --rbind /dev {q(str(root / 'dev'))}",
        f"mount --rbind /proc {q(str(root / 'proc'))}",
        f"mount --bind {q(str(data))} {q(str(root))}{q(str(data))}",
        f"exec chroot {q(str(root))} asterisk -C {q(str(conf))} -f",
    ])
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]


class AsteriskProcess:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.proc: subprocess.Popen | None = None
        self.log_path = settings.asterisk_dir / "log" / "console.log"

    def start(self, timeout: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(asterisk_command(self.settings), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_booted(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_booted(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"asterisk exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with AmiClient.for_settings(self.settings, timeout=3) as ami:
                    if "fully booted" in ami.command("core waitfullybooted").lower():
                        return
            except (OSError, AmiError) as e:
                last = e
            time.sleep(0.2)
        raise TimeoutError(f"asterisk not ready after {timeout}s ({last}); see {self.log_path}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            with AmiClient.for_settings(self.settings, timeout=3) as ami:
                ami.command("core stop now")
        except (OSError, AmiError):
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
