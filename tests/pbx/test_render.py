"""Asterisk's config, rendered from the templates in asterisk/ and the database."""
from __future__ import annotations

import hashlib
import re
import stat

import pytest

from telephony.core.config import Category, Department, load_settings
from telephony.demo import DEMO_AGENT_PASSWORD, DEMO_AGENTS, load_demo
from telephony.directory import add_agent
from telephony.pbx.render import GENERATED, TEMPLATES, ami_secret, render


def sections(text: str) -> list[tuple[str, str, dict[str, list[str]]]]:
    """[name](template) sections of an Asterisk .conf: (name, template, {key: [values]})."""
    out: list[tuple[str, str, dict[str, list[str]]]] = []
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            name, _, rest = line[1:].partition("]")
            out.append((name, rest.strip("()"), {}))
            continue
        key, sep, value = line.partition("=>") if "=>" in line else line.partition("=")
        assert sep, f"not a key = value line: {raw!r}"
        out[-1][2].setdefault(key.strip(), []).append(value.strip())
    return out


def section(text: str, name: str, type_: str | None = None) -> dict[str, list[str]]:
    found = [body for n, _, body in sections(text) if n == name and (type_ is None or body.get("type") == [type_])]
    assert len(found) == 1, f"[{name}] type={type_}: {len(found)} sections"
    return found[0]


@pytest.fixture
def rendered(settings, db):
    load_demo(db, settings)
    etc = render(settings, db)
    return etc


def test_every_template_is_written_with_no_placeholder_left(rendered, settings):
    assert rendered == settings.asterisk_dir / "etc"
    templates = {p.name for p in TEMPLATES.glob("*.conf")}
    assert {"asterisk.conf", "pjsip.conf", "extensions.conf", "manager.conf", "cdr_custom.conf"} <= templates
    written = {p.name for p in rendered.iterdir()}
    assert written == templates | set(GENERATED)  # and no *.tmp left over
    for path in rendered.iterdir():
        assert "@@" not in path.read_text(encoding="utf-8"), path.name
    for sub in ("db", "spool", "run", "log", "log/cdr-custom"):
        assert (settings.asterisk_dir / sub).is_dir()
    assert settings.recordings_dir.is_dir()


def test_placeholders_get_the_instance_values(rendered, settings):
    manager = (rendered / "manager.conf").read_text()
    general = section(manager, "general")
    assert general["bindaddr"] == ["127.0.0.1"] and general["port"] == [str(settings.ami_port)]
    assert section(manager, settings.ami_user)["secret"] == [ami_secret(settings)]
    pjsip = (rendered / "pjsip.conf").read_text()
    assert section(pjsip, "transport-udp")["bind"] == [f"127.0.0.1:{settings.sip_port}"]
    assert section(pjsip, "global")["default_realm"] == [settings.sip_realm]
    ext = (rendered / "extensions.conf").read_text()
    glob = section(ext, "globals")
    assert glob["HOTLINE_AGI"] == [f"agi://127.0.0.1:{settings.agi_port}"]
    assert glob["HOTLINE_PROMPTS"] == [str(settings.prompts_dir)]
    assert glob["HOTLINE_RECEPTION_QUEUE"] == ["dept-service"]
    assert glob["HOTLINE_QUEUE_TIMEOUT"] == [str(settings.queue_timeout_s)]
    assert section(ext, "hotline-resident")["exten"][0].startswith(f"{settings.hotline_number},1,")
    dirs = section((rendered / "asterisk.conf").read_text(), "directories")
    assert dirs["astetcdir"] == [str(rendered)]
    assert dirs["astlogdir"] == [str(settings.asterisk_dir / "log")]


def test_agents_authenticate_by_digest_with_no_clear_password(rendered, settings):
    text = (rendered / "pjsip_agents.conf").read_text()
    assert DEMO_AGENT_PASSWORD not in text
    for number, name, _dept in DEMO_AGENTS:
        auth = section(text, f"{number}-auth", "auth")
        ha1 = hashlib.md5(f"{number}:{settings.sip_realm}:{DEMO_AGENT_PASSWORD}".encode()).hexdigest()
        assert auth["auth_type"] == ["digest"]
        assert auth["password_digest"] == [f"MD5:{ha1}"]
        assert auth["username"] == [number] and auth["realm"] == [settings.sip_realm]
        assert "password" not in auth and "md5_cred" not in auth
        endpoint = [body for n, tmpl, body in sections(text) if n == number and tmpl == "media-defaults"]
        assert len(endpoint) == 1
        assert endpoint[0]["auth"] == [f"{number}-auth"] and endpoint[0]["aors"] == [number]
        assert endpoint[0]["context"] == ["hotline-agent"]
        assert endpoint[0]["callerid"] == [f'"{name}" <{number}>']
        assert section(text, number, "aor")["max_contacts"] == ["1"]


def test_the_realm_is_part_of_the_digest(tmp_path, db_url, db):
    other = load_settings(data_dir=tmp_path / "other", database_url=db_url, sip_realm="jinxiu")
    with db.session() as s:
        add_agent(s, number="2001", name="周", department="service", password="s3cret-pw",
                  realm=other.sip_realm, departments=other.departments)
    text = (render(other, db) / "pjsip_agents.conf").read_text()
    ha1 = hashlib.md5(b"2001:jinxiu:s3cret-pw").hexdigest()
    assert section(text, "2001-auth", "auth")["password_digest"] == [f"MD5:{ha1}"]
    assert section(text, "2001-auth", "auth")["realm"] == ["jinxiu"]


def test_one_queue_per_department_with_its_agents(rendered, settings):
    text = (rendered / "queues.conf").read_text()
    queues = {n: body for n, tmpl, body in sections(text) if tmpl == "department"}
    assert set(queues) == {f"dept-{d}" for d in settings.departments}
    by_dept = {}
    for number, _name, dept in DEMO_AGENTS:
        by_dept.setdefault(dept, []).append(f"PJSIP/{number},0,{number},PJSIP/{number}")
    for dept in settings.departments:
        assert queues[f"dept-{dept}"].get("member", []) == by_dept.get(dept, []), dept
    template = section(text, "department")
    assert template["timeout"] == ["15"]  # 3 rings x 5 s
    assert template["strategy"] == [settings.queue_strategy]
    assert template["setinterfacevar"] == ["yes"]  # MEMBERNAME for the call-end route
    assert section(text, "general")["log_membername_as_agent"] == ["yes"]  # agent numbers in queue_log


def test_ring_timeout_follows_the_settings(tmp_path, db_url, db):
    custom = load_settings(data_dir=tmp_path / "c", database_url=db_url, ring_limit=4,
                           ring_cadence_ms=6000, queue_strategy="rrmemory")
    text = (render(custom, db) / "queues.conf").read_text()
    template = section(text, "department")
    assert template["timeout"] == ["24"]
    assert template["strategy"] == ["rrmemory"]


def test_departments_come_from_the_settings(tmp_path, db_url, db):
    departments = {
        "service": Department(name_zh="客服", name_en="Service"),
        "garden": Department(name_zh="绿化", name_en="Gardening"),
    }
    categories = {
        "reception": Category(name_zh="人工", name_en="Reception", department="service"),
        "trees": Category(name_zh="树木", name_en="Trees", department="garden"),
    }
    custom = load_settings(data_dir=tmp_path / "g", database_url=db_url, departments=departments,
                           categories=categories, menu={"0": "reception", "1": "trees"})
    with db.session() as s:
        add_agent(s, number="3001", name="林", department="garden", password="garden-pw",
                  realm=custom.sip_realm, departments=custom.departments)
    text = (render(custom, db) / "queues.conf").read_text()
    queues = {n: body for n, tmpl, body in sections(text) if tmpl == "department"}
    assert set(queues) == {"dept-service", "dept-garden"}
    assert queues["dept-garden"]["member"] == ["PJSIP/3001,0,3001,PJSIP/3001"]
    assert "member" not in queues["dept-service"]


def test_agent_names_cannot_break_the_config(settings, db):
    with db.session() as s:
        add_agent(s, number="1009", name='Li "Boss"\n[evil]\ntype = endpoint', department="service",
                  password="secret-pw", realm=settings.sip_realm, departments=settings.departments)
    text = (render(settings, db) / "pjsip_agents.conf").read_text()
    assert "evil" not in [n for n, _, _ in sections(text)]
    endpoint = [body for n, tmpl, body in sections(text) if n == "1009" and tmpl == "media-defaults"][0]
    assert endpoint["callerid"] == ["\"Li 'Boss' [evil] type = endpoint\" <1009>"]


def test_render_is_repeatable_and_picks_up_new_agents(rendered, settings, db):
    before = {p.name: p.read_text() for p in rendered.iterdir()}
    render(settings, db)
    assert {p.name: p.read_text() for p in rendered.iterdir()} == before
    with db.session() as s:
        add_agent(s, number="1010", name="新人", department="engineering", password="newbie-pw",
                  realm=settings.sip_realm, departments=settings.departments)
    render(settings, db)
    text = (rendered / "queues.conf").read_text()
    members = section(text, "dept-engineering")["member"]
    assert "PJSIP/1010,0,1010,PJSIP/1010" in members and len(members) == 2
    assert section((rendered / "pjsip_agents.conf").read_text(), "1010-auth", "auth")


def test_ami_secret_is_generated_once_and_private(settings):
    secret = ami_secret(settings)
    assert len(secret) >= 32
    path = settings.data_dir / "ami.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ami_secret(settings) == secret


def test_ami_secret_setting_wins(tmp_path):
    s = load_settings(data_dir=tmp_path, ami_secret="from-settings")
    assert ami_secret(s) == "from-settings"
    assert not (tmp_path / "ami.secret").exists()


def _agi_args(ext: str, route: str) -> list[str]:
    """The variable named by each argument of the dialplan's AGI(.../route,...)."""
    [line] = [ln for ln in ext.splitlines() if f"AGI(${{HOTLINE_AGI}}/{route}," in ln]
    args = line.split(f"/{route},", 1)[1].rsplit(")", 1)[0].split(",")
    names = [re.fullmatch(r"\$\{QUOTE\(\$\{(\w+)\}\)\}|\$\{(\w+)\}", a) for a in args]
    return [m and (m.group(1) or m.group(2)) for m in names]


def test_the_routes_arguments_are_passed_in_the_order_the_routes_read_them(rendered):
    from telephony.agi import variables as V

    ext = (rendered / "extensions.conf").read_text()
    assert _agi_args(ext, "incoming") == list(V.INCOMING_ARGS)
    assert _agi_args(ext, "call-end") == list(V.CALL_END_ARGS)


def test_python_answers_the_call_the_dialplan_leaves_it_ringing(rendered):
    ext = (rendered / "extensions.conf").read_text()
    resident = ext[ext.index("[hotline-resident]"):ext.index("[hotline-queue]")]
    before_python = resident[:resident.index("AGI(${HOTLINE_AGI}/incoming,")]
    # A digit pressed between an answer and Python's greeting would be dropped by Asterisk.
    assert "Answer(" not in before_python and ",1,Ringing()" in before_python
    failsafe = ext[ext.index("[hotline-failsafe]"):ext.index("[hotline-call-end]")]
    assert failsafe.index("Answer()") < failsafe.index("Playback(")  # Python may not have answered
