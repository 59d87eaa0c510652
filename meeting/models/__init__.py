"""Typed SQLAlchemy 2.0 models, one module per area."""

from .accounts import ROLE_ADMIN, ROLE_CLERK, Organiser
from .base import Base, is_id, utcnow
from .meetings import CLOSED, DRAFT, LIVE, STATUSES, AuditEntry, Category, Meeting, Reporter
from .rounds import CLOSED_ROUND, OPEN, VOID, Ballot, RoundReporter, RoundToken, ScoringRound
from .tokens import ACTIVE, REVOKED, BallotToken

__all__ = [
    "ACTIVE",
    "CLOSED",
    "CLOSED_ROUND",
    "DRAFT",
    "LIVE",
    "OPEN",
    "REVOKED",
    "ROLE_ADMIN",
    "ROLE_CLERK",
    "STATUSES",
    "VOID",
    "AuditEntry",
    "Ballot",
    "BallotToken",
    "Base",
    "Category",
    "Meeting",
    "Organiser",
    "Reporter",
    "RoundReporter",
    "RoundToken",
    "ScoringRound",
    "is_id",
    "utcnow",
]
