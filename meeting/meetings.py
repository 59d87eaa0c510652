"""Meetings and their delegate categories: create, edit, status, archive."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from . import errors, rounds, schemes
from .guards import ensure_feedback_open, ensure_not_sealed, record
from .models import (
    CLOSED,
    DRAFT,
    LIVE,
    BallotToken,
    Category,
    Meeting,
    Organiser,
    TopGradeUse,
)

# Allowed status moves. Closed is final: it seals the meeting's tokens.
TRANSITIONS = {DRAFT: {LIVE}, LIVE: {DRAFT, CLOSED}, CLOSED: set()}

MAX_CATEGORIES = 12


def _clean_details(
    title: str, organ_name: str, held_on: date | None, year: int | None
) -> dict[str, Any]:
    title = (title or "").strip()
    if not title:
        raise errors.Invalid(_l("Please give the meeting a title."))
    if len(title) > 200 or len(organ_name or "") > 200:
        raise errors.Invalid(_l("Title and organ name may have at most 200 characters."))
    if year is None:
        raise errors.Invalid(
            _l("Give the assessment year: the year whose work is reported on (e.g. 2024).")
        )
    if not 2000 <= year <= 2100:
        raise errors.Invalid(_l("The year must be between 2000 and 2100."))
    return {
        "title": title,
        "organ_name": (organ_name or "").strip(),
        "held_on": held_on,
        "year": year,
    }


def create_meeting(
    session: Session,
    title: str,
    organ_name: str = "",
    held_on: date | None = None,
    year: int | None = None,
    preset: str = schemes.DEFAULT_PRESET,
) -> Meeting:
    """A draft meeting with the preset scheme and the usual five delegate categories."""
    meeting = Meeting(
        **_clean_details(title, organ_name, held_on, year),
        screen_key=secrets.token_urlsafe(16),
        scheme=schemes.preset(preset),
    )
    session.add(meeting)
    session.flush()
    apply_category_preset(session, meeting)
    return meeting


def update_meeting(
    session: Session,
    meeting: Meeting,
    title: str,
    organ_name: str,
    held_on: date | None,
    year: int | None,
) -> Meeting:
    """Change title, organ, date and year (also after sealing: the letters use them; until
    the letters are finalised)."""
    ensure_feedback_open(meeting)
    for key, value in _clean_details(title, organ_name, held_on, year).items():
        setattr(meeting, key, value)
    session.flush()
    return meeting


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    """The meeting, or NotFound."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise errors.NotFound(_l("This meeting does not exist."))
    return meeting


def list_meetings(session: Session, archived: bool = False) -> list[Meeting]:
    """Meetings newest first; archived ones only when asked for."""
    query = select(Meeting).where(Meeting.archived == archived)
    return list(session.scalars(query.order_by(Meeting.year.desc(), Meeting.id.desc())))


def set_status(
    session: Session, meeting: Meeting, status: str, organiser: Organiser | None = None
) -> Meeting:
    """Move draft -> live -> closed (live -> draft is allowed, closed is final)."""
    if status not in TRANSITIONS.get(meeting.status, set()):
        raise errors.Conflict(_l("The meeting cannot move to this status now."))
    if status == LIVE:
        rounds.ensure_ready(session, meeting)
    else:
        if rounds.get_open_round(session, meeting.id) is not None:
            raise errors.Conflict(_l("A scoring round is open; close it first."))
    meeting.status = status
    if status == CLOSED:
        # the per-meeting quota's counts are no longer needed once no ballot can come
        session.execute(delete(TopGradeUse).where(TopGradeUse.meeting_id == meeting.id))
    record(session, meeting, organiser, "status", {"status": status})
    session.flush()
    return meeting


def set_archived(session: Session, meeting: Meeting, archived: bool) -> Meeting:
    """Hide a meeting from the main list (or bring it back); its data stays readable."""
    meeting.archived = archived
    session.flush()
    return meeting


# --------------------------------------------------------------------------- categories


def _has_tokens(session: Session, meeting: Meeting, category: Category | None = None) -> bool:
    query = (
        select(func.count()).select_from(BallotToken).where(BallotToken.meeting_id == meeting.id)
    )
    if category is not None:
        query = query.where(BallotToken.category_id == category.id)
    return bool(session.scalar(query))


def apply_category_preset(session: Session, meeting: Meeting) -> list[Category]:
    """Replace the categories with the five usual ones (only before slips exist)."""
    if _has_tokens(session, meeting):
        raise errors.Conflict(_l("Slips exist already; edit the categories one by one."))
    for category in list(meeting.categories):
        session.delete(category)
    session.flush()
    meeting.categories.clear()
    for position, (name, weight, may_inquire) in enumerate(schemes.CATEGORY_PRESET):
        meeting.categories.append(
            Category(name=name, weight=weight, may_inquire=may_inquire, position=position)
        )
    session.flush()
    return meeting.categories


def _clean_category(name: str, weight: Any) -> tuple[str, float]:
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise errors.Invalid(_l("A category needs a name of at most 64 characters."))
    try:
        value = float(str(weight).strip().rstrip("%") or 0)
    except ValueError as exc:
        raise errors.Invalid(_l("The weight of %(name)s is not a number.", name=name)) from exc
    if not 0 <= value <= 100:
        raise errors.Invalid(_l("The weight of %(name)s must be 0-100.", name=name))
    return name, value


def add_category(
    session: Session, meeting: Meeting, name: str, weight: Any, may_inquire: bool
) -> Category:
    """A new delegate category at the end of the list."""
    ensure_not_sealed(meeting)
    name, value = _clean_category(name, weight)
    if len(meeting.categories) >= MAX_CATEGORIES:
        raise errors.Invalid(_l("At most %(n)d categories.", n=MAX_CATEGORIES))
    if any(c.name == name for c in meeting.categories):
        raise errors.Conflict(_l("The category %(name)s exists already.", name=name))
    category = Category(
        name=name,
        weight=value,
        may_inquire=may_inquire,
        position=max((c.position for c in meeting.categories), default=-1) + 1,
    )
    meeting.categories.append(category)
    session.flush()
    return category


def update_categories(
    session: Session, meeting: Meeting, rows: list[tuple[int, str, Any, bool]]
) -> list[Category]:
    """Save names, weights and inquiry flags of all categories at once.

    Weights are checked together (they must add up to 100) so the organiser can move
    weight from one category to another in one save.
    """
    ensure_not_sealed(meeting)
    by_id = {c.id: c for c in meeting.categories}
    cleaned = []
    for category_id, name, weight, may_inquire in rows:
        if category_id not in by_id:
            raise errors.NotFound(_l("This category does not exist."))
        cleaned.append((by_id[category_id], *_clean_category(name, weight), may_inquire))
    names = [name for _, name, _, _ in cleaned]
    if len(set(names)) != len(names):
        raise errors.Invalid(_l("Two categories have the same name."))
    schemes.validate_weights([(name, weight) for _, name, weight, _ in cleaned])
    for category, name, weight, may_inquire in cleaned:
        category.name, category.weight, category.may_inquire = name, weight, may_inquire
    session.flush()
    return meeting.categories


def delete_category(session: Session, meeting: Meeting, category_id: int) -> None:
    """Remove a category that has no slips yet."""
    ensure_not_sealed(meeting)
    category = next((c for c in meeting.categories if c.id == category_id), None)
    if category is None:
        raise errors.NotFound(_l("This category does not exist."))
    if _has_tokens(session, meeting, category):
        raise errors.Conflict(_l("This category has slips; it cannot be deleted."))
    meeting.categories.remove(category)
    session.delete(category)
    session.flush()


def save_scheme(
    session: Session, meeting: Meeting, data: dict[str, Any], organiser: Organiser | None = None
) -> Meeting:
    """Replace the meeting's scheme (validated); refused once scoring has started."""
    ensure_not_sealed(meeting)
    ensure_scheme_editable(session, meeting)
    meeting.scheme = schemes.validate_scheme(data)
    record(session, meeting, organiser, "scheme", {"name": data.get("name")})
    session.flush()
    return meeting


def ensure_scheme_editable(session: Session, meeting: Meeting) -> None:
    """The scheme is frozen once a scoring round exists that is not void."""
    if rounds.has_rounds(session, meeting):
        raise errors.Conflict(
            _l("Scoring has started; the scheme can no longer change. Void the rounds first.")
        )
