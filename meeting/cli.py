"""Flask CLI commands: organisers, demo meeting, one-step preparation and start-up banner."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from . import accounts, batches, db, demo
from .db import database, get_session
from .errors import DomainError
from .models import ACTIVE, ROLE_ADMIN, ROLE_CLERK, BallotToken, Meeting
from .network import lan_address


def init_app(app: Flask) -> None:
    for command in (create_organiser, reset_password, demo_command, prepare_command):
        app.cli.add_command(command)


@click.command("create-organiser")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([ROLE_ADMIN, ROLE_CLERK]), default=ROLE_ADMIN)
@click.option("--name", "display_name", default="", help="Name shown in the console.")
def create_organiser(username: str, role: str, display_name: str) -> None:
    """Create an organiser account; its random password is printed once."""
    session = get_session()
    password = accounts.generate_password()
    try:
        accounts.create_organiser(session, username, password, display_name, role)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"organiser {username} ({role}) created, password: {password}")


@click.command("reset-password")
@with_appcontext
@click.argument("username")
def reset_password(username: str) -> None:
    """Give an organiser a new random password (printed once)."""
    session = get_session()
    password = accounts.generate_password()
    try:
        accounts.set_password(session, username, password)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"new password for {username}: {password}")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create a demo meeting modelled on seed 002 (21 reporters, 80 slips)."""
    session = get_session()
    meeting = demo.create_demo_meeting(session)
    session.commit()
    click.echo(f"demo meeting {meeting.id} created")


def prepare(app: Flask, with_demo: bool) -> dict[str, object]:
    """Upgrade the database, make the first organiser, load the demo if there is no meeting.

    Returns what the start-up banner prints: the one-time password (first run only) and
    the demo meeting when it is loaded. Batches a previous run left unfinished are marked
    interrupted and their partial files removed.
    """
    db.upgrade(app)
    with app.app_context():
        session = get_session()
        password = accounts.ensure_first_organiser(session)
        if with_demo and not session.scalar(select(func.count()).select_from(Meeting)):
            demo.create_demo_meeting(session)
        found = demo.find_demo_meeting(session)
        single_process = database(app).url.startswith("sqlite")
        batches.reap(session, app.instance_path, everything=single_process)
        session.commit()
        return {"password": password, "demo_id": found.id if found else None}


@click.command("prepare")
@with_appcontext
@click.option("--demo/--no-demo", default=True)
def prepare_command(demo: bool) -> None:
    """Database upgrade + first organiser + demo meeting, as `make run` does."""
    result = prepare(current_app._get_current_object(), demo)  # type: ignore[attr-defined]
    if result["password"]:
        click.echo(f"organiser login: admin / {result['password']}")


def banner(app: Flask, host: str, port: int, info: dict) -> str:
    """What the operator sees at start: the addresses, and for the demo meeting only (its
    slips are not secret) the projector and a sample delegate link."""
    base = (
        app.config.get("PUBLIC_URL")
        or f"http://{lan_address() if host == '0.0.0.0' else host}:{port}"
    )
    base = base.rstrip("/")
    lines = ["", "Sanshu is running.", f"  Organiser: {base}/login"]
    if info.get("password"):
        lines.append(f"             first login: admin / {info['password']}  (shown once, note it)")
    else:
        lines.append("             (forgot the password? flask --app meeting reset-password admin)")
    with app.app_context():
        session = get_session()
        meeting = session.get(Meeting, info["demo_id"]) if info.get("demo_id") else None
        if meeting is not None:
            lines.append(f"  Projector: {base}/screen/{meeting.id}/{meeting.screen_key}")
            token = session.scalars(
                select(BallotToken)
                .where(BallotToken.meeting_id == meeting.id, BallotToken.status == ACTIVE)
                .order_by(BallotToken.serial)
            ).first()
            if token is not None:
                lines.append(f"  Delegate (sample slip): {base}/b/{token.secret}")
            lines.append(f"  Delegates can also type their code at {base}/j")
    lines.append("")
    return "\n".join(lines)
