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
