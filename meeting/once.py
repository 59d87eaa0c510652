"""Create actions happen once: a one-time key sent with the form or socket event.

A page renders a fresh random key into each create form (and the console puts one into
each create event); the first request with a key runs and records it with its result in
the same transaction; a repeat (a double click, a re-sent form, a retried event) finds
the key and gets the first result back without running again.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy.orm import Session

from .models import ActionKey, Organiser

KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_key() -> str:
    """A fresh one-time key for a form or an event."""
    return secrets.token_urlsafe(18)


def valid(key: object) -> bool:
    """A key of the right shape (anything else is ignored: the action simply runs)."""
    return isinstance(key, str) and bool(KEY.match(key))


def done(session: Session, key: str) -> dict[str, Any] | None:
    """The recorded result of an action already done with this key, else None."""
    row = session.get(ActionKey, key)
    return dict(row.result) if row is not None else None


def remember(
    session: Session,
    key: str,
    action: str,
    organiser: Organiser | None,
    result: dict[str, Any] | None = None,
) -> None:
    """Record the key with the action's result (flushed: a concurrent twin loses its
    insert on the primary key, is run again by the caller, and then finds this row)."""
    session.add(
        ActionKey(
            key=key,
            action=action[:64],
            organiser_id=organiser.id if organiser is not None else None,
            result=result or {},
        )
    )
    session.flush()
