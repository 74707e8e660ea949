"""Start and stop a real hotline (`hotline up`) on free ports, for end-to-end tests."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent / "hotline"
DEMO_ADMIN = ("admin", "hotline-demo")  # the demo users of `hotline up` (telephony/demo.py)


def free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hotline:
    data_dir: Path
    sip_port: int
    api_port: int
    proc: subprocess.Popen
    output: Path
    token: str | None = None  # of the signed-in user; api() signs in as the demo admin first

    @property
    def remote(self) -> str:
        return f"127.0.0.1:{self.sip_port}"

    def instance(self) -> dict:
        return json.loads((self.data_dir / "run" / "instance.json").read_text())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def login(self, username: str, password: str) -> dict:
        """Sign in; api() then speaks as this user. Returns the user."""
        resp = httpx.post(f"{self.base_url}/api/auth/login", json={"username": username, "password": password},
                          timeout=10)
        assert resp.status_code == 200, resp.text
        self.token = resp.json()["access_token"]
        return resp.json()["user"]

    def api(self, path: str, **params) -> httpx.Response:
        if self.token is None:
            self.login(*DEMO_ADMIN)
        return httpx.get(f"{self.base_url}{path}", params=params, timeout=10,
                         headers={"Authorization": f"Bearer {self.token}"})

    def recording(self, url: str) -> io.BytesIO:
        """A recording's WAV, fetched through the API (call["recording"]["agent"] etc.)."""
        resp = self.api(url)
        assert resp.status_code == 200, resp.text
        return io.BytesIO(resp.content)

    def wait_for_calls(self, count: int, timeout: float = 30.0) -> list[dict]:
        """The newest `count` calls once all of them have ended (oldest first)."""
        deadline = time.monotonic() + timeout
        items: list[dict] = []
        while time.monotonic() < deadline:
            items = self.api("/api/calls", limit=count).json()["items"]
            if len(items) >= count and all(c["ended_at"] for c in items):
                return list(reversed(items))
            time.sleep(0.5)
        raise AssertionError(f"{count} ended call(s) not logged within {timeout}s: {items}")

    def wait_for_audit(self, call_id: int, timeout: float = 240.0) -> dict:
        """The call's /audit once its analysis job is done (or has failed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            audit = self.api(f"/api/calls/{call_id}/audit").json()
            if audit["status"] in ("done", "error"):
                return audit
            time.sleep(1)
        raise AssertionError(f"call {call_id} not audited within {timeout}s: {audit}")

    def stop_agi(self) -> None:
        os.kill(self.instance()["agi_pid"], signal.SIGKILL)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN), *args, "--data-dir", str(self.data_dir)], capture_output=True,
                              text=True, timeout=60, env=self.env())

    def env(self) -> dict:
        return dict(os.environ)


def start_hotline(tmp_path: Path, db_url: str, **settings: str) -> Hotline:
    data_dir = tmp_path / "hotline"
    out = tmp_path / "up.out"
    sip, api = free_udp_port(), free_tcp_port()
    env = dict(os.environ, HOTLINE_DATABASE_URL=db_url,
               HOTLINE_RTP_PORT_START="30000", HOTLINE_RTP_PORT_END="39999",
               **{f"HOTLINE_{k.upper()}": v for k, v in settings.items()})
    cmd = [str(BIN), "up", "--data-dir", str(data_dir), "--sip-port", str(sip),
           "--agi-port", str(free_tcp_port()), "--ami-port", str(free_tcp_port()), "--api-port", str(api)]
    with out.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    instance = Hotline(data_dir, sip, api, proc, out)
    instance.env = lambda: env  # the CLI talks to the same database
    deadline = time.monotonic() + 90
    while "hotline ready" not in out.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"hotline up failed:\n{out.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    return instance


def stop_hotline(instance: Hotline) -> None:
    instance.proc.send_signal(signal.SIGINT)
    assert instance.proc.wait(60) == 0, instance.output.read_text(errors="replace")[-3000:]
    leftover = subprocess.run(["pgrep", "-f", str(instance.data_dir)], capture_output=True, text=True).stdout
    assert leftover == "", f"processes left behind: {leftover}"
