"""Flask CLI commands: organisers, demo meeting, one-step preparation for `make run`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from . import accounts, batches, db, demo
from .db import database, get_session
from .errors import DomainError
from .models import ROLE_ADMIN, ROLE_CLERK, Meeting


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
