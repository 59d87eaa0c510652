"""The inquiry queue (询问): delegates ask from their phones, the moderator runs the queue.

pending -> approved -> asking -> answered, with rejected (with a reason) and not_reached
on the side. Only approved and asking questions ever reach the projector. A delegate may
ask only while questions are open for that reporter and only if the slip's category may
ask; a double tap (the same submission id) is stored once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import agenda, errors, guards, tokens, wire
from .models import (
    ANSWERED,
    APPROVED,
    ASKING,
    NOT_REACHED,
    PENDING,
    REJECTED,
    Category,
    Inquiry,
    Meeting,
    is_id,
)

MIN_TEXT = 4
MAX_TEXT = 300
MAX_NAME = 20
MAX_PENDING_PER_SLIP = 2
QUEUE = (APPROVED, ASKING)


def get_inquiry(session: Session, meeting: Meeting, inquiry_id: object) -> Inquiry:
    """A question of this meeting, or NotFound (a sealed meeting's questions are final)."""
    guards.ensure_not_sealed(meeting)
    inquiry = session.get(Inquiry, inquiry_id) if is_id(inquiry_id) else None
    if inquiry is None or inquiry.meeting_id != meeting.id:
        raise errors.NotFound(_l("This question does not exist."))
    return inquiry


def _clean_text(text: object) -> str:
    return wire.text(
        text,
        MAX_TEXT,
        minimum=MIN_TEXT,
        too_short=_l("Please write the question (at least %(n)d characters).", n=MIN_TEXT),
        too_long=_l("A question may have at most %(n)d characters.", n=MAX_TEXT),
    )


def _next_position(session: Session, meeting: Meeting) -> int:
    current = session.scalar(
        select(func.max(Inquiry.position)).where(Inquiry.meeting_id == meeting.id)
    )
    return (current or 0) + 1


def submit_inquiry(session: Session, token_id: int, payload: Any) -> Inquiry:
    """A delegate's question for the reporter whose questions are open now."""
    if not isinstance(payload, dict):
        raise errors.Invalid(_l("The request could not be understood."))
    token = tokens.check_token(session, token_id)
    meeting = session.get(Meeting, token.meeting_id)
    assert meeting is not None
    category = session.get(Category, token.category_id)
    if category is None or not category.may_inquire:
        raise errors.Forbidden(
            _l("Delegates of your category do not submit questions at this meeting.")
        )
    submission = wire.submission(payload.get("submission"))
    existing = session.scalars(
        select(Inquiry).where(Inquiry.meeting_id == meeting.id, Inquiry.submission_id == submission)
    ).first()
    if existing is not None:
        if existing.token_id != token.id:
            raise errors.Invalid(_l("The request could not be understood."))
        return existing  # a double tap or a re-send
    state = agenda.get_state(session, meeting)
    reporter_id = payload.get("reporter")
    if state.inquiry_reporter_id is None or reporter_id != state.inquiry_reporter_id:
        raise errors.Conflict(_l("Questions for this reporter are not open now."))
    text = _clean_text(payload.get("text"))
    name = wire.text(payload.get("name"), 200)[:MAX_NAME]
    pending = (
        session.scalar(
            select(func.count())
            .select_from(Inquiry)
            .where(Inquiry.token_id == token.id, Inquiry.status == PENDING)
        )
        or 0
    )
    if pending >= MAX_PENDING_PER_SLIP:
        raise errors.Conflict(
            _l("You have %(n)d questions waiting for the moderator; please wait.", n=pending)
        )
    inquiry = Inquiry(
        meeting_id=meeting.id,
        reporter_id=state.inquiry_reporter_id,
        token_id=token.id,
        submission_id=submission,
        asker_name=name,
        asker_category=category.name,
        text=text,
        status=PENDING,
        position=_next_position(session, meeting),
    )
    session.add(inquiry)
    session.flush()
    return inquiry


def add_spoken(
    session: Session, meeting: Meeting, reporter_id: object, text: object, asker: object
) -> Inquiry:
    """A question asked aloud, entered by the organiser (approved at once)."""
    guards.ensure_not_sealed(meeting)
    if not any(r.id == reporter_id for r in meeting.reporters) or not is_id(reporter_id):
        raise errors.NotFound(_l("This reporter does not exist."))
    inquiry = Inquiry(
        meeting_id=meeting.id,
        reporter_id=reporter_id,
        asker_name=wire.text(asker, 200)[:64],
        text=_clean_text(text),
        status=APPROVED,
        position=_next_position(session, meeting),
    )
    session.add(inquiry)
    session.flush()
    return inquiry


def _require(inquiry: Inquiry, *allowed: str) -> None:
    if inquiry.status not in allowed:
        raise errors.Conflict(
            _l(
                "This question cannot do that now (it is %(status)s).",
                status=STATUS_LABELS[inquiry.status],
            )
        )


def approve(session: Session, meeting: Meeting, inquiry_id: object) -> Inquiry:
    """Let a pending question into the queue (at its end)."""
    inquiry = get_inquiry(session, meeting, inquiry_id)
    _require(inquiry, PENDING)
    inquiry.status = APPROVED
    inquiry.position = _next_position(session, meeting)
    session.flush()
    return inquiry


def reject(session: Session, meeting: Meeting, inquiry_id: object, reason: object) -> Inquiry:
    """Turn a question down, with the reason (the delegate sees it)."""
    inquiry = get_inquiry(session, meeting, inquiry_id)
    _require(inquiry, PENDING, APPROVED)
    reason = (reason if isinstance(reason, str) else "").strip()
    if not reason:
        raise errors.Invalid(_l("Give the reason for rejecting the question."))
    inquiry.status = REJECTED
    inquiry.reject_reason = reason[:300]
    session.flush()
    return inquiry


def edit(session: Session, meeting: Meeting, inquiry_id: object, text: object) -> Inquiry:
    """Correct a typo in a pending or approved question."""
    inquiry = get_inquiry(session, meeting, inquiry_id)
    _require(inquiry, PENDING, APPROVED, ASKING)
    inquiry.text = _clean_text(text)
    inquiry.edited = True
    session.flush()
    return inquiry


def reorder(session: Session, meeting: Meeting, ordered_ids: object) -> None:
    """Reorder the approved queue (exactly the approved questions, in their new order)."""
    guards.ensure_not_sealed(meeting)
    queue = {
        i.id: i
        for i in session.scalars(
            select(Inquiry).where(Inquiry.meeting_id == meeting.id, Inquiry.status == APPROVED)
        )
    }
    if (
        not isinstance(ordered_ids, list)
        or not all(is_id(i) for i in ordered_ids)
        or sorted(ordered_ids) != sorted(queue)
    ):
        raise errors.Invalid(_l("The queue has changed; reload and try again."))
    positions = sorted(i.position for i in queue.values())
    for position, inquiry_id in zip(positions, ordered_ids, strict=True):
        queue[inquiry_id].position = position
    session.flush()


def mark_asking(session: Session, meeting: Meeting, inquiry_id: object, now: int) -> Inquiry:
    """This question is being asked now; the answer countdown starts."""
    inquiry = get_inquiry(session, meeting, inquiry_id)
    _require(inquiry, APPROVED)
    asking = session.scalars(
        select(Inquiry).where(Inquiry.meeting_id == meeting.id, Inquiry.status == ASKING)
    ).first()
    if asking is not None:
        raise errors.Conflict(_l("Another question is being asked; mark it answered first."))
    inquiry.status = ASKING
    agenda.timer(session, meeting, "answer", now, agenda.answer_seconds(session, meeting))
    session.flush()
    return inquiry


def mark_answered(
    session: Session, meeting: Meeting, inquiry_id: object, summary: object
) -> Inquiry:
    """The question was answered; keep a short summary of the answer for the letter."""
    inquiry = get_inquiry(session, meeting, inquiry_id)
    _require(inquiry, ASKING, ANSWERED)
    if inquiry.status == ASKING:
        agenda.end_answer(session, meeting)
    inquiry.status = ANSWERED
    inquiry.answer_summary = (summary if isinstance(summary, str) else "").strip()[:2000]
    session.flush()
    return inquiry


def mark_not_reached(session: Session, meeting: Meeting, inquiry_id: object) -> Inquiry:
    """Time ran out before this question."""
    inquiry = get_inquiry(session, meeting, inquiry_id)
    _require(inquiry, PENDING, APPROVED)
    inquiry.status = NOT_REACHED
    session.flush()
    return inquiry


STATUS_LABELS = {
    PENDING: _l("waiting for review"),
    APPROVED: _l("in the queue"),
    REJECTED: _l("rejected"),
    ASKING: _l("being asked"),
    ANSWERED: _l("answered"),
    NOT_REACHED: _l("not reached"),
}


def list_inquiries(
    session: Session, meeting: Meeting, reporter_id: int | None = None
) -> list[Inquiry]:
    """Questions of the meeting (or of one reporter), in queue order."""
    query = select(Inquiry).where(Inquiry.meeting_id == meeting.id)
    if reporter_id is not None:
        query = query.where(Inquiry.reporter_id == reporter_id)
    return list(session.scalars(query.order_by(Inquiry.position, Inquiry.id)))


def list_mine(session: Session, token_id: int) -> list[Inquiry]:
    """A delegate's own questions, newest first."""
    return list(
        session.scalars(
            select(Inquiry).where(Inquiry.token_id == token_id).order_by(Inquiry.id.desc())
        )
    )
