"""Python answers when it is ready to speak, and the greeting follows at once.

The dialplan leaves the call ringing and hands the INVITE's time over as an AGI
argument, so `incoming` sends ANSWER and then the greeting, nothing between
them (a digit pressed there would be lost: Asterisk drops DTMF between AGI
commands). The call's row is written meanwhile, and is there when the route
ends, however it ends.
"""
from __future__ import annotations

import itertools
import time

from agi.fake_asterisk import FakeChannel, agi_env, play_call, running_server
from telephony.agi import variables as V
from telephony.agi.routes import CallRoutes
from telephony.db.session import Database
from telephony.logging.calllog import get_call
from telephony.pbx.ringtimes import RingTracker

INVITE_TS = "1795459077.104321"
NOBODY_LISTENS = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # refused at once
_uids = itertools.count(500)


def incoming_with_times(port: int, uid: str, channel: FakeChannel, invite_ts: str = INVITE_TS) -> FakeChannel:
    env = agi_env("incoming", uniqueid=uid, callerid="13800000001",
                  agi_arg_1=invite_ts)
    return play_call(port, env, channel)


def test_the_first_commands_are_the_answer_and_the_greeting(agi_server, demo_db):
    uid = f"1795459077.{next(_uids)}"
    invite = time.time() - 0.25  # the INVITE came a quarter of a second ago
    channel = incoming_with_times(agi_server.port, uid, FakeChannel(keys={"greeting": ["1"]}),
                                  invite_ts=f"{invite:.3f}")
    assert channel.commands[0] == ["ANSWER"]
    assert channel.commands[1][:2] == ["STREAM", "FILE"] and channel.played[0] == "greeting"
    assert not any(argv[:2] == ["GET", "VARIABLE"] for argv in channel.commands)
    with demo_db.session() as s:
        call = get_call(s, uid)
    assert 250 <= call.ivr_answer_ms < 250 + 5000  # from the INVITE to Python's ANSWER
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
