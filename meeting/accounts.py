"""Organiser accounts: hashed passwords, first account at set-up, logins kept on the server."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from . import errors
from .models import ROLE_ADMIN, ROLE_CLERK, LoginSession, Organiser, utcnow

MIN_PASSWORD = 8
# Checked against when the user name is unknown, so a wrong name costs the same time as a
# wrong password (no user-name probing by timing).
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_hex(16))
# A login's last activity is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


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
    end_logins_of(session, organiser)
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
    matches = check_password_hash(
        organiser.password_hash if organiser is not None else _UNKNOWN_USER_HASH, password
    )
    if organiser is None or not organiser.active or not matches:
        raise errors.Forbidden(_l("Wrong user name or password."))
    return organiser


def start_login(session: Session, organiser: Organiser) -> str:
    """A new server-side login for the organiser; its random id goes into the cookie."""
    login = secrets.token_urlsafe(24)
    session.add(LoginSession(id=login, organiser_id=organiser.id))
    session.flush()
    return login


def end_login(session: Session, login: str) -> None:
    """End one login (logout): its cookie and its consoles stop working everywhere."""
    row = session.get(LoginSession, login) if login else None
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        session.flush()


def end_logins_of(session: Session, organiser: Organiser) -> list[str]:
    """End every login of an organiser (password reset, account disabled)."""
    rows = session.scalars(
        select(LoginSession).where(
            LoginSession.organiser_id == organiser.id, LoginSession.ended_at.is_(None)
        )
    ).all()
    for row in rows:
        row.ended_at = utcnow()
    session.flush()
    return [row.id for row in rows]


def live_login(
    session: Session, login: object, idle_minutes: float, now: datetime | None = None
) -> Organiser | None:
    """The organiser of a login that is neither ended nor idle too long, else None.

    A login idle for more than ``idle_minutes`` is ended here. Activity is recorded at
    most every TOUCH_EVERY (flushed; the caller commits).
    """
    if not isinstance(login, str) or not login or len(login) > 64:
        return None
    row = session.get(LoginSession, login)
    if row is None or row.ended_at is not None:
        return None
    now = now or utcnow()
    if now - row.last_seen_at > timedelta(minutes=idle_minutes):
        row.ended_at = now
        session.flush()
        return None
    organiser = session.get(Organiser, row.organiser_id)
    if organiser is None or not organiser.active:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return organiser


def get_organiser(session: Session, organiser_id: int) -> Organiser | None:
    """The organiser by id (for the login manager), or None."""
    return session.get(Organiser, organiser_id)


def list_organisers(session: Session) -> list[Organiser]:
    """All organiser accounts, by user name."""
    return list(session.scalars(select(Organiser).order_by(Organiser.username)))
