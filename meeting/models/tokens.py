from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .meetings import Category

ACTIVE = "active"
REVOKED = "revoked"
SPARE = "spare"  # printed in reserve, no category yet; cannot vote until handed out


class BallotToken(Base):
    """One printed slip: bound to a category, never to a person."""

    __tablename__ = "ballot_token"
    __table_args__ = (UniqueConstraint("meeting_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), index=True
    )
    # NULL for a spare slip (备用票) until it is handed out for a lost one
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    secret: Mapped[str] = mapped_column(String(64), unique=True)  # in the QR code
    code: Mapped[str] = mapped_column(String(16), unique=True)  # short, typable
    serial: Mapped[int]  # printing order within the meeting
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("ballot_token.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # how often the slip was opened on a device: a device that joined earlier learns that
    # another one joined after it (a slip taken over is never a secret from its holder)
    joins: Mapped[int] = mapped_column(default=0)
    last_join_at: Mapped[datetime | None]

    category: Mapped[Category | None] = relationship()
