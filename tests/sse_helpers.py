"""Reading a text/event-stream response in tests (TestClient's or httpx's alike)."""
from __future__ import annotations

import json
import time

STREAM_TIMEOUT_S = 10.0  # a test waiting longer than this for an event has failed


class Sse:
    """Events as (name, data as JSON) and a count of comment lines, from a streaming response.

    The deadline is checked as lines arrive, so the stream must send something now and
    then (the wallboard's keep-alive comments do).
    """

    def __init__(self, response):
        self.response = response
        self.lines = response.iter_lines()
        self.comments = 0
        self.last: dict | None = None  # the last snapshot seen: what a failed wait reports

    def next_event(self, timeout: float = STREAM_TIMEOUT_S) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        name, data = None, []
        for line in self.lines:
            assert time.monotonic() < deadline, f"no event within {timeout}s"
            if line.startswith(":"):
                self.comments += 1
            elif line.startswith("event:"):
                name = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                data.append(line.partition(":")[2].strip())
            elif line == "" and name is not None:
                return name, json.loads("\n".join(data))
        raise AssertionError("the stream ended")

    def snapshot_where(self, check, timeout: float = STREAM_TIMEOUT_S) -> dict:
        """The first snapshot event for which check(snapshot) holds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                name, snap = self.next_event(max(0.0, deadline - time.monotonic()))
            except AssertionError as e:
                raise AssertionError(f"{e}; the last snapshot: {json.dumps(self.last, ensure_ascii=False)}") from None
            assert name == "snapshot", name
            self.last = snap
            if check(snap):
                return snap
