"""The `hotline` command."""
from __future__ import annotations

import functools
import json
from contextlib import contextmanager
import logging
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import make_url, select
from sqlalchemy.exc import OperationalError

from telephony.auth.users import ROLES, UserError, create_user
from telephony.core.config import Settings, load_settings
from telephony.db.models import Agent, Call, Resident, User
from telephony.db.session import Database, migrate
from telephony.directory import DirectoryError, add_agent, import_residents
from telephony.logging.calllog import call_to_dict


def with_settings(fn):
    """Every command takes --data-dir (or HOTLINE_DATA_DIR) to pick its instance."""
    @click.option("--data-dir", type=click.Path(path_type=Path), envvar="HOTLINE_DATA_DIR",
                  default="var", show_default=True, help="the instance's data directory")
    @functools.wraps(fn)
    def wrapper(data_dir, **kwargs):
        return fn(load_settings(data_dir=data_dir, **_port_overrides(kwargs)), **kwargs)
    return wrapper


def _port_overrides(kwargs: dict) -> dict:
    return {k: kwargs.pop(k) for k in ("sip_port", "agi_port", "ami_port", "api_port") if k in kwargs}


def _db(settings: Settings) -> Database:
    with _clear_errors(settings):
        migrate(settings.db_url)
    return Database(settings.db_url)


@contextmanager
def _clear_errors(settings: Settings):
    """Failures a user can fix become one line, not a traceback."""
    from telephony.ivr.prompts import PromptError
    from telephony.pbx.asterisk import AsteriskNotInstalled

    try:
        yield
    except OperationalError as e:
        url = make_url(settings.db_url).render_as_string(hide_password=True)
        raise click.ClickException(f"database unavailable at {url}: {str(e.orig).strip()}") from None
    except (AsteriskNotInstalled, PromptError) as e:
        raise click.ClickException(str(e)) from None


def _apply_to_running(settings: Settings) -> None:
    """Re-render Asterisk's config and reload it, if this instance is running."""
    from telephony.pbx.ami import reload_asterisk
    from telephony.pbx.render import render
    from telephony.up import instance_file

    info = instance_file(settings)
    if info.exists():
        settings.ami_port = json.loads(info.read_text())["ami_port"]
    render(settings, Database(settings.db_url))
    if reload_asterisk(settings):
        click.echo("applied to the running hotline")


@click.group()
@click.option("-v", "--verbose", is_flag=True)
def main(verbose: bool) -> None:
    """The resident hotline."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)


@main.command()
@click.option("--sip-port", type=int)
@click.option("--agi-port", type=int)
@click.option("--ami-port", type=int)
@click.option("--api-port", type=int)
@click.option("--no-demo", is_flag=True, help="don't load the demo property into an empty database")
@with_settings
def up(settings: Settings, no_demo: bool) -> None:
    """Start Asterisk, the FastAGI server and the API in the foreground."""
    from telephony.up import up as run_up

    with _clear_errors(settings):
        code = run_up(settings, demo=not no_demo)
    sys.exit(code)


@main.command(hidden=True)
@click.argument("service", type=click.Choice(["agi", "api"]))
@with_settings
def serve(settings: Settings, service: str) -> None:
    """One of the instance's services (what `hotline up` starts)."""
    if service == "agi":
        from telephony.agi.app import serve as serve_agi

        serve_agi(settings)
    else:
        import uvicorn

        from telephony.api.main import create_app

        # The grace: wallboard event streams never end by themselves and would hold up the stop.
        uvicorn.run(create_app(settings), host=settings.bind_host, port=settings.api_port,
                    log_level="warning", timeout_graceful_shutdown=settings.api_shutdown_grace_s)


@main.command()
@with_settings
def worker(settings: Settings) -> None:
    """Transcribe and audit answered calls from the queue (any machine, same database)."""
    import signal
    import threading

    from telephony.analysis.worker import AnalysisWorker

    _db(settings)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"analysis worker on {make_url(settings.db_url).render_as_string(hide_password=True)}")
    AnalysisWorker(settings, Database(settings.db_url)).run(stop)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="one JSON object per file")
@click.option("--pending", is_flag=True, help="work through the backlog of answered calls instead")
@click.option("--engine", type=click.Choice(["whisper", "vosk"]), help="default: vosk if a model is set")
@with_settings
def transcribe(settings: Settings, files: tuple[Path, ...], as_json: bool, pending: bool,
               engine: str | None) -> None:
    """Transcribe recordings offline (Mandarin), or the calls waiting in the queue."""
    from telephony.analysis.worker import AnalysisWorker, engine_for
    from telephony.transcribe import transcribe_files
    from telephony.transcribe.errors import ModelError

    if pending == bool(files):
        raise click.UsageError("give FILE... or --pending")
    try:
        stt = engine_for(settings, engine)
        if pending:
            done = AnalysisWorker(settings, _db(settings), engine=stt).run_until_empty()
            click.echo(f"{done} call(s) transcribed and audited")
            return
        failed = 0
        for result in transcribe_files(files, stt, progress=len(files) > 1):
            failed += "error" in result
            if as_json:
                click.echo(json.dumps(result, ensure_ascii=False))
            else:
                click.echo(f"{result['file']}: {result.get('text', 'ERROR ' + result.get('error', ''))}")
    except ModelError as e:
        raise click.ClickException(str(e)) from None
    if failed:
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--leg", type=click.Choice(["agent", "caller"]), default="agent", show_default=True)
@click.option("--company", help="the company or office name to expect (default: the setting)")
@click.option("--json", "as_json", is_flag=True)
@click.option("--engine", type=click.Choice(["whisper", "vosk"]))
@with_settings
def audit(settings: Settings, file: Path, leg: str, company: str | None, as_json: bool,
          engine: str | None) -> None:
    """Audit one recording against the standards: greeting, closing, privacy."""
    from telephony.analysis.worker import engine_for
    from telephony.audit import AuditRules, Utterance, audit_text
    from telephony.transcribe.errors import TranscribeError

    if company:
        settings.company_name = company
    try:
        transcript = engine_for(settings, engine).transcribe(file)
    except TranscribeError as e:
        raise click.ClickException(str(e)) from None
    utterances = [Utterance(leg, g.start, g.end, g.text) for g in transcript.segments]
    result = {"file": str(file), "text": transcript.text,
              **audit_text(utterances, AuditRules.from_settings(settings))}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{file}: {transcript.text}")
    for rule in ("greeting", "closing", "privacy"):
        click.echo(f"  {rule}: {result[rule]['verdict']}")


@main.group()
def agents() -> None:
    """Agents: the people who answer."""


@agents.command("add")
@click.argument("number")
@click.option("--name", required=True)
@click.option("--department", required=True)
@click.option("--password", required=True, help="SIP password for the agent's phone")
@with_settings
def agents_add(settings: Settings, number: str, name: str, department: str, password: str) -> None:
    db = _db(settings)
    try:
        with db.session() as s:
            add_agent(s, number=number, name=name, department=department, password=password,
                      realm=settings.sip_realm, departments=settings.departments)
    except DirectoryError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"agent {number} added to {department}")
    _apply_to_running(settings)


@agents.command("list")
@with_settings
def agents_list(settings: Settings) -> None:
    with _db(settings).session() as s:
        for a in s.scalars(select(Agent).order_by(Agent.number)):
            click.echo(f"{a.number}\t{a.name}\t{a.department}")


@main.group()
def residents() -> None:
    """Residents: who calls, from which unit."""


@residents.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_settings
def residents_import(settings: Settings, file: Path) -> None:
    try:
        with _db(settings).session() as s:
            count = import_residents(s, file)
    except (DirectoryError, UnicodeDecodeError) as e:
        raise click.ClickException(f"nothing imported: {e}") from None
    click.echo(f"{count} residents imported")


@residents.command("list")
@with_settings
def residents_list(settings: Settings) -> None:
    with _db(settings).session() as s:
        for r in s.scalars(select(Resident).order_by(Resident.unit)):
            click.echo(f"{r.id}\t{r.unit}\t{r.name}\t{r.phone}")


@main.group()
def users() -> None:
    """Users of the supervisors' desk (API and web page): admins, supervisors, agents."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", help="default: the username")
@click.option("--department", "user_departments", multiple=True,
              help="a supervisor's department (repeat for several)")
@click.option("--agent", help="an agent user's agent number (as in `hotline agents add`)")
@click.option("--password", help="default: asked for, not echoed")
@with_settings
def users_add(settings: Settings, username: str, role: str, name: str | None,
              user_departments: tuple[str, ...], agent: str | None, password: str | None) -> None:
    db = _db(settings)
    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        with db.session() as s:
            user = create_user(s, username=username, role=role, password=password, name=name,
                               user_departments=user_departments, agent=agent,
                               departments=settings.departments,
                               password_min_length=settings.password_min_length)
    except UserError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"user {user.username} added ({user.role})")


@users.command("list")
@with_settings
def users_list(settings: Settings) -> None:
    with _db(settings).session() as s:
        for u in s.scalars(select(User).order_by(User.username)):
            scope = ",".join(u.departments or []) if u.role == "supervisor" else (u.agent or "")
            click.echo(f"{u.username}\t{u.name}\t{u.role}\t{scope or '-'}\t{'active' if u.active else 'inactive'}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
@click.option("--limit", type=int, default=20, show_default=True)
@with_settings
def calls(settings: Settings, as_json: bool, limit: int) -> None:
    """The call log, newest first."""
    tz = ZoneInfo(settings.timezone)
    with _db(settings).session() as s:
        rows = list(s.scalars(select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)))
        for call in rows:
            row = call_to_dict(call, tz)
            if as_json:
                click.echo(json.dumps(row, ensure_ascii=False))
            else:
                click.echo("  ".join(str(row[k] or "-") for k in (
                    "started_at", "caller_number", "unit", "category", "department", "agent",
                    "rings", "disposition")))


if __name__ == "__main__":
    main()
