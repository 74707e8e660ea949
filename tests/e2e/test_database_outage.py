"""PostgreSQL goes away in the middle of the day: calls still reach a person, and
every call is in the log once the database is back."""
from __future__ import annotations

import pytest

from hotline_instance import start_hotline, stop_hotline
from pg_databases import create_database, drop_database
from tcp_proxy import CuttableProxy
from telephony.sipp.media import Digits, Silence
from telephony.sipp.phones import agent_phone, resident_call

pytestmark = pytest.mark.e2e


@pytest.fixture
def proxied_postgres():
    name, url = create_database()
    proxy = CuttableProxy(("127.0.0.1", 5432))
    yield proxy, url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    proxy.close()
    drop_database(name)


def test_calls_during_a_database_outage_are_answered_and_logged_afterwards(tmp_path, proxied_postgres):
    proxy, url = proxied_postgres
    hotline = start_hotline(tmp_path, url)
    try:
        hotline.login("supervisor", "hotline-demo")  # while the database is up; sees residents in full
        agent = agent_phone(hotline.remote, tmp_path, user="1002", password="hotline-demo",
                            ring_ms=2000).start()
        proxy.cut()
        # The IVR can't open the call's row: the dialplan's fail-safe greets and rings reception.
        resident_call(hotline.remote, tmp_path, caller_number="13800000001",
                      media=[Silence(1500), Digits("1"), Silence(14_000)], tail_ms=1000).run().check()
        agent.wait().check()
        response = hotline.api("/api/calls")
        assert response.status_code == 503
        assert response.json() == {"detail": "database unavailable"}

        proxy.restore()
        [call] = hotline.wait_for_calls(1, timeout=40)
        assert call["caller_number"] == "13800000001" and call["unit"] == "3-2-502"
        assert (call["department"], call["agent"], call["disposition"]) == ("service", "1002", "answered")
    finally:
        proxy.restore()
        stop_hotline(hotline)
