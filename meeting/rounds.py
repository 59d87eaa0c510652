"""Scoring rounds: open for chosen reporters, turnout, close (frozen), void and re-run.

One round is open at a time per meeting, so a phone always knows which sheet to show.
A reporter is scored in at most one round that is not void; to score again, void the
round (with a reason, kept in the audit log) and re-run it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from . import errors
from .guards import ensure_not_sealed, lock, record
from .models import (
    ACTIVE,
    CLOSED_ROUND,
    LIVE,
    OPEN,
    VOID,
    Ballot,
    BallotToken,
    Meeting,
    Organiser,
    Reporter,
    RoundReporter,
    RoundToken,
    ScoringRound,
    is_id,
    utcnow,
)

MAX_TITLE = 200


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


def scored_reporter_ids(session: Session, meeting: Meeting) -> set[int]:
    """Reporters already in a round that is not void (open or closed)."""
    return set(
        session.scalars(
            select(RoundReporter.reporter_id)
            .join(ScoringRound, ScoringRound.id == RoundReporter.round_id)
            .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status != VOID)
        )
    )


def get_round(session: Session, meeting: Meeting, round_id: object) -> ScoringRound:
    """A round of this meeting, or NotFound (ids of other meetings are not found)."""
    scoring_round = session.get(ScoringRound, round_id) if is_id(round_id) else None
    if scoring_round is None or scoring_round.meeting_id != meeting.id:
        raise errors.NotFound(_l("This scoring round does not exist."))
    return scoring_round


def get_open_round(session: Session, meeting_id: int) -> ScoringRound | None:
    """The meeting's open round, if any."""
    return session.scalars(
        select(ScoringRound).where(
            ScoringRound.meeting_id == meeting_id, ScoringRound.status == OPEN
        )
    ).first()


def list_rounds(session: Session, meeting: Meeting) -> list[ScoringRound]:
    """All rounds of the meeting, oldest first."""
    return list(
        session.scalars(
            select(ScoringRound)
            .where(ScoringRound.meeting_id == meeting.id)
            .order_by(ScoringRound.id)
        )
    )


def open_round(
    session: Session,
    meeting: Meeting,
    reporter_ids: list[int],
    title: str = "",
    organiser: Organiser | None = None,
) -> ScoringRound:
    """Open a round for the given reporters (in meeting order).

    Refused when the meeting is not live, another round is open, the list is empty or
    names someone outside the meeting, or a reporter was already scored (void first).
    """
    lock(session, meeting)
    if meeting.status != LIVE:
        raise errors.Conflict(_l("Start the meeting before opening a scoring round."))
    if get_open_round(session, meeting.id) is not None:
        raise errors.Conflict(_l("Another scoring round is open; close it first."))
    if not isinstance(reporter_ids, list) or not reporter_ids:
        raise errors.Invalid(_l("Choose at least one reporter to score."))
    by_id = {r.id: r for r in meeting.reporters}
    if any(not is_id(rid) or rid not in by_id for rid in reporter_ids):
        raise errors.NotFound(_l("This reporter does not exist."))
    already = scored_reporter_ids(session, meeting) & set(reporter_ids)
    if already:
        names = "、".join(
            by_id[rid].name for rid in sorted(already, key=lambda r: by_id[r].position)
        )
        raise errors.Conflict(
            _l("Already scored: %(names)s. Void that round to score again.", names=names)
        )
    chosen = sorted(set(reporter_ids), key=lambda rid: by_id[rid].position)
    title = (title or "").strip()[:MAX_TITLE] or default_title([by_id[rid] for rid in chosen])
    scoring_round = ScoringRound(meeting_id=meeting.id, title=title, status=OPEN)
    scoring_round.entries = [
        RoundReporter(reporter_id=rid, position=i) for i, rid in enumerate(chosen)
    ]
    session.add(scoring_round)
    session.flush()
    record(session, meeting, organiser, "round_open", {"round": scoring_round.id, "title": title})
    return scoring_round


def default_title(reporters: list[Reporter]) -> str:
    """A readable title: the name for one reporter, else a count."""
    if len(reporters) == 1:
        return str(_l("Scoring: %(name)s", name=reporters[0].name))
    return str(_l("Scoring: %(n)d reporters", n=len(reporters)))


@dataclass
class Turnout:
    eligible: dict[int, int]  # category id -> tokens that may vote
    voted: dict[int, int]  # category id -> ballots in the round
    valid: int
    invalid: int

    @property
    def total_eligible(self) -> int:
        return sum(self.eligible.values())

    @property
    def total_voted(self) -> int:
        return sum(self.voted.values())


def turnout(session: Session, scoring_round: ScoringRound) -> Turnout:
    """Eligible and voted per category; frozen numbers once the round is closed.

    Eligible: active tokens, plus revoked tokens that already voted in this round (their
    ballot stays counted), so a round can never hold more ballots than eligible tokens.
    """
    if scoring_round.status != OPEN and scoring_round.summary:
        summary = scoring_round.summary
        return Turnout(
            eligible={int(k): v for k, v in summary["eligible"].items()},
            voted={int(k): v for k, v in summary["voted"].items()},
            valid=summary["valid"],
            invalid=summary["invalid"],
        )
    voted_rows = session.execute(
        select(Ballot.category_id, Ballot.valid, func.count())
        .where(Ballot.round_id == scoring_round.id)
        .group_by(Ballot.category_id, Ballot.valid)
    ).all()
    voted: dict[int, int] = {}
    valid = invalid = 0
    for category_id, is_valid, count in voted_rows:
        voted[category_id] = voted.get(category_id, 0) + count
        if is_valid:
            valid += count
        else:
            invalid += count
    active = dict(
        session.execute(
            select(BallotToken.category_id, func.count())
            .where(BallotToken.meeting_id == scoring_round.meeting_id, BallotToken.status == ACTIVE)
            .group_by(BallotToken.category_id)
        ).all()
    )
    revoked_voters = dict(
        session.execute(
            select(BallotToken.category_id, func.count())
            .join(Ballot, Ballot.token_id == BallotToken.id)
            .where(Ballot.round_id == scoring_round.id, BallotToken.status != ACTIVE)
            .group_by(BallotToken.category_id)
        ).all()
    )
    categories = set(active) | set(revoked_voters) | set(voted)
    eligible = {cid: active.get(cid, 0) + revoked_voters.get(cid, 0) for cid in categories}
    return Turnout(eligible=eligible, voted=voted, valid=valid, invalid=invalid)


def not_voted(session: Session, scoring_round: ScoringRound) -> list[BallotToken]:
    """Active tokens without a ballot in the round (for the organiser, by serial)."""
    voted = select(Ballot.token_id).where(Ballot.round_id == scoring_round.id)
    return list(
        session.scalars(
            select(BallotToken)
            .where(
                BallotToken.meeting_id == scoring_round.meeting_id,
                BallotToken.status == ACTIVE,
                BallotToken.id.not_in(voted),
            )
            .order_by(BallotToken.serial)
        )
    )


def close_round(
    session: Session, scoring_round: ScoringRound, organiser: Organiser | None = None
) -> ScoringRound:
    """Close and freeze a round in one transaction; closing twice returns the same result.

    Frozen: every eligible token with whether it voted (round_token rows) and the counts
    per category, valid and invalid. Ballots arriving later are refused.
    """
    # lock the round row: a ballot being written (FOR SHARE) is either in or refused
    session.execute(
        select(ScoringRound.id).where(ScoringRound.id == scoring_round.id).with_for_update()
    )
    session.refresh(scoring_round)
    if scoring_round.status == CLOSED_ROUND:
        return scoring_round
    if scoring_round.status == VOID:
        raise errors.Conflict(_l("This round was voided; it cannot be closed."))
    meeting = session.get(Meeting, scoring_round.meeting_id)
    assert meeting is not None
    ensure_not_sealed(meeting)
    counts = turnout(session, scoring_round)
    voters = dict(
        session.execute(
            select(Ballot.token_id, Ballot.category_id).where(Ballot.round_id == scoring_round.id)
        ).all()
    )
    active = session.execute(
        select(BallotToken.id, BallotToken.category_id).where(
            BallotToken.meeting_id == scoring_round.meeting_id, BallotToken.status == ACTIVE
        )
    ).all()
    eligible = dict(active) | voters
    session.add_all(
        RoundToken(
            round_id=scoring_round.id,
            token_id=token_id,
            category_id=category_id,
            voted=token_id in voters,
        )
        for token_id, category_id in eligible.items()
    )
    scoring_round.status = CLOSED_ROUND
    scoring_round.closed_at = utcnow()
    scoring_round.summary = {
        "eligible": {str(k): v for k, v in counts.eligible.items()},
        "voted": {str(k): v for k, v in counts.voted.items()},
        "valid": counts.valid,
        "invalid": counts.invalid,
    }
    record(session, meeting, organiser, "round_close", {"round": scoring_round.id})
    session.flush()
    return scoring_round


def void_round(
    session: Session, scoring_round: ScoringRound, reason: str, organiser: Organiser | None = None
) -> ScoringRound:
    """Void a round (open or closed) with a reason; its ballots stay stored but count nowhere."""
    meeting = session.get(Meeting, scoring_round.meeting_id)
    assert meeting is not None
    ensure_not_sealed(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise errors.Invalid(_l("Give the reason for voiding the round; it is kept on record."))
    if scoring_round.status == VOID:
        raise errors.Conflict(_l("This round is void already."))
    scoring_round.status = VOID
    scoring_round.voided_at = utcnow()
    scoring_round.void_reason = reason[:1000]
    record(session, meeting, organiser, "round_void", {"round": scoring_round.id, "reason": reason})
    session.flush()
    return scoring_round


def rerun_round(
    session: Session, scoring_round: ScoringRound, organiser: Organiser | None = None
) -> ScoringRound:
    """Open a new round for the reporters of a void round."""
    if scoring_round.status != VOID:
        raise errors.Conflict(_l("Only a voided round can be run again."))
    meeting = session.get(Meeting, scoring_round.meeting_id)
    assert meeting is not None
    title = str(_l("%(title)s (again)", title=scoring_round.title))
    return open_round(session, meeting, scoring_round.reporter_ids, title, organiser)
