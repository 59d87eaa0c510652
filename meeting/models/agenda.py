from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

# agenda item kinds
OPENING = "opening"
REPORT = "report"  # one on-site reporter: report -> comment -> inquiry -> scoring
WRITTEN = "written"  # the block of written reports
SCORING = "scoring"  # one scoring of every reporter not yet scored (集中测评)
CLOSING = "closing"
CUSTOM = "custom"

# inquiry statuses
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
ASKING = "asking"
ANSWERED = "answered"
NOT_REACHED = "not_reached"


class AgendaItem(Base):
    """One item of the meeting's agenda, with its phases and their durations."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporter.id", ondelete="CASCADE"))
    # [{"key": "report", "seconds": 480}, ...]; the inquiry phase may carry "answer_seconds"
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class MeetingState(Base):
    """Where the meeting is now: every screen is a view of this row.

    The countdown is stored as an absolute end time (ms since the epoch) while it runs and
    as the remaining ms while paused, so every screen computes the same remaining time
    from the server clock, also after a reconnect or a server restart.
    """

    __tablename__ = "meeting_state"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    phase_index: Mapped[int] = mapped_column(default=0)
    started: Mapped[bool] = mapped_column(default=False)
    finished: Mapped[bool] = mapped_column(default=False)
    timer_running: Mapped[bool] = mapped_column(default=False)
    timer_ends_ms: Mapped[int | None] = mapped_column(BigInteger)
    timer_remaining_ms: Mapped[int | None] = mapped_column(BigInteger)
    timer_duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # questions may be sent for this reporter (None: the question form is closed)
    inquiry_reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("reporter.id", ondelete="SET NULL")
    )
    speaker: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # who is commenting now
    # the phase countdown kept aside while an answer countdown runs (same fields as the
    # timer_* columns); it comes back when the question is answered
    phase_timer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Comment(Base):
    """A leader's comment (点评) on a reporter, for the feedback letter."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("reporter.id", ondelete="CASCADE"))
    commenter_name: Mapped[str] = mapped_column(String(64))
    commenter_role: Mapped[str] = mapped_column(String(128), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inquiry(Base):
    """A question (询问) to a reporter, from a delegate's phone or entered by the organiser."""

    __tablename__ = "inquiry"
    __table_args__ = (UniqueConstraint("meeting_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("reporter.id", ondelete="CASCADE"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_token.id", ondelete="SET NULL"))
    submission_id: Mapped[str | None] = mapped_column(String(64))  # the phone's id: double taps
    asker_name: Mapped[str] = mapped_column(String(64), default="")
    asker_category: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    answer_summary: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    edited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
