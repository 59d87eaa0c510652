import pytest

from meeting import accounts
from meeting.errors import Conflict, Forbidden, Invalid


def test_password_is_hashed_and_checked(db):
    organiser = accounts.create_organiser(db, "staff", "a-long-password")
    assert "a-long-password" not in organiser.password_hash
    assert accounts.authenticate(db, "staff", "a-long-password") is organiser
    with pytest.raises(Forbidden):
        accounts.authenticate(db, "staff", "wrong-password")
    with pytest.raises(Forbidden):
        accounts.authenticate(db, "nobody", "a-long-password")


def test_short_password_and_taken_name_are_refused(db):
    with pytest.raises(Invalid):
        accounts.create_organiser(db, "staff", "short")
    accounts.create_organiser(db, "staff", "a-long-password")
    with pytest.raises(Conflict):
        accounts.create_organiser(db, "staff", "another-password")


def test_first_organiser_is_made_once(db):
    password = accounts.ensure_first_organiser(db)
    assert password and len(password) >= 16
    assert accounts.authenticate(db, "admin", password).is_admin
    assert accounts.ensure_first_organiser(db) is None


def test_inactive_organiser_cannot_log_in(db):
    organiser = accounts.create_organiser(db, "staff", "a-long-password")
    organiser.active = False
    with pytest.raises(Forbidden):
        accounts.authenticate(db, "staff", "a-long-password")
