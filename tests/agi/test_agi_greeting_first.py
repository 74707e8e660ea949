"""The caller hears the greeting before Python does anything else (the latency bench's fix).

The dialplan hands the call's times over as AGI arguments, so the first command
of `incoming` is the greeting; the call's row is written meanwhile, and is
there when the route ends, however it ends.
"""
from __future__ import annotations

import itertools

from agi.fake_asterisk import FakeChannel, agi_env, play_call, running_server
from telephony.agi import variables as V
from telephony.agi.routes import CallRoutes
from telephony.db.session import Database
from telephony.logging.calllog import get_call
from telephony.pbx.ringtimes import RingTracker

INVITE_TS, ANSWER_TS = "1795459077.104321", "1795459077.612345"
NOBODY_LISTENS = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # refused at once
_uids = itertools.count(500)


def incoming_with_times(port: int, uid: str, channel: FakeChannel) -> FakeChannel:
    env = agi_env("incoming", uniqueid=uid, callerid="13800000001",
                  agi_arg_1=INVITE_TS, agi_arg_2=ANSWER_TS)
    return play_call(port, env, channel)


def test_the_first_command_is_the_greeting(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    channel = incoming_with_times(agi_server.port, uid, FakeChannel(keys={"greeting": ["1"]}))
    assert channel.commands[0][:2] == ["STREAM", "FILE"] and channel.played[0] == "greeting"
    assert not any(argv[:2] == ["GET", "VARIABLE"] for argv in channel.commands)
    with demo_db.session() as s:
        call = get_call(s, uid)
    assert call.ivr_answer_ms == 508  # the times came from the arguments
    assert call.unit == "3-2-502" and call.category == "repair"  # the resident was found meanwhile


def test_the_row_is_written_when_the_caller_hangs_up_during_the_greeting(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    incoming_with_times(agi_server.port, uid, FakeChannel(hangup_during="greeting"))
    with demo_db.session() as s:  # at once: call-end, which runs next, must find it
        call = get_call(s, uid)
    assert call is not None and call.caller_name == "陈明"


def test_with_the_database_down_the_caller_is_greeted_then_sent_to_the_fail_safe(settings):
    db = Database(NOBODY_LISTENS)
    server = running_server()
    CallRoutes(settings, db, RingTracker()).register(server.server)
    with server:
        channel = incoming_with_times(server.port, f"1795459077.{next(_uids)}",
                                      FakeChannel(keys={"greeting": ["1"]}))
    db.engine.dispose()
    assert channel.played[0] == "greeting" and channel.sets(V.GREETED) == ["1"]
    assert channel.sets(V.AGI_ERROR) == ["OperationalError"]  # the dialplan takes over
    assert channel.sets(V.QUEUE) == []
