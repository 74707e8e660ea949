"""The wallboard's state machine (WallboardState), fed AMI events shaped like Asterisk 22's.

The events are trimmed copies of what a real hotline sent during a call (resident
13800000001 presses 1, agent 1001 rings 4 s, talks, the resident hangs up), and
of the QueueStatus action's answer.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from telephony.core.config import load_settings
from telephony.pbx.render import TEMPLATES
from telephony.pbx.wallboard import AgentInfo, WallboardState

T0 = 1796135673.0  # a call's first event, epoch seconds
CALLER = "13800000001"
ROSTER = [AgentInfo("1001", "王建国", "engineering"), AgentInfo("1002", "李秀英", "service"),
          AgentInfo("1005", "周敏", "engineering")]


def caller_event(name, t, uid="1796135666.0", queue="dept-engineering", number=CALLER, **extra):
    return {"Event": name, "Privilege": "agent,all", "Timestamp": f"{t:.6f}",
            "Channel": "PJSIP/anonymous-00000000", "ChannelState": "6", "ChannelStateDesc": "Up",
            "CallerIDNum": number, "CallerIDName": "Resident", "ConnectedLineNum": "<unknown>",
            "Context": "hotline-queue", "Exten": "s", "Priority": "1", "Uniqueid": uid, "Linkedid": uid,
            "Queue": queue, **extra}


def join(t, uid="1796135666.0", queue="dept-engineering", position=1, number=CALLER):
    return caller_event("QueueCallerJoin", t, uid, queue, number, Position=str(position), Count=str(position))


def leave(t, uid="1796135666.0", queue="dept-engineering", position=1):
    return caller_event("QueueCallerLeave", t, uid, queue, Position=str(position), Count="0")


def abandon(t, uid="1796135666.0", queue="dept-engineering", position=1):
    return caller_event("QueueCallerAbandon", t, uid, queue, Position=str(position),
                        OriginalPosition=str(position), HoldTime="16")


def agent_event(name, t, agent="1001", uid="1796135666.0", queue="dept-engineering", **extra):
    return caller_event(name, t, uid, queue, DestChannel=f"PJSIP/{agent}-00000001",
                        DestUniqueid="1796135673.1", Interface=f"PJSIP/{agent}", MemberName=agent, **extra)


def member(name, t, agent="1001", queue="dept-engineering", status=1, paused=False):
    return {"Event": name, "Privilege": "agent,all", "Timestamp": f"{t:.6f}", "Queue": queue,
            "MemberName": agent, "Interface": f"PJSIP/{agent}", "StateInterface": f"PJSIP/{agent}",
            "Membership": "static", "Penalty": "0", "CallsTaken": "0", "LastCall": "0", "LastPause": "0",
            "LoginTime": "1796135658", "InCall": "0", "Status": str(status), "Paused": "1" if paused else "0",
            "PausedReason": "lunch" if paused else "", "Ringinuse": "0", "Wrapuptime": "0"}


def status(t, agent="1001", queue="dept-engineering", code=1, paused=False):
    return member("QueueMemberStatus", t, agent, queue, code, paused)


def queue_member(agent, queue, code, paused=False):
    """QueueStatus's QueueMember: other key names than the live events, no timestamp."""
    return {"Event": "QueueMember", "Queue": queue, "Name": agent, "Location": f"PJSIP/{agent}",
            "StateInterface": f"PJSIP/{agent}", "Membership": "static", "Penalty": "0", "CallsTaken": "0",
            "LastCall": "0", "LastPause": "0", "LoginTime": "1796135706", "InCall": "0",
            "Status": str(code), "Paused": "1" if paused else "0", "PausedReason": "", "Wrapuptime": "0",
            "ActionID": "hotline-2"}


def queue_entry(uid, queue, position, wait, number=CALLER):
    return {"Event": "QueueEntry", "Queue": queue, "Position": str(position), "Channel": "PJSIP/anonymous-1",
            "Uniqueid": uid, "CallerIDNum": number, "CallerIDName": "Resident", "ConnectedLineNum": "unknown",
            "Wait": str(wait), "Priority": "0", "ActionID": "hotline-2"}


def queue_params(queue):
    return {"Event": "QueueParams", "Queue": queue, "Max": "0", "Strategy": "ringall", "Calls": "0",
            "Holdtime": "0", "TalkTime": "0", "Completed": "0", "Abandoned": "0", "ActionID": "hotline-2"}


@pytest.fixture
def settings(tmp_path):
    return load_settings(data_dir=tmp_path)


@pytest.fixture
def board(settings) -> WallboardState:
    """Connected, with the demo-like roster: 1001 and 1005 registered in engineering, 1002 in service."""
    b = WallboardState(settings)
    b.set_agents(ROSTER, T0 - 100)
    b.resync([queue_params("dept-engineering"), queue_member("1001", "dept-engineering", 1),
              queue_member("1005", "dept-engineering", 1), queue_params("dept-service"),
              queue_member("1002", "dept-service", 1)], T0 - 100)
    return b


def feed(board, *events):
    for e in events:
        board.feed(e, float(e.get("Timestamp", T0)))


def queue_of(snap, name="dept-engineering"):
    return next(q for q in snap["queues"] if q["queue"] == name)


def agent_of(snap, number="1001"):
    return next(a for a in snap["agents"] if a["agent"] == number)


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def test_the_snapshot_lists_every_department_queue_and_every_agent(board, settings):
    snap = board.snapshot(T0)
    assert snap["connected"] is True
    assert epoch(snap["updated_at"]) == pytest.approx(T0)
    assert snap["updated_at"].endswith("+08:00")  # the timezone setting, like the rest of the API
    assert [q["queue"] for q in snap["queues"]] == [settings.queue_name(d) for d in settings.departments]
    eng = queue_of(snap)
    assert (eng["department"], eng["name_zh"], eng["name_en"]) == ("engineering", "工程维修",
                                                                    "Engineering and repairs")
    assert (eng["waiting"], eng["calls_waiting"], eng["longest_wait_s"], eng["agents_ready"]) == ([], 0, None, 2)
    assert queue_of(snap, "dept-cleaning")["agents_ready"] == 0
    assert [(a["agent"], a["name"], a["department"], a["state"], a["queue"]) for a in snap["agents"]] == [
        ("1001", "王建国", "engineering", "ready", None), ("1002", "李秀英", "service", "ready", None),
        ("1005", "周敏", "engineering", "ready", None)]


def test_a_caller_waits_with_a_masked_number_and_a_growing_wait(board):
    assert board.feed(join(T0), T0) is True
    snap = board.snapshot(T0 + 7.5)
    eng = queue_of(snap)
    [waiting] = eng["waiting"]
    assert waiting == {"uniqueid": "1796135666.0", "position": 1, "since": waiting["since"],
                       "wait_s": 7.5, "caller": "138****0001"}
    assert epoch(waiting["since"]) == pytest.approx(T0)  # Asterisk's event time, not ours
    assert (eng["calls_waiting"], eng["longest_wait_s"]) == (1, 7.5)
    assert CALLER not in str(snap)


def test_positions_follow_joins_and_leaves(board):
    feed(board, join(T0, "a"), join(T0 + 1, "b", position=2), join(T0 + 2, "c", position=3))
    assert [(w["uniqueid"], w["position"]) for w in queue_of(board.snapshot(T0 + 3))["waiting"]] == [
        ("a", 1), ("b", 2), ("c", 3)]
    feed(board, leave(T0 + 4, "a"))  # the first is answered: the others move up
    assert [(w["uniqueid"], w["position"]) for w in queue_of(board.snapshot(T0 + 5))["waiting"]] == [
        ("b", 1), ("c", 2)]
    feed(board, join(T0 + 6, "urgent", position=1))  # a priority caller goes in front
    snap = board.snapshot(T0 + 7)
    assert [(w["uniqueid"], w["position"]) for w in queue_of(snap)["waiting"]] == [
        ("urgent", 1), ("b", 2), ("c", 3)]
    assert queue_of(snap)["longest_wait_s"] == 6.0  # b, since T0 + 1


def test_an_abandoned_caller_leaves_once_and_the_queue_empties(board):
    feed(board, join(T0, "a"), join(T0 + 1, "b", position=2))
    feed(board, abandon(T0 + 5, "a"), leave(T0 + 5.001, "a"))  # Asterisk sends both
    [b] = queue_of(board.snapshot(T0 + 6))["waiting"]
    assert (b["uniqueid"], b["position"]) == ("b", 1)
    feed(board, abandon(T0 + 7, "b"), leave(T0 + 7.001, "b"))
    eng = queue_of(board.snapshot(T0 + 8))
    assert (eng["waiting"], eng["calls_waiting"], eng["longest_wait_s"]) == ([], 0, None)


def test_overflow_moves_the_caller_to_reception(board):
    feed(board, join(T0), abandon(T0 + 20), leave(T0 + 20.001), join(T0 + 20.003, queue="dept-service"))
    snap = board.snapshot(T0 + 21)
    assert queue_of(snap)["waiting"] == []
    [w] = queue_of(snap, "dept-service")["waiting"]
    assert w["wait_s"] == pytest.approx(0.997)  # the wait in this queue


def test_ringing_then_talking_then_ready(board):
    """The order a real call sent them in: member status and queue events interleave."""
    feed(board, join(T0), agent_event("AgentCalled", T0 + 0.003), status(T0 + 0.006, code=6))
    snap = board.snapshot(T0 + 2)
    a = agent_of(snap)
    assert (a["state"], a["queue"]) == ("ringing", "dept-engineering")
    assert epoch(a["since"]) == pytest.approx(T0 + 0.003)
    assert queue_of(snap)["agents_ready"] == 1  # 1005 only
    assert queue_of(snap)["calls_waiting"] == 1

    feed(board, status(T0 + 4.0, code=2), leave(T0 + 4.002),
         agent_event("AgentConnect", T0 + 4.004, HoldTime="4", RingTime="4"))
    snap = board.snapshot(T0 + 6)
    a = agent_of(snap)
    assert (a["state"], a["queue"]) == ("talking", "dept-engineering")
    assert epoch(a["since"]) == pytest.approx(T0 + 4.0)  # the phone's answer, not the last event
    assert queue_of(snap)["calls_waiting"] == 0

    feed(board, agent_event("AgentComplete", T0 + 10.5, HoldTime="4", TalkTime="6", Reason="caller"),
         status(T0 + 10.506, code=1))
    a = agent_of(board.snapshot(T0 + 11))
    assert (a["state"], a["queue"]) == ("ready", None)
    assert epoch(a["since"]) == pytest.approx(T0 + 10.506)
    assert queue_of(board.snapshot(T0 + 11))["agents_ready"] == 2


def test_ringall_stops_the_other_phones_when_one_answers(board):
    feed(board, join(T0), agent_event("AgentCalled", T0 + 0.01, "1001"), agent_event("AgentCalled", T0 + 0.01, "1005"),
         status(T0 + 0.02, "1001", code=6), status(T0 + 0.02, "1005", code=6))
    assert {agent_of(board.snapshot(T0 + 1), n)["state"] for n in ("1001", "1005")} == {"ringing"}
    feed(board, status(T0 + 3, "1005", code=2), leave(T0 + 3.001), agent_event("AgentConnect", T0 + 3.002, "1005"))
    snap = board.snapshot(T0 + 3.1)
    assert agent_of(snap, "1005")["state"] == "talking"
    # 1001's phone may still report Ringing a moment; no queue call rings there any more
    assert agent_of(snap, "1001")["queue"] is None
    feed(board, status(T0 + 3.01, "1001", code=1))
    assert agent_of(board.snapshot(T0 + 3.2), "1001")["state"] == "ready"


def test_ring_no_answer_and_a_caller_hanging_up_while_it_rings(board):
    feed(board, join(T0), agent_event("AgentCalled", T0 + 0.01), status(T0 + 0.02, code=6))
    feed(board, agent_event("AgentRingNoAnswer", T0 + 15, RingTime="15000"), status(T0 + 15.002, code=1))
    assert agent_of(board.snapshot(T0 + 16))["state"] == "ready"
    feed(board, agent_event("AgentCalled", T0 + 16))
    assert agent_of(board.snapshot(T0 + 17))["state"] == "ringing"
    feed(board, abandon(T0 + 18), leave(T0 + 18.001))  # no AgentRingNoAnswer comes for this one
    assert agent_of(board.snapshot(T0 + 19))["state"] == "ready"


def test_paused_and_offline(board):
    feed(board, member("QueueMemberPause", T0, "1002", "dept-service", status=1, paused=True))
    snap = board.snapshot(T0 + 1)
    assert agent_of(snap, "1002")["state"] == "paused"
    assert queue_of(snap, "dept-service")["agents_ready"] == 0
    feed(board, member("QueueMemberPause", T0 + 2, "1002", "dept-service", status=1, paused=False))
    assert agent_of(board.snapshot(T0 + 3), "1002")["state"] == "ready"

    feed(board, status(T0 + 4, "1005", code=5))  # un-registered: UNAVAILABLE
    snap = board.snapshot(T0 + 5)
    assert agent_of(snap, "1005")["state"] == "offline"
    assert epoch(agent_of(snap, "1005")["since"]) == pytest.approx(T0 + 4)
    assert queue_of(snap)["agents_ready"] == 1
    feed(board, status(T0 + 6, "1005", code=5, paused=True))  # paused and away is away
    assert agent_of(board.snapshot(T0 + 7), "1005")["state"] == "offline"


def test_a_talking_agent_who_is_paused_still_shows_talking(board):
    feed(board, join(T0), agent_event("AgentCalled", T0 + 0.1), status(T0 + 1, code=2),
         leave(T0 + 1.01), agent_event("AgentConnect", T0 + 1.02),
         member("QueueMemberPause", T0 + 2, status=2, paused=True))
    assert agent_of(board.snapshot(T0 + 3))["state"] == "talking"
    feed(board, agent_event("AgentComplete", T0 + 9), status(T0 + 9.01, code=1, paused=True))
    assert agent_of(board.snapshot(T0 + 10))["state"] == "paused"


def test_members_added_and_removed(board):
    feed(board, member("QueueMemberRemoved", T0, "1005"))
    snap = board.snapshot(T0 + 1)
    assert agent_of(snap, "1005")["state"] == "offline"  # in no queue: unreachable
    assert queue_of(snap)["agents_ready"] == 1
    feed(board, member("QueueMemberAdded", T0 + 2, "1005", status=1))
    assert agent_of(board.snapshot(T0 + 3), "1005")["state"] == "ready"


def test_an_agent_in_the_table_but_in_no_queue_is_offline(settings):
    b = WallboardState(settings)
    b.set_agents([AgentInfo("1009", "新同事", "engineering")], T0)
    assert b.snapshot(T0)["connected"] is False
    [a] = b.snapshot(T0)["agents"]
    assert (a["agent"], a["state"], a["queue"]) == ("1009", "offline", None)


def test_resync_replaces_stale_state(board):
    """Missed events while AMI was down: QueueStatus's answer is the truth, whatever came before."""
    feed(board, join(T0, "gone"), join(T0 + 1, "kept", position=2), agent_event("AgentCalled", T0 + 1, uid="gone"),
         status(T0 + 1.01, code=6))
    board.set_connected(False, T0 + 2)
    assert board.snapshot(T0 + 2)["connected"] is False
    board.resync([queue_params("dept-engineering"), queue_member("1001", "dept-engineering", 2),
                  queue_member("1005", "dept-engineering", 5), queue_entry("kept", "dept-engineering", 1, 29),
                  queue_entry("new", "dept-engineering", 2, 12, number="02165123456"),
                  queue_params("dept-service"), queue_member("1002", "dept-service", 1, paused=True),
                  {"Event": "QueueEntry", "Queue": "dept-engineering"}, {**queue_member("1003", "x", 1)},
                  {**queue_member("1005", "dept-engineering", 1), "Status": "?"}, {"Event": "QueueEntry"}],
                 T0 + 30)
    snap = board.snapshot(T0 + 30)
    assert snap["connected"] is True
    waiting = queue_of(snap)["waiting"]
    assert [(w["uniqueid"], w["position"], w["caller"]) for w in waiting] == [
        ("kept", 1, "138****0001"), ("new", 2, "021****3456")]
    assert waiting[0]["wait_s"] == pytest.approx(29.0)  # kept its exact join time
    assert waiting[1]["wait_s"] == pytest.approx(12.0)  # from QueueEntry's Wait
    # 1001 is now in a call we never saw connect: talking, queue unknown
    assert (agent_of(snap)["state"], agent_of(snap)["queue"]) == ("talking", None)
    assert agent_of(snap, "1005")["state"] == "offline"
    assert agent_of(snap, "1002")["state"] == "paused"
    assert queue_of(snap)["agents_ready"] == 0


def test_resync_keeps_since_for_an_unchanged_state(board):
    before = agent_of(board.snapshot(T0), "1002")["since"]
    board.resync([queue_member("1002", "dept-service", 1)], T0 + 50)
    assert agent_of(board.snapshot(T0 + 50), "1002")["since"] == before


def test_two_calls_at_once_do_not_mix(board):
    feed(board, join(T0, "c1"), join(T0 + 1, "c2", queue="dept-service"),
         agent_event("AgentCalled", T0 + 0.1, "1001", uid="c1"),
         agent_event("AgentCalled", T0 + 1.1, "1002", uid="c2", queue="dept-service"),
         status(T0 + 2, "1002", "dept-service", code=2), leave(T0 + 2.01, "c2", "dept-service"),
         agent_event("AgentConnect", T0 + 2.02, "1002", uid="c2", queue="dept-service"))
    snap = board.snapshot(T0 + 3)
    assert (agent_of(snap)["state"], agent_of(snap)["queue"]) == ("ringing", "dept-engineering")
    assert (agent_of(snap, "1002")["state"], agent_of(snap, "1002")["queue"]) == ("talking", "dept-service")
    assert [w["uniqueid"] for w in queue_of(snap)["waiting"]] == ["c1"]
    assert queue_of(snap, "dept-service")["waiting"] == []


def test_unknown_and_garbled_events_are_ignored(board):
    before = board.snapshot(T0)
    version = board.version
    junk = [
        {}, {"Event": "FullyBooted"}, {"Event": "VarSet", "Variable": "A", "Value": "1"},
        {"Event": "QueueCallerJoin"},  # no queue, no caller
        {"Event": "QueueCallerJoin", "Queue": "no-such-queue", "Uniqueid": "x", "Position": "1"},
        {"Event": "QueueCallerLeave", "Queue": "dept-engineering", "Uniqueid": "never-joined"},
        {"Event": "QueueMemberStatus", "Queue": "dept-engineering", "Interface": "PJSIP/1001", "Status": "busy"},
        {"Event": "QueueMemberStatus", "Queue": "dept-engineering", "Status": "1"},  # whose?
        {"Event": "AgentCalled", "Interface": "PJSIP/1001"},  # no caller, no queue
        {"Event": "AgentConnect", "Queue": "dept-engineering", "Uniqueid": "x"},  # no agent
        {"Event": "AgentComplete", "Interface": "PJSIP/9999", "Uniqueid": "x"},
        {"Event": "AgentRingNoAnswer", "Interface": "PJSIP/1001", "Uniqueid": "not-ringing"},
        {"Event": "QueueMemberRemoved", "Queue": "dept-engineering", "Interface": "PJSIP/9999"},
        {"Event": None}, {"Event": ["QueueCallerJoin"]}, "not a dict", None,
    ]
    for event in junk:
        assert board.feed(event, T0) is False, event
    assert board.version == version
    assert board.snapshot(T0) == before


def test_garbled_fields_in_a_usable_event_fall_back_safely(board):
    board.feed({**join(T0), "Timestamp": "nan", "Position": "first", "CallerIDNum": "<unknown>"}, T0)
    board.feed({**join(T0, "b", position=2), "Timestamp": "1e300", "CallerIDNum": "anonymous"}, T0 + 1)
    [a, b] = queue_of(board.snapshot(T0 + 2))["waiting"]
    assert (a["uniqueid"], a["position"], a["caller"], a["wait_s"]) == ("1796135666.0", 1, None, 2.0)
    assert (b["uniqueid"], b["caller"], b["wait_s"]) == ("b", None, 1.0)  # our clock, not 1e300


def test_hostile_caller_id_never_reaches_the_wall(board):
    feed(board, join(T0, number='<script>alert("x")</script>13912345678'))
    [w] = queue_of(board.snapshot(T0))["waiting"]
    assert w["caller"] == "139****5678"


def test_the_ami_user_may_read_the_event_classes_the_wallboard_needs():
    """Queue*/Agent* events are class 'agent'; ringtimes.py and holds.py need 'call' (and the rest)."""
    manager = (TEMPLATES / "manager.conf").read_text()
    read = next(line for line in manager.splitlines() if line.startswith("read"))
    classes = {c.strip() for c in read.partition("=")[2].split(",")}
    assert {"agent", "call"} <= classes


def test_the_same_agents_again_change_nothing_new_ones_do(board):
    version = board.version
    board.set_agents(list(ROSTER), T0)  # the feed re-reads the table on every reconnect
    assert board.version == version
    board.set_agents([*ROSTER, AgentInfo("1009", "新同事", "engineering")], T0)
    assert board.version > version
    assert agent_of(board.snapshot(T0), "1009")["state"] == "offline"


def test_an_event_re_derives_only_the_agents_it_touched(settings):
    """Hundreds of agents: one agent's event must not re-derive everyone (it was the API's CPU)."""
    board = WallboardState(settings)
    board.set_agents([AgentInfo(str(n), f"agent {n}", "engineering") for n in range(2000, 2300)], 0.0)
    for n in range(2000, 2300):
        board.feed({"Event": "QueueMemberStatus", "Queue": "dept-engineering", "Interface": f"PJSIP/{n}",
                    "MemberName": str(n), "Status": "1", "Paused": "0"}, 1.0)
    derived = []
    real = board._derive
    board._derive = lambda number: derived.append(number) or real(number)
    board.feed({"Event": "AgentCalled", "Queue": "dept-engineering", "Uniqueid": "u1",
                "Interface": "PJSIP/2007", "MemberName": "2007"}, 2.0)
    assert derived == ["2007"]
    agents = {a["agent"]: a for a in board.snapshot(2.0)["agents"]}
    assert agents["2007"]["state"] == "ringing" and agents["2008"]["state"] == "ready"
