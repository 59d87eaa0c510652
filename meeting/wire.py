"""Input from the wire: every value a phone, console or form sends is cleaned here, once.

Pure helpers (no Flask-SocketIO, no database): handlers and domain operations call them
on untrusted values and get either a clean Python value or ``errors.Invalid`` with a
message the sender can act on. Nothing here trusts a type: JSON can carry a list where a
string was expected, a bool where an id was expected, a float of NaN.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l

from . import errors
from .models import is_id

# A phone's id for one version of a ballot or question (double taps, re-sends).
SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Control characters and the invisible direction overrides that make text lie on screen
# (bidi overrides can reverse a name on the projector); newlines and tabs are kept
# where multi-line text is allowed.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")

NOT_UNDERSTOOD = _l("The request could not be understood.")


def text(
    value: Any,
    limit: int,
    *,
    minimum: int = 0,
    multiline: bool = False,
    too_long: Any = None,
    too_short: Any = None,
) -> str:
    """A user's text: NFC-normalised, invisible characters removed, trimmed, length-checked.

    Non-strings count as empty. Single-line text has its whitespace runs collapsed to one
    space; multi-line text keeps its line breaks. Refused with ``too_short`` when shorter
    than ``minimum`` characters, ``too_long`` when longer than ``limit``.
    """
    raw = value if isinstance(value, str) else ""
    clean = _INVISIBLE.sub("", unicodedata.normalize("NFC", raw))
    if multiline:
        clean = "\n".join(line.rstrip() for line in clean.replace("\r\n", "\n").split("\n"))
        clean = clean.strip()
    else:
        clean = _SPACES.sub(" ", clean).strip()
    if len(clean) < minimum:
        raise errors.Invalid(too_short or _l("Please fill in the text."))
    if len(clean) > limit:
        raise errors.Invalid(
            too_long or _l("The text is too long (at most %(n)d characters).", n=limit)
        )
    return clean


def ident(value: Any) -> int:
    """A database id from the wire (an int, not a bool, in range), else Invalid."""
    if not is_id(value):
        raise errors.Invalid(NOT_UNDERSTOOD)
    return int(value)


def optional_ident(value: Any) -> int | None:
    """An id, or None for a missing/None value."""
    return None if value is None else ident(value)


def ident_list(value: Any, limit: int = 1000) -> list[int]:
    """A list of distinct ids (order kept)."""
    if not isinstance(value, list) or len(value) > limit:
        raise errors.Invalid(NOT_UNDERSTOOD)
    ids = [ident(v) for v in value]
    if len(set(ids)) != len(ids):
        raise errors.Invalid(NOT_UNDERSTOOD)
    return ids


def flag(value: Any) -> bool:
    """Only a JSON ``true`` is true (a string "false" must not be)."""
    return value is True


def integer(value: Any, low: int, high: int) -> int:
    """An int within [low, high]."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise errors.Invalid(NOT_UNDERSTOOD)
    return value


def submission(value: Any) -> str:
    """A phone's submission id."""
    if not isinstance(value, str) or not SUBMISSION_ID.match(value):
        raise errors.Invalid(NOT_UNDERSTOOD)
    return value


def choice(value: Any, allowed: tuple[str, ...] | frozenset[str] | set[str]) -> str:
    """One of a fixed set of words."""
    if not isinstance(value, str) or value not in allowed:
        raise errors.Invalid(NOT_UNDERSTOOD)
    return value


def payload(value: Any) -> dict[str, Any]:
    """An event's payload: a JSON object (a missing payload counts as empty)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.Invalid(NOT_UNDERSTOOD)
    return value
