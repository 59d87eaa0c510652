from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow

DRAFT = "draft"
LIVE = "live"
CLOSED = "closed"  # sealed: no token works any more
STATUSES = (DRAFT, LIVE, CLOSED)


class Meeting(Base):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    organ_name: Mapped[str] = mapped_column(String(200), default="")
    held_on: Mapped[date | None] = mapped_column(Date)
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    archived: Mapped[bool] = mapped_column(default=False)
    screen_key: Mapped[str] = mapped_column(String(64))
    scheme: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # feedback letter settings: wording per final grade, report due date, sign-off ...
    letter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # what the projector shows of the results: {"level": ..., "data": {...}, "at": ...}
    published: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # 定稿: the letters as issued are recorded (IssuedLetter) and can no longer change
    finalised_at: Mapped[datetime | None]
    # the address phones use (QR codes, slips, projector), chosen in the UI; "" = detected
    public_url: Mapped[str] = mapped_column(String(300), default="")
    # the address the slips were last printed with, to warn when it no longer matches
    slips_url: Mapped[str] = mapped_column(String(300), default="")
    # pre-flight: when a phone last opened the test QR, when the projector last connected
    reachable_at: Mapped[datetime | None]
    screen_seen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    categories: Mapped[list[Category]] = relationship(
        back_populates="meeting", order_by="Category.position", cascade="all, delete-orphan"
    )
    reporters: Mapped[list[Reporter]] = relationship(
        back_populates="meeting", order_by="Reporter.position", cascade="all, delete-orphan"
    )


class Category(Base):
    """A delegate category (测评人类别) with its weight in percent."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(default=0.0)
    may_inquire: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="categories")


class Reporter(Base):
    """An official being assessed (述职对象)."""

    __tablename__ = "reporter"
    __table_args__ = (UniqueConstraint("meeting_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(128), default="")  # 职务
    unit: Mapped[str] = mapped_column(String(128), default="")
    on_site: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Imported result components (日常考核 ...), keyed like the scheme's components.
    component_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report_text: Mapped[str] = mapped_column(Text, default="")
    report_file: Mapped[str | None] = mapped_column(String(255))  # stored name under instance/
    report_filename: Mapped[str | None] = mapped_column(String(255))  # as uploaded

    meeting: Mapped[Meeting] = relationship(back_populates="reporters")


class AuditEntry(Base):
    """What an organiser did that matters later (void a round, revoke a slip, publish)."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
