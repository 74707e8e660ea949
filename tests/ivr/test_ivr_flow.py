"""The IVR as a caller hears it: the incoming route, driven by a fake Asterisk.

Each test plays one call over a real FastAGI socket against a real database
(SQLite and PostgreSQL) holding the demo property, then checks what the
dialplan was told (HOTLINE_QUEUE, CDR(userfield)) and the call's log row.
"""
from __future__ import annotations

import itertools


from agi.fake_asterisk import FakeChannel, agi_env, hotline_server, play_call
from telephony.core.config import load_settings
from telephony.demo import load_demo
from telephony.logging.calllog import get_call

KNOWN = "13800000001"  # 陈明, 3-2-502 in the demo property
STRANGER = "13912345678"
INVITE_TS = "1795459077.104321"
_uids = itertools.count(1)


def call(agi_server, keys=None, callerid=STRANGER, **channel_opts):
    uid = f"1795459077.{next(_uids)}"
    channel = FakeChannel({"HOTLINE_INVITE_TS": INVITE_TS},
                          keys=keys, **channel_opts)
    play_call(agi_server.port, agi_env("incoming", uniqueid=uid, callerid=callerid), channel)
    return uid, channel


def row(db, uid):
    with db.session() as s:
        return get_call(s, uid)


UNIT_PROMPTS = ["unit_building", "unit_entrance", "unit_room"]


def test_known_resident_pressing_1_goes_to_engineering_with_unit_from_caller_id(agi_server, demo_db):
    for callerid in (KNOWN, "+8613800000001", "008613800000001", "+86 138-0000-0001"):
        uid, ch = call(agi_server, {"greeting": ["1"]}, callerid=callerid)

        assert ch.played == ["greeting", "connect_engineering"], callerid  # no menu, no unit questions
        assert ch.sets("HOTLINE_GREETED") == ["1"]
        assert ch.sets("CDR(userfield)") == ["repair;engineering;3-2-502"]
        assert ch.sets("HOTLINE_QUEUE") == ["dept-engineering"]
        assert ch.sets("HOTLINE_AGI_ERROR") == []
        c = row(demo_db, uid)
        assert (c.category, c.department, c.urgency, c.unit) == ("repair", "engineering", "normal", "3-2-502")
        assert c.caller_name == "陈明" and c.resident_id is not None


def test_greeting_is_interruptible_by_menu_digits_and_prompts_are_full_paths(agi_server, settings):
    _, ch = call(agi_server, {"greeting": ["1"]}, callerid=KNOWN)
    assert ch.played == ["greeting", "connect_engineering"]  # the digit cut the greeting: no menu
    assert ch.prompt_paths[0] == str(settings.prompts_dir / "greeting")


def test_a_hash_during_the_greeting_is_no_choice_and_the_menu_is_asked_again(agi_server, demo_db):
    uid, ch = call(agi_server, {"greeting": ["#"], "menu": ["2"]}, callerid=KNOWN)
    assert ch.played == ["greeting", "menu", "connect_service"]  # no "invalid": '#' ends input
    assert row(demo_db, uid).category == "complaint"


def test_choice_from_the_menu_prompt(agi_server, demo_db):
    uid, ch = call(agi_server, {"menu": ["2"]}, callerid=KNOWN)
    assert ch.played == ["greeting", "menu", "connect_service"]
    assert ch.sets("HOTLINE_QUEUE") == ["dept-service"]
    c = row(demo_db, uid)
    assert (c.category, c.department) == ("complaint", "service")


def test_unknown_caller_keys_in_a_unit_that_exists(agi_server, demo_db):
    uid, ch = call(agi_server, {"greeting": ["4"], "unit_building": ["5"], "unit_entrance": ["1"],
                            "unit_room": ["101"]})
    assert ch.played == ["greeting", *UNIT_PROMPTS, "connect_billing"]
    assert ch.sets("CDR(userfield)") == ["billing;billing;5-1-101"]
    assert ch.sets("HOTLINE_QUEUE") == ["dept-billing"]
    c = row(demo_db, uid)
    assert (c.category, c.department, c.unit, c.resident_id) == ("billing", "billing", "5-1-101", None)
    assert c.caller_number == STRANGER


def test_unit_with_leading_zeros_is_the_same_unit(agi_server, demo_db):
    uid, _ = call(agi_server, {"greeting": ["1"], "unit_building": ["03"], "unit_entrance": ["02"],
                           "unit_room": ["0502"]})
    assert row(demo_db, uid).unit == "3-2-502"


def test_wrong_unit_three_times_leaves_the_unit_unknown_but_the_call_goes_on(agi_server, demo_db, settings):
    assert settings.unit_attempts == 3
    uid, ch = call(agi_server, {"greeting": ["1"], "unit_building": ["3", "44", "3"],
                            "unit_entrance": ["2", "1", "9"], "unit_room": ["503", "101", "502"]})
    assert ch.played.count("unit_invalid") == 3
    assert ch.played.count("unit_room") == 3
    assert ch.sets("CDR(userfield)") == ["repair;engineering;"]
    assert ch.sets("HOTLINE_QUEUE") == ["dept-engineering"]
    c = row(demo_db, uid)
    assert c.unit is None and c.category == "repair"


def test_second_try_at_the_unit_is_accepted(agi_server, demo_db):
    uid, ch = call(agi_server, {"greeting": ["3"], "unit_building": ["9", "9"],
                            "unit_entrance": ["3", "3"], "unit_room": ["", "1203"]})
    assert ch.played.count("unit_invalid") == 1  # the timeout on the room
    assert row(demo_db, uid).unit == "9-3-1203"


def test_garbage_dtmf_is_invalid(agi_server, demo_db):
    # '*' at the menu, then a digit that is not on the menu: two invalid tries -> reception.
    # Then '*' in the building number, '12#'-style junk in the room: the unit is asked again.
    uid, ch = call(agi_server, {"menu": ["*", "7"], "unit_building": ["*", "5"],
                            "unit_entrance": ["1", "1"], "unit_room": ["1*0", "101"]})
    assert ch.played[:5] == ["greeting", "menu", "invalid", "menu", "invalid"]
    assert ch.played.count("unit_invalid") == 1
    assert ch.sets("HOTLINE_QUEUE") == ["dept-service"]
    c = row(demo_db, uid)
    assert (c.category, c.department, c.unit) == ("reception", "service", "5-1-101")


def test_a_digit_off_the_menu_during_the_greeting_is_invalid_then_the_menu_is_asked(agi_server, demo_db):
    uid, ch = call(agi_server, {"greeting": ["7"], "menu": ["9"]}, callerid=KNOWN)
    assert ch.played == ["greeting", "invalid", "menu", "connect_security"]
    assert row(demo_db, uid).category == "emergency"


def test_silence_goes_to_reception_without_an_invalid_prompt(agi_server, demo_db, settings):
    uid, ch = call(agi_server, {}, callerid=KNOWN)
    assert ch.played == ["greeting"] + ["menu"] * settings.menu_attempts + ["connect_service"]
    assert ch.sets("HOTLINE_QUEUE") == [settings.queue_name(settings.reception_department)]
    assert row(demo_db, uid).category == "reception"


def test_emergency_skips_unit_entry(agi_server, demo_db):
    uid, ch = call(agi_server, {"greeting": ["9"]})
    assert not set(UNIT_PROMPTS) & set(ch.played)
    assert ch.played == ["greeting", "connect_security"]
    assert ch.sets("CDR(userfield)") == ["emergency;security;"]
    assert ch.sets("HOTLINE_QUEUE") == ["dept-security"]
    c = row(demo_db, uid)
    assert (c.category, c.department, c.urgency, c.unit) == ("emergency", "security", "urgent", None)


def test_emergency_from_a_known_resident_keeps_the_unit(agi_server, demo_db):
    uid, _ = call(agi_server, {"greeting": ["9"]}, callerid=KNOWN)
    assert row(demo_db, uid).unit == "3-2-502"


def test_the_unit_is_never_read_aloud(agi_server):
    _, ch = call(agi_server, {"greeting": ["1"], "unit_building": ["3"], "unit_entrance": ["2"],
                          "unit_room": ["502"]})
    assert not [argv for argv in ch.commands if argv[0].upper() == "SAY"]
    assert not [p for p in ch.prompt_paths if "502" in p]


def test_caller_hanging_up_in_the_menu_leaves_an_open_row_and_no_queue(agi_server, demo_db):
    uid, ch = call(agi_server, {}, callerid=KNOWN, hangup_during="menu")
    assert ch.sets("HOTLINE_QUEUE") == [] and ch.sets("HOTLINE_AGI_ERROR") == []
    c = row(demo_db, uid)
    assert c is not None and c.category is None and c.ended_at is None


def test_prompts_under_a_data_dir_with_a_space_are_played(tmp_path, db_url, db):
    """A data dir like '/srv/物业 热线' must not break the IVR.

    The prompt path goes to Asterisk on the AGI command line; res_agi splits
    arguments on blanks unless quoted, so an unquoted path with a space makes
    STREAM FILE answer 520 (usage) and every call falls to the fail-safe.
    """
    spaced = load_settings(data_dir=tmp_path / "my hotline" / "data", database_url=db_url)
    load_demo(db, spaced)
    with hotline_server(spaced, db) as srv:
        uid, ch = call(srv, {"greeting": ["1"]}, callerid=KNOWN)
    assert ch.sets("HOTLINE_AGI_ERROR") == [], ch.raw
    assert ch.prompt_paths[0] == str(spaced.prompts_dir / "greeting")
    assert ch.sets("HOTLINE_QUEUE") == ["dept-engineering"]
