from sqlalchemy import func, select

from meeting import demo
from meeting.cli import prepare
from meeting.models import BallotToken, Meeting, Organiser


def test_prepare_is_idempotent_and_prints_the_password_once(app, db):
    first = prepare(app, with_demo=True)
    assert first["password"] and first["demo_id"]
    second = prepare(app, with_demo=True)
    assert second["password"] is None and second["demo_id"] == first["demo_id"]
    assert db.scalar(select(func.count()).select_from(Meeting)) == 1
    assert db.scalar(select(func.count()).select_from(Organiser)) == 1


def test_demo_meeting_follows_seed_002(app, db):
    meeting = demo.create_demo_meeting(db)
    db.commit()
    assert len(meeting.reporters) == 21
    assert [r.unit for r in meeting.reporters if r.on_site] == [
        "法制工作委员会",
        "教育科学文化卫生工作办公室",
        "农业与农村工作办公室",
        "人事室",
    ]
    assert len(meeting.categories) == 5
    assert db.scalar(select(func.count()).select_from(BallotToken)) == 80
    assert meeting.scheme["preset"] == "party_building"


def test_create_organiser_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-organiser", "clerk1", "--role", "clerk"])
    assert result.exit_code == 0 and "password:" in result.output
    again = runner.invoke(args=["create-organiser", "clerk1"])
    assert again.exit_code != 0 and "已被使用" in again.output
    reset = runner.invoke(args=["reset-password", "clerk1"])
    assert reset.exit_code == 0 and "new password" in reset.output
