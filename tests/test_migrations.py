"""The migrations build exactly the models' schema, and go down and up again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from meeting import create_app
from meeting.db import alembic_config, upgrade
from meeting.models import Base


def test_migrated_database_matches_the_models(app):
    engine = app.extensions["sanshu.db"].engine
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_downgrade_to_nothing_and_back(tmp_path, monkeypatch):
    from alembic import command

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"})
    upgrade(app)
    engine = app.extensions["sanshu.db"].engine
    assert "ballot" in inspect(engine).get_table_names()
    command.downgrade(alembic_config(app), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(app)
    assert "ballot" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_database_with_data_upgrades(tmp_path, monkeypatch):
    """A meeting stored by the first version survives every later migration."""
    from sqlalchemy import text

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"})
    upgrade(app, "0001")
    engine = app.extensions["sanshu.db"].engine
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO meeting (title, organ_name, year, status, archived, screen_key, scheme,"
                " created_at, updated_at) VALUES ('旧会议', '机关党组', 2023, 'closed', 0, 'k', '{}',"
                " '2024-01-30 09:00:00', '2024-01-30 09:00:00')"
            )
        )
    upgrade(app)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT title, letter, published FROM meeting")).one()
    assert row[0] == "旧会议" and row[1] == "{}" and row[2] == "{}"
    engine.dispose()
