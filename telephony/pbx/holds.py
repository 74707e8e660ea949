"""Holds and transfers during a call, from AMI events, for the audit's hold and transfer rules."""
from __future__ import annotations

import threading
import time


class HoldTracker:
    """Per call (its Linkedid: the resident channel's uniqueid): holds and transfer times."""

    EVENTS = ("Hold", "Unhold", "BlindTransfer", "AttendedTransfer")  # all that feed() looks at

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: dict[str, list[list[float | None]]] = {}
        self._transfers: dict[str, list[float]] = {}

    def feed(self, event: dict[str, str]) -> None:
        name = event.get("Event")
        ts = float(event.get("Timestamp") or time.time())
        with self._lock:
            if name == "Hold":
                holds = self._holds.setdefault(event.get("Linkedid", ""), [])
                if not holds or holds[-1][1] is not None:  # one hold at a time per call
                    holds.append([ts, None])
            elif name == "Unhold":
                holds = self._holds.get(event.get("Linkedid", ""))
                if holds and holds[-1][1] is None:
                    holds[-1][1] = ts
            elif name in ("BlindTransfer", "AttendedTransfer"):
                linkedid = event.get("TransfererLinkedid") or event.get("OrigTransfererLinkedid", "")
                self._transfers.setdefault(linkedid, []).append(ts)

    def pop(self, linkedid: str, ended: float) -> tuple[list[list[float]], list[float]]:
        """(holds as [start, end] epochs, transfer epochs); a hold still open ends with the call."""
        with self._lock:
            holds = self._holds.pop(linkedid, [])
            transfers = self._transfers.pop(linkedid, [])
        return [[start, end if end is not None else ended] for start, end in holds], transfers
