from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .meetings import Reporter

OPEN = "open"
CLOSED_ROUND = "closed"
VOID = "void"


class ScoringRound(Base):
    """A scoring round (测评轮次) for chosen reporters; one ballot per token."""

    __tablename__ = "scoring_round"
    __table_args__ = (
        # at most one open round per meeting, whatever races the application loses
        Index(
            "uq_scoring_round_one_open",
            "meeting_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # Frozen at close: {"eligible": {category_id: n}, "voted": {...}, "valid": n, "invalid": n}
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # 试测: phones treat it like any other round; it counts nothing and is deleted, with
    # its ballots, when it closes
    rehearsal: Mapped[bool] = mapped_column(default=False)

    entries: Mapped[list[RoundReporter]] = relationship(
        order_by="RoundReporter.position", cascade="all, delete-orphan"
    )

    @property
    def reporter_ids(self) -> list[int]:
        return [entry.reporter_id for entry in self.entries]


class RoundReporter(Base):
    __tablename__ = "round_reporter"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("scoring_round.id", ondelete="CASCADE"), primary_key=True
    )
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("reporter.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)

    reporter: Mapped[Reporter] = relationship()


class Ballot(Base):
    """At most one per slip and round while the round is open (the constraint is the
    guarantee); when the round closes the link to the slip is cut (token_id NULL), the
    rows are written again in random order and their times set to the close."""

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("round_id", "token_id"),
        UniqueConstraint("round_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("scoring_round.id", ondelete="CASCADE"), index=True
    )
    token_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_token.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    number: Mapped[int]  # random ballot number for anonymous exports
    submission_id: Mapped[str] = mapped_column(String(64))  # the phone's id of this version
    seq: Mapped[int] = mapped_column(default=0)  # the phone's counter; older versions lose
    revision: Mapped[int] = mapped_column(default=1)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)  # {reporter id: {line: value}}
    valid: Mapped[bool]
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# The ballot table for Core statements (the hot path, the close's rewrite).
BALLOTS = cast(Table, Ballot.__table__)


class RoundToken(Base):
    """Frozen at close: who was eligible in the round and who voted."""

    __tablename__ = "round_token"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("scoring_round.id", ondelete="CASCADE"), primary_key=True
    )
    token_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_token.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    voted: Mapped[bool]


class TopGradeUse(Base):
    """How many top grades a slip has given in the meeting's closed rounds (a count only).

    Needed only by the per-meeting top-grade quota (a slip's 好 across all its rounds); it
    is deleted when the meeting is sealed. The slip is its lineage's first slip, so a
    replacement slip continues the count.
    """

    __tablename__ = "top_grade_use"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    token_id: Mapped[int] = mapped_column(
        ForeignKey("ballot_token.id", ondelete="CASCADE"), primary_key=True
    )
    used: Mapped[int] = mapped_column(default=0)
