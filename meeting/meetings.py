"""Meetings and their delegate categories: create, edit, status, archive."""

from __future__ import annotations

import secrets
import time
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from . import errors, rounds, schemes
from .guards import ensure_feedback_open, ensure_not_sealed, record
from .models import (
    ANSWERED,
    ASKING,
    CLOSED,
    DRAFT,
    LIVE,
    BallotToken,
    Category,
    Inquiry,
    Meeting,
    MeetingState,
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
        raise errors.Invalid(_l("Please give the meeting a title."), field="title")
    if len(title) > 200 or len(organ_name or "") > 200:
        raise errors.Invalid(
            _l("Title and organ name may have at most 200 characters."),
            field="title" if len(title) > 200 else "organ_name",
        )
    if year is None:
        raise errors.Invalid(
            _l("Give the assessment year: the year whose work is reported on (e.g. 2024)."),
            field="year",
        )
    if not 2000 <= year <= 2100:
        raise errors.Invalid(_l("The year must be between 2000 and 2100."), field="year")
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
    """Move draft -> live -> closed; closed is final.

    Refused: a move the table does not allow; going live unprepared (rounds.ensure_ready);
    leaving live while a round is open; live -> draft once a real round exists (back in
    preparation the slips page shows full codes again, and the scheme could change under
    ballots already cast). Sealing stops the agenda clock so no screen counts down.
    """
    if status not in TRANSITIONS.get(meeting.status, set()):
        raise errors.Conflict(_l("The meeting cannot move to this status now."))
    if status == LIVE:
        rounds.ensure_ready(session, meeting)
    else:
        if rounds.get_open_round(session, meeting.id) is not None:
            raise errors.Conflict(_l("A scoring round is open; close it first."))
    if status == DRAFT and rounds.has_rounds(session, meeting):
        raise errors.Conflict(
            _l(
                "Scoring has started; the meeting cannot go back to preparation. Void the rounds first."
            )
        )
    meeting.status = status
    if status == CLOSED:
        # the per-meeting quota's counts are no longer needed once no ballot can come
        session.execute(delete(TopGradeUse).where(TopGradeUse.meeting_id == meeting.id))
        _stop_clock(session, meeting, int(time.time() * 1000))
        # a question still being asked ends with the meeting (as when the agenda moves on)
        session.execute(
            update(Inquiry)
            .where(Inquiry.meeting_id == meeting.id, Inquiry.status == ASKING)
            .values(status=ANSWERED)
            .execution_options(synchronize_session="fetch")
        )
    record(session, meeting, organiser, "status", {"status": status})
    session.flush()
    return meeting


def _frozen(timer: dict[str, Any], now: int) -> dict[str, Any]:
    """A saved countdown (timer_* fields) stopped at ``now``, keeping what was left."""
    if timer.get("running") and timer.get("ends_ms") is not None:
        timer = dict(timer, remaining_ms=timer["ends_ms"] - now)
    return dict(timer, running=False, ends_ms=None)


def _stop_clock(session: Session, meeting: Meeting, now: int) -> None:
    """The agenda ends with the meeting: its countdown stops where it stood."""
    state = session.get(MeetingState, meeting.id)
    if state is None:
        return
    if state.timer_running and state.timer_ends_ms is not None:
        state.timer_remaining_ms = state.timer_ends_ms - now
    state.timer_running = False
    state.timer_ends_ms = None
    if state.phase_timer:
        state.phase_timer = _frozen(state.phase_timer, now)
    state.finished = True
    state.version += 1


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


def _clean_category(name: str, weight: Any) -> tuple[str, Decimal]:
    """A category's name and weight in percent; an error names the field at fault."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise errors.Invalid(_l("A category needs a name of at most 64 characters."), field="name")
    text = str(weight).strip().rstrip("%％").strip() or "0"
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise errors.Invalid(
            _l("The weight of %(name)s is not a number.", name=name), field="weight"
        ) from exc
    if not value.is_finite() or not 0 <= value <= 100:
        raise errors.Invalid(_l("The weight of %(name)s must be 0-100.", name=name), field="weight")
    return name, value


def as_percentages(weights: list[Decimal]) -> list[Decimal]:
    """Weights typed as fractions (0.3 / 0.5 / 0.2: each at most 1, summing to exactly 1)
    become percentages (30 / 50 / 20); any other set is already in percent."""
    if weights and all(w <= 1 for w in weights) and sum(weights) == 1:
        return [w * 100 for w in weights]
    return weights


def add_category(
    session: Session, meeting: Meeting, name: str, weight: Any, may_inquire: bool
) -> Category:
    """A new delegate category at the end of the list."""
    ensure_not_sealed(meeting)
    name, value = _clean_category(name, weight)
    if len(meeting.categories) >= MAX_CATEGORIES:
        raise errors.Invalid(_l("At most %(n)d categories.", n=MAX_CATEGORIES))
    if any(c.name == name for c in meeting.categories):
        raise errors.Conflict(_l("The category %(name)s exists already.", name=name), field="name")
    category = Category(
        name=name,
        weight=float(value),
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
    weight from one category to another in one save. Weights are percentages; a set
    typed as fractions that add up to 1 (0.3 / 0.5 / 0.2) is read as 30 / 50 / 20.
    An error names the field at fault: ``field`` ("name", "weight" or "total") and, for
    one category's field, its ``category_id``.
    """
    ensure_not_sealed(meeting)
    by_id = {c.id: c for c in meeting.categories}
    cleaned = []
    seen: set[str] = set()
    for category_id, name, weight, may_inquire in rows:
        if category_id not in by_id:
            raise errors.NotFound(_l("This category does not exist."))
        try:
            clean_name, value = _clean_category(name, weight)
        except errors.DomainError as error:
            error.detail["category_id"] = category_id
            raise
        if clean_name in seen:
            raise errors.Invalid(
                _l("Two categories have the same name."), field="name", category_id=category_id
            )
        seen.add(clean_name)
        cleaned.append((by_id[category_id], clean_name, value, may_inquire))
    percentages = as_percentages([value for _, _, value, _ in cleaned])
    try:
        schemes.validate_weights(
            [(name, value) for (_, name, _, _), value in zip(cleaned, percentages, strict=True)]
        )
    except errors.Invalid as error:
        error.detail["field"] = "total"
        if percentages and all(value <= 1 for value in percentages):
            # 0.3 / 0.4 / 0.2 that miss 1: say what the numbers mean rather than "0.9%"
            error.detail["problems"] = [
                _l("The weights are percentages: type 30 for 30%, not 0.3.")
            ]
        raise
    for (category, name, _, may_inquire), value in zip(cleaned, percentages, strict=True):
        category.name, category.weight, category.may_inquire = name, float(value), may_inquire
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
