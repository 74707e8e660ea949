"""The FastAGI server's process set-up: its niceness, which its threads inherit."""
from __future__ import annotations

import logging
import os
import threading

from telephony.agi import app


def in_a_thread(fn):
    """fn() in a thread of its own (niceness is per thread: the test's own stays as it is)."""
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("value", fn()))
    t.start()
    t.join()
    return out["value"]


def test_the_niceness_is_set_and_the_threads_started_afterwards_inherit_it():
    def set_then_start_one():
        before = os.getpriority(os.PRIO_PROCESS, 0)
        target = min(before + 3, 19)  # raising it is always permitted
        ok = app.set_niceness(target)
        child = in_a_thread(lambda: os.getpriority(os.PRIO_PROCESS, 0))
        return ok, target, os.getpriority(os.PRIO_PROCESS, 0), child

    ok, target, mine, child = in_a_thread(set_then_start_one)
    assert ok and mine == target and child == target


def test_a_niceness_not_permitted_is_a_warning_not_a_failure(monkeypatch, caplog):
    def refuse(*_):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(app.os, "setpriority", refuse)
    with caplog.at_level(logging.WARNING, logger="telephony.agi.app"):
        assert app.set_niceness(-10) is False
    assert "niceness -10 not set" in caplog.text
