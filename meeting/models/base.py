"""Declarative base with constraint naming (Alembic needs stable names) and a UTC clock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC: stored the same way in SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_id(value: object) -> bool:
    """A plausible primary key from untrusted input (not a bool, fits a 32-bit column)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
