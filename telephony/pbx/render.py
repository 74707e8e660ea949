"""Render Asterisk's config from the templates in asterisk/ and the database."""
from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select

from telephony.core.config import Settings
from telephony.db.models import Agent
from telephony.db.session import Database

TEMPLATES = Path(__file__).resolve().parents[2] / "asterisk"
GENERATED = ("pjsip_agents.conf", "queues.conf", "extensions_bench.conf")
# Benchmarks only: rendered into extensions_bench.conf (included by extensions.conf) when
# settings.bench_contexts is on, else that file stays empty.
BENCH_TEMPLATE = TEMPLATES / "bench" / "extensions_bench.conf"


def ami_secret(settings: Settings) -> str:
    """The AMI secret: a setting, else generated once and kept in the data dir."""
    if settings.ami_secret:
        return settings.ami_secret
    path = settings.data_dir / "ami.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def placeholders(settings: Settings) -> dict[str, str]:
    return {
        "ETC_DIR": str(settings.asterisk_dir / "etc"),
        "AST_DIR": str(settings.asterisk_dir),
        "BIND_HOST": settings.bind_host,
        "SIP_PORT": str(settings.sip_port),
        "AGI_PORT": str(settings.agi_port),
        "AMI_PORT": str(settings.ami_port),
        "AMI_USER": settings.ami_user,
        "AMI_SECRET": ami_secret(settings),
        "RTP_START": str(settings.rtp_port_start),
        "RTP_END": str(settings.rtp_port_end),
        "SIP_REALM": settings.sip_realm,
        "HOTLINE_NUMBER": settings.hotline_number,
        "PROMPTS_DIR": str(settings.prompts_dir),
        "RECORDINGS_DIR": str(settings.recordings_dir),
        "RECEPTION_QUEUE": settings.queue_name(settings.reception_department),
        "QUEUE_TIMEOUT": str(settings.queue_timeout_s),
        "OVERFLOW_TIMEOUT": str(settings.overflow_timeout_s),
    }


def fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@@{name}@@", value)
    if "@@" in template:
        raise ValueError(f"unfilled placeholder near: {template[template.index('@@'):][:40]!r}")
    return template


def pjsip_agents(settings: Settings, agents: list[Agent]) -> str:
    out = ["; Generated from the agents table: do not edit, run `hotline agents add`."]
    for a in agents:
        name = a.name.replace('"', "'").replace("\n", " ")
        out.append(f"""
[{a.number}](media-defaults)
context = hotline-agent
auth = {a.number}-auth
aors = {a.number}
callerid = "{name}" <{a.number}>

[{a.number}-auth]
type = auth
auth_type = digest
username = {a.number}
realm = {settings.sip_realm}
password_digest = MD5:{a.sip_ha1}

[{a.number}]
type = aor
max_contacts = 1
remove_existing = yes
qualify_frequency = 0
""")
    return "\n".join(out)


def queues(settings: Settings, agents: list[Agent]) -> str:
    out = [f"""; Generated: one queue per department, members are its agents.
[general]
persistentmembers = no
autofill = yes
shared_lastcall = yes
log_membername_as_agent = yes

[department](!)
strategy = {settings.queue_strategy}
; One agent's phone rings for the ring limit ({settings.ring_limit} rings), then the queue tries again.
timeout = {settings.member_ring_timeout_s}
retry = 1
wrapuptime = 0
ringinuse = no
; Nobody able to answer here: leave at once so the call overflows to reception.
joinempty = unavailable,invalid
leavewhenempty = unavailable,invalid
setinterfacevar = yes
setqueueentryvar = yes
announce-frequency = 0
periodic-announce-frequency = 0
reportholdtime = no
"""]
    for dept in settings.departments:
        out.append(f"[{settings.queue_name(dept)}](department)")
        for a in agents:
            if a.department == dept:
                out.append(f"member => PJSIP/{a.number},0,{a.number},PJSIP/{a.number}")
        out.append("")
    return "\n".join(out)


def perprocess_agi_path(settings: Settings) -> Path:
    """The bench's per-process AGI script (written by bench/, run by Asterisk's AGI())."""
    return settings.asterisk_dir / "agi-bin" / "perprocess-agi"


def bench_dialplan(settings: Settings) -> str:
    if not settings.bench_contexts:
        return "; Benchmark numbers are off (setting bench_contexts).\n"
    values = {
        **placeholders(settings),
        "BENCH_BARE_NUMBER": settings.bench_bare_number,
        "BENCH_PERPROCESS_NUMBER": settings.bench_perprocess_number,
        "BENCH_PERPROCESS_AGI": str(perprocess_agi_path(settings)),
        "BENCH_DEPARTMENT": settings.bench_department,
        "BENCH_QUEUE": settings.queue_name(settings.bench_department),
        "MENU_TIMEOUT": str(settings.menu_timeout_s),
    }
    return fill(BENCH_TEMPLATE.read_text(encoding="utf-8"), values)


def render(settings: Settings, db: Database) -> Path:
    """Write the whole config; returns the etc dir. Safe to call while running."""
    etc = settings.asterisk_dir / "etc"
    for sub in ("etc", "db", "spool", "run", "log"):
        (settings.asterisk_dir / sub).mkdir(parents=True, exist_ok=True)
    (settings.asterisk_dir / "log" / "cdr-custom").mkdir(exist_ok=True)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    values = placeholders(settings)
    for template in sorted(TEMPLATES.glob("*.conf")):
        _write(etc / template.name, fill(template.read_text(encoding="utf-8"), values))
    with db.session() as s:
        agents = list(s.scalars(select(Agent).order_by(Agent.number)))
    _write(etc / "pjsip_agents.conf", pjsip_agents(settings, agents))
    _write(etc / "queues.conf", queues(settings, agents))
    _write(etc / "extensions_bench.conf", bench_dialplan(settings))
    return etc


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # Asterisk never reads half a file
