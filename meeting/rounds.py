"""Scoring rounds: open for chosen reporters, turnout, close (frozen), void and re-run.

One round is open at a time per meeting, so a phone always knows which sheet to show.
A reporter is scored in at most one round that is not void; to score again, void the
round (with a reason, kept in the audit log) and re-run it.

A rehearsal round (试测) lets the room practise scanning and submitting: phones treat it
like any other round, it counts nothing, and closing (or voiding) it deletes it with its
ballots, so no result, export, quota or history ever sees it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.orm import Session

from . import errors, schemes, tokens
from .guards import ensure_not_sealed, lock, record
from .models import (
    ACTIVE,
    BALLOTS,
    CLOSED,
    CLOSED_ROUND,
    LIVE,
    OPEN,
    VOID,
    Ballot,
    BallotToken,
    Meeting,
    MeetingState,
    Organiser,
    Reporter,
    RoundReporter,
    RoundToken,
    ScoringRound,
    TopGradeUse,
    is_id,
    utcnow,
)
from .scoring import (
    QUOTA_PER_MEETING,
    quorum_met,
    scheme_from_dict,
    top_quota_limit,
    top_used,
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
    """Reporters with a valid score or being scored: in an open round, or in a closed round
    whose quorum was met. A reporter whose round missed the quorum may be scored again."""
    quorum = scheme_from_dict(meeting.scheme).quorum_pct
    rows = session.execute(
        select(RoundReporter.reporter_id, ScoringRound)
        .join(ScoringRound, ScoringRound.id == RoundReporter.round_id)
        .where(
            ScoringRound.meeting_id == meeting.id,
            ScoringRound.status != VOID,
            ScoringRound.rehearsal.is_(False),
        )
    ).all()
    return {
        reporter_id
        for reporter_id, scoring_round in rows
        if scoring_round.status == OPEN or round_quorum_met(scoring_round, quorum)
    }


def round_quorum_met(scoring_round: ScoringRound, quorum_pct: Fraction) -> bool:
    """Whether a closed round's frozen counts meet the quorum (see scoring.quorum_met)."""
    summary = scoring_round.summary or {}
    issued = sum((summary.get("eligible") or {}).values())
    returned = sum((summary.get("voted") or {}).values())
    return quorum_met(issued, returned, quorum_pct)


def void_result_reporter_ids(session: Session, meeting: Meeting) -> list[int]:
    """Reporters whose latest result missed the quorum and who are not being scored now
    (in meeting order): the ones a re-run is offered for."""
    quorum = scheme_from_dict(meeting.scheme).quorum_pct
    latest: dict[int, ScoringRound] = {}
    for reporter_id, scoring_round in session.execute(
        select(RoundReporter.reporter_id, ScoringRound)
        .join(ScoringRound, ScoringRound.id == RoundReporter.round_id)
        .where(ScoringRound.meeting_id == meeting.id, ScoringRound.status != VOID)
        .order_by(ScoringRound.id)
    ).all():
        latest[reporter_id] = scoring_round
    return [
        r.id
        for r in meeting.reporters
        if r.id in latest
        and latest[r.id].status == CLOSED_ROUND
        and not round_quorum_met(latest[r.id], quorum)
    ]


def rescore_void_results(
    session: Session, meeting: Meeting, organiser: Organiser | None = None
) -> ScoringRound:
    """Open a new round for every reporter whose result missed the quorum.

    Refused like open_round (the meeting must be live, no other round open), and when no
    result is void.
    """
    reporter_ids = void_result_reporter_ids(session, meeting)
    if not reporter_ids:
        raise errors.Conflict(_l("No result is void for lack of ballots."))
    title = str(_l("Scoring again (the last round missed the quorum)"))
    return open_round(session, meeting, reporter_ids, title, organiser)


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
    """All rounds of the meeting, oldest first; an open rehearsal, not an ended one."""
    return list(
        session.scalars(
            select(ScoringRound)
            .where(
                ScoringRound.meeting_id == meeting.id,
                (ScoringRound.rehearsal.is_(False)) | (ScoringRound.status == OPEN),
            )
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
    _ensure_none_open(session, meeting)
    if meeting.status != LIVE:
        raise errors.Conflict(_l("Start the meeting before opening a scoring round."))
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


def ensure_ready(session: Session, meeting: Meeting) -> None:
    """What scoring needs, to go live or to rehearse: reporters, valid weights, a valid
    scheme and printed slips."""
    if not meeting.reporters:
        raise errors.Conflict(_l("Add the reporters before the meeting starts."))
    schemes.validate_weights([(c.name, c.weight) for c in meeting.categories])
    schemes.validate_scheme(dict(meeting.scheme))
    if not session.scalar(
        select(func.count())
        .select_from(BallotToken)
        .where(BallotToken.meeting_id == meeting.id, BallotToken.category_id.is_not(None))
    ):  # spare slips (no category) cannot vote
        raise errors.Conflict(_l("Generate the ballot slips before the meeting starts."))


def _ensure_none_open(session: Session, meeting: Meeting) -> None:
    current = get_open_round(session, meeting.id)
    if current is not None and current.rehearsal:
        raise errors.Conflict(_l("The rehearsal is still open; end it first."))
    if current is not None:
        raise errors.Conflict(_l("Another scoring round is open; close it first."))


def open_rehearsal(
    session: Session, meeting: Meeting, organiser: Organiser | None = None
) -> ScoringRound:
    """Open a rehearsal round (试测) on the real sheet: every reporter of the meeting.

    Allowed before the agenda starts (the meeting may be live already). Refused when the
    meeting is sealed, the agenda runs or a real round exists, another round is open, or the meeting has no
    reporters, no valid scheme or no slips yet (phones need all three to practise).
    """
    lock(session, meeting)
    if meeting.status == CLOSED:
        raise errors.Conflict(_l("The meeting has ended; slips can no longer be used."))
    _ensure_none_open(session, meeting)
    state = session.get(MeetingState, meeting.id)
    if (state is not None and state.started) or has_rounds(session, meeting):
        # mid-meeting every phone would switch to a practice sheet: not by accident
        raise errors.Conflict(_l("The rehearsal is for before the agenda starts."))
    ensure_ready(session, meeting)
    scoring_round = ScoringRound(
        meeting_id=meeting.id, title=str(_l("Rehearsal")), status=OPEN, rehearsal=True
    )
    scoring_round.entries = [
        RoundReporter(reporter_id=r.id, position=i) for i, r in enumerate(meeting.reporters)
    ]
    session.add(scoring_round)
    session.flush()
    record(session, meeting, organiser, "rehearsal_open", {"round": scoring_round.id})
    return scoring_round


def end_rehearsal(
    session: Session, scoring_round: ScoringRound, organiser: Organiser | None = None
) -> list[int]:
    """Wipe an open rehearsal round: its ballots and its sheet are deleted; returns the
    slips that had voted (their phones are told). Only the number of ballots is logged.

    The round row stays, void and empty, as a tombstone: SQLite hands a deleted row's id
    to the next row, and a phone still holding a practice ballot must never see it
    accepted by the real round that would inherit the id.
    """
    session.execute(
        select(ScoringRound.id).where(ScoringRound.id == scoring_round.id).with_for_update()
    )
    session.refresh(scoring_round)
    if not scoring_round.rehearsal or scoring_round.status != OPEN:
        raise errors.Conflict(_l("This rehearsal has ended already."))
    voters = [
        token_id
        for token_id in session.scalars(
            select(Ballot.token_id).where(Ballot.round_id == scoring_round.id)
        )
        if token_id is not None
    ]
    session.execute(delete(BALLOTS).where(BALLOTS.c.round_id == scoring_round.id))
    scoring_round.entries = []
    scoring_round.status = VOID
    scoring_round.voided_at = utcnow()
    meeting = session.get(Meeting, scoring_round.meeting_id)
    record(session, meeting, organiser, "rehearsal_end", {"ballots": len(voters)})
    session.flush()
    return voters


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
    """Issued and returned per category; frozen numbers once the round is closed.

    Issued counts delegates, not pieces of paper: every slip in use, plus a revoked slip
    that voted in this round and was not replaced (its ballot stays counted). A slip that
    voted, was lost and replaced is one delegate with one slip, whenever it was lost, so
    the quorum's denominator does not depend on the timing. A round can therefore never
    hold more ballots than slips issued.
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
    active = session.execute(
        select(BallotToken.category_id, func.count())
        .where(BallotToken.meeting_id == scoring_round.meeting_id, BallotToken.status == ACTIVE)
        .group_by(BallotToken.category_id)
    ).all()
    # a slip in use always has a category; only a spare one (never active) has none
    eligible = {category_id: count for category_id, count in active if category_id is not None}
    for category_id in _unreplaced_revoked_voters(session, scoring_round).values():
        eligible[category_id] = eligible.get(category_id, 0) + 1
    for category_id in voted:
        eligible.setdefault(category_id, 0)
    return Turnout(eligible=eligible, voted=voted, valid=valid, invalid=invalid)


def _unreplaced_revoked_voters(session: Session, scoring_round: ScoringRound) -> dict[int, int]:
    """Revoked slips whose ballot is in the round and that no slip in use replaces
    (token id -> category id): delegates who are issued though their slip is gone."""
    revoked_voters = dict(
        session.execute(
            select(BallotToken.id, BallotToken.category_id)
            .join(Ballot, Ballot.token_id == BallotToken.id)
            .where(Ballot.round_id == scoring_round.id, BallotToken.status != ACTIVE)
        ).all()
    )
    replaced = tokens.successors(session, scoring_round.meeting_id, set(revoked_voters))
    return {
        tid: cid
        for tid, cid in revoked_voters.items()
        if tid not in replaced and cid is not None  # a spare slip never voted
    }


def not_voted(session: Session, scoring_round: ScoringRound) -> list[BallotToken]:
    """Slips in use whose delegate has no ballot in the round (by serial).

    A replacement slip whose lost predecessor voted has voted.
    """
    voters = {
        token_id
        for token_id in session.scalars(
            select(Ballot.token_id).where(Ballot.round_id == scoring_round.id)
        )
        if token_id is not None
    }
    voted = voters | set(tokens.successors(session, scoring_round.meeting_id, voters).values())
    active = session.scalars(
        select(BallotToken)
        .where(BallotToken.meeting_id == scoring_round.meeting_id, BallotToken.status == ACTIVE)
        .order_by(BallotToken.serial)
    )
    return [token for token in active if token.id not in voted]


def close_round(
    session: Session, scoring_round: ScoringRound, organiser: Organiser | None = None
) -> ScoringRound:
    """Close and freeze a round in one transaction; closing twice returns the same result.

    Frozen: who was issued a slip and whether they voted (round_token rows, one per
    delegate) and the counts per category, valid and invalid. Then the ballots are cut
    from their slips (cut_links). Ballots arriving later are refused.
    """
    # lock the round row: a ballot being written (FOR SHARE) is either in or refused
    session.execute(
        select(ScoringRound.id).where(ScoringRound.id == scoring_round.id).with_for_update()
    )
    session.refresh(scoring_round)
    if scoring_round.rehearsal:
        raise errors.Conflict(_l("A rehearsal is not closed but ended; its ballots are wiped."))
    if scoring_round.status == CLOSED_ROUND:
        return scoring_round
    if scoring_round.status == VOID:
        raise errors.Conflict(_l("This round was voided; it cannot be closed."))
    meeting = session.get(Meeting, scoring_round.meeting_id)
    assert meeting is not None
    ensure_not_sealed(meeting)
    counts = turnout(session, scoring_round)
    voters = {
        token_id
        for token_id in session.scalars(
            select(Ballot.token_id).where(Ballot.round_id == scoring_round.id)
        )
        if token_id is not None
    }
    # who voted, by delegate: a ballot cast with a slip that was replaced since counts
    # for the replacement (one delegate, one row)
    voted = voters | set(tokens.successors(session, scoring_round.meeting_id, voters).values())
    active = session.execute(
        select(BallotToken.id, BallotToken.category_id).where(
            BallotToken.meeting_id == scoring_round.meeting_id, BallotToken.status == ACTIVE
        )
    ).all()
    eligible = dict(active) | _unreplaced_revoked_voters(session, scoring_round)
    session.add_all(
        RoundToken(
            round_id=scoring_round.id,
            token_id=token_id,
            category_id=category_id,
            voted=token_id in voted,
        )
        for token_id, category_id in eligible.items()
    )
    scoring_round.status = CLOSED_ROUND
    scoring_round.closed_at = utcnow()
    count_top_grades(session, meeting, scoring_round)
    cut_links(session, scoring_round, scoring_round.closed_at)
    scoring_round.summary = {
        "eligible": {str(k): v for k, v in counts.eligible.items()},
        "voted": {str(k): v for k, v in counts.voted.items()},
        "valid": counts.valid,
        "invalid": counts.invalid,
    }
    record(session, meeting, organiser, "round_close", {"round": scoring_round.id})
    session.flush()
    return scoring_round


def cut_links(session: Session, scoring_round: ScoringRound, at: datetime) -> None:
    """Store a closed round's ballots without their slips: what was voted, not by whom.

    While a round is open a ballot must name its slip (one ballot per slip, changeable).
    At the close the rows are written again in a random order, without the slip and with
    the close as their only time, so neither a column nor the row order nor a time stamp
    ties a ballot to a slip or to the moment it was cast. Who voted stays in round_token.
    (SQLite runs with secure_delete, so the old rows do not linger in the file.)
    """
    table = BALLOTS
    rows = [
        dict(row._mapping)
        for row in session.execute(select(table).where(table.c.round_id == scoring_round.id))
    ]
    if not rows:
        return
    session.execute(delete(table).where(table.c.round_id == scoring_round.id))
    secrets.SystemRandom().shuffle(rows)
    for row in rows:
        row.pop("id")
        row.update(token_id=None, created_at=at, updated_at=at)
    session.execute(insert(table), rows)


def count_top_grades(session: Session, meeting: Meeting, scoring_round: ScoringRound) -> None:
    """Per-meeting quota: add each slip's top grades in this round to its running count
    (keyed by the first slip of its lineage, so a replacement continues it). Kept only
    while the meeting runs; sealing deletes the counts."""
    scheme = scheme_from_dict(meeting.scheme)
    if scheme.top_quota_scope != QUOTA_PER_MEETING or top_quota_limit(scheme, 1) is None:
        return
    roots = tokens.lineage_roots(session, meeting.id)
    ballots = session.execute(
        select(Ballot.token_id, Ballot.answers).where(Ballot.round_id == scoring_round.id)
    ).all()
    for token_id, answers in ballots:
        if token_id is None:
            continue
        root = roots.get(token_id, token_id)
        parsed = {int(rid): lines for rid, lines in answers.items()}
        row = session.get(TopGradeUse, (meeting.id, root))
        if row is None:
            row = TopGradeUse(meeting_id=meeting.id, token_id=root, used=0)
            session.add(row)
        row.used += top_used(scheme, parsed)
    session.flush()


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
    if scoring_round.rehearsal:
        raise errors.Conflict(_l("A rehearsal is not closed but ended; its ballots are wiped."))
    scoring_round.status = VOID
    scoring_round.voided_at = utcnow()
    cut_links(session, scoring_round, scoring_round.voided_at)
    scoring_round.void_reason = reason[:1000]
    record(session, meeting, organiser, "round_void", {"round": scoring_round.id, "reason": reason})
    session.flush()
    return scoring_round


def rerun_round(
    session: Session, scoring_round: ScoringRound, organiser: Organiser | None = None
) -> ScoringRound:
    """Open a new round for the reporters of a void round."""
    if scoring_round.status != VOID or scoring_round.rehearsal:
        raise errors.Conflict(_l("Only a voided round can be run again."))
    meeting = session.get(Meeting, scoring_round.meeting_id)
    assert meeting is not None
    title = str(_l("%(title)s (again)", title=scoring_round.title))
    return open_round(session, meeting, scoring_round.reporter_ids, title, organiser)
