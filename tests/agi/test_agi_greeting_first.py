"""Python answers when it is ready to speak, with the command that plays the greeting.

The dialplan leaves the call ringing and hands the INVITE's time over as an AGI
argument, so `incoming`'s first command is Read(): it answers, plays the
greeting and the menu, and takes the first digit, all inside Asterisk (a digit
pressed between two AGI commands would be lost: Asterisk drops DTMF there).
The call's row is written meanwhile, and is there when the route ends, however
it ends.
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


def test_the_first_command_answers_plays_the_greeting_and_takes_the_digit(agi_server, demo_db, settings):
    uid = f"1795459077.{next(_uids)}"
    invite = time.time() - 0.25  # the INVITE came a quarter of a second ago
    channel = incoming_with_times(agi_server.port, uid, FakeChannel(keys={"greeting": ["1"]}),
                                  invite_ts=f"{invite:.3f}")
    first = channel.commands[0]
    assert first[:2] == ["EXEC", "Read"]
    variable, prompts, maxdigits, options, attempts, timeout = first[2].split(",")
    assert variable == V.DIGIT and maxdigits == "1" and (options, attempts) == ("", "1")
    assert prompts.split("&") == [str(settings.prompts_dir / "greeting"), str(settings.prompts_dir / "menu")]
    assert float(timeout) == settings.menu_timeout_s
    assert channel.answered and channel.played[0] == "greeting"
    # Then the digit: the only variable asked for, and only once Read is done.
    asked = [argv[2] for argv in channel.commands if argv[:2] == ["GET", "VARIABLE"]]
    assert asked == [V.DIGIT] and channel.commands[1] == ["GET", "VARIABLE", V.DIGIT]
    with demo_db.session() as s:
        call = get_call(s, uid)
    assert 250 <= call.ivr_answer_ms < 250 + 5000  # from the INVITE to Python's Read
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


def test_without_app_read_the_call_goes_to_the_fail_safe_not_on_in_silence(agi_server):
    channel = incoming_with_times(agi_server.port, f"1795459077.{next(_uids)}",
                                  FakeChannel(keys={"greeting": ["1"]}, apps=()))
    assert channel.sets(V.AGI_ERROR) == ["MissingApplication"]  # the fail-safe greets and answers
    assert channel.played == [] and channel.sets(V.QUEUE) == []
