"""The FastAGI server: a real server on 127.0.0.1, a socket playing Asterisk."""
from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from agi.fake_asterisk import HOST, FakeChannel, agi_env, env_bytes, play_call, running_server

ERROR_VAR = "HOTLINE_AGI_ERROR"


class Recorder:
    """Routes that note who called them and what they saw."""

    def __init__(self):
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def route(self, name, body=None):
        def handler(agi):
            with self.lock:
                self.calls.append((name, dict(agi.env)))
            if body:
                body(agi)
        return handler

    def names(self):
        return [name for name, _ in self.calls]


def test_requests_are_routed_by_path():
    rec = Recorder()
    routes = {
        "incoming": rec.route("incoming", lambda agi: agi.set_variable("ROUTED", "incoming")),
        "call-end": rec.route("call-end", lambda agi: agi.set_variable("ROUTED", "call-end")),
    }
    with running_server(routes, own_thread=True) as srv:
        end = play_call(srv.port, agi_env("call-end"))
        inc = play_call(srv.port, agi_env("incoming?lang=zh"))  # arguments after '?' are not the path
        slash = play_call(srv.port, agi_env("/incoming/"))

    assert rec.names() == ["call-end", "incoming", "incoming"]
    assert end.sets("ROUTED") == ["call-end"]
    assert inc.sets("ROUTED") == ["incoming"] and slash.sets("ROUTED") == ["incoming"]
    assert end.sets(ERROR_VAR) == [] and inc.sets(ERROR_VAR) == []
    # The environment reached the route whole, colons in values included.
    env = rec.calls[0][1]
    assert env["agi_uniqueid"] == "1795459077.2"
    assert env["agi_request"] == "agi://127.0.0.1:4573/call-end"
    assert env["agi_channel"] == "PJSIP/anonymous-00000001"


def test_route_reads_channel_variables():
    seen = {}

    def route(agi):
        seen["set"] = agi.var("HOTLINE_INVITE_TS")
        seen["unset"] = agi.var("NOT_SET_ANYWHERE")
        seen["spaces"] = agi.var("WITH_SPACES")

    with running_server({"incoming": route}) as srv:
        play_call(srv.port, agi_env(), FakeChannel(
            {"HOTLINE_INVITE_TS": "1795459077.104321", "WITH_SPACES": "a b (c)"}))
    assert seen == {"set": "1795459077.104321", "unset": "", "spaces": "a b (c)"}


def test_unknown_route_sets_the_error_variable():
    rec = Recorder()
    with running_server({"incoming": rec.route("incoming")}) as srv:
        channel = play_call(srv.port, agi_env("no-such-route"))
    assert rec.calls == []
    assert channel.raw == [f'SET VARIABLE "{ERROR_VAR}" "LookupError"']
    assert channel.variables[ERROR_VAR] == "LookupError"


def test_a_route_that_raises_sets_the_error_variable():
    def broken(agi):
        agi.set_variable("HOTLINE_GREETED", "1")
        raise RuntimeError("database exploded")

    with running_server({"incoming": broken}) as srv:
        channel = play_call(srv.port, agi_env())
    assert channel.sets("HOTLINE_GREETED") == ["1"]
    assert channel.sets(ERROR_VAR) == ["RuntimeError"]
    assert "HOTLINE_QUEUE" not in channel.variables


def test_caller_hanging_up_during_a_prompt_is_not_an_error(caplog):
    def route(agi):
        agi.stream_file("/prompts/greeting", escape_digits="0123456789")
        agi.set_variable("HOTLINE_QUEUE", "dept-service")  # never reached

    with caplog.at_level(logging.INFO, logger="telephony.agi.server"):
        with running_server({"incoming": route}) as srv:
            channel = play_call(srv.port, agi_env(), FakeChannel(hangup_during="greeting"))
    assert channel.sets(ERROR_VAR) == []
    assert channel.sets("HOTLINE_QUEUE") == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_caller_hanging_up_between_commands_is_not_an_error(caplog):
    """Asterisk tells a FastAGI script about a hangup by writing "HANGUP" on the socket.

    res_agi (run_agi) sends it in place of the SIGHUP a local AGI script gets,
    then answers commands on the dead channel with 511. The caller hanging up
    while Python is between two commands (e.g. writing the log row) is a
    hangup like any other: no fail-safe error, no traceback in the log.
    """
    def route(agi):
        agi.var("HOTLINE_INVITE_TS")
        agi.stream_file("/prompts/greeting", escape_digits="0123456789")
        agi.set_variable("HOTLINE_QUEUE", "dept-service")

    with caplog.at_level(logging.INFO, logger="telephony.agi.server"):
        with running_server({"incoming": route}) as srv:
            channel = play_call(srv.port, agi_env(), FakeChannel(
                {"HOTLINE_INVITE_TS": "1795459077.1"}, hangup_before=1))
    assert channel.sets("HOTLINE_QUEUE") == []
    assert channel.sets(ERROR_VAR) == [], "a hangup was reported to the dialplan as a route failure"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], \
        [r.getMessage() for r in caplog.records]


def test_invalid_utf8_in_the_environment_does_not_crash_the_server():
    rec = Recorder()
    env = env_bytes(agi_env()).replace(b"agi_callerid: 13800000001",
                                       b"agi_callerid: \xff\xfe138\xc0")
    env = env.replace(b"agi_calleridname: unknown", b"agi_calleridname: \xe9\x99\x88\xe6")
    with running_server({"incoming": rec.route("incoming")}) as srv:
        channel = play_call(srv.port, env)
        again = play_call(srv.port, agi_env())  # still serving
    assert [c[1]["agi_callerid"] for c in rec.calls] == ["\ufffd\ufffd138\ufffd", "13800000001"]
    assert rec.calls[0][1]["agi_calleridname"].startswith("\u9648")  # 陈, then a replacement
    assert channel.sets(ERROR_VAR) == [] and again.sets(ERROR_VAR) == []


def test_a_port_probe_is_ignored():
    rec = Recorder()
    with running_server({"incoming": rec.route("incoming")}) as srv:
        # Connect and close at once, like a health check.
        with socket.create_connection((HOST, srv.port), timeout=5):
            pass
        # Connect and half-close: the server closes too, without a command.
        with socket.create_connection((HOST, srv.port), timeout=5) as sock:
            sock.shutdown(socket.SHUT_WR)
            assert sock.recv(1024) == b""
        channel = play_call(srv.port, agi_env())
    assert rec.names() == ["incoming"]
    assert channel.sets(ERROR_VAR) == []


def test_non_agi_traffic_does_not_stop_the_server():
    rec = Recorder()
    with running_server({"incoming": rec.route("incoming")}) as srv:
        with socket.create_connection((HOST, srv.port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            while sock.recv(1024):
                pass
        play_call(srv.port, agi_env())
    assert rec.names() == ["incoming"]


def test_calls_are_served_concurrently():
    """One call waiting in its route must not hold up the next one."""
    second_arrived = threading.Event()
    results = {}

    def slow(agi):
        results["slow"] = second_arrived.wait(5)

    def fast(agi):
        second_arrived.set()

    with running_server({"slow": slow, "fast": fast}) as srv:
        t = threading.Thread(target=play_call, args=(srv.port, agi_env("slow")))
        t.start()
        play_call(srv.port, agi_env("fast", uniqueid="1795459078.5"))
        t.join(10)
    assert results == {"slow": True}


@pytest.mark.parametrize("script", ["", "?x=1", "/"])
def test_a_request_without_a_path_is_an_unknown_route(script):
    with running_server({"incoming": lambda agi: None}) as srv:
        channel = play_call(srv.port, agi_env(script))
    assert channel.sets(ERROR_VAR) == ["LookupError"]


def test_a_burst_of_calls_connects_while_the_server_is_busy():
    """Asterisk waits 2 s for a FastAGI connect: a burst beyond the listen backlog must not
    wait for the accept loop (a backlog of 5 dropped the 7th connection's SYN here)."""
    from telephony.agi.server import FastAGIServer

    server = FastAGIServer(HOST, 0)  # listening, but nobody accepting: the busy moment
    conns = []
    try:
        for _ in range(200):
            conns.append(socket.create_connection(server.server_address, timeout=1.0))
    finally:
        for c in conns:
            c.close()
        server.server_close()
    assert len(conns) == 200


def test_calls_run_at_once_up_to_the_workers_and_the_next_waits_for_a_free_one():
    workers = 8
    inside = threading.Barrier(workers + 1, timeout=10)  # every worker in a route at once, and the test
    release, started = threading.Event(), []

    def slow(agi):
        started.append(agi.env["agi_uniqueid"])
        if len(started) <= workers:
            inside.wait()
        release.wait(10)

    with running_server({"incoming": slow}, own_thread=True, workers=workers) as srv:
        calls = [threading.Thread(target=play_call, args=(srv.port, agi_env("incoming", uniqueid=f"u{i}")))
                 for i in range(workers + 1)]
        for c in calls:
            c.start()
        inside.wait()  # all eight ran at once, none waited for another
        time.sleep(0.3)
        assert len(started) == workers  # the ninth waits for a free worker ...
        release.set()
        for c in calls:
            c.join(10)
    assert len(started) == workers + 1  # ... and gets one


def test_closing_the_server_ends_its_workers():
    from telephony.agi.server import FastAGIServer

    server = FastAGIServer(HOST, 0, workers=16)
    server.serve_in_thread()
    deadline = time.monotonic() + 5
    while not (len(server._workers) == 16 and all(w.is_alive() for w in server._workers)) \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(server._workers) == 16 and all(w.is_alive() for w in server._workers)
    server.shutdown()
    server.server_close()
    for worker in server._workers:
        worker.join(5)
    assert not any(w.is_alive() for w in server._workers)
