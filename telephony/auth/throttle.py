"""Failed sign-ins, counted per username and per client address, to stop password guessing.

After `login_max_failures` wrong passwords within `login_failure_window_s`, that username
(from anywhere) and that address (for any username) are refused for the rest of the window:
the API answers 429 without checking the password. A right password does not lift a block,
or guessing could go on; it resets nothing but its own counters. Kept in the API process's
memory: a restart forgets, several API processes count apart (each still caps a guesser).
"""
from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class LoginThrottle:
    def __init__(self, max_failures: int, window_s: float, clock=time.monotonic):
        self.max_failures, self.window_s, self.clock = max_failures, window_s, clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _keys(self, username: str, client: str | None) -> list[str]:
        return [f"user:{username.strip().lower()}"] + ([f"addr:{client}"] if client else [])

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]  # keep memory bounded by the window's guessers
            return deque()
        return times

    def retry_after_s(self, username: str, client: str | None) -> int | None:
        """Seconds until a blocked sign-in may be tried again, or None when not blocked."""
        now = self.clock()
        with self._lock:
            waits = [times[0] + self.window_s - now for key in self._keys(username, client)
                     if len(times := self._recent(key, now)) >= self.max_failures]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, client: str | None) -> None:
        now = self.clock()
        with self._lock:
            for key in self._keys(username, client):
                self._failures[key].append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.strip().lower()}", None)
