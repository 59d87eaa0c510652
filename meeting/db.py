"""Engine, one session per request and per socket event, and the migration CLI."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from flask.cli import with_appcontext
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
T = TypeVar("T")


def make_engine(url: str, busy_ms: int = 30_000) -> Engine:
    """An engine tuned for the live workload.

    SQLite: WAL (readers never block the writer), synchronous=NORMAL (a commit survives a
    killed process, which is what an acknowledged ballot needs), foreign keys on, and a
    busy timeout. While SQLite waits for a lock it sleeps inside C, which on eventlet or
    gevent stops every green thread, so the live server sets a short ``busy_ms`` and
    waits cooperatively instead (:func:`run_transaction`). Connections may move between
    green threads, hence check_same_thread.
    """
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_ms / 1000}
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # deleted rows leave no trace in the file
            cursor.close()

        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True)


class Database:
    def __init__(self, url: str, busy_ms: int = 30_000) -> None:
        self.url = url
        self.engine = make_engine(url, busy_ms)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)


def is_transient(error: BaseException) -> bool:
    """A database error that goes away by itself: a lock, a lost connection, a full pool.

    SQLite: SQLITE_BUSY / SQLITE_LOCKED. PostgreSQL: any OperationalError (serialisation
    failure, deadlock, lost or shut-down connection). Also an invalidated connection and
    an exhausted connection pool. Constraint and data errors are not transient.
    """
    if isinstance(error, sa.exc.TimeoutError):
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa.exc.OperationalError):
        return False
    name = getattr(error.orig, "sqlite_errorname", None)
    if name is not None:
        return bool(name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")))
    return True


def run_transaction(
    action: Callable[[Session], T], sleep: Callable[[float], Any], patience: float = 8.0
) -> T:
    """Run ``action(session)`` on the request's session and commit.

    A lost race on a unique constraint is run again once. A transient error (a locked
    SQLite file, a lost connection) is retried with growing pauses for up to ``patience``
    seconds; ``sleep`` is the server's cooperative sleep, so other phones are served
    meanwhile. Then the error goes up (the caller answers "busy, try again").
    """
    session = get_session()
    deadline = time.monotonic() + patience
    delay = 0.02
    conflicts = 0
    while True:
        try:
            result = action(session)
            session.commit()
            return result
        except sa.exc.IntegrityError:
            session.rollback()
            conflicts += 1
            if conflicts > 1:
                raise
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as error:
            session.rollback()
            if not is_transient(error) or time.monotonic() + delay > deadline:
                raise
            sleep(delay)
            delay = min(delay * 2, 0.5)


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # relative SQLite paths are relative to the instance folder
        url = "sqlite:///" + os.path.join(app.instance_path, url.removeprefix("sqlite:///"))
    app.extensions["sanshu.db"] = Database(url, app.config["SQLITE_BUSY_MS"])
    app.teardown_appcontext(_close_session)
    app.cli.add_command(db_cli)


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["sanshu.db"]


def get_session() -> Session:
    """The session of the current request or socket event (closed at teardown)."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything not committed


def alembic_config(app: Flask) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database(app).url.replace("%", "%%"))
    config.attributes["engine"] = database(app).engine
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creates it on first use)."""
    command.upgrade(alembic_config(app), revision)


@click.group("db")
def db_cli() -> None:
    """Database schema (Alembic migrations)."""


@db_cli.command("upgrade")
@with_appcontext
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    upgrade(current_app._get_current_object(), revision)  # type: ignore[attr-defined]
    click.echo(f"database at {revision}: {database().url}")


@db_cli.command("downgrade")
@with_appcontext
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the database to REVISION."""
    command.downgrade(alembic_config(current_app._get_current_object()), revision)  # type: ignore[attr-defined]


@db_cli.command("revision")
@with_appcontext
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(
        alembic_config(current_app._get_current_object()),  # type: ignore[attr-defined]
        message=message,
        autogenerate=True,
    )
