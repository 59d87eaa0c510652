"""Comments (点评): who commented on which reporter, and a summary for the letter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import errors, guards, wire
from .models import Comment, Meeting, is_id

MAX_SUMMARY = 4000


def _clean(name: object, role: object, summary: object) -> tuple[str, str, str]:
    named = _l("Give the name of the person commenting (at most 64 characters).")
    too_long = _l("The comment is too long.")
    return (
        wire.text(name, 64, minimum=1, too_short=named, too_long=named),
        wire.text(role, 128, too_long=too_long),
        wire.text(summary, MAX_SUMMARY, multiline=True, too_long=too_long),
    )


def add_comment(
    session: Session,
    meeting: Meeting,
    reporter_id: object,
    name: object,
    role: object,
    summary: object,
) -> Comment:
    """Record a comment on a reporter."""
    guards.ensure_feedback_open(meeting)
    if not is_id(reporter_id) or not any(r.id == reporter_id for r in meeting.reporters):
        raise errors.NotFound(_l("This reporter does not exist."))
    name, role, summary = _clean(name, role, summary)
    position = session.scalar(
        select(func.max(Comment.position)).where(
            Comment.meeting_id == meeting.id, Comment.reporter_id == reporter_id
        )
    )
    comment = Comment(
        meeting_id=meeting.id,
        reporter_id=reporter_id,
        commenter_name=name,
        commenter_role=role,
        summary=summary,
        position=(position or 0) + 1,
    )
    session.add(comment)
    session.flush()
    return comment


def get_comment(session: Session, meeting: Meeting, comment_id: object) -> Comment:
    """A comment of this meeting, or NotFound."""
    comment = session.get(Comment, comment_id) if is_id(comment_id) else None
    if comment is None or comment.meeting_id != meeting.id:
        raise errors.NotFound(_l("This comment does not exist."))
    return comment


def update_comment(
    session: Session,
    meeting: Meeting,
    comment_id: object,
    name: object,
    role: object,
    summary: object,
) -> Comment:
    """Correct a comment."""
    guards.ensure_feedback_open(meeting)
    comment = get_comment(session, meeting, comment_id)
    comment.commenter_name, comment.commenter_role, comment.summary = _clean(name, role, summary)
    session.flush()
    return comment


def delete_comment(session: Session, meeting: Meeting, comment_id: object) -> None:
    """Remove a comment recorded by mistake."""
    guards.ensure_feedback_open(meeting)
    session.delete(get_comment(session, meeting, comment_id))
    session.flush()


def list_comments(
    session: Session, meeting: Meeting, reporter_id: int | None = None
) -> list[Comment]:
    """Comments of the meeting (or of one reporter) in the order they were made."""
    query = select(Comment).where(Comment.meeting_id == meeting.id)
    if reporter_id is not None:
        query = query.where(Comment.reporter_id == reporter_id)
    return list(session.scalars(query.order_by(Comment.reporter_id, Comment.position)))
