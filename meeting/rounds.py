"""Scoring rounds: open for chosen reporters, turnout, close (frozen), void and re-run."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .models import VOID, Meeting, Reporter, RoundReporter, ScoringRound


def has_rounds(session: Session, meeting: Meeting) -> bool:
    """Whether any round that is not void exists for the meeting."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(ScoringRound)
            .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status != VOID)
        )
    )


def reporter_is_scored(session: Session, reporter: Reporter) -> bool:
    """Whether the reporter is in a round that is not void."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    RoundReporter.reporter_id == reporter.id,
                    RoundReporter.round_id == ScoringRound.id,
                    ScoringRound.status != VOID,
                )
            )
        )
    )
