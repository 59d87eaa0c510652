from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class ProblemItem(Base):
    """One entry of a reporter's problem list (问题清单)."""

    __tablename__ = "problem_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("reporter.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual | comment | inquiry
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RectificationItem(Base):
    """One entry of a reporter's rectification list (整改清单)."""

    __tablename__ = "rectification_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("reporter.id", ondelete="CASCADE"), index=True
    )
    item: Mapped[str] = mapped_column(Text)  # what is to be rectified
    measure: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(String(128), default="")
    deadline: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExportRecord(Base):
    """A file handed out for the archive, with its SHA-256 (tamper evidence)."""

    __tablename__ = "export_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedLetter(Base):
    """A feedback letter as finalised (定稿): the file and its SHA-256, kept for the record.

    Withdrawing the finalisation (with a reason, in the audit log) marks these withdrawn;
    finalising again records new versions beside them.
    """

    __tablename__ = "issued_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(ForeignKey("reporter.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1)
    file: Mapped[str] = mapped_column(String(255))  # relative to the instance folder
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(default=0)
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
