"""Shared fixtures: an app per test on a fresh database, factories, logged-in clients.

The database is made once per session by the Alembic migrations (so the migrations are
what the tests run against) and copied for every test. With DATABASE_URL pointing at
PostgreSQL, each test gets a fresh database cloned from a migrated template instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from meeting import create_app
from meeting.db import get_session, upgrade
from tests.helpers import PASSWORD
from tests.live_server import LiveServer

PG_URL = os.environ.get("DATABASE_URL", "")


def _pg_admin(url: str):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database to copy: a SQLite file or a PostgreSQL template."""
    if PG_URL.startswith("postgresql"):
        import sqlalchemy as sa

        name = f"sanshu_tpl_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin(PG_URL)
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
        app = create_app({"DATABASE_URL": url, "TESTING": True})
        upgrade(app)
        app.extensions["sanshu.db"].engine.dispose()
        yield url
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    folder = tmp_path_factory.mktemp("template")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'template.db'}", "TESTING": True})
    upgrade(app)
    app.extensions["sanshu.db"].engine.dispose()
    yield str(folder / "template.db")


def fresh_database_url(template: str, folder: Path) -> str:
    """A new database for one test, copied from the template."""
    if template.startswith("postgresql"):
        import sqlalchemy as sa

        name = f"sanshu_t_{uuid.uuid4().hex[:10]}"
        admin = _pg_admin(template)
        with admin.connect() as conn:
            conn.execute(
                sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"')
            )
        admin.dispose()
        return template.rsplit("/", 1)[0] + "/" + name
    target = folder / "test.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        admin = _pg_admin(url)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_config(template_database: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = fresh_database_url(template_database, tmp_path)
    yield {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_URL": "http://meeting.test",
        "LIVE_PUSH_INTERVAL": 0,  # push synchronously: deterministic socket tests
    }
    drop_database(url)


@pytest.fixture
def app(
    app_config: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(app_config)
    yield application
    application.extensions["sanshu.db"].engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """The session of an app context around the test (commit explicitly)."""
    with app.app_context():
        yield get_session()


@pytest.fixture
def make_organiser(db: Session):  # type: ignore[no-untyped-def]
    from meeting import accounts

    def make(username: str = "admin", role: str = "admin", password: str = PASSWORD):  # type: ignore[no-untyped-def]
        organiser = accounts.create_organiser(db, username, password, role=role)
        db.commit()
        return organiser

    return make


@pytest.fixture
def make_meeting(db: Session):  # type: ignore[no-untyped-def]
    """make_meeting(reporters=3, on_site=1, slips=(2, 2, 1, 3, 4), **meeting fields)."""
    from meeting import meetings, reporters, tokens

    def make(
        title: str = "测试会议",
        reporters_count: int = 3,
        on_site: int = 1,
        slips: tuple[int, ...] | None = (2, 2, 1, 3, 4),
        preset: str = "party_building",
        status: str | None = None,
        **fields: Any,
    ):  # type: ignore[no-untyped-def]
        fields.setdefault("year", 2024)
        meeting = meetings.create_meeting(
            db, title, fields.pop("organ_name", "机关党组"), preset=preset, **fields
        )
        for i in range(reporters_count):
            reporters.add_reporter(
                db,
                meeting,
                reporters.ReporterData(
                    name=f"述职人{i + 1}",
                    title="书记",
                    unit=f"第{i + 1}党支部",
                    on_site=i < on_site,
                    component_scores={"c1": 90} if meeting.scheme.get("components") else {},
                ),
            )
        if slips:
            for category, count in zip(meeting.categories, slips, strict=False):
                if count:
                    tokens.generate_tokens(db, meeting, category, count)
        if status:
            meetings.set_status(db, meeting, status)
        db.commit()
        return meeting

    return make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin_client(app: Flask, make_organiser) -> FlaskClient:  # type: ignore[no-untyped-def]
    make_organiser("admin")
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def live_meeting(make_meeting):  # type: ignore[no-untyped-def]
    """A live meeting: 3 reporters, 12 slips over the five categories."""
    return make_meeting(status="live")


@pytest.fixture
def known(db: Session) -> Any:
    """The meeting of builders.build_known_meeting (numbers computed by hand there)."""
    from tests.builders import build_known_meeting

    return build_known_meeting(db)


@pytest.fixture
def join_phone(app: Flask):  # type: ignore[no-untyped-def]
    """join_phone(token): a delegate's socket (the slip link sets the signed session)."""
    from meeting.extensions import socketio

    def connect(token):  # type: ignore[no-untyped-def]
        http = app.test_client()
        assert http.get(f"/b/{token.secret}").status_code == 302
        return socketio.test_client(app, flask_test_client=http, auth={"role": "delegate"})

    return connect


@pytest.fixture
def open_console(app: Flask, make_organiser):  # type: ignore[no-untyped-def]
    """open_console(meeting, username="admin", role="admin", create=False): a logged-in console."""
    from meeting.extensions import socketio

    def connect(meeting, username="admin", role="admin", create=False):  # type: ignore[no-untyped-def]
        if create:
            make_organiser(username, role=role)
        http = app.test_client()
        http.post("/login", data={"username": username, "password": PASSWORD})
        return socketio.test_client(
            app, flask_test_client=http, auth={"role": "organiser", "meeting": meeting.id}
        )

    return connect


@pytest.fixture
def signable(db: Session) -> Any:
    """builders.build_signable_meeting: two scales, a void result, a replaced slip, a
    category without votes."""
    from tests.builders import build_signable_meeting

    return build_signable_meeting(db)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server (app.py, eventlet, SQLite) in its own process, for e2e and security."""
    server = LiveServer(tmp_path)
    server.prepare()
    server.start()
    yield server
    server.stop()
