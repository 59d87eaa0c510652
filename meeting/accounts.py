"""Organiser accounts: hashed passwords, first account at set-up, login checks."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from . import errors
from .models import ROLE_ADMIN, ROLE_CLERK, Organiser

MIN_PASSWORD = 8


def generate_password() -> str:
    """A random password that is easy to read out: 4 groups of 4 letters/digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def create_organiser(
    session: Session,
    username: str,
    password: str,
    display_name: str = "",
    role: str = ROLE_ADMIN,
) -> Organiser:
    """Add an organiser account (admin or clerk)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise errors.Invalid(_l("Please enter a user name of at most 64 characters."))
    if role not in (ROLE_ADMIN, ROLE_CLERK):
        raise errors.Invalid(_l("Unknown role."))
    if len(password) < MIN_PASSWORD:
        raise errors.Invalid(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD))
    if session.scalar(select(Organiser).where(Organiser.username == username)):
        raise errors.Conflict(_l("The user name %(name)s is taken.", name=username))
    organiser = Organiser(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=generate_password_hash(password),
        role=role,
    )
    session.add(organiser)
    session.flush()
    return organiser


def set_password(session: Session, username: str, password: str) -> Organiser:
    """Replace an organiser's password."""
    organiser = session.scalar(select(Organiser).where(Organiser.username == username))
    if organiser is None:
        raise errors.NotFound(_l("No organiser named %(name)s.", name=username))
    if len(password) < MIN_PASSWORD:
        raise errors.Invalid(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD))
    organiser.password_hash = generate_password_hash(password)
    session.flush()
    return organiser


def ensure_first_organiser(session: Session, username: str = "admin") -> str | None:
    """Create the first organiser when there is none; return its one-time password."""
    if session.scalar(select(func.count()).select_from(Organiser)):
        return None
    password = generate_password()
    create_organiser(session, username, password, display_name=username)
    return password


def authenticate(session: Session, username: str, password: str) -> Organiser:
    """The organiser with these credentials, or Forbidden with one vague message."""
    organiser = session.scalar(select(Organiser).where(Organiser.username == username.strip()))
    if (
        organiser is None
        or not organiser.active
        or not check_password_hash(organiser.password_hash, password)
    ):
        raise errors.Forbidden(_l("Wrong user name or password."))
    return organiser


def get_organiser(session: Session, organiser_id: int) -> Organiser | None:
    """The organiser by id (for the login manager), or None."""
    return session.get(Organiser, organiser_id)


def list_organisers(session: Session) -> list[Organiser]:
    """All organiser accounts, by user name."""
    return list(session.scalars(select(Organiser).order_by(Organiser.username)))
