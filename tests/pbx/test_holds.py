from telephony.pbx.holds import HoldTracker

CALL = "1795459077.2"


def ev(name, at, **kw):
    return {"Event": name, "Timestamp": f"{at:.6f}", **kw}


def test_holds_pair_up_per_call_and_an_open_hold_ends_with_the_call():
    t = HoldTracker()
    t.feed(ev("Hold", 100.0, Linkedid=CALL))
    t.feed(ev("Hold", 101.0, Linkedid=CALL))  # the other side holding too: still one hold
    t.feed(ev("Unhold", 125.0, Linkedid=CALL))
    t.feed(ev("Hold", 130.0, Linkedid=CALL))
    t.feed(ev("Hold", 50.0, Linkedid="other.1"))
    assert t.pop(CALL, ended=140.0) == ([[100.0, 125.0], [130.0, 140.0]], [])
    assert t.pop(CALL, ended=140.0) == ([], [])  # popped once
    assert t.pop("other.1", ended=60.0) == ([[50.0, 60.0]], [])


def test_transfers_are_recorded_for_the_transferer_s_call():
    t = HoldTracker()
    t.feed(ev("BlindTransfer", 110.0, TransfererLinkedid=CALL, Result="Success"))
    t.feed(ev("AttendedTransfer", 120.0, OrigTransfererLinkedid=CALL, Result="Success"))
    t.feed(ev("Unhold", 5.0, Linkedid=CALL))  # an unhold without a hold is ignored
    assert t.pop(CALL, ended=130.0) == ([], [110.0, 120.0])
